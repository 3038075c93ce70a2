"""The queries searches are timed and judged on: the search-quality set, misspelled, hostile.

Queries are read as the bot reads a message before it searches (knowledge.words): slang
is put in the content's words, a query clearly in another language is searched in that
language, and a crisis query that opens Need help now is answered by it (a crisis word
typed with a slip counts, as the bot counts it, unless the word typed is a word of the
shipped content). Every engine compared gets the same reading, so the figures compare
search engines, not word lists.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench.synthetic import misspell
from knowledge.loader import load_or_raise
from knowledge.search import Hit, SearchIndex
from knowledge.words import Words, shipped_words

# The search-quality set lives with the benchmark (the tests read it from here too).
QUALITY_DIR = Path(__file__).resolve().parent / "data" / "search_quality"


@dataclass(frozen=True, slots=True)
class Query:
    text: str  # what is searched: the words typed, as the bot reads them
    lang: str  # the language searched in
    topics: tuple[str, ...]
    misspelled: bool = False
    typed: str = ""  # as written in the set (or misspelled from it)
    phone: str = ""  # the language of the phone it is typed on
    # A crisis query that opens Need help now (or puts it first): the crisis lines
    # answer it whatever the search finds.
    help_now: bool = False
    crisis: bool = False  # the set marks it as someone in crisis


def read(
    typed: str,
    phone: str,
    topics: tuple[str, ...],
    *,
    crisis: bool = False,
    misspelled: bool = False,
    words: Words | None = None,
) -> Query:
    """A query as the bot reads it before searching (see the module's docstring)."""
    words = words if words is not None else shipped_words()
    reading = words.read(typed, phone, known=_shipped_index().knows)
    lang = reading.language or phone
    text = words.rewrite(typed, lang) or typed
    return Query(
        text,
        lang,
        topics,
        misspelled,
        typed=typed,
        phone=phone,
        help_now=crisis and reading.urgent is not None,
        crisis=crisis,
    )


@functools.cache
def _shipped_index() -> SearchIndex:
    """The shipped content's index, for which words are the content's own."""
    return SearchIndex(load_or_raise())


def load_quality(directory: Path | None = None, words: Words | None = None) -> list[Query]:
    """Every query of the search-quality set, read as the bot reads it."""
    where = directory or QUALITY_DIR
    words = words if words is not None else shipped_words()
    files = sorted(Path(where).glob("*.yaml"))
    if not files:
        raise FileNotFoundError(
            f"no search-quality queries in {where}; run from the repository or pass --queries"
        )
    found = []
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("queries", []):
            topics = tuple(item["topics"])
            crisis = bool(item.get("crisis", False))
            found.append(
                read(str(item["q"]), str(item["lang"]), topics, crisis=crisis, words=words)
            )
    return found


def misspelled(queries: Iterable[Query], seed: int, words: Words | None = None) -> list[Query]:
    """Each query as typed in a hurry (see `synthetic.misspell`), read again."""
    words = words if words is not None else shipped_words()
    return [
        read(
            misspell(q.typed, seed),
            q.phone,
            q.topics,
            crisis=q.crisis,
            misspelled=True,
            words=words,
        )
        for q in queries
    ]


def sample(queries: Sequence[Query], count: int) -> list[Query]:
    """`count` queries spread evenly over the set (every file, both languages)."""
    if count >= len(queries):
        return list(queries)
    step = len(queries) / count
    return [queries[int(i * step)] for i in range(count)]


def is_hit(hits: Sequence[Hit], query: Query, top: int = 3) -> bool:
    """Whether an entry of a wanted topic is among the first `top` hits, or Need help
    now answers the query before them."""
    if query.help_now:
        return True
    wanted = set(query.topics)
    return any(wanted & set(hit.entry.topics) for hit in hits[:top])


def hostile() -> list[tuple[str, str]]:
    """(name, query) for input nobody types but anyone can send: it must stay cheap."""
    words = "overdose police phone help client safe condom lawyer narcan "
    return [
        ("empty", ""),
        ("spaces", " " * 4096),
        ("4,096 letters", "a" * 4096),
        ("4,096 chars of words", (words * 100)[:4096]),
        ("4,096 distinct words", " ".join(f"w{i}x" for i in range(1000))[:4096]),
        ("emoji only", "💥🔥🙂" * 1365),
        ("mixed scripts", ("policía полиция شرطة 警察 police " * 200)[:4096]),
        ("control characters", ("\x00\x01\x1b[31m\u202e\u200d<b>&amp;" * 400)[:4096]),
        ("near misses", ("polise overdoze lawer narcann cleint " * 120)[:4096]),
    ]
