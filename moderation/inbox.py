"""What users send: reports about entries and shared tips, closing them, and adopting a
shared tip as a draft for review."""

from __future__ import annotations

from knowledge.model import Kind
from moderation.base import DEFAULT_REVIEW, ModerationBase
from moderation.drafts import MAX_TITLE, Draft, DraftText, clean
from moderation.errors import ModerationError
from moderation.records import Moderator, Report, SharedTip

MAX_NOTE = 500
MAX_SHARED = 1000
REPORT_REASONS = ("outdated", "wrong", "police", "other")


class InboxMixin(ModerationBase):
    # ----- what users send -------------------------------------------------------------

    async def add_report(self, entry_id: str, reason: str, note: str | None = None) -> None:
        """A user's report about an entry: no user, chat or time finer than the day."""
        if reason not in REPORT_REASONS:
            raise ModerationError("unknown_reason")
        text = clean(note)[:MAX_NOTE] if note else None
        async with self.store.transaction() as db:
            await db.execute(
                "INSERT INTO reports (entry_id, reason, note, day) VALUES (?, ?, ?, ?)",
                (entry_id[:64], reason, text or None, self.today().isoformat()),
            )

    async def add_shared_tip(self, topic: str, region: str, text: str) -> None:
        body = clean(text)
        if not body:
            raise ModerationError("empty_tip")
        async with self.store.transaction() as db:
            await db.execute(
                "INSERT INTO shared_tips (topic, region, text, day) VALUES (?, ?, ?, ?)",
                (topic[:32], region[:32], body[:MAX_SHARED], self.today().isoformat()),
            )

    async def reports(self) -> list[Report]:
        rows = await self.store.fetch_all(
            "SELECT id, entry_id, reason, note, day FROM reports WHERE status = 'open' ORDER BY id"
        )
        return [Report(r["id"], r["entry_id"], r["reason"], r["note"], r["day"]) for r in rows]

    async def shared_tips(self) -> list[SharedTip]:
        rows = await self.store.fetch_all(
            "SELECT id, topic, region, text, day FROM shared_tips WHERE status = 'open' ORDER BY id"
        )
        return [SharedTip(r["id"], r["topic"], r["region"], r["text"], r["day"]) for r in rows]

    async def close_report(self, by: Moderator, report_id: int) -> None:
        me = await self._fresh(by)
        async with self.store.transaction() as db:
            cursor = await db.execute(
                "UPDATE reports SET status = 'closed' WHERE id = ? AND status = 'open'",
                (report_id,),
            )
            if cursor.rowcount == 0:
                raise ModerationError("report_closed")
            await self._audit(db, me, "close report", str(report_id))

    async def close_shared_tip(self, by: Moderator, shared_id: int, *, adopted: bool) -> None:
        me = await self._fresh(by)
        async with self.store.transaction() as db:
            cursor = await db.execute(
                "UPDATE shared_tips SET status = ? WHERE id = ? AND status = 'open'",
                ("adopted" if adopted else "closed", shared_id),
            )
            if cursor.rowcount == 0:
                raise ModerationError("shared_tip_handled")
            await self._audit(db, me, "adopt" if adopted else "close shared", str(shared_id))

    async def adopt(
        self, by: Moderator, shared_id: int, title: str, regions: set[str], lang: str
    ) -> int:
        """Turn a user's shared tip into a draft tip; it still needs another's approval."""
        row = await self.store.fetch_one(
            "SELECT topic, region, text FROM shared_tips WHERE id = ? AND status = 'open'",
            (shared_id,),
        )
        if row is None:
            raise ModerationError("shared_tip_handled")
        title = clean(title)
        if not 1 <= len(title) <= MAX_TITLE:
            raise ModerationError("adopted_title_length", limit=MAX_TITLE)
        draft = Draft(
            kind=Kind.TIP,
            topics=(row["topic"],),
            regions=(row["region"],),
            texts={lang: DraftText(title, row["text"])},
            review_by=self.today() + DEFAULT_REVIEW,
        )
        tip_id = await self.submit(by, draft, regions)
        await self.close_shared_tip(by, shared_id, adopted=True)
        return tip_id

    async def adopt_draft(
        self, by: Moderator, shared_id: int, draft: Draft, regions: set[str]
    ) -> int:
        """A user's shared tip, as a moderator edited it, into the review queue; it still
        needs another moderator's approval."""
        if not any(s.id == shared_id for s in await self.shared_tips()):
            raise ModerationError("shared_tip_handled")
        tip_id = await self.submit(by, draft, regions)
        await self.close_shared_tip(by, shared_id, adopted=True)
        return tip_id
