"""The domain objects the handlers use, and the live knowledge base they keep current."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

from bot import heap
from bot.flood import FloodGuard
from bot.flows import Flows
from bot.i18n import pick_language
from bot.outgoing import Outgoing
from bot.prefs import Preferences
from bot.trail import MessageTrail, Vanisher
from knowledge.base import KnowledgeBase
from knowledge.model import Snapshot
from moderation import live
from moderation.identity import Identity
from moderation.limits import DailyLimiter
from moderation.store import Store
from moderation.workflow import Moderation, Moderator

USER_SUBMISSIONS_PER_DAY = 5


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
    flood: FloodGuard = field(default_factory=FloodGuard)
    base: Snapshot | None = None
    full: Snapshot | None = None
    moderation: Moderation | None = None
    identity: Identity | None = None
    store: Store | None = None
    bot_username: str = ""
    content_dir: Path | None = None
    # Chats of admins who opened /mod since the start: memory only, to tell them about
    # content that failed to reload. Never written anywhere.
    admin_chats: set[int] = field(default_factory=set)
    sweeper: asyncio.Task[None] | None = None
    watcher: asyncio.Task[None] | None = None
    _built_on: date | None = None

    def __post_init__(self) -> None:
        self._refreshing = asyncio.Lock()
        self.outgoing = Outgoing(self.prefs, self.trail, self.vanisher)
        if self.base is None:
            self.base = self.kb.snapshot
        if self.full is None:
            self.full = self.base

    async def attach_store(self, data_dir: Path | str) -> None:
        """Open the database and key, then serve YAML plus published peer tips."""
        self.store = await Store.open(data_dir)
        self.identity = Identity.load_or_create(data_dir)
        self.moderation = Moderation(self.store, now=self._now)
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

    async def _refresh(self) -> None:
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
        await asyncio.to_thread(self.kb.replace, users)
        self.full = full
        self._built_on = today

    async def reload_content(self) -> list[str]:
        """Validate the content directory again; serve it only if it is entirely valid.

        Returns the problems (`path:line: message`); with any, the old content stays live.
        """
        if self.content_dir is None:
            return []
        from bot.content import load_snapshot

        snapshot, problems = await asyncio.to_thread(load_snapshot, self.content_dir)
        if snapshot is None:
            return problems
        self.base = snapshot
        await self.refresh()
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

    async def moderator(self, user_id: int) -> Moderator | None:
        if self.moderation is None or self.identity is None:
            return None
        return await self.moderation.moderator_by_hash(self.identity.user_hash(user_id))

    def region_slugs(self) -> set[str]:
        snapshot = self.full or self.kb.snapshot
        return {r.slug for r in snapshot.regions}

    async def close(self) -> None:
        if self.store is not None:
            await self.store.close()
            self.store = None
