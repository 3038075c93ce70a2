"""Peer safety alerts ("bad date list"): a report about a dangerous client, vetted by the
region's peer moderators, published masked to the region, expired on schedule.

Small modules, no Telegram: `model` (what a report and an alert are), `masking` (phones,
e-mails, handles and plates made partial), `intake` (a report checked and stored),
`vetting` (two approvals, fast track, merging, rejection), `outbox` (posts and edits that
survive a crash), `expiry` (alerts that end, and what is kept of them), `lookup` (search by
partial details, "check a number"). `desk.AlertDesk` puts them together for the bot.

Nothing here is about the people who report or read: a report carries no user, chat or
time finer than a day and a part of it; the per-person limits live in the bot's memory.
"""

from moderation.alerts.desk import AlertDesk, AlertSettings

__all__ = ["AlertDesk", "AlertSettings"]
