"""Check-ins with a trusted contact: what Lantern remembers for them, in memory only.

- Invitations (`Invite`): a random token (never an id) for the link a person sends to a
  friend; the person's chat id and the nickname they chose, if any. Single use, gone
  after 24 hours; at most 3 open per person, 10,000 in all.
- Pairs (`Pair`): the person's and the contact's chat ids (needed to write to them) and
  the nickname the contact knows the person by, under a random handle. Until either side
  unpairs, after 30 days unused, or at a restart; at most 5 contacts per person, 20
  people per contact, 50,000 pairs in all.
- Active check-ins (bot/checkin/plan.py `CheckIn`): under the person's salted key; the
  note, the last location, salted PIN hashes, and the ids of the messages that carried
  them. Forgotten the moment the check-in ends (safe, resolved, or 12 hours after it was
  due); at most 20,000 at once.

Every map here is keyed by salted hashes of chat ids (`memory.SaltedKeys`) or by random
handles; the raw chat ids inside the values are what a message must be addressed to,
and live only as long as the pair or the check-in. Nothing here is ever written to the
database, a log or a file; a full map refuses the newcomer (who is told), never drops
anyone.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.checkin.plan import TIMERS, CheckIn, State, Timer, new_ident
from bot.checkin.scheduler import Scheduler
from bot.remembered.memory import SaltedKeys

INVITE_SECONDS = 24 * 3600
INVITES_PER_PERSON = 3
MAX_INVITES = 10_000
PAIR_IDLE_SECONDS = 30 * 24 * 3600
CONTACTS_PER_PERSON = 5
PEOPLE_PER_CONTACT = 20
MAX_PAIRS = 50_000
MAX_ACTIVE = 20_000
NICK_CHARS = 32
TOKEN_BYTES = 16  # 22 characters in the link: 128 random bits


@dataclass(slots=True, eq=False)
class Invite:
    person: int
    lang: str
    nick: str  # the name the person chose to be known by; "" lets the friend choose
    until: float


@dataclass(slots=True, eq=False)
class Pair:
    handle: str
    person: int
    contact: int
    nick: str  # how the contact knows the person
    slot: int  # "Contact 1", "Contact 2": how the person knows the contact
    contact_lang: str
    used: float


class CheckIns:
    """Invitations, pairs and active check-ins, with the one scheduler behind them."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.scheduler = Scheduler(clock=clock)
        self._keys = SaltedKeys()
        self.pin_salt = secrets.token_bytes(32)  # PINs are kept as salted hashes only
        self._token_salt = secrets.token_bytes(32)  # so are invitation tokens
        self._invites: dict[bytes, Invite] = {}  # by salted token
        self._pairs: dict[str, Pair] = {}  # by handle
        self._by_person: dict[bytes, list[Pair]] = {}
        self._by_contact: dict[bytes, list[Pair]] = {}
        self._active: dict[bytes, CheckIn] = {}  # by the person's salted key
        self._by_ident: dict[str, bytes] = {}

    def key(self, chat_id: int) -> bytes:
        return self._keys.key(chat_id)

    # ----- invitations -----------------------------------------------------------------

    def _token_key(self, token: str) -> bytes:
        return hmac.digest(self._token_salt, token.encode(), hashlib.sha256)[:16]

    def invite(self, person: int, lang: str, nick: str) -> str | None:
        """A new single-use token for a link, or None (too many open, or full)."""
        self._expire_invites()
        open_ = sum(1 for i in self._invites.values() if i.person == person)
        if open_ >= INVITES_PER_PERSON or len(self._invites) >= MAX_INVITES:
            return None
        if len(self.contacts(person)) >= CONTACTS_PER_PERSON:
            return None
        token = secrets.token_urlsafe(TOKEN_BYTES)
        self._invites[self._token_key(token)] = Invite(
            person, lang, nick[:NICK_CHARS], self.clock() + INVITE_SECONDS
        )
        return token

    def redeem(self, token: str, contact: int) -> Invite | str | None:
        """The invitation (spent now: it works once); "self" if it is the person's own
        link (left unspent); None if there is none."""
        self._expire_invites()
        key = self._token_key(token)
        found = self._invites.get(key)
        if found is not None and found.person == contact:
            return "self"
        return self._invites.pop(key, None)

    def _expire_invites(self) -> None:
        now = self.clock()
        for key in [k for k, i in self._invites.items() if i.until <= now]:
            del self._invites[key]

    # ----- pairs -----------------------------------------------------------------------

    def pair(self, invite: Invite, contact: int, nick: str, contact_lang: str) -> Pair | str:
        """Pair the contact with the invitation's person, or say why not ("self",
        "full", "already")."""
        if contact == invite.person:
            return "self"
        mine = self.contacts(invite.person)
        if any(p.contact == contact for p in mine):
            return "already"
        theirs = self._by_contact.get(self.key(contact), [])
        if (
            len(mine) >= CONTACTS_PER_PERSON
            or len(theirs) >= PEOPLE_PER_CONTACT
            or len(self._pairs) >= MAX_PAIRS
        ):
            return "full"
        slot = min(set(range(1, CONTACTS_PER_PERSON + 1)) - {p.slot for p in mine})
        handle = new_ident()
        found = Pair(
            handle,
            invite.person,
            contact,
            nick.strip()[:NICK_CHARS],
            slot,
            contact_lang,
            self.clock(),
        )
        self._pairs[handle] = found
        self._by_person.setdefault(self.key(invite.person), []).append(found)
        self._by_contact.setdefault(self.key(contact), []).append(found)
        return found

    def contacts(self, person: int) -> list[Pair]:
        """The person's contacts, by slot (touching them keeps them)."""
        return sorted(self._by_person.get(self.key(person), []), key=lambda p: p.slot)

    def people_of(self, contact: int) -> list[Pair]:
        return list(self._by_contact.get(self.key(contact), []))

    def pair_by_handle(self, handle: str) -> Pair | None:
        return self._pairs.get(handle)

    def unpair(self, handle: str) -> Pair | None:
        found = self._pairs.pop(handle, None)
        if found is None:
            return None
        for index, key in (
            (self._by_person, self.key(found.person)),
            (self._by_contact, self.key(found.contact)),
        ):
            left = [p for p in index.get(key, []) if p is not found]
            if left:
                index[key] = left
            else:
                index.pop(key, None)
        return found

    def touch(self, person: int) -> None:
        now = self.clock()
        for found in self.contacts(person):
            found.used = now

    def expire_pairs(self) -> int:
        """Forget pairs unused for 30 days (and invitations past their time)."""
        self._expire_invites()
        limit = self.clock() - PAIR_IDLE_SECONDS
        old = [h for h, p in self._pairs.items() if p.used <= limit and not self.active(p.person)]
        for handle in old:
            self.unpair(handle)
        return len(old)

    # ----- check-ins -------------------------------------------------------------------

    def draft(self, person: int, lang: str, minutes: int) -> CheckIn | None:
        """A check-in being set up (replacing one still being set up), or None if one
        is running or the map is full."""
        key = self.key(person)
        current = self._active.get(key)
        if current is not None and current.state is not State.ARMING:
            return None
        if current is None and len(self._active) >= MAX_ACTIVE:
            return None
        if current is not None:
            current.minutes = minutes
            return current
        made = CheckIn(new_ident(), person, lang, minutes=minutes)
        self._active[key] = made
        self._by_ident[made.ident] = key
        return made

    def active(self, person: int) -> CheckIn | None:
        return self._active.get(self.key(person))

    def by_ident(self, ident: str) -> CheckIn | None:
        key = self._by_ident.get(ident)
        return None if key is None else self._active.get(key)

    def schedule(self, checkin: CheckIn) -> None:
        """Set the check-in's timers to what its state says."""
        for kind, when in checkin.timers().items():
            if when is None:
                self.scheduler.cancel(checkin.ident, kind)
            else:
                self.scheduler.at(checkin.ident, kind, when)

    def repeat(self, checkin: CheckIn) -> None:
        when = checkin.repeat_at(self.clock())
        if when is None:
            self.scheduler.cancel(checkin.ident, Timer.REPEAT)
        else:
            self.scheduler.at(checkin.ident, Timer.REPEAT, when)

    def forget(self, checkin: CheckIn) -> None:
        """The check-in is over: its timers, note, location, PINs and ids go."""
        self.scheduler.cancel(checkin.ident, *TIMERS)
        self._by_ident.pop(checkin.ident, None)
        key = self.key(checkin.chat)
        if self._active.get(key) is checkin:
            del self._active[key]
        checkin.note = ""
        checkin.location = None
        checkin.pin = checkin.duress = None
        checkin.traces.clear()
        checkin.alerted.clear()
        checkin.answered.clear()
        checkin.unreachable.clear()

    def all_active(self) -> list[CheckIn]:
        return list(self._active.values())

    def running(self) -> int:
        """How many check-ins have a timer running or an alarm raised (a count only)."""
        return sum(1 for c in self._active.values() if c.state is not State.ARMING)

    def keys(self) -> list[bytes]:
        return [*self._invites, *self._by_person, *self._by_contact, *self._active]
