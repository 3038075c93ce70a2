"""The update path: a realistic mix of raw JSON updates through the real Application.

Only the HTTP layer is replaced, by a stub that answers every call at once and serves the
prepared updates to getUpdates in batches of 100, as Telegram does. Everything else is
the bot as it runs: PTB's Updater parses the JSON, the Application dispatches, Lantern's
handlers search and render, PTB encodes the replies. The floor is the same pipeline with
every handler replaced by one that sends a fixed reply.

Both are measured once more over real local HTTP, on a mix a fifth the size (400
updates at most, from ten times as many people): the bot keeps its own HTTP layer (HTTPX,
as in production) and talks to a lean aiohttp server on 127.0.0.1 (bench/local_api.py),
not to the project's Bot API emulator. The emulator checks every call against the Bot API
spec and Lantern's rules, keeps every chat and refuses chats it was not told of: it would
measure itself. The lean server answers as the stub does and serves getUpdates the same
way, so the two transports differ only in HTTP. It runs in the bot's process and event
loop, so its own cost is counted, as it would be anyway on the one core `make bench` pins
the run to; profiled, it is about 3% of the floor's time over HTTP, HTTPX's pool most of
the rest.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes, InlineQueryHandler, TypeHandler
from telegram.request import RequestData

from bench.local_api import LocalBotAPI
from bench.queries import Query
from bench.report import Report, Target, percentile
from bot import callbacks, deeplinks
from bot.callbacks import Op
from bot.config import Config, Secret
from emulator.stub import NO_UPDATES, InstantRequest
from knowledge.base import KnowledgeBase
from knowledge.model import Entry, Snapshot, is_visible
from knowledge.search import SearchIndex
from knowledge.taxonomy import ALL_TOPICS, CATEGORIES

SECTION = "updates"
BOT_ID = 1000000042
TOKEN = f"{BOT_ID}:bench-token-not-a-real-one-abcdefgh"
BATCH = 100  # updates per getUpdates answer, Telegram's maximum
THROUGHPUT_TARGET = 1000.0
P99_TARGET_MS = 10.0
FLOOR_SHARE_TARGET = 0.5
HTTP_UPDATES = 400  # at most, for the runs over local HTTP (a fifth of the mix)
PUBLISH_RATIO_TARGET = 1.25

# The mix: what people do, by share of updates.
MIX: tuple[tuple[str, float], ...] = (
    ("start", 0.10),  # /start, a third of them from a shared link
    ("callback", 0.45),  # menu, category, topic, entry, pages, language, help
    ("search", 0.30),  # typed words: the quality queries and their misspellings
    ("inline", 0.10),  # @bot words
    ("command", 0.05),  # /help, /privacy, an unknown command
)

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass
class Mix:
    """Updates as raw JSON, prepared once: (kind, update) in order."""

    updates: list[tuple[str, dict[str, Any]]]

    def batches(self) -> list[bytes]:
        """The getUpdates answers, serialised as Telegram would send them."""
        out = []
        for start in range(0, len(self.updates), BATCH):
            chunk = [u for _, u in self.updates[start : start + BATCH]]
            out.append(json.dumps({"ok": True, "result": chunk}).encode())
        return out

    def kinds(self) -> Counter[str]:
        return Counter(kind for kind, _ in self.updates)


def build_mix(
    snapshot: Snapshot, queries: Sequence[Query], count: int, seed: int, users: int | None = None
) -> Mix:
    """`count` updates from `users` people (enough that nobody trips the flood guard).

    The whole mix is fetched within a second or two, so each person sends a couple of
    updates at most: a person sending more at once would be held back by flood control
    and their chat's line (bot/updates.py), which is what they are for.
    """
    rng = random.Random(seed)
    people = users or max(50, count // 2)
    visible = [e for e in snapshot.entries if is_visible(e, None)]
    by_topic: dict[str, list[Entry]] = {}
    for entry in visible:
        for topic in entry.topics:
            by_topic.setdefault(topic, []).append(entry)
    topics = [t for t in ALL_TOPICS if t in by_topic]
    now = int(time.time())
    update_ids = itertools.count(1)
    message_ids = itertools.count(1000)
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    updates: list[tuple[str, dict[str, Any]]] = []
    for _ in range(count):
        uid = 10_000 + rng.randrange(people)
        lang = "es" if uid % 5 < 2 else "en"
        sender = {"id": uid, "is_bot": False, "first_name": "Bench", "language_code": lang}
        chat = {"id": uid, "type": "private", "first_name": "Bench"}
        kind = rng.choices(kinds, weights)[0]

        def message(text: str, sender: dict = sender, chat: dict = chat) -> dict[str, Any]:
            return _message(next(update_ids), next(message_ids), now, sender, chat, text)

        if kind == "start":
            roll = rng.random()
            if roll < 0.2 and visible:
                link = deeplinks.Link("entry", rng.choice(visible).id, lang)
                update = message("/start " + deeplinks.encode(link))
            elif roll < 0.33 and topics:
                link = deeplinks.Link("topic", rng.choice(topics))
                update = message("/start " + deeplinks.encode(link))
            else:
                update = message("/start")
        elif kind == "search":
            pool = [q for q in queries if q.lang == lang] or list(queries)
            update = message(rng.choice(pool).text)
        elif kind == "command":
            update = message(rng.choice(["/help", "/privacy", "/whatever"]))
        elif kind == "inline":
            pool = [q for q in queries if q.lang == lang] or list(queries)
            update = {
                "update_id": next(update_ids),
                "inline_query": {
                    "id": str(next(message_ids)),
                    "from": sender,
                    "query": rng.choice(pool).text[:64],
                    "offset": "",
                },
            }
        else:
            data = _callback_data(rng, topics, by_topic, lang)
            update = {
                "update_id": next(update_ids),
                "callback_query": {
                    "id": str(next(message_ids)),
                    "from": sender,
                    "chat_instance": f"ci{uid}",
                    "data": data,
                    "message": {
                        "message_id": 7,
                        "date": now,
                        "chat": chat,
                        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Lantern"},
                        "text": "menu",
                    },
                },
            }
        updates.append((kind, update))
    return Mix(updates)


def _message(
    update_id: int, message_id: int, now: int, sender: dict, chat: dict, text: str
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "message_id": message_id,
        "date": now,
        "chat": chat,
        "from": sender,
        "text": text,
    }
    if text.startswith("/"):
        command = text.split()[0]
        data["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"update_id": update_id, "message": data}


def _callback_data(
    rng: random.Random, topics: list[str], by_topic: dict[str, list[Entry]], lang: str
) -> str:
    """A button someone could press: mostly browsing, sometimes settings and help."""
    roll = rng.random()
    if roll < 0.15 or not topics:
        return callbacks.encode(Op.HOME)
    if roll < 0.35:
        return callbacks.encode(Op.CATEGORY, rng.choice(CATEGORIES), 0)
    if roll < 0.60:
        topic = rng.choice(topics)
        return callbacks.encode(Op.TOPIC, callbacks.topic_number(topic), rng.choice([0, 0, 1]))
    if roll < 0.88:
        topic = rng.choice(topics)
        entry = rng.choice(by_topic[topic])
        return callbacks.encode(Op.ENTRY, entry.id, callbacks.topic_number(topic))
    if roll < 0.92:
        return callbacks.encode(Op.SET_LANGUAGE, lang)
    if roll < 0.95:
        return callbacks.encode(Op.LANGUAGES)
    return callbacks.encode(rng.choice([Op.HELP, Op.PRIVACY, Op.SEARCH_TIPS]))


class StubRequest(InstantRequest):
    """PTB's HTTP layer, minus the network: every call answered at once, plausibly.

    getUpdates serves the prepared batches, then waits briefly and returns nothing, as a
    long poll with nothing new would. Requests are still encoded as for the wire.
    """

    def __init__(self, batches: Sequence[bytes] = ()) -> None:
        super().__init__(bot_id=BOT_ID, username="lantern_bench_bot")
        self._batches = deque(batches)
        self.calls: Counter[str] = Counter()
        self.first_batch_at: float | None = None

    def on_call(self, name: str, params: dict[str, Any], request_data: RequestData | None) -> None:
        self.calls[name] += 1
        if request_data is not None and name != "getUpdates":
            _ = request_data.json_payload  # what the HTTP client would send

    async def updates(self) -> bytes:
        if self._batches:
            if self.first_batch_at is None:
                self.first_batch_at = time.perf_counter()
            return self._batches.popleft()
        await asyncio.sleep(0.02)
        return NO_UPDATES


@dataclass
class RunResult:
    updates: int
    seconds: float
    latencies_ms: list[float]
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0
    calls: Counter[str] = field(default_factory=Counter)

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds if self.seconds > 0 else 0.0


def _services(kb: KnowledgeBase) -> Any:
    try:
        from bot.services import Services
    except ImportError:  # before the services moved out of the handlers package
        from bot.handlers.common import Services  # type: ignore[no-redef]
    return Services(kb)


def _application(
    kb: KnowledgeBase,
    request: StubRequest | None,
    services: Any | None = None,
    api_url: str = "http://bench.invalid",
) -> Application:
    """The bot as `lantern run` builds it, minus its pacing of sends (see `_unpaced`).

    With no `request`, it has its own HTTP layer (HTTPX, as in production) and talks to
    `api_url`.
    """
    from bot.app import build_application

    config = Config(token=Secret(TOKEN), api_url=api_url)
    services = services if services is not None else _services(kb)
    try:
        application = build_application(config, services, request=request, use_store=False)
    except TypeError:  # no use_store argument
        application = build_application(config, services, request=request)
    return _unpaced(application)


def _unpaced(application: Application) -> Application:
    """Without the rate limiter that keeps sends under Telegram's limits.

    It only waits (about 30 sends a second overall, 1 a second per chat): with it, both
    the bot and the floor would measure Telegram's ceiling, not how much work the bot can
    do below it. That is what this benchmark is for.
    """
    bot = application.bot
    if getattr(bot, "rate_limiter", None) is not None:
        with bot._unfrozen():
            bot._rate_limiter = None
    return application


def floor_application(
    kb: KnowledgeBase, request: StubRequest | None, api_url: str = "http://bench.invalid"
) -> Application:
    """The same application with every handler replaced by one fixed reply."""
    application = _application(kb, request, api_url=api_url)
    for group, handlers in list(application.handlers.items()):
        for handler in list(handlers):
            application.remove_handler(handler, group)

    async def fixed_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is not None:
            await context.bot.send_message(chat.id, "ok")
        elif update.inline_query is not None:
            await update.inline_query.answer([])  # the fixed reply to an inline query

    application.add_handler(TypeHandler(Update, fixed_reply))
    return application


async def drive(
    application: Application,
    request: StubRequest | LocalBotAPI,
    mix: Mix,
    *,
    timeout: float = 300.0,
) -> RunResult:
    """Poll the mix through `application`; time each update's processing."""
    total = len(mix.updates)
    kinds = {u["update_id"]: kind for kind, u in mix.updates}
    latencies: list[float] = []
    by_kind: dict[str, list[float]] = {}
    done = asyncio.Event()
    clock = time.perf_counter
    original = application.process_update
    errors = 0

    async def timed(update: object) -> None:
        nonlocal errors
        start = clock()
        try:
            await original(update)
        except Exception:  # counted, not hidden: a broken handler must show in the figures
            errors += 1
        elapsed = (clock() - start) * 1000.0
        latencies.append(elapsed)
        if isinstance(update, Update):
            by_kind.setdefault(kinds.get(update.update_id, "other"), []).append(elapsed)
        if len(latencies) + dropped() >= total:
            done.set()

    def dropped() -> int:
        return getattr(application.update_processor, "dropped", 0)

    application.process_update = timed  # type: ignore[method-assign]
    await application.initialize()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0.0, timeout=0)
    await application.start()
    try:
        await asyncio.wait_for(done.wait(), timeout)
        finished = clock()
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
    if dropped():
        # Figures over a mix the bot partly refused would flatter it.
        raise RuntimeError(f"{dropped()} of {total} updates were held back by flood control")
    started = request.first_batch_at or finished
    return RunResult(total, finished - started, latencies, by_kind, errors, Counter(request.calls))


async def bot_application(
    kb: KnowledgeBase, request: StubRequest | None, api_url: str = "http://bench.invalid"
) -> Application:
    """The real bot over `kb`, ready as after `lantern run` starts (content composed)."""
    services = _services(kb)
    refresh = getattr(services, "refresh", None)
    if refresh is not None:
        await refresh()  # done once at start; else the first updates would all do it
    return _application(kb, request, services, api_url)


async def _run(kb: KnowledgeBase, mix: Mix, floor: bool) -> RunResult:
    request = StubRequest(mix.batches())
    if floor:
        application = floor_application(kb, request)
    else:
        application = await bot_application(kb, request)
    return await drive(application, request, mix)


async def _run_http(kb: KnowledgeBase, mix: Mix, floor: bool) -> RunResult:
    """As `_run`, with the bot's own HTTPX requests to a lean server on 127.0.0.1."""
    server = LocalBotAPI(mix.batches(), bot_id=BOT_ID, username="lantern_bench_bot")
    await server.start()
    try:
        if floor:
            application = floor_application(kb, None, server.api_url)
        else:
            application = await bot_application(kb, None, server.api_url)
        return await drive(application, server, mix)
    finally:
        await server.stop()


class Republisher:
    """Rebuilds the index of the base plus one new tip, again and again, in a thread.

    What a moderator publishing a tip costs while updates flow: the index is rebuilt off
    the event loop from the live one (`SearchIndex.rebuild`), as the bot should do.
    """

    def __init__(self, index: SearchIndex, tip: Entry, pause: float = 0.25) -> None:
        snapshot = index.snapshot
        self._index = index
        self._with_tip = Snapshot(entries=(*snapshot.entries, tip), regions=snapshot.regions)
        self._pause = pause
        self._stop = threading.Event()
        self.rebuilds: list[float] = []
        self._thread = threading.Thread(target=self._loop, name="bench-republish", daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            start = time.perf_counter()
            SearchIndex.rebuild(self._with_tip, self._index)
            self.rebuilds.append((time.perf_counter() - start) * 1000.0)
            self._stop.wait(self._pause)

    def __enter__(self) -> Republisher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def bench_updates(
    report: Report,
    snapshot: Snapshot,
    queries: Sequence[Query],
    *,
    count: int,
    runs: int,
    seed: int,
    tip: Entry | None = None,
    progress: Progress = _quiet,
) -> None:
    """Throughput and handler latency of the realistic mix, its floor, and under rebuilds."""
    size = len(snapshot.entries)
    progress(f"updates: building the bot over {size:,} entries")
    kb = KnowledgeBase(snapshot)
    mix = build_mix(snapshot, queries, count, seed)
    gc.collect()
    real: list[RunResult] = []
    floor: list[RunResult] = []
    for run in range(runs):
        progress(f"updates: run {run + 1} of {runs}")
        real.append(asyncio.run(_run(kb, mix, floor=False)))
        floor.append(asyncio.run(_run(kb, mix, floor=True)))
    # Its own, smaller mix, from ten times as many people: over HTTP a chat's updates wait
    # longer for their turn, and a newer inline query would more often replace a waiting
    # one (dropped, as it should be), which `drive` refuses to measure.
    http_count = max(1, min(HTTP_UPDATES, count // 5))
    http_mix = build_mix(snapshot, queries, http_count, seed, users=http_count * 10)
    http_real: list[RunResult] = []
    http_floor: list[RunResult] = []
    for run in range(runs):
        progress(f"updates: over local HTTP, {http_count:,} updates, run {run + 1} of {runs}")
        http_real.append(asyncio.run(_run_http(kb, http_mix, floor=False)))
        http_floor.append(asyncio.run(_run_http(kb, http_mix, floor=True)))
    busy: list[RunResult] = []
    rebuilds: list[float] = []
    if tip is not None:
        progress("updates: with a tip published every 0.25 s (rebuilt in a thread)")
        index = SearchIndex(snapshot)
        for _ in range(runs):
            with Republisher(index, tip) as republisher:
                busy.append(asyncio.run(_run(kb, mix, floor=False)))
            rebuilds.extend(republisher.rebuilds)
    ratio = [r.per_second / f.per_second for r, f in zip(real, floor, strict=True)]
    report.add(
        SECTION,
        "updates.per_second",
        f"realistic mix, {count:,} updates",
        "upd/s",
        [r.per_second for r in real],
        size=size,
        target=Target(">=", THROUGHPUT_TARGET, "at least 1,000 updates per second"),
    )
    report.add(
        SECTION,
        "updates.p50_ms",
        "handler latency p50",
        "ms",
        [percentile(r.latencies_ms, 50) for r in real],
        size=size,
    )
    report.add(
        SECTION,
        "updates.p99_ms",
        "handler latency p99",
        "ms",
        [percentile(r.latencies_ms, 99) for r in real],
        size=size,
        target=Target("<=", P99_TARGET_MS, "p99 handler latency at most 10 ms"),
    )
    for kind, _ in MIX:
        values = [percentile(r.by_kind.get(kind, []), 99) for r in real]
        report.add(
            SECTION, f"updates.p99_ms.{kind}", f"  p99, {kind} updates", "ms", values, size=size
        )
    report.add(
        SECTION,
        "updates.floor_per_second",
        "floor: fixed reply, same pipeline",
        "upd/s",
        [f.per_second for f in floor],
        size=size,
    )
    report.add(
        SECTION,
        "updates.floor_p99_ms",
        "floor: handler latency p99",
        "ms",
        [percentile(f.latencies_ms, 99) for f in floor],
        size=size,
    )
    report.add(
        SECTION,
        "updates.share_of_floor",
        "realistic throughput / floor's",
        "x",
        ratio,
        size=size,
        target=Target(">=", FLOOR_SHARE_TARGET, "at least half the floor's throughput"),
    )
    report.add(
        SECTION,
        "updates.http_per_second",
        f"over local HTTP: realistic mix, {http_count:,} updates",
        "upd/s",
        [r.per_second for r in http_real],
        size=size,
    )
    report.add(
        SECTION,
        "updates.http_floor_per_second",
        f"over local HTTP: floor, {http_count:,} updates",
        "upd/s",
        [f.per_second for f in http_floor],
        size=size,
    )
    report.add(
        SECTION,
        "updates.http_share_of_floor",
        "over local HTTP: realistic / floor's",
        "x",
        [r.per_second / f.per_second for r, f in zip(http_real, http_floor, strict=True)],
        size=size,
        target=Target(
            ">=", FLOOR_SHARE_TARGET, "at least half the floor's throughput over local HTTP"
        ),
    )
    if busy:
        report.add(
            SECTION,
            "updates.p99_ms_rebuilding",
            "handler p99, a tip published every 0.25 s",
            "ms",
            [percentile(r.latencies_ms, 99) for r in busy],
            size=size,
        )
        report.add(
            SECTION,
            "updates.p99_publishing_ratio",
            "  p99 publishing / p99 not (same run)",
            "x",
            [
                percentile(b.latencies_ms, 99) / max(percentile(r.latencies_ms, 99), 1e-9)
                for b, r in zip(busy, real, strict=True)
            ],
            size=size,
            target=Target(
                "<=", PUBLISH_RATIO_TARGET, "publishing tips does not slow updates (p99 +25%)"
            ),
        )
        report.add(
            SECTION,
            "updates.per_second_rebuilding",
            "throughput, a tip published every 0.25 s",
            "upd/s",
            [r.per_second for r in busy],
            size=size,
        )
        report.add(
            SECTION,
            "updates.rebuild_ms_threaded",
            "  index rebuild (thread, SearchIndex.rebuild)",
            "ms",
            [percentile(rebuilds, 50)] if rebuilds else [],
            size=size,
        )
    errors = sum(r.errors for r in (*real, *floor, *http_real, *http_floor, *busy))
    kinds = mix.kinds()
    shares = ", ".join(f"{k} {kinds[k] * 100 // max(count, 1)}%" for k, _ in MIX)
    application = _application(kb, StubRequest())
    inline = any(
        isinstance(h, InlineQueryHandler) for hs in application.handlers.values() for h in hs
    )
    report.note(
        f"Update mix ({shares}) from {max(50, count // 2)} people, served to getUpdates in "
        f"batches of {BATCH}; latency is Application.process_update per update, throughput "
        "counts from the first batch to the last update handled. Callbacks answer and edit "
        "(two calls); the floor sends one message per update (an empty answer to an inline "
        "query). "
        "The bot's rate limiter (about 30 sends a second, as Telegram allows) is taken out "
        "of both: it only waits, and would hide the work. "
        + (
            "Inline queries are answered (inline mode)."
            if inline
            else "Inline queries are ignored: the bot has no inline handler yet."
        )
    )
    report.note(
        "Telegram lets a bot send about 30 messages a second: any throughput above that "
        "means the bot is not what limits replies. A tip is published every 0.25 s during "
        "the publishing runs (far more often than moderators do): the index is rebuilt from "
        "the live one with SearchIndex.rebuild in a worker thread (and dropped)."
    )
    report.note(
        "Over local HTTP: the same runs with the bot's own HTTP layer as in production "
        "(LanternRequest, HTTPX, 16 connections) talking to a lean aiohttp server on "
        "127.0.0.1 in the same process (bench/local_api.py), which answers as the stub does "
        f"and checks nothing (about 3% of the time, counted). A mix of {http_count:,} "
        f"updates from {http_count * 10:,} people; the rate limiter is taken out here too."
    )
    if errors:
        report.note(f"WARNING: {errors} update(s) raised out of the application during the bench.")
    del application
