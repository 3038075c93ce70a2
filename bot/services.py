"""The domain objects the handlers use, and the live knowledge base they keep current."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

from bot import heap
from bot.alerts_runtime import AlertRuntime, open_alerts
from bot.i18n import pick_language
from bot.outgoing import Outgoing
from bot.remembered.checkins import CheckIns
from bot.remembered.flood import GROUP_BURST, GROUP_PER_SECOND, FloodGuard
from bot.remembered.flows import Flows
from bot.remembered.prefs import Preferences
from bot.remembered.trail import MessageTrail, Vanisher
from knowledge.base import KnowledgeBase
from knowledge.model import Snapshot
from knowledge.search import SearchIndex
from moderation import live
from moderation.identity import Identity, IdentityUnavailable, ModeratorKeyError, NoIdentity
from moderation.limits import DailyLimiter
from moderation.store import Store, StoreError
from moderation.workflow import Moderation, Moderator

USER_SUBMISSIONS_PER_DAY = 5
NO_KEY = (
    "no moderator key is set, so nobody is recognised as a moderator (users are served as "
    "usual); create one with `lantern admin new-key PATH` outside the data directory and "
    "set LANTERN_MODERATOR_KEY_FILE=PATH"
)

logger = logging.getLogger("lantern.moderator_key")


def _configured_identity(data_dir: Path) -> Identity:
    """The Identity for the key `lantern run` was configured with; says what is wrong."""
    from bot.config import Config, ConfigError

    try:
        found = Config.from_env().find_moderator_key(data_dir)
    except (ConfigError, ModeratorKeyError) as exc:
        logger.error("moderation is off: moderator key: %s", exc)
        return NoIdentity("moderation is switched off on this server; tell its operator")
    if found is None:
        logger.warning("moderation is off: %s", NO_KEY)
        return NoIdentity("moderation is switched off on this server; tell its operator")
    if found.in_data_dir or found.legacy_file:
        logger.warning(
            "the moderator key is in the data directory, so a copy of that disk or a backup "
            "holds both the hashes and the key: run `lantern admin migrate-key --to PATH` "
            "(PATH on another mount) and set LANTERN_MODERATOR_KEY_FILE=PATH"
        )
    return Identity(found.key, legacy_key=found.legacy_key)


FRESH_CHECK_SECONDS = 60.0
# What a damaged, missing or full moderators' database raises. People's answers never
# depend on it: only saving a shared tip or a report does, and then they are told.
STORE_FAILURES = (sqlite3.Error, StoreError, OSError)
log = logging.getLogger("lantern.services")


@dataclass
class Services:
    """One per application. Without a store (tests, console) moderation is simply off."""

    kb: KnowledgeBase
    prefs: Preferences = field(default_factory=Preferences)
    today: Callable[[], date] = date.today
    flows: Flows = field(default_factory=Flows)
    submissions: DailyLimiter = field(
        default_factory=lambda: DailyLimiter(USER_SUBMISSIONS_PER_DAY)
    )
    trail: MessageTrail = field(default_factory=MessageTrail)
    vanisher: Vanisher = field(default_factory=Vanisher)
    checkins: CheckIns = field(default_factory=CheckIns)  # 🤝 Check-in: memory only
    flood: FloodGuard = field(default_factory=FloodGuard)
    # A group is answered at Telegram's group rate, whoever writes in it.
    group_flood: FloodGuard = field(
        default_factory=lambda: FloodGuard(burst=GROUP_BURST, per_second=GROUP_PER_SECOND)
    )
    base: Snapshot | None = None
    full: Snapshot | None = None
    moderation: Moderation | None = None
    identity: Identity | None = None
    store: Store | None = None
    bot_username: str = ""
    content_dir: Path | None = None
    # Where `lantern run` keeps compiled content: a reload compiles apart and reads it
    # back too, as a start does, so it does not keep a parse's memory. None: parse here.
    compiled_in: Path | None = None
    # Chats of admins who opened /mod since the start: memory only, to tell them about
    # content that failed to reload. Never written anywhere.
    admin_chats: set[int] = field(default_factory=set)
    sweeper: asyncio.Task[None] | None = None
    watcher: asyncio.Task[None] | None = None
    freshener: asyncio.Task[None] | None = None
    commander: asyncio.Task[None] | None = None
    # ⚠️ Safety alerts: the desk and the per-person limits (memory only); None until the
    # database is open.
    alerts: AlertRuntime | None = None
    _built_on: date | None = None

    def __post_init__(self) -> None:
        self._refreshing = asyncio.Lock()
        self.outgoing = Outgoing(self.prefs, self.trail, self.vanisher)
        if self.base is None:
            self.base = self.kb.snapshot
        if self.full is None:
            self.full = self.base

    async def attach_store(self, data_dir: Path | str, identity: Identity | None = None) -> None:
        """Open the database and moderator key, then serve YAML plus published peer tips.

        Without `identity` (or one set before), the key is the configured one
        (LANTERN_MODERATOR_KEY_FILE or LANTERN_MODERATOR_KEY). With no usable key, users
        are served as always (published tips included) and nobody is a moderator; the
        log says what to set. The key is never created here: the data directory is the
        one place it must not be.
        """
        self.store = await Store.open(data_dir)
        if identity is None:
            identity = self.identity or _configured_identity(Path(data_dir))
        self.identity = identity
        await identity.attach(self.store)
        self.moderation = Moderation(self.store, now=self._now)
        self.alerts = await open_alerts(self.store, Path(data_dir), self._now)
        self.moderation.on_change(self.refresh)
        await self.refresh()

    def _now(self) -> datetime:
        today = self.today()
        real = datetime.now(UTC)
        return real if real.date() == today else datetime.combine(today, time(12), UTC)

    async def refresh(self) -> None:
        """Recompose what users see; the index is built off the event loop, one at a time."""
        async with self._refreshing:
            await self._refresh()

    async def _refresh(self, base_index: SearchIndex | None = None) -> None:
        """`base_index`: an index of `self.base` (a reload's, read back) to build from,
        rather than from the live one."""
        assert self.base is not None
        today = self.today()
        if self.moderation is not None:
            full = live.compose(
                self.base,
                await self.moderation.published(),
                await self.moderation.confirmations(),
                await self.moderation.regions(),
            )
        else:
            full = self.base
        users = live.for_users(full, today)
        await asyncio.to_thread(self.kb.replace, users, base_index)
        self.full = full
        self._built_on = today

    async def reload_content(self) -> list[str]:
        """Validate the content directory again; serve it only if it is entirely valid.

        Returns the problems (`path:line: message`); with any, the old content stays live.
        """
        if self.content_dir is None:
            return []
        from bot.content import load_knowledge, load_snapshot

        base_index = None
        if self.compiled_in is not None:
            kb, problems = await asyncio.to_thread(
                load_knowledge, self.content_dir, compiled_in=self.compiled_in, apart=True
            )
            snapshot, base_index = (kb.snapshot, kb.index) if kb is not None else (None, None)
        else:
            snapshot, problems = await asyncio.to_thread(load_snapshot, self.content_dir)
        if snapshot is None:
            return problems
        async with self._refreshing:
            previous, self.base = self.base, snapshot
            try:
                await self._refresh(base_index)
            except BaseException:
                self.base = previous  # what users see and what reloads build on stay one
                raise
        heap.release()
        return []

    def language(
        self, user_id: int, language_code: str | None = None, *, touch: bool = True
    ) -> str:
        """The person's chosen language, else their Telegram one, else the default."""
        pref = self.prefs.get(user_id) if touch else self.prefs.peek(user_id)
        if pref is not None and pref.lang:
            return pref.lang
        return pick_language(language_code)

    def remember_admin_chat(self, chat_id: int) -> None:
        if len(self.admin_chats) < 64:
            self.admin_chats.add(chat_id)

    async def ensure_fresh(self) -> None:
        """Once a day, re-apply freshness (legal entries can expire overnight)."""
        if self._built_on == self.today():
            return
        async with self._refreshing:
            if self._built_on != self.today():  # another update may have done it meanwhile
                await self._refresh()

    async def keeping_fresh(self, interval: float = FRESH_CHECK_SECONDS) -> None:
        """In the background, never in front of a person's answer: if the moderators'
        database cannot be read, people keep getting the content already in memory, and
        the refresh is tried again a minute later."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.ensure_fresh()
            except Exception as exc:  # keep serving the last content whatever this hit
                log.error(
                    "daily refresh failed (%s); serving the content already loaded",
                    type(exc).__name__,
                )

    async def moderator(self, user_id: int) -> Moderator | None:
        """The moderator this person is, or None (also when no hash can be computed now:
        /mod then answers like an unknown command, as it does for everyone else)."""
        if self.moderation is None or self.identity is None:
            return None
        try:
            user_hash = await self.identity.user_hash(user_id)
        except IdentityUnavailable:
            return None
        try:
            return await self.moderation.moderator_by_hash(user_hash)
        except STORE_FAILURES as exc:
            log.error("moderator lookup failed: %s", type(exc).__name__)
            return None

    def region_slugs(self) -> set[str]:
        snapshot = self.full or self.kb.snapshot
        return {r.slug for r in snapshot.regions}

    async def close(self) -> None:
        await self.checkins.scheduler.stop()
        if self.alerts is not None:
            await self.alerts.stopped()
        if self.store is not None:
            await self.store.close()
            self.store = None
