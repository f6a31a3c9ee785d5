"""Accounts, sessions, bearer tokens, API keys and the permission rules."""
