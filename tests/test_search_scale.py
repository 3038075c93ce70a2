"""Relevance as the base grows: the quality set against 1,000, 10,000 and (with
LANTERN_BENCH_100K=1) 100,000 entries, the shipped ones plus synthetic ones modelled on
them (bench/synthetic.py), each query read as the bot reads it (bench/queries.py) and
searched as the bench does."""

from __future__ import annotations

import functools
import os

import pytest

from bench.cli import BIG_ENV
from bench.queries import is_hit, load_quality, misspelled
from bench.synthetic import grow
from knowledge.loader import load_or_raise
from knowledge.model import Snapshot
from knowledge.search import SearchIndex

pytestmark = pytest.mark.slow  # builds indexes of 1,000 entries and more

# Measured top-3 (README, Performance) less about a point and a half, so that a change
# that makes search worse at scale fails here and not only in the bench; at 100,000
# entries, correctly spelled, the target itself (96%; measured 96.2%).
FLOORS = {1_000: (0.96, 0.90), 10_000: (0.95, 0.885), 100_000: (0.96, 0.89)}
BIG = os.environ.get(BIG_ENV, "").strip().lower() in ("1", "yes", "true")


@functools.cache
def base(size: int) -> Snapshot:
    """The bench's base of `size`: 1,000 and 10,000 are made together, as `make bench`
    makes them; 100,000 on its own (it takes about five minutes to make and index)."""
    sizes = [1_000, 10_000] if size <= 10_000 else [size]
    return grow(load_or_raise(), sizes, seed=5)[size]


def top3(index: SearchIndex, queries) -> float:
    hits = [is_hit(index.search(q.text, lang=q.lang, limit=10), q) for q in queries]
    return sum(hits) / len(hits)


@pytest.mark.parametrize(
    "size",
    [
        1_000,
        10_000,
        pytest.param(
            100_000,
            marks=pytest.mark.skipif(not BIG, reason=f"{BIG_ENV}=1 runs the 100,000 base"),
        ),
    ],
)
def test_relevance_holds_as_the_base_grows(size):
    plain = load_quality()
    typos = misspelled(plain, 5)
    index = SearchIndex(base(size))
    spelled_floor, typo_floor = FLOORS[size]
    spelled, typo = top3(index, plain), top3(index, typos)
    assert spelled >= spelled_floor, f"{size:,} entries: top-3 {spelled:.1%}"
    assert typo >= typo_floor, f"{size:,} entries, misspelled: top-3 {typo:.1%}"


def test_pruning_finds_what_adding_every_posting_finds(monkeypatch):
    """MaxScore pruning, and either way of adding the pruned words (a binary search per
    document, or reading every posting when they are fewer), rank exactly as adding
    every posting does: the same hits, the same scores, for every query of the set."""
    from knowledge.search import ranking

    plain = load_quality()
    queries = plain + misspelled(plain, 5)
    snapshot = base(1_000)

    def ranked() -> list[list[tuple[str, float]]]:
        index = SearchIndex(snapshot)
        return [
            [(h.entry.id, h.score) for h in index.search(q.text, lang=q.lang, limit=10)]
            for q in queries
        ]

    monkeypatch.setattr(ranking, "PRUNE_FROM", 10**12)  # never prune
    every_posting = ranked()

    pruned = []
    add_to = ranking.Ranker._add_to

    def counted(plans, docs, total, buffer):
        pruned.append(docs.size)
        return add_to(plans, docs, total, buffer)

    monkeypatch.setattr(ranking.Ranker, "_add_to", staticmethod(counted))
    monkeypatch.setattr(ranking, "PRUNE_FROM", 0)  # prune as soon as it pays
    # 0: every pruned word looked up document by document; 10**9: every one read whole.
    for lookup_or_read in (0, 10**9):
        monkeypatch.setattr(ranking, "LOOKUP_OR_READ", lookup_or_read)
        pruned.clear()
        assert ranked() == every_posting
        assert sum(size > 0 for size in pruned) > 50, "too few queries were pruned to tell"
