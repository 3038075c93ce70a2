"""The region's moderators vet reports: newest and most severe first, contact details
masked unless revealed for matching, the text to publish masked automatically and
editable, two approvals (or one for teams of one), a fast track for violence and sexual
assault with a second moderator's review after, duplicates merged with a count, and
rejected reports deleted.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from moderation.alerts import expiry, outbox
from moderation.alerts.errors import AlertRefused
from moderation.alerts.model import (
    MAX_BODY,
    Alert,
    PendingReport,
    Period,
    ReportDraft,
    fast_track_allowed,
    period_of,
)
from moderation.store import Store


def _report(row) -> PendingReport:
    return PendingReport(
        row["id"],
        row["region"],
        row["day"],
        row["lang"],
        ReportDraft.from_json(row["details"]),
        row["text"],
        tuple(json.loads(row["approvals"])),
    )


def alert_of(row) -> Alert:
    return Alert(
        row["id"],
        row["region"],
        tuple(json.loads(row["categories"])),
        row["severity"],
        Period.parse(row["period"]),
        row["lang"],
        row["text"],
        row["reports"],
        row["status"],
        bool(row["needs_review"]),
        date.fromisoformat(row["published_on"]),
        date.fromisoformat(row["expires_on"]),
    )


async def pending(store: Store, regions: set[str] | None = None) -> list[PendingReport]:
    """Reports waiting, most severe first, then newest; only `regions` if given."""
    rows = await store.fetch_all(
        "SELECT * FROM alert_reports ORDER BY severity DESC, id DESC LIMIT 200"
    )
    return [_report(r) for r in rows if regions is None or r["region"] in regions]


async def report(store: Store, report_id: int) -> PendingReport:
    row = await store.fetch_one("SELECT * FROM alert_reports WHERE id = ?", (report_id,))
    if row is None:
        raise AlertRefused("gone")
    return _report(row)


async def set_text(store: Store, report_id: int, masked: str) -> None:
    """The text to publish, as a moderator wrote it (already masked). Approvals given to
    an earlier text no longer count: each approval is for exactly what will be shown."""
    if not masked.strip():
        raise AlertRefused("text_missing")
    if len(masked) > MAX_BODY:
        raise AlertRefused("text_too_long")
    async with store.transaction() as db:
        cursor = await db.execute(
            "UPDATE alert_reports SET text = ?, approvals = '[]' WHERE id = ?",
            (masked, report_id),
        )
        if cursor.rowcount != 1:
            raise AlertRefused("gone")


async def add_approval(store: Store, report_id: int, moderator_id: int) -> tuple[int, ...]:
    async with store.transaction() as db:
        cursor = await db.execute(
            "SELECT approvals, text FROM alert_reports WHERE id = ?", (report_id,)
        )
        row = await cursor.fetchone()
        if row is None:
            raise AlertRefused("gone")
        if not row["text"]:
            raise AlertRefused("text_missing")
        approvals = tuple(json.loads(row["approvals"]))
        if moderator_id in approvals:
            raise AlertRefused("own_approval")
        approvals = (*approvals, moderator_id)
        await db.execute(
            "UPDATE alert_reports SET approvals = ? WHERE id = ?",
            (json.dumps(approvals), report_id),
        )
        return approvals


async def publish(
    store: Store,
    found: PendingReport,
    *,
    today: date,
    expires_on: date,
    number_hashes: list[str],
    fast_tracked_by: int | None,
) -> int:
    """The report becomes an alert, in one transaction with its channel posts and counts;
    the report itself (with the contact details as given) is deleted."""
    if fast_tracked_by is not None and not fast_track_allowed(found.categories):
        raise AlertRefused("not_fast_track")
    if not found.text:
        raise AlertRefused("text_missing")
    period = period_of(found.draft.when, date.fromisoformat(found.day))
    async with store.transaction() as db:
        cursor = await db.execute("DELETE FROM alert_reports WHERE id = ?", (found.id,))
        if cursor.rowcount != 1:
            raise AlertRefused("gone")
        cursor = await db.execute(
            "INSERT INTO alerts (region, categories, severity, period, lang, text, "
            "needs_review, published_on, expires_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                found.region,
                json.dumps(list(found.categories)),
                found.severity,
                period.label(),
                found.lang,
                found.text,
                fast_tracked_by or 0,
                today.isoformat(),
                expires_on.isoformat(),
            ),
        )
        alert_id = int(cursor.lastrowid or 0)
        for value in number_hashes:
            await db.execute(
                "INSERT INTO alert_numbers (alert_id, hash) VALUES (?, ?)", (alert_id, value)
            )
        await outbox.enqueue(db, alert_id, found.region, outbox.POST)
        await count(db, found.region, today, found.severity, alerts=1, reports=1)
    return alert_id


async def count(db, region: str, today: date, severity: int, *, alerts: int, reports: int) -> None:
    await db.execute(
        "INSERT INTO alert_counts (region, month, severity, alerts, reports) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (region, month, severity) DO UPDATE SET "
        "alerts = alerts + excluded.alerts, reports = reports + excluded.reports",
        (region, today.strftime("%Y-%m"), severity, alerts, reports),
    )


async def merge(
    store: Store,
    found: PendingReport,
    alert_id: int,
    *,
    today: date,
    expires_on: date,
    number_hashes: list[str],
) -> int:
    """A report about a person already in an alert: the alert says "reported N times",
    lives on from today, and the report is deleted. Returns the new count."""
    async with store.transaction() as db:
        cursor = await db.execute(
            "SELECT region, severity, expires_on FROM alerts WHERE id = ?", (alert_id,)
        )
        row = await cursor.fetchone()
        if row is None or row["region"] != found.region:
            raise AlertRefused("gone")
        cursor = await db.execute("DELETE FROM alert_reports WHERE id = ?", (found.id,))
        if cursor.rowcount != 1:
            raise AlertRefused("gone")
        later = max(date.fromisoformat(row["expires_on"]), expires_on)
        await db.execute(
            "UPDATE alerts SET reports = reports + 1, expires_on = ?, "
            "severity = MAX(severity, ?) WHERE id = ?",
            (later.isoformat(), found.severity, alert_id),
        )
        for value in number_hashes:
            cursor = await db.execute(
                "SELECT 1 FROM alert_numbers WHERE alert_id = ? AND hash = ?", (alert_id, value)
            )
            if await cursor.fetchone() is None:
                await db.execute(
                    "INSERT INTO alert_numbers (alert_id, hash) VALUES (?, ?)", (alert_id, value)
                )
        await outbox.enqueue(db, alert_id, found.region, outbox.EDIT)
        await count(db, found.region, today, found.severity, alerts=0, reports=1)
        cursor = await db.execute("SELECT reports FROM alerts WHERE id = ?", (alert_id,))
        counted = await cursor.fetchone()
    return int(counted[0]) if counted else 0


async def reject(store: Store, report_id: int) -> None:
    """Deleted, not kept: nothing of a rejected report stays in the database or its log."""
    async with store.transaction() as db:
        cursor = await db.execute("DELETE FROM alert_reports WHERE id = ?", (report_id,))
        if cursor.rowcount != 1:
            raise AlertRefused("gone")
    await expiry.forget_deleted(store)


async def reviewed(store: Store, alert_id: int, moderator_id: int) -> None:
    """A second moderator agrees with a fast-tracked alert."""
    async with store.transaction() as db:
        cursor = await db.execute("SELECT needs_review FROM alerts WHERE id = ?", (alert_id,))
        row = await cursor.fetchone()
        if row is None or not row[0]:
            raise AlertRefused("not_reviewing")
        if row[0] == moderator_id:
            raise AlertRefused("own_approval")
        await db.execute("UPDATE alerts SET needs_review = 0 WHERE id = ?", (alert_id,))


async def retract(store: Store, alert_id: int) -> str:
    """Withdrawn: the channel post becomes a stub and the alert is deleted. Returns its
    region."""
    async with store.transaction() as db:
        cursor = await db.execute("SELECT region FROM alerts WHERE id = ?", (alert_id,))
        row = await cursor.fetchone()
        if row is None:
            raise AlertRefused("gone")
        await expiry.end_alert(db, alert_id, outbox.RETRACT)
    await expiry.forget_deleted(store)
    return str(row[0])


async def renew(store: Store, alert_id: int, expires_on: date) -> None:
    async with store.transaction() as db:
        cursor = await db.execute(
            "UPDATE alerts SET expires_on = MAX(expires_on, ?) WHERE id = ?",
            (expires_on.isoformat(), alert_id),
        )
        if cursor.rowcount != 1:
            raise AlertRefused("gone")


def expiry_for(severity: int, today: date, days: dict[int, int]) -> date:
    return today + timedelta(days=days[severity])
