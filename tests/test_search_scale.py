"""Relevance as the base grows: the quality set against 10,000 entries (the shipped ones
plus synthetic ones modelled on them, bench/synthetic.py), searched as the bench does."""

from __future__ import annotations

import pytest

from bench.queries import is_hit, load_quality, misspelled
from bench.synthetic import grow
from knowledge.loader import load_or_raise
from knowledge.search import SearchIndex

pytestmark = pytest.mark.slow  # builds a 10,000-entry index

# Measured top-3 (README, Performance) less about a point and a half, so that a change
# that makes search worse at scale fails here and not only in the bench.
FLOORS = {1_000: (0.875, 0.745), 10_000: (0.84, 0.745)}


@pytest.fixture(scope="module")
def bases():
    return grow(load_or_raise(), sorted(FLOORS), seed=5)


def top3(index: SearchIndex, queries) -> float:
    hits = [is_hit(index.search(q.text, lang=q.lang, limit=10), q) for q in queries]
    return sum(hits) / len(hits)


@pytest.mark.parametrize("size", sorted(FLOORS))
def test_relevance_holds_as_the_base_grows(bases, size):
    plain = load_quality()
    typos = misspelled(plain, 5)
    index = SearchIndex(bases[size])
    spelled_floor, typo_floor = FLOORS[size]
    spelled, typo = top3(index, plain), top3(index, typos)
    assert spelled >= spelled_floor, f"{size:,} entries: top-3 {spelled:.1%}"
    assert typo >= typo_floor, f"{size:,} entries, misspelled: top-3 {typo:.1%}"
