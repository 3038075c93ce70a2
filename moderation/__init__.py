"""Peer moderation: roles, review workflow, freshness, and its storage. No Telegram here."""
