"""The queries searches are timed and judged on: the search-quality set, misspelled, hostile."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench.synthetic import misspell
from knowledge.search import Hit

# The search-quality set lives with the benchmark (the tests read it from here too).
QUALITY_DIR = Path(__file__).resolve().parent / "data" / "search_quality"


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    lang: str
    topics: tuple[str, ...]
    misspelled: bool = False


def load_quality(directory: Path | None = None) -> list[Query]:
    """Every query of the search-quality set, as written."""
    where = directory or QUALITY_DIR
    files = sorted(Path(where).glob("*.yaml"))
    if not files:
        raise FileNotFoundError(
            f"no search-quality queries in {where}; run from the repository or pass --queries"
        )
    found = []
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("queries", []):
            found.append(Query(str(item["q"]), str(item["lang"]), tuple(item["topics"])))
    return found


def misspelled(queries: Iterable[Query], seed: int) -> list[Query]:
    """Each query as typed in a hurry (see `synthetic.misspell`)."""
    return [Query(misspell(q.text, seed), q.lang, q.topics, True) for q in queries]


def sample(queries: Sequence[Query], count: int) -> list[Query]:
    """`count` queries spread evenly over the set (every file, both languages)."""
    if count >= len(queries):
        return list(queries)
    step = len(queries) / count
    return [queries[int(i * step)] for i in range(count)]


def is_hit(hits: Sequence[Hit], query: Query, top: int = 3) -> bool:
    """Whether an entry of a wanted topic is among the first `top` hits."""
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
