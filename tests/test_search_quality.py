"""Search quality: queries as people type them must find their topic in the top 3."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.content import load_snapshot
from knowledge.base import KnowledgeBase
from knowledge.loader import DEFAULT_CONTENT_DIR
from knowledge.taxonomy import ALL_TOPICS, LANGUAGES, REQUIRED_LANGUAGES

QUALITY_DIR = Path(__file__).parents[1] / "bench" / "data" / "search_quality"
TARGET = 0.97
# Languages translated from English and Spanish: their quality floor (issue 19).
TRANSLATED_TARGET = 0.95


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
    assert {"en", "es"} <= {q["lang"] for q in queries} <= set(LANGUAGES)
    for lang in LANGUAGES:
        assert sum(q["lang"] == lang for q in queries) >= 40, f"fewer than 40 queries in {lang}"
    wanted = {t for q in queries for t in q["topics"]}
    assert wanted <= set(ALL_TOPICS)
    assert set(ALL_TOPICS) <= wanted


def _found(kb: KnowledgeBase, q: dict, interface: str) -> tuple[bool, list[str]]:
    """Whether the query gets what it needs, read as the bot reads it: a crisis query
    that opens (or puts first) Need help now counts, and the search runs in the query's
    language when its words say which."""
    reading = kb.read(q["q"], interface)
    if q.get("crisis") and reading.urgent is not None:
        return True, ["(need help now)"]
    lang = reading.language or interface
    hits = kb.search(q["q"], lang=lang, limit=3)
    return any(set(q["topics"]) & set(h.entry.topics) for h in hits), [h.entry.id for h in hits]


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("interface", ["same", "other"])
def test_top3_hit_rate_per_language(kb, lang, interface):
    """Each language on its own, typed on a phone set to that language or the other one."""
    queries = [q for q in load_queries() if q["lang"] == lang]
    shown_in = lang if interface == "same" else {"en": "es", "es": "en"}[lang]
    misses = []
    for q in queries:
        ok, got = _found(kb, q, shown_in)
        if not ok:
            misses.append(f"{q['lang']}: {q['q']!r} wanted {q['topics']}, got {got}")
    rate = 1 - len(misses) / len(queries)
    assert rate >= TARGET, f"top-3 hit rate {rate:.1%} below {TARGET:.0%}:\n" + "\n".join(misses)


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang not in REQUIRED_LANGUAGES])
def test_top3_hit_rate_in_translated_languages(kb, lang):
    """Portuguese, Romanian, French and Chinese queries on a phone set to that language,
    over the translated content."""
    queries = [q for q in load_queries() if q["lang"] == lang]
    assert len(queries) >= 40
    misses = []
    for q in queries:
        ok, got = _found(kb, q, lang)
        if not ok:
            misses.append(f"{q['lang']}: {q['q']!r} wanted {q['topics']}, got {got}")
    rate = 1 - len(misses) / len(queries)
    assert rate >= TRANSLATED_TARGET, f"{lang} top-3 hit rate {rate:.1%}:\n" + "\n".join(misses)


def test_crisis_queries_are_read_as_crisis(kb):
    crisis = [q for q in load_queries() if q.get("crisis")]
    assert len(crisis) >= 20
    missed = [q["q"] for q in crisis if kb.read(q["q"], q["lang"]).urgent is None]
    assert len(missed) <= len(crisis) * (1 - TARGET), missed


def test_small_talk_is_read_as_small_talk(kb):
    talk = [q for path in sorted(QUALITY_DIR.glob("*.yaml")) for q in _small_talk(path)]
    assert len(talk) >= 15 and {q["lang"] for q in talk} == {"en", "es"}
    for q in talk:
        reading = kb.read(q["q"], q["lang"])
        # A message with no words at all ("?") gets the menu by another way (too short).
        assert reading.small_talk is not None or not q["q"].strip("?!. "), q


def _small_talk(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8")).get("small_talk") or []
