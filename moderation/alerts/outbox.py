"""Channel posts and edits as rows written in the same transaction as the change they
announce, sent by the bot afterwards and deleted once Telegram has them.

A crash between the database write and the post leaves the row `pending`: it is sent
after the restart, once. A row found `sending` after a restart was cut off in the middle
of its call, and Telegram may or may not have it; a post is sent again (a repeated alert
is better than a lost one) and an edit simply made again. Edits at expiry carry no text:
the stub is rendered from the alert's number alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from moderation.store import Store

POST, EDIT, EXPIRE, RETRACT = "post", "edit", "expire", "retract"
STUBS = (EXPIRE, RETRACT)


@dataclass(frozen=True)
class OutboxItem:
    id: int
    alert_id: int
    chat_id: int
    kind: str
    interrupted: bool  # found mid-call after a restart: its fate is unknown
    attempts: int


async def enqueue(db, alert_id: int, region: str, kind: str) -> None:
    """Inside the caller's transaction: one row per channel that must hear about it."""
    if kind == POST:
        await db.execute(
            "INSERT INTO alert_outbox (alert_id, chat_id, kind) "
            "SELECT ?, chat_id, 'post' FROM alert_channels WHERE region = ?",
            (alert_id, region),
        )
        return
    # Edits go where the alert was posted. A post still waiting is simply dropped when
    # the alert ends: nothing of it ever reaches the channel.
    if kind in STUBS:
        await db.execute(
            "DELETE FROM alert_outbox WHERE alert_id = ? AND kind IN ('post', 'edit')",
            (alert_id,),
        )
    else:
        # A re-render waiting already shows the newest state when it is sent.
        cursor = await db.execute(
            "SELECT 1 FROM alert_outbox WHERE alert_id = ? AND kind IN ('edit', 'post') "
            "AND state = 'pending'",
            (alert_id,),
        )
        if await cursor.fetchone() is not None:
            return
    await db.execute(
        "INSERT INTO alert_outbox (alert_id, chat_id, kind) "
        "SELECT alert_id, chat_id, ? FROM alert_posts WHERE alert_id = ?",
        (kind, alert_id),
    )


async def due(store: Store, limit: int = 50) -> list[OutboxItem]:
    rows = await store.fetch_all(
        "SELECT id, alert_id, chat_id, kind, state, attempts FROM alert_outbox ORDER BY id LIMIT ?",
        (limit,),
    )
    return [
        OutboxItem(
            r["id"], r["alert_id"], r["chat_id"], r["kind"], r["state"] == "sending", r["attempts"]
        )
        for r in rows
    ]


async def pending_count(store: Store) -> int:
    row = await store.fetch_one("SELECT COUNT(*) FROM alert_outbox")
    return int(row[0]) if row else 0


async def mark_sending(store: Store, item: OutboxItem) -> bool:
    """Before the call: False if the row has gone meanwhile (the alert ended)."""
    async with store.transaction() as db:
        cursor = await db.execute(
            "UPDATE alert_outbox SET state = 'sending', attempts = attempts + 1 WHERE id = ?",
            (item.id,),
        )
        return cursor.rowcount == 1


async def mark_posted(store: Store, item: OutboxItem, message_id: int) -> None:
    """After Telegram took the post: its message id kept for later edits, the row gone.
    If the alert ended while the call was out, the stub edit is queued at once."""
    async with store.transaction() as db:
        await db.execute("DELETE FROM alert_outbox WHERE id = ?", (item.id,))
        await db.execute(
            "INSERT OR REPLACE INTO alert_posts (alert_id, chat_id, message_id) VALUES (?, ?, ?)",
            (item.alert_id, item.chat_id, message_id),
        )
        cursor = await db.execute("SELECT 1 FROM alerts WHERE id = ?", (item.alert_id,))
        if await cursor.fetchone() is None:
            await db.execute(
                "INSERT INTO alert_outbox (alert_id, chat_id, kind) VALUES (?, ?, 'expire')",
                (item.alert_id, item.chat_id),
            )


async def mark_done(store: Store, item: OutboxItem) -> None:
    """An edit made (or one that can never be made): the row gone; after a stub, the
    post's id too, as nothing will be done with it again."""
    async with store.transaction() as db:
        await db.execute("DELETE FROM alert_outbox WHERE id = ?", (item.id,))
        if item.kind in STUBS:
            await db.execute(
                "DELETE FROM alert_posts WHERE alert_id = ? AND chat_id = ?",
                (item.alert_id, item.chat_id),
            )


async def mark_retry(store: Store, item: OutboxItem) -> None:
    """Known not to have reached Telegram (refused, 5xx, never sent): pending again."""
    async with store.transaction() as db:
        await db.execute("UPDATE alert_outbox SET state = 'pending' WHERE id = ?", (item.id,))


async def post_of(store: Store, alert_id: int, chat_id: int) -> int | None:
    row = await store.fetch_one(
        "SELECT message_id FROM alert_posts WHERE alert_id = ? AND chat_id = ?",
        (alert_id, chat_id),
    )
    return int(row[0]) if row else None
