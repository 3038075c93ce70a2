"""Posting tables (which documents hold each term, and how strongly) and what follows
from them per term: in how many entries it occurs, and how much that rarity weighs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from knowledge.search.tuning import CODE_WEIGHTS, RARE_SHARE, STRONG, TITLE_WEIGHT


def grow(array: np.ndarray, size: int, fill: float = 0) -> np.ndarray:
    """`array` extended to `size` items with `fill` (itself if long enough)."""
    if len(array) >= size:
        return array
    extra = np.full(size - len(array), fill, dtype=array.dtype)
    return np.concatenate([array, extra])


class Postings:
    """One posting table: for term t, docs[offsets[t]:offsets[t + 1]], ascending."""

    __slots__ = ("codes", "docs", "offsets")

    def __init__(self, docs: np.ndarray, codes: np.ndarray, offsets: np.ndarray) -> None:
        self.docs = docs
        self.codes = codes
        self.offsets = offsets

    def with_added(
        self, terms: np.ndarray, docs: np.ndarray, codes: np.ndarray, n_terms: int
    ) -> Postings:
        """A new table with postings (sorted by term, doc) of newer docs added.

        New documents have higher numbers than every existing one, so appending each at
        the end of its term keeps every term sorted; nothing else moves but a memcpy.
        """
        if len(terms) == 0:
            return self.grown(n_terms)
        offsets = self.grown(n_terms).offsets
        at = offsets[terms.astype(np.int64) + 1]
        out_docs = np.insert(self.docs, at, docs)
        out_codes = np.insert(self.codes, at, codes)
        out_offsets = offsets.copy()
        out_offsets[1:] += np.cumsum(np.bincount(terms, minlength=n_terms))
        return Postings(out_docs, out_codes, out_offsets)

    def grown(self, n_terms: int) -> Postings:
        """The same postings (shared, not copied) with room for terms up to `n_terms`."""
        return Postings(self.docs, self.codes, grow(self.offsets, n_terms + 1, self.offsets[-1]))

    @classmethod
    def empty(cls) -> Postings:
        return cls(np.zeros(0, dtype=np.int32), np.zeros(0, np.uint8), np.zeros(1, np.int64))

    def as_sorted(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(terms, docs, codes) of every posting, sorted by (term, doc)."""
        counts = np.diff(self.offsets)
        terms = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
        return terms, self.docs, self.codes

    @property
    def nbytes(self) -> int:
        return self.docs.nbytes + self.codes.nbytes + self.offsets.nbytes


# A rebuild adds new postings to a small second table and shares the large first one;
# the two are merged when the second reaches this share of the first.
MERGE_SHARE = 1 / 16


def with_added(
    tables: tuple[Postings, ...],
    terms: np.ndarray,
    docs: np.ndarray,
    codes: np.ndarray,
    n_terms: int,
) -> tuple[Postings, ...]:
    """`tables` (one or two, the second holding newer docs) with newer postings added.

    A publish copies only the second table, so rebuilding after one new tip costs
    what the tips added since the last full build hold, not every posting of the base.
    """
    main = tables[0].grown(n_terms)
    recent = tables[1] if len(tables) > 1 else Postings.empty()
    recent = recent.with_added(terms, docs, codes, n_terms)
    if len(recent.docs) == 0:
        return (main,)
    if len(recent.docs) > MERGE_SHARE * len(main.docs):
        return (merged((main, recent), n_terms),)
    return (main, recent)


def merged(tables: tuple[Postings, ...], n_terms: int) -> Postings:
    """One table holding the postings of `tables` (the later ones of newer docs)."""
    table = tables[0]
    for newer in tables[1:]:
        table = table.with_added(*newer.as_sorted(), n_terms)
    return table


def runs(terms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each run of equal values starts in sorted `terms`, and how long it is."""
    if len(terms) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate([[True], terms[1:] != terms[:-1]]))
    return starts, np.diff(np.append(starts, len(terms)))


Batch = tuple[np.ndarray, np.ndarray, np.ndarray, int]  # terms, docs - base, codes, base


def batch_of(terms: np.ndarray, docs: np.ndarray, codes: np.ndarray, base: int) -> Batch:
    """A batch of postings kept small while the others are tokenised: documents as
    16-bit offsets from `base` (a multiple of the number of languages) when they fit."""
    offsets = docs - base
    if len(offsets) and int(offsets.max()) < 2**16 and int(offsets.min()) >= 0:
        offsets = offsets.astype(np.uint16)
    return terms, offsets, codes, base


def from_batches(
    batches: list[Batch], n_terms: int, n_langs: int
) -> tuple[Postings, Postings, np.ndarray, np.ndarray]:
    """(body postings, title-and-keyword postings, entries per term, heaviest code per
    term) from batches of postings, each sorted by (term, doc), docs ascending from one
    batch to the next and every document of an entry in one batch.

    Counted first, then each batch is copied straight to its place in the final tables
    and dropped from `batches` (which ends empty): building holds the batches and the
    tables, never a merged copy of every posting or a sort over all of them.
    """
    counts = (np.zeros(n_terms, dtype=np.int64), np.zeros(n_terms, dtype=np.int64))
    df = np.zeros(n_terms, dtype=np.int64)
    max_code = np.zeros(n_terms, dtype=np.uint8)
    for terms, docs, codes, _ in batches:
        strong = codes >= STRONG
        for table, mask in enumerate((~strong, strong)):
            these = terms[mask]
            starts, lengths = runs(these)
            counts[table][these[starts]] += lengths
        df += entry_counts(terms, docs, n_langs, n_terms)
        np.maximum.at(max_code, terms, codes)
    offsets = []
    for table_counts in counts:
        table_offsets = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(table_counts, out=table_offsets[1:])
        offsets.append(table_offsets)
    out_docs = [np.empty(int(o[-1]), dtype=np.int32) for o in offsets]
    out_codes = [np.empty(int(o[-1]), dtype=np.uint8) for o in offsets]
    cursors = [o[:-1].copy() for o in offsets]
    while batches:
        terms, docs, codes, base = batches.pop(0)
        strong = codes >= STRONG
        for table, mask in enumerate((~strong, strong)):
            these = terms[mask]
            starts, lengths = runs(these)
            # Each posting goes to its term's cursor plus its place in the term's run.
            place = np.arange(len(these), dtype=np.int64) - np.repeat(starts, lengths)
            where = cursors[table][these] + place
            out_docs[table][where] = docs[mask].astype(np.int32) + base
            out_codes[table][where] = codes[mask]
            cursors[table][these[starts]] += lengths
    weak = Postings(out_docs[0], out_codes[0], offsets[0])
    strong_table = Postings(out_docs[1], out_codes[1], offsets[1])
    return weak, strong_table, df, max_code


def entry_counts(terms: np.ndarray, docs: np.ndarray, n_langs: int, n_terms: int) -> np.ndarray:
    """How many entries each term occurs in, from postings sorted by (term, doc)."""
    counts = np.zeros(n_terms, dtype=np.int64)
    if len(terms) == 0:
        return counts
    slots = docs.astype(np.int64) // n_langs
    # The same term in two languages of one entry: adjacent, since docs sort by entry.
    first = np.ones(len(terms), dtype=bool)
    first[1:] = (terms[1:] != terms[:-1]) | (slots[1:] != slots[:-1])
    counts[:n_terms] = np.bincount(terms[first], minlength=n_terms)[:n_terms]
    return counts


@dataclass(frozen=True, slots=True)
class TermStats:
    """Per term, what its rarity among the live entries is worth."""

    df: np.ndarray  # live entries holding the term
    idf: np.ndarray  # float32; 0 for a term no live entry holds
    # Highest weight the term has anywhere, over the title weight: the idf the original
    # ranking normalised by.
    idf_max: np.ndarray
    rare_df: int  # at most this many entries: rare enough to be someone's typo
    live: int  # live entries

    @classmethod
    def of(cls, df: np.ndarray, max_code: np.ndarray, live_entries: int) -> TermStats:
        counts = df.astype(np.float64)
        idf = np.zeros(len(counts), dtype=np.float64)
        np.log1p(live_entries / np.maximum(counts, 1.0), out=idf, where=counts > 0)
        idf32 = idf.astype(np.float32)
        idf_max = (CODE_WEIGHTS[max_code] * idf32 / TITLE_WEIGHT).astype(np.float64)
        return cls(df, idf32, idf_max, max(2, int(live_entries * RARE_SHARE)), live_entries)
