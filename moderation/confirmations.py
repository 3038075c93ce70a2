"""Freshness: moderators confirming that an entry is still right (a second one for legal
information), and the dates they recorded. What users then see is moderation/live.py."""

from __future__ import annotations

from datetime import date

from knowledge.model import Kind
from moderation.base import DEFAULT_REVIEW, ModerationBase
from moderation.drafts import Draft
from moderation.errors import ModerationError
from moderation.records import CONFIRM, Confirmation, Moderator, tip_id_of


class ConfirmationsMixin(ModerationBase):
    # ----- freshness -------------------------------------------------------------------

    async def confirmations(self) -> dict[str, tuple[date, date]]:
        """Re-check dates moderators recorded for YAML entries: id -> (verified, review_by)."""
        rows = await self.store.fetch_all("SELECT entry_id, verified, review_by FROM confirmations")
        return {
            r["entry_id"]: (date.fromisoformat(r["verified"]), date.fromisoformat(r["review_by"]))
            for r in rows
        }

    async def confirm(
        self, by: Moderator, entry_id: str, review_by: date | None = None, *, legal: bool
    ) -> Confirmation:
        """The entry is still right: reset its dates and record who checked.

        Legal information (`legal`, which the caller knows from the entry's kind; for a
        peer tip the stored kind counts too) needs a second moderator, because a
        confirmation brings a stale legal entry back to users: the first confirmation is
        a proposal, and another moderator's confirmation or approval makes it count.
        With single review on (a team of one), it counts at once.
        """
        me = await self._fresh(by)
        verified = self.today()
        until = review_by or verified + DEFAULT_REVIEW
        if until <= verified:
            raise ModerationError("next_check_past")
        single = await self.single_review()
        async with self.store.transaction() as db:
            legal = legal or await self._is_legal_tip(db, entry_id)
            pending = await self._pending(db, CONFIRM, entry_id)
            if legal and not single:
                if pending is not None and pending["proposer_id"] == me.id:
                    raise ModerationError("confirm_already")
                if pending is None:
                    await self._propose(db, me, CONFIRM, entry_id, until)
                    await self._audit(db, me, "propose confirm", entry_id)
                    return Confirmation(verified, until, proposed=True)
            checked_by = me.pseudonym
            if pending is not None:
                # A second moderator confirming what another proposed: the two agree.
                await self._decide(db, me, pending["id"], "approved")
                cursor = await db.execute(
                    "SELECT pseudonym FROM moderators WHERE id = ?", (pending["proposer_id"],)
                )
                proposer = await cursor.fetchone()
                if proposer is not None and pending["proposer_id"] != me.id:
                    checked_by = f"{proposer['pseudonym']}, {me.pseudonym}"
            await self._audit(db, me, "confirm", entry_id)
            await self._write_confirmation(db, me, entry_id, verified, until, checked_by)
        await self._changed()
        return Confirmation(verified, until, proposed=False)

    async def _is_legal_tip(self, db, entry_id: str) -> bool:
        tip_id = tip_id_of(entry_id)
        if tip_id is None:
            return False
        cursor = await db.execute(
            "SELECT r.content FROM tips t JOIN revisions r ON r.id = t.published_revision "
            "WHERE t.id = ?",
            (tip_id,),
        )
        row = await cursor.fetchone()
        return row is not None and Draft.from_json(row["content"]).kind is Kind.RIGHTS

    async def _write_confirmation(
        self, db, me: Moderator, entry_id: str, verified: date, until: date, checked_by: str
    ) -> None:
        tip_id = tip_id_of(entry_id)
        if tip_id is not None:
            cursor = await db.execute(
                "UPDATE tips SET verified = ?, review_by = ?, confirmed_by = ? "
                "WHERE id = ? AND status = 'published'",
                (verified.isoformat(), until.isoformat(), checked_by, tip_id),
            )
            if cursor.rowcount == 0:
                raise ModerationError("no_published_tip")
        else:
            await db.execute(
                "INSERT INTO confirmations (entry_id, verified, review_by, confirmed_by) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(entry_id) DO UPDATE SET "
                "verified = excluded.verified, review_by = excluded.review_by, "
                "confirmed_by = excluded.confirmed_by",
                (entry_id, verified.isoformat(), until.isoformat(), checked_by),
            )
