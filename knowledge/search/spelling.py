"""Close misspellings: the live words laid out by length, filtered by letter sets, then
compared with rapidfuzz."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from knowledge.search.tuning import EXPANSION_LIMIT, FUZZY_LENGTH_WINDOW
from knowledge.search.vocabulary import Vocabulary, signature

# Tables are patched word by word up to this many changed words, else recomputed.
_PATCH_WORDS = 64

if hasattr(np, "bitwise_count"):

    def popcount(values: np.ndarray) -> np.ndarray:
        return np.bitwise_count(values)

else:  # numpy < 2.0
    _BYTE_BITS = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)

    def popcount(values: np.ndarray) -> np.ndarray:
        as_bytes = values.view(np.uint8).reshape(-1, 8)
        return _BYTE_BITS[as_bytes].sum(axis=1, dtype=np.uint8)


def fuzzy_cutoff(length: int) -> float | None:
    """How close (rapidfuzz ratio) a word within `max_edits` slips of a word this long
    can be, at the least: a quick test before the slips are counted. Words of one or two
    letters must match exactly."""
    if length <= 2:
        return None
    return math.floor(100.0 * (length - max_edits(length)) / length) - 0.5


def max_edits(length: int) -> int:
    """Most slips a misspelling of a word this long may hold: most misspellings are one
    letter added, dropped, changed or two swapped; longer words may hold more, as words
    spelled as they sound do ("streetlite")."""
    return 1 if length <= 5 else 2 if length <= 8 else 3


@dataclass(frozen=True, slots=True)
class FuzzyTables:
    """Live words by (length, word): term numbers, lengths, words, letter sets, and how
    many letters each set holds. A window of lengths is then one slice."""

    terms: np.ndarray
    lengths: np.ndarray
    words: np.ndarray  # of str objects, for rapidfuzz
    signatures: np.ndarray
    counts: np.ndarray
    # starts[n]: where words of length n begin (words of length n are starts[n]:starts[n+1])
    starts: tuple[int, ...]

    @classmethod
    def of(
        cls,
        terms: np.ndarray,
        lengths: np.ndarray,
        words: np.ndarray,
        signatures: np.ndarray,
        counts: np.ndarray,
    ) -> FuzzyTables:
        longest = int(lengths[-1]) if len(lengths) else 0
        starts = np.searchsorted(lengths, np.arange(longest + 2), side="left")
        return cls(terms, lengths, words, signatures, counts, tuple(starts.tolist()))

    @classmethod
    def build(cls, vocabulary: tuple[str, ...], vocab: Vocabulary) -> FuzzyTables:
        """The tables of `vocabulary` (the live words, sorted)."""
        count = len(vocabulary)
        ids = np.fromiter(map(vocab.ids.__getitem__, vocabulary), dtype=np.int64, count=count)
        lengths = np.fromiter(map(len, vocabulary), dtype=np.int64, count=count)
        order = np.argsort(lengths, kind="stable")
        words = np.empty(count, dtype=object)
        words[:] = vocabulary
        ids = ids[order]
        signatures = vocab.signatures[ids]
        return cls.of(ids, lengths[order], words[order], signatures, popcount(signatures))

    def updated(
        self,
        vocabulary: tuple[str, ...],
        vocab: Vocabulary,
        came: np.ndarray,
        went: np.ndarray,
    ) -> FuzzyTables:
        """These tables after the terms `came` became live and `went` stopped being.

        A few changed words (a published tip) are patched in, which is far cheaper than
        sorting the whole vocabulary again.
        """
        if len(came) + len(went) > _PATCH_WORDS:
            return FuzzyTables.build(vocabulary, vocab)
        tables = [self.terms, self.lengths, self.words, self.signatures, self.counts]
        if len(went):
            keep = ~np.isin(tables[0], went)
            tables = [column[keep] for column in tables]
        for term in came.tolist():
            word = vocab.words[term]
            lengths, words = tables[1], tables[2]
            lo = int(np.searchsorted(lengths, len(word), side="left"))
            hi = int(np.searchsorted(lengths, len(word), side="right"))
            at = lo + bisect.bisect_left(words[lo:hi].tolist(), word)
            letters = vocab.signatures[term]
            row = (term, len(word), word, letters, popcount(np.array([letters]))[0])
            tables = [np.insert(c, at, v) for c, v in zip(tables, row, strict=True)]
        return FuzzyTables.of(*tables)

    def matches(self, word: str, cutoff: float, df: np.ndarray) -> list[tuple[int, int]]:
        """Close misspellings of `word` as (term, slips): the best few of each length near
        its own, shortest length first. A slip is a letter added, dropped or changed, or
        two letters swapped; each counts the same, whichever it is. Of words as many slips
        away, the ones in more entries (`df`) come first: a commoner word is the likelier
        one meant ("cose" is "code" or "case" before "cosa" in a handful of tips).

        Only words that share enough letters with `word` can reach the cutoff (the
        similarity is 2 * LCS / (len1 + len2), and a letter one word lacks cannot be in
        the LCS), so a bitwise test on letter signatures leaves rapidfuzz a few words.
        """
        size = len(word)
        all_lengths, all_signatures, all_counts = self.lengths, self.signatures, self.counts
        letters = signature(word)
        mine = np.uint64(letters)
        mine_count = int(letters).bit_count()
        starts = self.starts
        longest = len(starts) - 2
        # A word of another length is a slip per letter longer or shorter.
        edits = max_edits(size)
        reach = min(FUZZY_LENGTH_WINDOW, edits)
        shortest = max(1, size - reach)
        widest = min(size + reach, longest)
        if widest < shortest:
            return []
        # Words of every length in the window at once: one slice, as laid out by length.
        lo, hi = starts[shortest], starts[widest + 1]
        if hi <= lo:
            return []
        lengths = all_lengths[lo:hi]
        # The fewest letters (the LCS) a word of each length must share to reach the
        # cutoff; neither word may lack more of the other's letters than that allows.
        window = np.arange(shortest, widest + 1)
        needs = np.ceil(cutoff * (size + window) / 200.0 - 1e-9).astype(np.int16)
        need = needs[lengths - shortest]
        common = popcount(all_signatures[lo:hi] & mine).astype(np.int16)
        ok = common >= mine_count - size + need
        ok &= common - all_counts[lo:hi] >= need - lengths
        chosen = lo + np.flatnonzero(ok)
        if chosen.size == 0:
            return []
        choices = self.words[chosen].tolist()
        matches = process.extract(word, choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None)
        slips = np.fromiter(
            (OSA.distance(word, found, score_cutoff=edits) for found, _, _ in matches),
            dtype=np.int64,
            count=len(matches),
        )
        near = slips <= edits
        at = chosen[np.fromiter((i for _, _, i in matches), dtype=np.int64, count=len(matches))]
        slips, at = slips[near], at[near]
        terms = self.terms[at]
        # Fewest slips first, then the word in most entries (stable: as rapidfuzz ranked).
        order = np.lexsort((-df[terms].astype(np.int64), slips))
        # The best EXPANSION_LIMIT of each length, shortest length first, as ranked.
        by_length: dict[int, list[tuple[int, int]]] = {}
        for term, length, count in zip(
            terms[order].tolist(),
            all_lengths[at[order]].tolist(),
            slips[order].tolist(),
            strict=True,
        ):
            bucket = by_length.setdefault(length, [])
            if len(bucket) < EXPANSION_LIMIT:
                bucket.append((term, count))
        return [pair for length in sorted(by_length) for pair in by_length[length]]
