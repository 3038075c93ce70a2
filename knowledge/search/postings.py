"""Posting tables (which documents hold each term, and how strongly) and what follows
from them per term: in how many entries it occurs, and how much that rarity weighs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from knowledge.search.tuning import CODE_WEIGHTS, RARE_SHARE, TITLE_WEIGHT


def grow(array: np.ndarray, size: int, fill: float = 0) -> np.ndarray:
    """`array` extended to `size` items with `fill` (itself if long enough)."""
    if len(array) >= size:
        return array
    extra = np.full(size - len(array), fill, dtype=array.dtype)
    return np.concatenate([array, extra])


class Postings:
    """One posting table: for term t, docs[offsets[t]:offsets[t + 1]], ascending."""

    __slots__ = ("codes", "docs", "offsets")

    def __init__(self, docs: np.ndarray, codes: np.ndarray | None, offsets: np.ndarray) -> None:
        self.docs = docs
        self.codes = codes
        self.offsets = offsets

    @classmethod
    def build(
        cls, terms: np.ndarray, docs: np.ndarray, codes: np.ndarray | None, n_terms: int
    ) -> Postings:
        """From postings sorted by (term, doc)."""
        offsets = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(np.bincount(terms, minlength=n_terms), out=offsets[1:])
        return cls(docs.astype(np.int32), codes, offsets)

    def with_added(
        self, terms: np.ndarray, docs: np.ndarray, codes: np.ndarray | None, n_terms: int
    ) -> Postings:
        """A new table with postings (sorted by term, doc) of newer docs added.

        New documents have higher numbers than every existing one, so appending each at
        the end of its term keeps every term sorted; nothing else moves but a memcpy.
        """
        offsets = grow(self.offsets, n_terms + 1, fill=self.offsets[-1])
        if len(terms) == 0:
            return Postings(self.docs, self.codes, offsets)
        at = offsets[terms.astype(np.int64) + 1]
        out_docs = np.insert(self.docs, at, docs)
        out_codes = None
        if self.codes is not None and codes is not None:
            out_codes = np.insert(self.codes, at, codes)
        out_offsets = offsets.copy()
        out_offsets[1:] += np.cumsum(np.bincount(terms, minlength=n_terms))
        return Postings(out_docs, out_codes, out_offsets)

    @property
    def nbytes(self) -> int:
        codes = self.codes.nbytes if self.codes is not None else 0
        return self.docs.nbytes + codes + self.offsets.nbytes


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

    @classmethod
    def of(cls, df: np.ndarray, max_code: np.ndarray, live_entries: int) -> TermStats:
        counts = df.astype(np.float64)
        idf = np.zeros(len(counts), dtype=np.float64)
        np.log1p(live_entries / np.maximum(counts, 1.0), out=idf, where=counts > 0)
        idf32 = idf.astype(np.float32)
        idf_max = (CODE_WEIGHTS[max_code] * idf32 / TITLE_WEIGHT).astype(np.float64)
        return cls(df, idf32, idf_max, max(2, int(live_entries * RARE_SHARE)))
