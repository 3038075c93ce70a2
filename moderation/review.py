"""Peer tips and their review: submit, edit, the queue, approve, reject, retire, and the
proposals that wait for a second moderator."""

from __future__ import annotations

from datetime import date

from knowledge.model import Entry
from moderation.base import DEFAULT_REVIEW, ModerationBase
from moderation.drafts import Draft, clean, problems, to_entry
from moderation.errors import ModerationError
from moderation.records import RETIRE, Moderator, Proposal, Revision, Tip

MAX_REASON = 300
SUPERSEDE_PENDING = (
    "UPDATE revisions SET status = 'superseded' WHERE tip_id = ? AND status = 'pending'"
)
SUPERSEDE_APPROVED = (
    "UPDATE revisions SET status = 'superseded' WHERE tip_id = ? AND status = 'approved'"
)


class ReviewMixin(ModerationBase):
    # ----- tips and their review -------------------------------------------------------

    async def submit(self, author: Moderator | None, draft: Draft, regions: set[str]) -> int:
        """A new tip waiting in the review queue. Returns the tip's number."""
        me = await self._fresh(author) if author is not None else None
        found = problems(draft, regions, self.today())
        if found:
            raise ModerationError.several(found)
        async with self.store.transaction() as db:
            cursor = await db.execute(
                "INSERT INTO tips (author_id, status, created_on) VALUES (?, 'pending', ?)",
                (me.id if me else None, self.today().isoformat()),
            )
            tip_id = cursor.lastrowid
            await db.execute(
                "INSERT INTO revisions (tip_id, author_id, content, status, created_on) "
                "VALUES (?, ?, ?, 'pending', ?)",
                (tip_id, me.id if me else None, draft.to_json(), self._stamp()),
            )
            await self._audit(db, me, "submit", f"tip {tip_id}")
        return tip_id

    async def edit(self, author: Moderator, tip_id: int, draft: Draft, regions: set[str]) -> int:
        """A new revision of a tip; the published version stays live until it is approved."""
        me = await self._fresh(author)
        found = problems(draft, regions, self.today())
        if found:
            raise ModerationError.several(found)
        async with self.store.transaction() as db:
            cursor = await db.execute("SELECT status FROM tips WHERE id = ?", (tip_id,))
            tip = await cursor.fetchone()
            if tip is None or tip["status"] == "retired":
                raise ModerationError("tip_not_editable")
            await db.execute(
                SUPERSEDE_PENDING,
                (tip_id,),
            )
            cursor = await db.execute(
                "INSERT INTO revisions (tip_id, author_id, content, status, created_on) "
                "VALUES (?, ?, ?, 'pending', ?)",
                (tip_id, me.id, draft.to_json(), self._stamp()),
            )
            if tip["status"] == "rejected":
                await db.execute("UPDATE tips SET status = 'pending' WHERE id = ?", (tip_id,))
            await self._audit(db, me, "edit", f"tip {tip_id}")
            return cursor.lastrowid

    def _revision(self, row) -> Revision:
        return Revision(
            id=row["id"],
            tip_id=row["tip_id"],
            author_id=row["author_id"],
            author=row["pseudonym"] or "import",
            draft=Draft.from_json(row["content"]),
            status=row["status"],
            reason=row["reason"],
            is_edit=row["published_revision"] is not None,
        )

    _REVISION_SQL = (
        "SELECT r.id, r.tip_id, r.author_id, r.content, r.status, r.reason, m.pseudonym, "
        "t.published_revision FROM revisions r JOIN tips t ON t.id = r.tip_id "
        "LEFT JOIN moderators m ON m.id = r.author_id "
    )

    async def queue(self) -> list[Revision]:
        rows = await self.store.fetch_all(
            self._REVISION_SQL + "WHERE r.status = 'pending' ORDER BY r.id"
        )
        return [self._revision(r) for r in rows]

    async def revision(self, revision_id: int) -> Revision | None:
        row = await self.store.fetch_one(self._REVISION_SQL + "WHERE r.id = ?", (revision_id,))
        return self._revision(row) if row else None

    async def latest_revision(self, tip_id: int) -> Revision | None:
        """The newest revision of a tip, whatever its state (to start an edit from)."""
        row = await self.store.fetch_one(
            self._REVISION_SQL + "WHERE r.tip_id = ? ORDER BY r.id DESC LIMIT 1", (tip_id,)
        )
        return self._revision(row) if row else None

    async def approve(self, reviewer: Moderator, revision_id: int) -> Entry:
        me = await self._fresh(reviewer)
        single = await self.single_review()
        async with self.store.transaction() as db:
            cursor = await db.execute(
                "SELECT tip_id, author_id, content, status FROM revisions WHERE id = ?",
                (revision_id,),
            )
            row = await cursor.fetchone()
            if row is None or row["status"] != "pending":
                raise ModerationError("revision_not_pending")
            if row["author_id"] == me.id and not single:
                raise ModerationError("own_tip")
            draft = Draft.from_json(row["content"])
            await db.execute(
                SUPERSEDE_APPROVED,
                (row["tip_id"],),
            )
            await db.execute(
                "UPDATE revisions SET status = 'approved' WHERE id = ?", (revision_id,)
            )
            await db.execute(
                "UPDATE tips SET status = 'published', published_revision = ?, verified = ?, "
                "review_by = ?, confirmed_by = ? WHERE id = ?",
                (
                    revision_id,
                    self.today().isoformat(),
                    draft.review_by.isoformat(),
                    me.pseudonym,
                    row["tip_id"],
                ),
            )
            await db.execute(
                "INSERT INTO reviews (revision_id, reviewer_id, decision, at) "
                "VALUES (?, ?, 'approved', ?)",
                (revision_id, me.id, self._stamp()),
            )
            await self._audit(db, me, "approve", f"tip {row['tip_id']}")
        await self._changed()
        return to_entry(row["tip_id"], draft, verified=self.today(), review_by=draft.review_by)

    async def reject(self, reviewer: Moderator, revision_id: int, reason: str) -> None:
        me = await self._fresh(reviewer)
        reason = clean(reason)
        if not reason:
            raise ModerationError("reason_missing")
        if len(reason) > MAX_REASON:
            raise ModerationError("reason_too_long", limit=MAX_REASON)
        async with self.store.transaction() as db:
            cursor = await db.execute(
                "SELECT tip_id, status FROM revisions WHERE id = ?", (revision_id,)
            )
            row = await cursor.fetchone()
            if row is None or row["status"] != "pending":
                raise ModerationError("revision_not_pending")
            await db.execute(
                "UPDATE revisions SET status = 'rejected', reason = ? WHERE id = ?",
                (reason, revision_id),
            )
            await db.execute(
                "UPDATE tips SET status = 'rejected' WHERE id = ? AND status = 'pending'",
                (row["tip_id"],),
            )
            await db.execute(
                "INSERT INTO reviews (revision_id, reviewer_id, decision, reason, at) "
                "VALUES (?, ?, 'rejected', ?, ?)",
                (revision_id, me.id, reason, self._stamp()),
            )
            await self._audit(db, me, "reject", f"tip {row['tip_id']}")

    async def retire(self, by: Moderator, tip_id: int) -> bool:
        """Take a tip out of users' view; it stays in the database for the record.

        One moderator alone cannot: the first asks, and a second one agrees (by retiring
        it too, or approving the proposal in the review queue). True if the tip is
        retired now, False if it waits for another moderator. With single review on
        (a team of one), it is retired at once.
        """
        me = await self._fresh(by)
        single = await self.single_review()
        async with self.store.transaction() as db:
            cursor = await db.execute("SELECT status FROM tips WHERE id = ?", (tip_id,))
            row = await cursor.fetchone()
            if row is None or row["status"] == "retired":
                raise ModerationError("no_tip_to_retire")
            pending = await self._pending(db, RETIRE, str(tip_id))
            if pending is not None and pending["proposer_id"] == me.id and not single:
                raise ModerationError("retire_already_asked")
            if pending is None and not single:
                await self._propose(db, me, RETIRE, str(tip_id), None)
                await self._audit(db, me, "propose retire", f"tip {tip_id}")
                return False
            if pending is not None:
                # A second moderator retiring what another proposed: the two agree.
                await self._decide(db, me, pending["id"], "approved")
                await self._audit(db, me, "approve retire", f"tip {tip_id}")
            await self._retire(db, me, tip_id)
        await self._changed()
        return True

    async def _retire(self, db, me: Moderator, tip_id: int) -> None:
        await db.execute("UPDATE tips SET status = 'retired' WHERE id = ?", (tip_id,))
        await db.execute(SUPERSEDE_PENDING, (tip_id,))
        await self._audit(db, me, "retire", f"tip {tip_id}")

    # ----- proposals: changes that need a second moderator -----------------------------

    async def proposals(self) -> list[Proposal]:
        """Proposals waiting for a second moderator, oldest first."""
        rows = await self.store.fetch_all(
            "SELECT p.id, p.action, p.object, p.review_by, p.proposer_id, m.pseudonym "
            "FROM proposals p JOIN moderators m ON m.id = p.proposer_id "
            "WHERE p.status = 'pending' ORDER BY p.id"
        )
        return [
            Proposal(
                r["id"],
                r["action"],
                r["object"],
                date.fromisoformat(r["review_by"]) if r["review_by"] else None,
                r["proposer_id"],
                r["pseudonym"],
            )
            for r in rows
        ]

    async def approve_proposal(self, by: Moderator, proposal_id: int) -> Proposal:
        """A second moderator agrees: the change is made now. The proposer cannot approve
        their own unless single review is on."""
        me = await self._fresh(by)
        single = await self.single_review()
        async with self.store.transaction() as db:
            cursor = await db.execute(
                "SELECT p.action, p.object, p.review_by, p.proposer_id, m.pseudonym "
                "FROM proposals p JOIN moderators m ON m.id = p.proposer_id "
                "WHERE p.id = ? AND p.status = 'pending'",
                (proposal_id,),
            )
            row = await cursor.fetchone()
            if row is None:
                raise ModerationError("proposal_not_pending")
            if row["proposer_id"] == me.id and not single:
                raise ModerationError("own_proposal")
            await self._decide(db, me, proposal_id, "approved")
            if row["action"] == RETIRE:
                tip_id = int(row["object"])
                cursor = await db.execute("SELECT status FROM tips WHERE id = ?", (tip_id,))
                tip = await cursor.fetchone()
                if tip is None or tip["status"] == "retired":
                    raise ModerationError("no_tip_to_retire")
                await self._audit(db, me, "approve retire", f"tip {tip_id}")
                await self._retire(db, me, tip_id)
                until = None
            else:
                today = self.today()
                proposed = date.fromisoformat(row["review_by"]) if row["review_by"] else None
                # A proposal that waited past its own date gets a fresh one.
                until = proposed if proposed and proposed > today else today + DEFAULT_REVIEW
                checked_by = f"{row['pseudonym']}, {me.pseudonym}"
                await self._audit(db, me, "approve confirm", row["object"])
                await self._write_confirmation(db, me, row["object"], today, until, checked_by)
        await self._changed()
        return Proposal(
            proposal_id, row["action"], row["object"], until, row["proposer_id"], row["pseudonym"]
        )

    async def decline_proposal(self, by: Moderator, proposal_id: int) -> str:
        """Nothing changes: another moderator declines, or the proposer withdraws.
        Returns 'declined' or 'withdrawn'."""
        me = await self._fresh(by)
        async with self.store.transaction() as db:
            cursor = await db.execute(
                "SELECT action, object, proposer_id FROM proposals "
                "WHERE id = ? AND status = 'pending'",
                (proposal_id,),
            )
            row = await cursor.fetchone()
            if row is None:
                raise ModerationError("proposal_not_pending")
            outcome = "withdrawn" if row["proposer_id"] == me.id else "declined"
            await self._decide(db, me, proposal_id, outcome)
            verb = "withdraw" if outcome == "withdrawn" else "decline"
            obj = f"tip {row['object']}" if row["action"] == RETIRE else row["object"]
            await self._audit(db, me, f"{verb} {row['action']}", obj)
        return outcome

    async def tips(self, *, author: Moderator | None = None) -> list[Tip]:
        sql = (
            "SELECT t.id, t.status, t.author_id, t.verified, t.review_by, r.content "
            "FROM tips t LEFT JOIN revisions r ON r.id = t.published_revision "
        )
        params: tuple[object, ...] = ()
        if author is not None:
            sql += "WHERE t.author_id = ? "
            params = (author.id,)
        rows = await self.store.fetch_all(sql + "ORDER BY t.id DESC", params)
        found = []
        for row in rows:
            entry = None
            if row["content"] is not None:
                entry = to_entry(
                    row["id"],
                    Draft.from_json(row["content"]),
                    verified=date.fromisoformat(row["verified"]),
                    review_by=date.fromisoformat(row["review_by"]),
                )
            found.append(Tip(row["id"], row["status"], row["author_id"], entry))
        return found

    async def published(self) -> list[Entry]:
        """Published peer tips, as entries, for the live knowledge base."""
        return [t.entry for t in await self.tips() if t.status == "published" and t.entry]

    async def rejections(self, author: Moderator) -> list[Revision]:
        rows = await self.store.fetch_all(
            self._REVISION_SQL + "WHERE r.author_id = ? AND r.status = 'rejected' "
            "ORDER BY r.id DESC LIMIT 20",
            (author.id,),
        )
        return [self._revision(r) for r in rows]
