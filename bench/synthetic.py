"""Synthetic knowledge bases: as many entries as asked, deterministic from a seed.

Each synthetic entry is a shipped entry (its kind, topics, regions, flags and dates, via
`dataclasses.replace`) with new words in every language: a body, title and keywords of
the template's own lengths, drawn mostly from the template's own words (tips about the
same topic use the same words) and otherwise from the whole shipped text of that
language, with word frequencies as they are (a Chinese word: two characters). Some
entries name a place (a made-up word from a pool that grows with the base, as real local
tips name streets and towns), and one body word in a hundred carries a typo, as text
written by peers does; both make the
vocabulary grow with the base, as it would.

The base of size n is the shipped entries plus the first n - len(shipped) synthetic ones,
so sizes are nested and the same seed always gives the same entries.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from knowledge.dump import dump_yaml, entry_record
from knowledge.model import Entry, Snapshot, Text
from knowledge.taxonomy import EXAMPLE_REGION

DEFAULT_SEED = 5
OWN_WORDS = 0.6  # share of a synthetic text's words taken from its template's text
TYPO_RATE = 0.01
PLACE_RATE = 0.5
MAX_TITLE = 80
BLOCK = 1000
MAX_BODY = 1500  # under the loader's 1,600, so generated YAML always validates

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_SYLLABLES = (
    "ba be bi bo ca co da de do fa fe ga go ka ke ki la le li lo lu ma me mi mo na ne ni no "
    "pa pe po ra re ri ro sa se si so ta te ti to va ve vi za zo bar dor fel gan kor lan mar "
    "nor pel quin ros sal tor vel"
).split()


_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{3,}")


def words(text: str) -> list[str]:
    """The words of a text, without markup, digits or punctuation. Chinese is written
    without spaces, so a run of ideographs is cut into pieces of two (most Chinese words
    are two characters), not kept whole as a clause other entries would then repeat."""
    found = _WORD.findall(text)
    if not _HAN_RUN.search(text):
        return found
    out: list[str] = []
    for word in found:
        pos = 0
        for run in _HAN_RUN.finditer(word):
            if run.start() > pos:
                out.append(word[pos : run.start()])
            chars = run.group()
            out.extend(chars[i : i + 2] for i in range(0, len(chars), 2))
            pos = run.end()
        if pos < len(word):
            out.append(word[pos:])
    return out


@dataclasses.dataclass(frozen=True)
class _Words:
    """A template's words in one language, ready to draw from."""

    body: np.ndarray  # object arrays of str
    title: np.ndarray
    title_length: int
    corpus: np.ndarray  # every body word of the shipped text of that language


def _word_tables(templates: Sequence[Entry]) -> list[dict[str, _Words]]:
    corpus: dict[str, list[str]] = {}
    for entry in templates:
        for lang, text in entry.texts.items():
            corpus.setdefault(lang, []).extend(words(text.body))
    arrays = {lang: np.array(ws, dtype=object) for lang, ws in corpus.items()}
    tables = []
    for entry in templates:
        table = {}
        for lang, text in entry.texts.items():
            title = words(text.title) + [w for k in text.keywords for w in words(k)]
            table[lang] = _Words(
                body=np.array(words(text.body), dtype=object),
                title=np.array(title, dtype=object),
                title_length=len(words(text.title)),
                corpus=arrays[lang],
            )
        tables.append(table)
    return tables


def typo(word: str, rng: np.random.Generator) -> str:
    """A plausible slip of the thumb: a letter dropped, doubled, swapped or replaced."""
    if len(word) < 4:
        return word
    i = int(rng.integers(1, len(word) - 1))
    kind = int(rng.integers(0, 4))
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    if kind == 2:
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    letter = "aeioustrnl"[int(rng.integers(0, 10))]
    return word[:i] + letter + word[i + 1 :]


def place_name(number: int) -> str:
    """The made-up place called `number`: two or three syllables, capitalised."""
    rng = np.random.default_rng(number + 7919)
    count = 2 + number % 2
    picks = rng.integers(0, len(_SYLLABLES), size=count)
    return "".join(_SYLLABLES[int(p)] for p in picks).capitalize()


def _draw(rng: np.random.Generator, own: np.ndarray, corpus: np.ndarray, count: int) -> list:
    """`count` words, each from `own` with probability OWN_WORDS, else from `corpus`."""
    if count <= 0:
        return []
    picks = corpus[rng.integers(0, len(corpus), size=count)]
    if len(own):
        mine = rng.random(count) < OWN_WORDS
        picks[mine] = own[rng.integers(0, len(own), size=int(mine.sum()))]
    return picks.tolist()


def _sentences(rng: np.random.Generator, drawn: list[str], limit: int) -> str:
    """Words joined into sentences and short paragraphs, at most `limit` characters."""
    # Cut first, so the text stays under the limit with room for stops and capitals.
    room = bisect.bisect_left(list(itertools.accumulate(len(w) + 3 for w in drawn)), limit - 2)
    drawn = drawn[: max(1, room)]
    sizes = rng.integers(6, 16, size=len(drawn) // 6 + 1).tolist()
    breaks = (rng.random(len(sizes)) < 0.25).tolist()
    parts: list[str] = []
    i = 0
    for size, paragraph in zip(sizes, breaks, strict=True):
        sentence = drawn[i : i + size]
        i += size
        parts.append(sentence[0].capitalize() + " " + " ".join(sentence[1:]) + ".")
        if i >= len(drawn):
            break
        parts.append("\n\n" if paragraph else " ")
    return "".join(parts).replace(" .", ".")


def _text(rng: np.random.Generator, template: Text, table: _Words, place: str | None) -> Text:
    scale = float(rng.uniform(0.6, 1.15))
    drawn = _draw(rng, table.body, table.corpus, max(8, int(len(table.body) * scale)))
    slips = np.flatnonzero(rng.random(len(drawn)) < TYPO_RATE)
    for i in slips.tolist():
        drawn[i] = typo(drawn[i], rng)
    if place is not None:
        drawn.insert(int(rng.integers(0, len(drawn))), place)
    body = _sentences(rng, drawn, MAX_BODY)

    title_count = max(2, min(table.title_length + int(rng.integers(-1, 3)), 10))
    title_words = _draw(rng, table.title, table.corpus, title_count)
    if place is not None and rng.random() < 0.5:
        title_words.append(place)
    title = " ".join(title_words).capitalize()[:MAX_TITLE].strip()

    keywords = list(template.keywords)
    rng.shuffle(keywords)
    keep = max(3, min(len(keywords), int(len(keywords) * rng.uniform(0.5, 1.0))))
    empty = np.array([], dtype=object)
    chosen = keywords[:keep] + _draw(rng, empty, table.corpus, int(rng.integers(0, 3)))
    if place is not None:
        chosen.append(place.lower())
    unique = tuple(dict.fromkeys(k for k in chosen if k.strip()))
    return Text(title=title, body=body, keywords=unique, jurisdiction=template.jurisdiction)


def templates_of(shipped: Snapshot) -> tuple[Entry, ...]:
    """Shipped entries synthetic ones are modelled on (not the opt-in examples)."""
    return tuple(e for e in shipped.entries if EXAMPLE_REGION not in e.regions)


def synthetic_entries(shipped: Snapshot, count: int, seed: int = DEFAULT_SEED) -> list[Entry]:
    """`count` synthetic entries modelled on the shipped ones; the same for the same seed.

    The first k entries for any count >= k are the same, so bases of several sizes nest.
    """
    templates = templates_of(shipped)
    tables = _word_tables(templates)
    places = max(50, count // 20)
    out: list[Entry] = []
    rng = np.random.default_rng([seed, 0])
    for number in range(count):
        # One generator per block: entry k does not depend on how many come after it.
        if number % BLOCK == 0:
            rng = np.random.default_rng([seed, number // BLOCK])
        pick = int(rng.integers(0, len(templates)))
        template = templates[pick]
        place = place_name(int(rng.integers(0, places))) if rng.random() < PLACE_RATE else None
        texts = {
            lang: _text(rng, text, tables[pick][lang], place)
            for lang, text in template.texts.items()
        }
        out.append(
            dataclasses.replace(
                template,
                id=f"syn-{number:06d}",
                texts=texts,
                origin=f"synthetic:{number}",
            )
        )
    return out


def synthetic_snapshot(shipped: Snapshot, size: int, seed: int = DEFAULT_SEED) -> Snapshot:
    """A base of `size` entries: the shipped ones plus synthetic ones to make up the number."""
    extra = max(0, size - len(shipped.entries))
    entries = shipped.entries + tuple(synthetic_entries(shipped, extra, seed))
    return Snapshot(entries=entries, regions=shipped.regions)


def grow(shipped: Snapshot, sizes: Sequence[int], seed: int = DEFAULT_SEED) -> dict[int, Snapshot]:
    """Snapshots of each size, generating the synthetic entries once for the largest."""
    largest = max(sizes)
    extra = synthetic_entries(shipped, max(0, largest - len(shipped.entries)), seed)
    out = {}
    for size in sizes:
        take = max(0, size - len(shipped.entries))
        out[size] = Snapshot(entries=shipped.entries + tuple(extra[:take]), regions=shipped.regions)
    return out


def misspell(query: str, seed: int) -> str:
    """The query as typed in a hurry: one slip in each word of four letters or more."""
    rng = np.random.default_rng([seed, len(query), sum(map(ord, query))])
    return " ".join(typo(w, rng) if len(w) >= 4 else w for w in query.split())


# ----- YAML, for the process benchmark, which starts the real bot on real files ----------


def write_content(
    directory: Path, shipped_dir: Path, entries: Sequence[Entry], per_file: int = 250
) -> Path:
    """Shipped content files plus `entries` as YAML in `directory`, ready to validate."""
    directory.mkdir(parents=True, exist_ok=True)
    for path in sorted(shipped_dir.glob("*.yaml")):
        (directory / path.name).write_bytes(path.read_bytes())
    for start in range(0, len(entries), per_file):
        chunk = [entry_record(e) for e in entries[start : start + per_file]]
        text = dump_yaml({"entries": chunk})
        (directory / f"synthetic-{start // per_file:04d}.yaml").write_text(text, encoding="utf-8")
    return directory
