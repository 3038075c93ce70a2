"""The team: moderators, invites, joining, removing, renaming; team settings and regions."""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta

from knowledge.ids import REGION as REGION_SLUG  # used with fullmatch
from knowledge.model import Region
from moderation.base import ModerationBase
from moderation.drafts import clean
from moderation.errors import ModerationError
from moderation.names import _hash_code, _name_taken, valid_pseudonym
from moderation.records import ADMIN, ROLES, Moderator

INVITE_PREFIX = "inv-"
INVITE_TTL = timedelta(hours=48)
SINGLE_REVIEW = "single_review"


class TeamMixin(ModerationBase):
    # ----- roles -----------------------------------------------------------------------

    async def moderator_by_hash(self, user_hash: str) -> Moderator | None:
        row = await self.store.fetch_one(
            "SELECT id, pseudonym, role FROM moderators WHERE user_hash = ? AND active = 1",
            (user_hash,),
        )
        return Moderator(row["id"], row["pseudonym"], row["role"]) if row else None

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
