"""Safety alerts: report intake to channel post, lookups over 10,000 alerts, and an
expiry sweep of 10,000 alerts measured by how long it ever holds up the event loop.

Real code on a real SQLite file in a temporary directory: the desk (moderation/alerts),
the publisher (bot/handlers/alerts/channel.py) with Telegram replaced by an instant
answer, published alerts held in memory. Number hashes use cheap scrypt parameters while
10,000 alerts are created; the number lookup row times what the desk does once the hash
is known, and the hash itself (production scrypt, about 100 ms, one at a time off the
event loop) is reported on its own row.
"""

from __future__ import annotations

import asyncio
import json
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from bench.report import Report, Target, percentile
from bot.alerts_runtime import AlertRuntime
from bot.handlers.alerts.channel import Pacer, publish_due
from knowledge.model import Region, Snapshot
from moderation.alerts import AlertDesk, AlertSettings
from moderation.alerts.lookup import NumberHasher
from moderation.alerts.model import ReportDraft
from moderation.identity import ScryptCost
from moderation.store import Store
from moderation.workflow import Moderation

SECTION = "alerts"
ALERTS = 10_000
LOOKUP_TARGET_MS = 5.0
STALL_TARGET_MS = 100.0
KEY = bytes(range(32))
CHEAP = ScryptCost(n=16, r=1, p=1)


class _Sent:
    def __init__(self, message_id: int) -> None:
        self.message_id = message_id


class _Telegram:
    """Answers at once, like a very fast Bot API."""

    username = "lantern_bench_bot"

    def __init__(self) -> None:
        self.sent = 0

    async def send_message(self, chat_id: int, text: str, **_: object) -> _Sent:
        self.sent += 1
        return _Sent(self.sent)

    async def edit_message_text(self, *_: object, **__: object) -> bool:
        return True


async def _setup(directory: Path, now: Callable[[], datetime]):
    store = await Store.open(directory)
    moderation = Moderation(store, now=now)
    ada = await moderation.redeem(await moderation.create_invite("admin"), "h-a", "Ada")
    bea = await moderation.redeem(await moderation.create_invite("moderator"), "h-b", "Bea")
    desk = AlertDesk(store, settings=AlertSettings(number_check=True), now=now)
    desk.hasher = NumberHasher(KEY, CHEAP)
    await desk.load()
    await desk.link_channel(ada.id, "es", -1001, ("es", "en"))
    return store, desk, ada.id, bea.id


def _svc(desk: AlertDesk) -> SimpleNamespace:
    snapshot = Snapshot(entries=(), regions=(Region("es", {"en": "Spain", "es": "España"}),))
    return SimpleNamespace(alerts=AlertRuntime(desk), full=snapshot, kb=None)


async def _intake(samples: int) -> list[float]:
    """Submit, edit, two approvals, the post sent: ms per report."""
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        store, desk, ada, bea = await _setup(Path(tmp), lambda: datetime.now(UTC))
        svc, bot, pacer = _svc(desk), _Telegram(), Pacer()
        for i in range(samples):
            started = time.perf_counter()
            draft = ReportDraft(region="es", categories=["robbery"], phone=f"6123{i:05d}")
            report_id = await desk.submit(draft, "es", {"es"})
            await desk.set_text(ada, report_id, f"Robo. Seat rojo, 1234 BCD, tel 6123{i:05d}")
            await desk.approve(ada, report_id)
            await desk.approve(bea, report_id)
            pacer._next.clear()  # the bench measures the work, not the 3 s pacing
            await publish_due(bot, svc, pacer)  # type: ignore[arg-type]
            times.append((time.perf_counter() - started) * 1000)
        await store.close()
    return times


async def _fill(store: Store, desk: AlertDesk, count: int, today: date, rng: random.Random):
    """`count` published alerts straight into the tables (and the index)."""
    rows, hashes = [], []
    for i in range(count):
        phone = f"+346{rng.randrange(10**8):08d}"
        plate = f"{rng.randrange(10**4):04d} {''.join(rng.choice('BCDFGHJKL') for _ in range(3))}"
        text = desk.mask(f"Violento. Coche {plate}, tel {phone}. Alerta {i}", "es")
        expires = today + timedelta(days=rng.randrange(1, 365))
        rows.append(
            (
                "es",
                json.dumps(["violence"]),
                3,
                "",
                "es",
                text,
                today.isoformat(),
                expires.isoformat(),
            )
        )
        hashes.append(desk.hasher.hash_now(phone))  # type: ignore[union-attr]
    async with store.transaction() as db:
        await db.executemany(
            "INSERT INTO alerts (region, categories, severity, period, lang, text, "
            "published_on, expires_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        cursor = await db.execute("SELECT id, text FROM alerts ORDER BY id")
        found = await cursor.fetchall()
        await db.executemany(
            "INSERT INTO alert_numbers (alert_id, hash) VALUES (?, ?)",
            [(row["id"], value) for row, value in zip(found, hashes, strict=True)],
        )
    await desk.published.load(store)
    return hashes


class _Known:
    """The production hasher with its answer already known, so the row times the rest
    of "check a number": parsing the number, the lookup, the answer."""

    def __init__(self, hasher: NumberHasher) -> None:
        self.hasher = hasher
        self.known: dict[str, str] = {}

    async def hash(self, e164: str) -> str:
        return self.known[e164]


async def _lookups(count: int, seed: int) -> tuple[list[float], list[float]]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        store, desk, *_ = await _setup(Path(tmp), lambda: datetime.now(UTC))
        hashes = await _fill(store, desk, count, date(2026, 11, 21), rng)
        partial, exact = [], []
        queries = [f"{rng.randrange(10**4):04d}" for _ in range(300)]
        queries += ["violento coche", "seat", "12", "alerta 77", "zzz"] * 20
        for query in queries:
            started = time.perf_counter()
            await desk.search(query, "es")
            partial.append((time.perf_counter() - started) * 1000)
        desk.hasher = _Known(desk.hasher)  # type: ignore[assignment]
        for i, value in enumerate(rng.sample(hashes, 300)):
            desk.hasher.known[f"+346{i:08d}"] = value  # type: ignore[union-attr]
            started = time.perf_counter()
            matches = await desk.check_number(f"+346{i:08d}", "es")
            exact.append((time.perf_counter() - started) * 1000)
            assert matches, "a reported number was not found"
        await store.close()
    return partial, exact


async def _sweep(count: int, seed: int) -> tuple[float, float]:
    """(seconds to end every alert, longest event-loop stall in ms meanwhile)."""
    rng = random.Random(seed)
    clock = {"now": datetime(2026, 11, 21, 12, tzinfo=UTC)}
    with tempfile.TemporaryDirectory() as tmp:
        store, desk, *_ = await _setup(Path(tmp), lambda: clock["now"])
        await _fill(store, desk, count, clock["now"].date(), rng)
        clock["now"] += timedelta(days=400)
        stalls: list[float] = []
        running = True

        async def ticker() -> None:
            while running:
                started = time.perf_counter()
                await asyncio.sleep(0.001)
                stalls.append((time.perf_counter() - started) * 1000 - 1.0)

        tick = asyncio.create_task(ticker())
        started = time.perf_counter()
        ended = await desk.sweep()
        took = time.perf_counter() - started
        running = False
        await tick
        assert ended == count
        await store.close()
    return took, max(stalls)


def bench_alerts(
    report: Report,
    *,
    alerts: int = ALERTS,
    runs: int = 3,
    seed: int = 1,
    progress: Callable[[str], None] = lambda _: None,
) -> None:
    progress("alerts: report intake to channel post")
    intake = [asyncio.run(_intake(50)) for _ in range(runs)]
    report.add(
        SECTION,
        "alerts.intake_to_post_p50_ms",
        "report intake to channel post, p50",
        "ms",
        [percentile(r, 50) for r in intake],
        size=1,
    )
    progress(f"alerts: lookups over {alerts:,} alerts")
    looked = [asyncio.run(_lookups(alerts, seed + run)) for run in range(runs)]
    report.add(
        SECTION,
        "alerts.partial_p99_ms",
        "partial search (digits, plate, words) p99",
        "ms",
        [percentile(p, 99) for p, _ in looked],
        size=alerts,
        target=Target("<=", LOOKUP_TARGET_MS, "p99 under 5 ms"),
    )
    report.add(
        SECTION,
        "alerts.number_lookup_p99_ms",
        "check a number p99 (the hash apart)",
        "ms",
        [percentile(e, 99) for _, e in looked],
        size=alerts,
        target=Target("<=", LOOKUP_TARGET_MS, "p99 under 5 ms"),
    )
    hasher = NumberHasher(KEY)
    hashing = []
    for _ in range(runs):
        started = time.perf_counter()
        hasher.hash_now("+34612344567")
        hashing.append((time.perf_counter() - started) * 1000)
    report.add(
        SECTION, "alerts.number_hash_ms", "number hash (production scrypt)", "ms", hashing, size=1
    )
    progress(f"alerts: expiry sweep of {alerts:,}")
    swept = [asyncio.run(_sweep(alerts, seed + run)) for run in range(runs)]
    report.add(
        SECTION,
        "alerts.sweep_s",
        f"expiry sweep of {alerts:,} alerts",
        "s",
        [s for s, _ in swept],
        size=alerts,
    )
    report.add(
        SECTION,
        "alerts.sweep_stall_max_ms",
        "longest event-loop stall during the sweep",
        "ms",
        [m for _, m in swept],
        size=alerts,
        target=Target("<=", STALL_TARGET_MS, "updates never wait 100 ms for it"),
    )
