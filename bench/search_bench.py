"""Search: latency, build and rebuild time, memory and relevance, against the obvious baseline.

The baseline is what anyone would write first: rapidfuzz's WRatio of the query against
every entry's whole text, `process.extract(query, texts, scorer=fuzz.WRatio, limit=10)`,
over the entries a person without a region sees, in the query's language, with the same
folding as the index (so it is not penalised for case or accents).
"""

from __future__ import annotations

import dataclasses
import gc
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from bench.queries import Query, hostile, is_hit, sample
from bench.report import Report, Target, percentile
from bench.synthetic import synthetic_entries
from knowledge.model import Entry, Snapshot, is_visible
from knowledge.normalize import MAX_QUERY_CHARS, fold
from knowledge.search import SearchIndex

SECTION = "search"
LIMIT = 10  # hits asked for, as the baseline's limit=10
P99_TARGET_MS = 5.0
SPEEDUP_TARGET = 30.0
GROWTH_TARGET = 3.0
REBUILD_TARGET_MS = 200.0
NEW_TIP_ID = "bench-new-tip"

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def baseline_sample_size(size: int) -> int:
    """Queries the baseline is run on: it takes seconds per query at 100,000 entries."""
    if size <= 2_000:
        return 60
    if size <= 20_000:
        return 24
    return 10


@dataclass
class Baseline:
    """`process.extract(query, all_entry_texts, scorer=fuzz.WRatio, limit=10)`."""

    entries: dict[str, list[Entry]]
    texts: dict[str, list[str]]

    @classmethod
    def of(cls, snapshot: Snapshot, languages: Sequence[str]) -> Baseline:
        visible = [e for e in snapshot.entries if is_visible(e, None)]
        texts = {}
        for lang in languages:
            texts[lang] = [
                fold(f"{t.title} {' '.join(t.keywords)} {t.body}")
                for t in (e.text(lang) for e in visible)
            ]
        return cls({lang: visible for lang in languages}, texts)

    def search(self, query: str, lang: str) -> list[Entry]:
        found = process.extract(fold(query), self.texts[lang], scorer=fuzz.WRatio, limit=LIMIT)
        return [self.entries[lang][index] for _, _, index in found]


def new_tip(shipped: Snapshot, seed: int) -> Entry:
    """A tip a moderator might publish: a synthetic entry with an id no base has."""
    entry = synthetic_entries(shipped, 1, seed + 1)[0]
    return dataclasses.replace(entry, id=NEW_TIP_ID, origin="bench:new-tip")


def index_bytes(index: SearchIndex) -> int:
    """Memory the index itself holds: arrays, vocabulary, phrases; not the entries."""
    seen: set[int] = set()
    total = 0
    stack: list[object] = list(vars(index).values())
    skip = (Snapshot, Entry, type, type(sys), type(len))
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, skip) or obj is None:
            continue
        seen.add(id(obj))
        if isinstance(obj, np.ndarray):
            base = obj.base if obj.base is not None else obj
            if id(base) not in seen or base is obj:
                seen.add(id(base))
                total += base.nbytes if isinstance(base, np.ndarray) else obj.nbytes
            if obj.dtype == object:
                stack.extend(obj.tolist())
            continue
        if isinstance(obj, threading.local):  # per-thread scratch buffers
            continue
        total += sys.getsizeof(obj)
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        if isinstance(obj, list | tuple | set | frozenset):
            stack.extend(obj)
        if hasattr(obj, "__dict__") and not isinstance(obj, str | int | float):
            stack.extend(vars(obj).values())
        for name in getattr(type(obj), "__slots__", ()):
            stack.append(getattr(obj, name, None))
    return total


def _timed_searches(index: SearchIndex, queries: Sequence[Query]) -> tuple[list[float], list[list]]:
    """Milliseconds per query and the hits, searching as the bot does (no region)."""
    times = []
    results = []
    clock = time.perf_counter
    for query in queries:
        start = clock()
        hits = index.search(query.text, lang=query.lang, limit=LIMIT)
        times.append((clock() - start) * 1000.0)
        results.append(hits)
    return times, results


def bench_search(
    report: Report,
    shipped: Snapshot,
    snapshots: dict[int, Snapshot],
    plain: Sequence[Query],
    misspelled: Sequence[Query],
    *,
    runs: int,
    seed: int,
    build_runs: Callable[[int], int] | None = None,
    progress: Progress = _quiet,
) -> dict[int, SearchIndex]:
    """Measure search at every size; add the rows and targets to `report`."""
    queries = [*plain, *misspelled]
    tip = new_tip(shipped, seed)
    indexes: dict[int, SearchIndex] = {}
    p50: dict[int, float] = {}
    for size, snapshot in sorted(snapshots.items()):
        progress(f"search: {size:,} entries")
        builds = []
        index = None
        for _ in range(build_runs(size) if build_runs else runs):
            index = None
            gc.collect()
            start = time.perf_counter()
            index = SearchIndex(snapshot)
            builds.append(time.perf_counter() - start)
        assert index is not None
        indexes[size] = index
        gc.collect()
        gc.freeze()  # as a long-running bot should: the base is not garbage
        report.add(SECTION, "search.build_s", "index build (from scratch)", "s", builds, size=size)

        published = Snapshot(entries=(*snapshot.entries, tip), regions=snapshot.regions)
        rebuilds = []
        for _ in range(max(runs, 3)):
            start = time.perf_counter()
            SearchIndex.rebuild(published, index)
            rebuilds.append((time.perf_counter() - start) * 1000.0)
        report.add(
            SECTION,
            "search.rebuild_ms",
            "rebuild after one tip is published",
            "ms",
            rebuilds,
            size=size,
            target=Target("<=", REBUILD_TARGET_MS, "rebuild after a tip at most 200 ms")
            if size == 10_000
            else None,
        )
        report.add(
            SECTION,
            "search.index_mb",
            "index memory (arrays, words, phrases)",
            "MB",
            [index_bytes(index) / 1e6],
            size=size,
        )

        run_p50, run_p99, run_max, hostile_max = [], [], [], []
        results: list[list] = []
        for _ in range(runs):
            # A fresh index over the same snapshot: shared arrays, empty caches (cold).
            fresh = SearchIndex.rebuild(snapshot, index)
            times, results = _timed_searches(fresh, queries)
            run_p50.append(percentile(times, 50))
            run_p99.append(percentile(times, 99))
            run_max.append(max(times))
            worst = 0.0
            for _, text in hostile():
                start = time.perf_counter()
                fresh.search(text, lang="en", limit=LIMIT)
                worst = max(worst, (time.perf_counter() - start) * 1000.0)
            hostile_max.append(worst)
        p50[size] = float(np.median(run_p50))
        big = size == 100_000
        report.add(
            SECTION, "search.p50_ms", "search p50 (quality + misspelled)", "ms", run_p50, size=size
        )
        report.add(
            SECTION,
            "search.p99_ms",
            "search p99 (quality + misspelled)",
            "ms",
            run_p99,
            size=size,
            target=Target("<=", P99_TARGET_MS, "search p99 at most 5 ms") if big else None,
        )
        report.add(SECTION, "search.max_ms", "search slowest query", "ms", run_max, size=size)
        report.add(
            SECTION,
            "search.hostile_max_ms",
            "hostile queries, slowest (4,096 chars, emoji, ...)",
            "ms",
            hostile_max,
            size=size,
            target=Target("<=", P99_TARGET_MS, "hostile queries within the p99 bound")
            if big
            else None,
        )
        hits_plain = [is_hit(h, q) for h, q in zip(results[: len(plain)], plain, strict=True)]
        hits_typo = [is_hit(h, q) for h, q in zip(results[len(plain) :], misspelled, strict=True)]
        report.add(
            SECTION,
            "search.hit3",
            "top-3 hit rate, quality set",
            "%",
            [100.0 * _mean(hits_plain)],
            size=size,
        )
        report.add(
            SECTION,
            "search.hit3_misspelled",
            "top-3 hit rate, misspelled",
            "%",
            [100.0 * _mean(hits_typo)],
            size=size,
        )

        progress(f"search: {size:,} entries, baseline")
        chosen = sample(plain, baseline_sample_size(size))
        baseline = Baseline.of(snapshot, index.languages)
        base_times, base_hits, our_times, our_hits = [], [], [], []
        fresh = SearchIndex.rebuild(snapshot, index)
        for query in chosen:
            start = time.perf_counter()
            found = baseline.search(query.text, query.lang)
            base_times.append((time.perf_counter() - start) * 1000.0)
            base_hits.append(any(set(query.topics) & set(e.topics) for e in found[:3]))
            start = time.perf_counter()
            hits = fresh.search(query.text, lang=query.lang, limit=LIMIT)
            our_times.append((time.perf_counter() - start) * 1000.0)
            our_hits.append(is_hit(hits, query))
        base_p50 = percentile(base_times, 50)
        report.add(
            SECTION,
            "baseline.p50_ms",
            f"baseline p50 ({len(chosen)} queries)",
            "ms",
            [base_p50],
            size=size,
        )
        report.add(
            SECTION,
            "baseline.p99_ms",
            f"baseline p99 ({len(chosen)} queries)",
            "ms",
            [percentile(base_times, 99)],
            size=size,
        )
        report.add(
            SECTION,
            "search.speedup_p50",
            "speed-up over baseline, p50 (same queries)",
            "x",
            [base_p50 / max(percentile(our_times, 50), 1e-9)],
            size=size,
            target=Target(">=", SPEEDUP_TARGET, "at least 30 times faster than the baseline")
            if size == 10_000
            else None,
        )
        report.add(
            SECTION,
            "baseline.hit3",
            f"baseline top-3 hit rate ({len(chosen)} queries)",
            "%",
            [100.0 * _mean(base_hits)],
            size=size,
        )
        report.add(
            SECTION,
            "search.hit3_vs_baseline",
            "top-3 hit rate minus baseline's (same queries)",
            "pts",
            [100.0 * (_mean(our_hits) - _mean(base_hits))],
            size=size,
            target=Target(">=", 0.0, "relevance no worse than the baseline's") if big else None,
        )
        gc.unfreeze()
        del baseline, fresh
    if 10_000 in p50 and 100_000 in p50:
        report.add(
            SECTION,
            "search.p50_growth",
            "p50 at 100,000 over p50 at 10,000",
            "x",
            [p50[100_000] / max(p50[10_000], 1e-9)],
            target=Target("<=", GROWTH_TARGET, "p50 grows at most 3 times from 10k to 100k"),
        )
    report.note(
        f"Search figures: {len(plain)} quality queries and as many misspelled variants, "
        f"limit {LIMIT}, no region, each run on a fresh index (cold caches); queries are cut "
        f"to {MAX_QUERY_CHARS} characters before any work. The baseline runs once, on an "
        "even sample of the quality set (it takes seconds per query at 100,000 entries)."
    )
    return indexes


def _mean(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0
