"""Volunteer moderation: flags, the review queue, hide/restore with a reason, the public log,
and the anti-abuse rate limits that posting, voting and flagging share."""
