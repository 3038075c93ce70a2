"""Peer moderation rules: roles, invites, the review workflow, freshness and reports.

Every method that changes something re-checks the acting moderator's role here, on the
server side, whatever the chat layer already checked. Every write is one transaction
with its audit record.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from knowledge.ids import REGION as REGION_SLUG  # used with fullmatch
from knowledge.model import Entry, Kind, Region
from moderation.drafts import (
    MAX_TITLE,
    Draft,
    DraftText,
    clean,
    problems,
    tip_entry_id,
    to_entry,
)
from moderation.errors import ModerationError
from moderation.store import Store

ADMIN = "admin"
MODERATOR = "moderator"
ROLES = (ADMIN, MODERATOR)
INVITE_PREFIX = "inv-"
INVITE_TTL = timedelta(hours=48)
DEFAULT_REVIEW = timedelta(days=182)
MAX_PSEUDONYM = 32
MAX_REASON = 300
MAX_NOTE = 500
MAX_SHARED = 1000
REPORT_REASONS = ("outdated", "wrong", "police", "other")
SINGLE_REVIEW = "single_review"
RETIRE = "retire"
CONFIRM = "confirm"
SUPERSEDE_PENDING = (
    "UPDATE revisions SET status = 'superseded' WHERE tip_id = ? AND status = 'pending'"
)
SUPERSEDE_APPROVED = (
    "UPDATE revisions SET status = 'superseded' WHERE tip_id = ? AND status = 'approved'"
)


@dataclass(frozen=True, slots=True)
class Moderator:
    id: int
    pseudonym: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


@dataclass(frozen=True, slots=True)
class Revision:
    id: int
    tip_id: int
    author_id: int | None
    author: str
    draft: Draft
    status: str
    reason: str | None
    is_edit: bool


@dataclass(frozen=True, slots=True)
class Tip:
    id: int
    status: str
    author_id: int | None
    entry: Entry | None  # the published version, if any


@dataclass(frozen=True, slots=True)
class Report:
    id: int
    entry_id: str
    reason: str
    note: str | None
    day: str


@dataclass(frozen=True, slots=True)
class Proposal:
    """A change waiting for a second moderator: retiring a tip, or confirming that a
    legal entry is still right."""

    id: int
    action: str  # RETIRE or CONFIRM
    object: str  # the tip number (retire) or the entry id (confirm)
    review_by: date | None  # confirm: the next check the proposer chose
    proposer_id: int
    proposer: str

    @property
    def tip_id(self) -> int | None:
        return int(self.object) if self.action == RETIRE else tip_id_of(self.object)


@dataclass(frozen=True, slots=True)
class Confirmation:
    verified: date
    review_by: date
    proposed: bool  # True: waiting for a second moderator; nothing changed yet


@dataclass(frozen=True, slots=True)
class AuditRecord:
    name: str  # the display name at the time, or "server"
    moderator_id: int | None  # who it really was; None for the server and old, unclear rows
    action: str
    object: str
    at: str

    @property
    def who(self) -> str:
        """'Owl (#3)': a name can be copied or changed, the number cannot."""
        return self.name if self.moderator_id is None else f"{self.name} (#{self.moderator_id})"


@dataclass(frozen=True, slots=True)
class SharedTip:
    id: int
    topic: str
    region: str
    text: str
    day: str


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def valid_pseudonym(name: str) -> str:
    name = clean(name)
    if not 1 <= len(name) <= MAX_PSEUDONYM or "\n" in name:
        raise ModerationError("name_length", limit=MAX_PSEUDONYM)
    if not name_key(name):
        raise ModerationError("name_invisible")
    return name


# Cyrillic and Greek letters that look like Latin ones (after casefolding), and a few
# Latin variants, so that "Stаr" with a Cyrillic а cannot pose as "Star". A small part of
# Unicode's confusables table: the letters that appear in names.
_CONFUSABLE = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
        "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ɑ": "a", "ı": "i",
        "ɡ": "g", "ο": "o", "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k",
        "ν": "v", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ϳ": "j",
        "ѵ": "v", "ʏ": "y", "ᴀ": "a",
    }
)  # fmt: skip
# Names the audit log and the review queue use for actions no moderator took.
_RESERVED_NAMES = frozenset({"server", "import"})


def name_key(name: str) -> str:
    """What a display name looks like, for telling names apart.

    Two names with the same key would be read as the same person in the audit log and
    the review queue, so only one moderator may hold each key. Folded: compatibility
    forms (NFKC: full-width, ligatures), case, invisible format characters, accents and
    other combining marks, look-alike Cyrillic and Greek letters, and runs of spaces.
    """
    text = unicodedata.normalize("NFKC", name)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf").casefold()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.translate(_CONFUSABLE).split())


async def _name_taken(db, name: str, moderator_id: int | None) -> bool:
    """Whether another moderator, present or past, holds a name that looks like `name`.

    Past moderators count too: the audit log still shows their names.
    """
    key = name_key(name)
    if key in _RESERVED_NAMES:
        return True
    cursor = await db.execute("SELECT pseudonym FROM moderators WHERE id IS NOT ?", (moderator_id,))
    return any(name_key(row["pseudonym"]) == key for row in await cursor.fetchall())


class Moderation:
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

    # ----- roles -----------------------------------------------------------------------

    async def moderator_by_hash(self, user_hash: str) -> Moderator | None:
        row = await self.store.fetch_one(
            "SELECT id, pseudonym, role FROM moderators WHERE user_hash = ? AND active = 1",
            (user_hash,),
        )
        return Moderator(row["id"], row["pseudonym"], row["role"]) if row else None

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

    async def moderators(self) -> list[Moderator]:
        rows = await self.store.fetch_all(
            "SELECT id, pseudonym, role FROM moderators WHERE active = 1 ORDER BY role, pseudonym"
        )
        return [Moderator(r["id"], r["pseudonym"], r["role"]) for r in rows]

    async def create_invite(
        self, role: str, by: Moderator | None = None, ttl: timedelta = INVITE_TTL
    ) -> str:
        """A one-time code (192 random bits); only its hash is stored."""
        if role not in ROLES:
            raise ModerationError("unknown_role")
        creator = await self._fresh(by, admin=True) if by is not None else None
        code = INVITE_PREFIX + secrets.token_urlsafe(24)
        expires = (self._now() + ttl).replace(microsecond=0).isoformat()
        async with self.store.transaction() as db:
            await db.execute(
                "INSERT INTO invites (code_hash, role, created_by, expires_at) VALUES (?, ?, ?, ?)",
                (_hash_code(code), role, creator.id if creator else None, expires),
            )
            await self._audit(db, creator, "invite", role)
        return code

    async def invite_role(self, code: str) -> str | None:
        """The role an unused, unexpired invite grants, or None."""
        if not code.startswith(INVITE_PREFIX) or len(code) > 64:
            return None
        row = await self.store.fetch_one(
            "SELECT role, expires_at, used_on FROM invites WHERE code_hash = ?",
            (_hash_code(code),),
        )
        if row is None or row["used_on"] is not None:
            return None
        if datetime.fromisoformat(row["expires_at"]) <= self._now():
            return None
        return row["role"]

    async def redeem(self, code: str, user_hash: str, pseudonym: str) -> Moderator:
        name = valid_pseudonym(pseudonym)
        async with self.store.transaction() as db:
            cursor = await db.execute(
                "SELECT role, expires_at, used_on FROM invites WHERE code_hash = ?",
                (_hash_code(code),),
            )
            row = await cursor.fetchone()
            if (
                row is None
                or row["used_on"] is not None
                or datetime.fromisoformat(row["expires_at"]) <= self._now()
            ):
                raise ModerationError("invite_invalid")
            cursor = await db.execute(
                "SELECT id, active FROM moderators WHERE user_hash = ?", (user_hash,)
            )
            existing = await cursor.fetchone()
            if existing is not None and existing["active"]:
                raise ModerationError("already_moderator")
            if await _name_taken(db, name, existing["id"] if existing is not None else None):
                raise ModerationError("name_taken")
            if existing is not None:
                await db.execute(
                    "UPDATE moderators SET active = 1, role = ?, pseudonym = ? WHERE id = ?",
                    (row["role"], name, existing["id"]),
                )
                moderator_id = existing["id"]
            else:
                cursor = await db.execute(
                    "INSERT INTO moderators (user_hash, pseudonym, role, added_on) "
                    "VALUES (?, ?, ?, ?)",
                    (user_hash, name, row["role"], self.today().isoformat()),
                )
                moderator_id = cursor.lastrowid
            await db.execute(
                "UPDATE invites SET used_on = ? WHERE code_hash = ?",
                (self.today().isoformat(), _hash_code(code)),
            )
            moderator = Moderator(moderator_id, name, row["role"])
            await self._audit(db, moderator, "join", row["role"])
        return moderator

    async def remove(self, by: Moderator, moderator_id: int) -> None:
        admin = await self._fresh(by, admin=True)
        async with self.store.transaction() as db:
            cursor = await db.execute(
                "SELECT pseudonym, role FROM moderators WHERE id = ? AND active = 1",
                (moderator_id,),
            )
            target = await cursor.fetchone()
            if target is None:
                raise ModerationError("no_such_moderator")
            if target["role"] == ADMIN:
                cursor = await db.execute(
                    "SELECT COUNT(*) FROM moderators WHERE role = 'admin' AND active = 1"
                )
                if (await cursor.fetchone())[0] <= 1:
                    raise ModerationError("last_admin")
            await db.execute("UPDATE moderators SET active = 0 WHERE id = ?", (moderator_id,))
            await self._audit(db, admin, "remove", target["pseudonym"])

    async def rename(self, who: Moderator, pseudonym: str) -> Moderator:
        me = await self._fresh(who)
        name = valid_pseudonym(pseudonym)
        async with self.store.transaction() as db:
            if await _name_taken(db, name, me.id):
                raise ModerationError("name_taken")
            await db.execute("UPDATE moderators SET pseudonym = ? WHERE id = ?", (name, me.id))
            await self._audit(db, me, "rename", name)
        return Moderator(me.id, name, me.role)

    # ----- settings and regions --------------------------------------------------------

    async def single_review(self) -> bool:
        row = await self.store.fetch_one(
            "SELECT value FROM settings WHERE key = ?", (SINGLE_REVIEW,)
        )
        return row is not None and row["value"] == "1"

    async def set_single_review(self, by: Moderator, enabled: bool) -> None:
        admin = await self._fresh(by, admin=True)
        async with self.store.transaction() as db:
            await db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (SINGLE_REVIEW, "1" if enabled else "0"),
            )
            await self._audit(db, admin, "single_review", "on" if enabled else "off")

    async def regions(self) -> list[Region]:
        rows = await self.store.fetch_all("SELECT slug, names FROM regions ORDER BY slug")
        return [Region(r["slug"], json.loads(r["names"])) for r in rows]

    async def add_region(self, by: Moderator, slug: str, names: dict[str, str]) -> None:
        admin = await self._fresh(by, admin=True)
        if not REGION_SLUG.fullmatch(slug):
            raise ModerationError("region_slug")
        cleaned = {lang: clean(name)[:60] for lang, name in names.items() if clean(name)}
        if not cleaned:
            raise ModerationError("region_name_missing")
        async with self.store.transaction() as db:
            await db.execute(
                "INSERT INTO regions (slug, names) VALUES (?, ?) "
                "ON CONFLICT(slug) DO UPDATE SET names = excluded.names",
                (slug, json.dumps(cleaned, ensure_ascii=False, sort_keys=True)),
            )
            await self._audit(db, admin, "region", slug)
        await self._changed()

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


def tip_id_of(entry_id: str) -> int | None:
    """The tip number behind a peer entry id, or None for YAML entries."""
    if entry_id.startswith("peer-") and entry_id[5:].isdigit():
        return int(entry_id[5:])
    return None


__all__ = [
    "AuditRecord",
    "Confirmation",
    "Moderation",
    "ModerationError",
    "Moderator",
    "Proposal",
    "name_key",
    "tip_entry_id",
    "tip_id_of",
]
