"""Alerts that end: at expiry (or retraction) the channel post is edited into a stub,
and the alert's text and number hashes are deleted from the database, overwritten on
disk (`secure_delete`) and flushed out of the write-ahead log. What stays is a count per
region and month, for the team's own statistics.

The sweep works in small batches, each its own short transaction, and yields to the
event loop between them, so ten thousand alerts expiring at once never hold up a person.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date

from moderation.alerts import outbox
from moderation.store import Store

BATCH = 50


async def end_alert(db, alert_id: int, kind: str) -> None:
    """Inside a transaction: the stub edits queued, every detail of the alert deleted."""
    await outbox.enqueue(db, alert_id, "", kind)
    await db.execute("DELETE FROM alert_numbers WHERE alert_id = ?", (alert_id,))
    await db.execute("DELETE FROM alerts WHERE id = ?", (alert_id,))


async def sweep(
    store: Store,
    today: date,
    *,
    batch: int = BATCH,
    on_ended: Callable[[int], None] = lambda _id: None,
) -> int:
    """End every alert whose expiry day has come; returns how many ended."""
    ended = 0
    while True:
        rows = await store.fetch_all(
            "SELECT id FROM alerts WHERE expires_on <= ? ORDER BY id LIMIT ?",
            (today.isoformat(), batch),
        )
        if not rows:
            break
        async with store.transaction() as db:
            for row in rows:
                await end_alert(db, row["id"], outbox.EXPIRE)
        for row in rows:
            on_ended(row["id"])
        ended += len(rows)
        await asyncio.sleep(0)  # let people's updates in between batches
    if ended:
        await forget_deleted(store)
    return ended


async def forget_deleted(store: Store) -> None:
    """What was deleted leaves the files too: secure_delete zeroed the freed pages, and
    a truncating checkpoint empties the write-ahead log that still held old copies."""
    await store.fetch_all("PRAGMA wal_checkpoint(TRUNCATE)")
