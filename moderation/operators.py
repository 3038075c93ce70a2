"""What the server's operator does to the team from `lantern admin`: list and revoke open
invites, remove a moderator (a lost phone). Audited like the chat's actions, as "server".

The chat's own actions live in moderation/workflow.py; these act without a moderator (the
operator has the server, which is more than any admin), so they take no `by`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from moderation.workflow import (
    ADMIN,
    INVITE_PREFIX,
    Moderation,
    Moderator,
    _hash_code,
    name_key,
)


class NotFound(LookupError):
    """No open invite or active moderator answers to what the operator typed."""


@dataclass(frozen=True, slots=True)
class Invite:
    number: int  # the invite's row: the code itself is never stored, only its hash
    role: str
    created_by: str  # a display name, or "server"
    expires_at: datetime


async def open_invites(moderation: Moderation) -> list[Invite]:
    """Invites not used yet and not expired, oldest first."""
    rows = await moderation.store.fetch_all(
        "SELECT i.rowid AS number, i.role, i.expires_at, m.pseudonym FROM invites i "
        "LEFT JOIN moderators m ON m.id = i.created_by "
        "WHERE i.used_on IS NULL ORDER BY i.rowid"
    )
    now = moderation._now()
    invites = [
        Invite(r["number"], r["role"], r["pseudonym"] or "server", _when(r["expires_at"]))
        for r in rows
    ]
    return [i for i in invites if i.expires_at > now]


def _when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


async def revoke_invites(moderation: Moderation, which: str) -> list[Invite]:
    """Revoke open invites: `which` is a number from `open_invites`, a whole code
    (inv-...) or its link, or "all". Returns those revoked; none found is an error."""
    invites = await open_invites(moderation)
    which = which.strip()
    if which == "all":
        chosen = invites
    elif which.isdigit():
        chosen = [i for i in invites if i.number == int(which)]
    else:
        code = which.rsplit("start=", 1)[-1].strip()
        if not code.startswith(INVITE_PREFIX):
            raise NotFound(f"'{which}' is not an invite number, code or link, nor 'all'")
        row = await moderation.store.fetch_one(
            "SELECT rowid AS number FROM invites WHERE code_hash = ?", (_hash_code(code),)
        )
        chosen = [i for i in invites if row is not None and i.number == row["number"]]
    if not chosen:
        raise NotFound(
            "no open invites" if not invites else f"no open invite '{which}' (used or expired?)"
        )
    async with moderation.store.transaction() as db:
        for invite in chosen:
            await db.execute("DELETE FROM invites WHERE rowid = ?", (invite.number,))
            await moderation._audit(db, None, "revoke_invite", f"{invite.role} #{invite.number}")
    return chosen


async def find_moderator(moderation: Moderation, who: str) -> Moderator:
    """An active moderator by number (`#3` or `3`, as `admin list` shows) or display name
    (compared as the chat compares names: case, look-alike letters and invisible marks
    make no difference)."""
    moderators = await moderation.moderators()
    who = who.strip()
    number = who.removeprefix("#")
    if number.isdigit():
        found = [m for m in moderators if m.id == int(number)]
    else:
        found = [m for m in moderators if name_key(m.pseudonym) == name_key(who)]
    if not found:
        raise NotFound(f"no active moderator '{who}'")
    if len(found) > 1:  # names are unique when chosen, but old ones may not be
        raise NotFound(f"several moderators are called '{who}'; give the number instead")
    return found[0]


async def remove_moderator(moderation: Moderation, moderator_id: int) -> tuple[Moderator, int]:
    """Remove an active moderator from the server; returns them and how many admins are
    left (possibly none: the operator can invite a new admin, which no one in the chat
    could do after losing the last admin's phone)."""
    async with moderation.store.transaction() as db:
        cursor = await db.execute(
            "SELECT id, pseudonym, role FROM moderators WHERE id = ? AND active = 1",
            (moderator_id,),
        )
        row = await cursor.fetchone()
        if row is None:
            raise NotFound(f"no active moderator #{moderator_id}")
        await db.execute("UPDATE moderators SET active = 0 WHERE id = ?", (moderator_id,))
        await moderation._audit(db, None, "remove", row["pseudonym"])
        cursor = await db.execute(
            "SELECT COUNT(*) FROM moderators WHERE role = ? AND active = 1", (ADMIN,)
        )
        admins = (await cursor.fetchone())[0]
    return Moderator(row["id"], row["pseudonym"], row["role"]), admins
