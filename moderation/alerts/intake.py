"""A report checked and stored: fields trimmed to their limits, choices checked, and the
row written with the day only. Nothing about the reporter exists to be stored."""

from __future__ import annotations

import unicodedata
from datetime import date

from moderation.alerts.errors import AlertRefused
from moderation.alerts.model import CATEGORIES, CHOICES, TEXT_LIMITS, ReportDraft
from moderation.store import Store

# A flood of reports cannot fill the disk: past this, new ones are refused (and the
# person is told) until moderators have worked through the queue.
MAX_PENDING = 2000


def clean_text(text: str, limit: int) -> str:
    """One line or a few, no control or invisible format characters, at most `limit`."""
    text = unicodedata.normalize("NFC", text)
    kept = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C")
    lines = [" ".join(line.split()) for line in kept.split("\n")]
    return "\n".join(line for line in lines if line).strip()[:limit]


def clean_draft(draft: ReportDraft, regions: set[str]) -> ReportDraft:
    """The draft as it may be stored; raises AlertRefused for an empty one or an unknown
    region. Unknown choices are dropped, never guessed."""
    if draft.region not in regions:
        raise AlertRefused("unknown_region")
    cleaned = ReportDraft(region=draft.region)
    cleaned.categories = [c for c in CATEGORIES if c in draft.categories]
    for name, choices in CHOICES.items():
        value = getattr(draft, name)
        setattr(cleaned, name, value if value in choices else "")
    for name, limit in TEXT_LIMITS.items():
        setattr(cleaned, name, clean_text(getattr(draft, name) or "", limit))
    if cleaned.is_empty():
        raise AlertRefused("empty")
    return cleaned


async def store_report(
    store: Store, draft: ReportDraft, lang: str, today: date, regions: set[str]
) -> int:
    """Store a report for the region's moderators; returns its number."""
    cleaned = clean_draft(draft, regions)
    async with store.transaction() as db:
        cursor = await db.execute("SELECT COUNT(*) FROM alert_reports")
        row = await cursor.fetchone()
        if row is not None and row[0] >= MAX_PENDING:
            raise AlertRefused("too_many_pending")
        cursor = await db.execute(
            "INSERT INTO alert_reports (region, day, lang, severity, details) "
            "VALUES (?, ?, ?, ?, ?)",
            (cleaned.region, today.isoformat(), lang[:8], cleaned.severity, cleaned.to_json()),
        )
        return int(cursor.lastrowid or 0)
