"""Outgoing e-mail: composed in the recipient's language, kept in an outbox table, sent by
the job queue after the commit and retried with back-off."""
