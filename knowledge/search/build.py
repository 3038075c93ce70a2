"""Building the index's tables: from nothing, or from an older index's tables by
tokenising only the entries that changed."""

from __future__ import annotations

import bisect
import operator
from dataclasses import dataclass

import numpy as np

from knowledge.model import Entry
from knowledge.search.postings import (
    Postings,
    batch_of,
    entry_counts,
    from_batches,
    grow,
    with_added,
)
from knowledge.search.tokenise import tokenise
from knowledge.search.tuning import STRONG
from knowledge.search.vocabulary import Vocabulary

# Entries tokenised per numpy batch when building: bounds the memory a build needs.
_BATCH = 512
# Rebuild from scratch rather than incrementally when this share of entries changed.
_REBUILD_SHARE = 0.5
# Start over when removed entries leave this share of slots empty.
_DEAD_SHARE = 0.25
_NONE = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each entry's documents are.

    An entry holds a slot, and slot s holds documents s * n_langs + language index. A
    rebuild gives new entries new slots and leaves removed ones empty, so no posting moves.
    """

    slot_position: np.ndarray  # per slot: the entry's position in the snapshot, -1 if none
    positions: np.ndarray  # per position in the snapshot: the entry's slot
    slot_of: dict[str, int]  # entry id -> slot


@dataclass(frozen=True, slots=True)
class Tables:
    """What tokenising the entries computed; everything else is derived from these."""

    vocab: Vocabulary
    layout: Layout
    phrases: tuple[str, ...]  # per document: its folded title and keywords
    df: np.ndarray  # per term: how many live entries hold it
    max_code: np.ndarray  # per term: the code of its heaviest posting
    # Body postings, and title-and-keyword postings (codes STRONG and up), each with
    # their codes: each one table, or two after a rebuild (see postings.with_added).
    weak: tuple[Postings, ...]
    strong: tuple[Postings, ...]
    vocabulary: tuple[str, ...]  # the live words, sorted


@dataclass(frozen=True, slots=True)
class Change:
    """What a rebuild changed, so what derives from the tables can be patched."""

    regroup: list[int]  # slots whose entry is new to this index
    came: np.ndarray  # terms live now and not before
    went: np.ndarray  # terms live before and not now


def fresh(entries: tuple[Entry, ...], languages: tuple[str, ...]) -> Tables:
    """Tables of every entry, from nothing."""
    n_langs = len(languages)
    count = len(entries)
    vocab = Vocabulary()
    layout = Layout(
        np.arange(count, dtype=np.int64),
        np.arange(count, dtype=np.int64),
        {e.id: i for i, e in enumerate(entries)},
    )
    phrases: list[str] = [""] * (count * n_langs)
    parts = []
    for start in range(0, count, _BATCH):
        batch = list(enumerate(entries[start : start + _BATCH], start))
        parts.append(batch_of(*tokenise(batch, languages, vocab, phrases, 0), start * n_langs))
    weak, strong, df, max_code = from_batches(parts, len(vocab), n_langs)
    return Tables(
        vocab=vocab,
        layout=layout,
        phrases=tuple(phrases),
        df=df,
        max_code=max_code,
        weak=(weak,),
        strong=(strong,),
        vocabulary=live_words(vocab, df),
    )


def live_words(vocab: Vocabulary, df: np.ndarray) -> tuple[str, ...]:
    """The words some live entry holds, sorted."""
    live = np.flatnonzero(df > 0)
    words = vocab.words
    return tuple(sorted(words[t] for t in live.tolist()))


def incremental(
    entries: tuple[Entry, ...],
    languages: tuple[str, ...],
    old_entries: tuple[Entry, ...],
    previous: Tables,
) -> tuple[Tables, Change] | None:
    """Tables of `entries` from `previous` (those of `old_entries`, in the same
    languages), which stay as they were; None when a fresh build is better."""
    n_langs = len(languages)
    old_position = previous.layout.slot_position
    first = len(old_position)  # the first new slot
    kept: dict[int, Entry] = {}
    added: list[Entry] = []
    n_old = len(old_entries)
    if len(entries) >= n_old and all(map(operator.is_, old_entries, entries[:n_old])):
        # The usual publish: the same entries, in the same order, and some new ones.
        added = list(entries[n_old:])
        positions = np.concatenate(
            [previous.layout.positions, np.arange(first, first + len(added), dtype=np.int64)]
        )
        removed: list[int] = []
        regroup: list[int] = []
    else:
        slots: list[int] = []
        for entry in entries:
            slot = previous.layout.slot_of.get(entry.id)
            old = old_entries[old_position[slot]] if slot is not None else None
            if old is not None and slot not in kept and (old is entry or old.texts == entry.texts):
                kept[slot] = entry
                slots.append(slot)
            else:
                slots.append(first + len(added))
                added.append(entry)
        positions = np.array(slots, dtype=np.int64)
        alive = np.flatnonzero(old_position >= 0).tolist()
        removed = [s for s in alive if s not in kept]
        regroup = [s for s, e in kept.items() if old_entries[old_position[s]] is not e]
    if len(added) + len(removed) > _REBUILD_SHARE * max(len(entries), 1):
        return None
    dead = int((old_position < 0).sum()) + len(removed)
    if dead > 16 and dead > _DEAD_SHARE * (first + len(added)):
        return None  # cheaper to start over than to carry that many holes

    vocab = Vocabulary(previous.vocab)
    df = previous.df
    affected = _NONE
    if removed:
        gone = [(s, old_entries[old_position[s]]) for s in removed]
        gone_terms, gone_docs, _ = tokenise(gone, languages, vocab, None, 0)
        gone_df = entry_counts(gone_terms, gone_docs, n_langs, len(df))
        df = df - gone_df
        affected = np.flatnonzero(gone_df)
    slot_position = np.concatenate([old_position, np.full(len(added), -1, np.int64)])
    slot_position[removed] = -1
    slot_position[positions] = np.arange(len(positions), dtype=np.int64)
    if kept or removed:
        slot_of = dict(zip((e.id for e in entries), positions.tolist(), strict=True))
    else:
        slot_of = dict(previous.layout.slot_of)
        slot_of.update((e.id, first + i) for i, e in enumerate(added))

    new_phrases = [""] * (len(added) * n_langs)
    terms, docs, codes = tokenise(
        list(enumerate(added, first)), languages, vocab, new_phrases, first * n_langs
    )
    n_terms = len(vocab)
    df = grow(df, n_terms) + entry_counts(terms, docs, n_langs, n_terms)
    strong = codes >= STRONG
    weak = ~strong
    weak_postings = with_added(previous.weak, terms[weak], docs[weak], codes[weak], n_terms)
    strong_postings = with_added(
        previous.strong, terms[strong], docs[strong], codes[strong], n_terms
    )
    max_code = grow(previous.max_code, n_terms).copy()
    np.maximum.at(max_code, terms, codes)
    alive = slot_position >= 0
    for term in affected.tolist():
        # Removed entries may have held the word's heaviest posting.
        max_code[term] = _live_max_code(term, alive, n_langs, weak_postings, strong_postings)
    vocabulary, came, went = _vocabulary_from(previous, vocab, df)
    tables = Tables(
        vocab=vocab,
        layout=Layout(slot_position, positions, slot_of),
        phrases=previous.phrases + tuple(new_phrases),
        df=df,
        max_code=max_code,
        weak=weak_postings,
        strong=strong_postings,
        vocabulary=vocabulary,
    )
    return tables, Change([*regroup, *range(first, first + len(added))], came, went)


def _live_max_code(
    term: int,
    alive: np.ndarray,
    n_langs: int,
    weak: tuple[Postings, ...],
    strong: tuple[Postings, ...],
) -> int:
    """The code of `term`'s heaviest posting in a live entry (0 if it has none)."""
    heaviest = 0
    for table in (*strong, *weak):
        start, end = table.offsets[term], table.offsets[term + 1]
        live = alive[table.docs[start:end] // n_langs]
        if live.any():
            heaviest = max(heaviest, int(table.codes[start:end][live].max()))
    return heaviest


def _vocabulary_from(
    previous: Tables, vocab: Vocabulary, df: np.ndarray
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """The sorted vocabulary of `previous`, with the words that came or went (and which
    those are). Unchanged, it is `previous`'s own tuple, which later steps test for."""
    was = grow(previous.df, len(df)) > 0
    now = df > 0
    came = np.flatnonzero(now & ~was)
    went = np.flatnonzero(was & ~now)
    if not len(came) and not len(went):
        return previous.vocabulary, came, went
    words = vocab.words
    vocabulary = list(previous.vocabulary)
    for term in went.tolist():
        del vocabulary[bisect.bisect_left(vocabulary, words[term])]
    for term in came.tolist():
        bisect.insort(vocabulary, words[term])
    return tuple(vocabulary), came, went
