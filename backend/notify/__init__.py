"""Notifications: a per-user inbox, preferences per kind, live delivery and Web Push."""
