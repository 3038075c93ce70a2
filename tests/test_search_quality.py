"""Search quality: queries as people type them must find their topic in the top 3."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.content import load_snapshot
from knowledge.base import KnowledgeBase
from knowledge.loader import DEFAULT_CONTENT_DIR
from knowledge.taxonomy import ALL_TOPICS

QUALITY_DIR = Path(__file__).parents[1] / "bench" / "data" / "search_quality"
TARGET = 0.95


def load_queries() -> list[dict]:
    queries = []
    for path in sorted(QUALITY_DIR.glob("*.yaml")):
        queries.extend(yaml.safe_load(path.read_text(encoding="utf-8"))["queries"])
    return queries


@pytest.fixture(scope="module")
def kb():
    snapshot, problems = load_snapshot(DEFAULT_CONTENT_DIR)
    assert problems == []
    return KnowledgeBase(snapshot)


def test_the_set_is_large_and_covers_every_topic_in_both_languages():
    queries = load_queries()
    assert len(queries) >= 100
    assert {q["lang"] for q in queries} == {"en", "es"}
    wanted = {t for q in queries for t in q["topics"]}
    assert wanted <= set(ALL_TOPICS)
    assert set(ALL_TOPICS) <= wanted


def test_top3_hit_rate(kb):
    queries = load_queries()
    misses = []
    for q in queries:
        hits = kb.search(q["q"], lang=q["lang"], limit=3)
        if not any(set(q["topics"]) & set(h.entry.topics) for h in hits):
            misses.append(
                f"{q['lang']}: {q['q']!r} wanted {q['topics']}, got {[h.entry.id for h in hits]}"
            )
    rate = 1 - len(misses) / len(queries)
    assert rate >= TARGET, f"top-3 hit rate {rate:.1%} below {TARGET:.0%}:\n" + "\n".join(misses)
