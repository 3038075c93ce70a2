"""What every part of the moderation workflow shares: the clock, change listeners, the
acting moderator as the database says now, the audit log, and proposals' bookkeeping.

Every method that changes something re-checks the acting moderator's role on the server
side, whatever the chat layer already checked. Every write is one transaction with its
audit record. The mixins (team.py, review.py, confirmations.py, inbox.py) build on this
class and call one another through `self`; moderation/workflow.py puts them together.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta

from moderation.errors import ModerationError
from moderation.records import AuditRecord, Moderator
from moderation.store import Store

DEFAULT_REVIEW = timedelta(days=182)


class ModerationBase:
    def __init__(
        self,
        store: Store,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self._now = now
        self._listeners: list[Callable[[], Awaitable[None]]] = []

    # ----- time and notifications ------------------------------------------------------

    def today(self) -> date:
        return self._now().date()

    def _stamp(self) -> str:
        return self._now().replace(microsecond=0).isoformat()

    def on_change(self, listener: Callable[[], Awaitable[None]]) -> None:
        """Call `listener` after anything users see has changed (publish, retire...)."""
        self._listeners.append(listener)

    async def _changed(self) -> None:
        for listener in self._listeners:
            await listener()

    async def _audit(self, db, who: Moderator | None, action: str, obj: str) -> None:
        # The name as it was then, for reading, and the id, which no rename changes.
        await db.execute(
            "INSERT INTO audit (pseudonym, moderator_id, action, object, at) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                who.pseudonym if who else "server",
                who.id if who else None,
                action,
                obj,
                self._stamp(),
            ),
        )

    async def _fresh(self, who: Moderator, *, admin: bool = False) -> Moderator:
        """The acting moderator as the database says now: removed ones can do nothing."""
        row = await self.store.fetch_one(
            "SELECT id, pseudonym, role FROM moderators WHERE id = ? AND active = 1", (who.id,)
        )
        if row is None:
            raise ModerationError("not_a_moderator")
        current = Moderator(row["id"], row["pseudonym"], row["role"])
        if admin and not current.is_admin:
            raise ModerationError("only_admins")
        return current

    # ----- proposals' rows (review.py and confirmations.py make them) ------------------

    async def _pending(self, db, action: str, obj: str):
        cursor = await db.execute(
            "SELECT id, proposer_id, review_by FROM proposals "
            "WHERE action = ? AND object = ? AND status = 'pending'",
            (action, obj),
        )
        return await cursor.fetchone()

    async def _propose(
        self, db, me: Moderator, action: str, obj: str, review_by: date | None
    ) -> None:
        await db.execute(
            "INSERT INTO proposals (action, object, review_by, proposer_id, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (action, obj, review_by.isoformat() if review_by else None, me.id, self._stamp()),
        )

    async def _decide(self, db, me: Moderator, proposal_id: int, status: str) -> None:
        await db.execute(
            "UPDATE proposals SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?",
            (status, me.id, self._stamp(), proposal_id),
        )

    # ----- the audit log ---------------------------------------------------------------

    async def audit_log(self, limit: int = 50) -> list[AuditRecord]:
        """The latest audit records, newest first."""
        rows = await self.store.fetch_all(
            "SELECT pseudonym, moderator_id, action, object, at FROM audit "
            "ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [
            AuditRecord(r["pseudonym"], r["moderator_id"], r["action"], r["object"], r["at"])
            for r in rows
        ]
