"""Close spellings looked up by what is left once letters are taken out.

A word and a misspelling of it up to k slips apart (a letter added, dropped or changed,
or two letters swapped) leave the same string once at most k letters are taken out of
each: a changed letter is taken out of both, an added one out of the longer, and of two
swapped letters the same one out of each. So every live word's strings with up to two
letters taken out are kept, hashed, in sorted arrays, and a misspelling's own few dozen
strings are found there by binary search, instead of reading every word of a similar
length. What is found is only a candidate (a hash may collide, and k letters out of each
side reach further than k slips): the caller counts the slips.

Keys are 32 bits of a polynomial hash over code points, taken with the term number as
one sorted uint64 (key << 32 | term): eight bytes per string kept, and merging two
sorted arrays is one sort of two runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Query words of these lengths are looked up here. Shorter ones leave strings of one or
# two letters that hundreds of words share (reading the few words of a length in reach
# is cheaper); longer ones may hold three slips (spelling.py: `max_edits`).
SHORTEST_LOOKED_UP = 5
LONGEST_LOOKED_UP = 8
# Words a looked-up word can reach: one letter shorter (five letters hold one slip) to
# two letters longer.
SHORTEST_KEPT = SHORTEST_LOOKED_UP - 1
LONGEST_KEPT = LONGEST_LOOKED_UP + 2
# Recent words are merged into the main arrays when they hold this share of them.
MERGE_SHARE = 1 / 16

_BASE = 0x100000001B3  # odd, so powers never vanish modulo 2**64
_MASK = (1 << 64) - 1
_TERM_BITS = np.uint64(0xFFFFFFFF)
_POWERS = [pow(_BASE, k, 1 << 64) for k in range(LONGEST_KEPT + 1)]


def keys_of(word: str, letters: int) -> list[int]:
    """The 32-bit keys of `word` with up to `letters` (1 or 2) letters taken out: the top
    half of sum(code point * BASE**place), as `_keyed` computes them for kept words."""
    powers, size = _POWERS, len(word)
    same, lower, lowest = [0], [0], [0]
    for place, ch in enumerate(word):
        code = ord(ch)
        same.append((same[-1] + code * powers[place]) & _MASK)
        lower.append((lower[-1] + code * powers[place - 1]) & _MASK if place else 0)
        lowest.append((lowest[-1] + code * powers[place - 2]) & _MASK if place > 1 else 0)
    hashes = [same[size]]
    hashes += [same[i] + lower[size] - lower[i + 1] for i in range(size)]
    if letters >= 2:
        hashes += [
            same[i] + lower[j] - lower[i + 1] + lowest[size] - lowest[j + 1]
            for i in range(size)
            for j in range(i + 1, size)
        ]
    return [(value & _MASK) >> 32 for value in hashes]


def _keyed(words: Sequence[str], terms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(one, two): sorted key << 32 | term for each word (of SHORTEST_KEPT to LONGEST_KEPT
    letters) with at most one letter taken out, and with exactly two taken out."""
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    pieces: tuple[list[np.ndarray], list[np.ndarray]] = ([], [])
    powers = np.array(_POWERS, dtype=np.uint64)
    for length in range(SHORTEST_KEPT, LONGEST_KEPT + 1):
        at = np.flatnonzero(lengths == length)
        if at.size == 0:
            continue
        group = "".join(words[i] for i in at.tolist())
        # surrogatepass: a lone surrogate is a code point as any other, as `ord` reads it.
        codes = np.frombuffer(group.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        codes = codes.reshape(at.size, length).astype(np.uint64)
        owner = terms[at].astype(np.uint64)
        # Running sums of each letter at its own place, one place lower (a letter taken
        # out before it) and two places lower, so the hash of the word without letters
        # i (and j) is a few sums: letters before i where they were, those between one
        # lower, those after j two lower.
        sums = []
        for shift in range(3):
            weighted = np.zeros((at.size, length + 1), dtype=np.uint64)
            if length > shift:
                placed = codes[:, shift:] * powers[: length - shift]
                np.cumsum(placed, axis=1, out=weighted[:, shift + 1 :])
            sums.append(weighted)
        same, lower, lowest = sums
        one = [same[:, length]]
        one += [same[:, i] + lower[:, length] - lower[:, i + 1] for i in range(length)]
        pieces[0].extend(_with_term(hashes, owner) for hashes in one)
        for i in range(length):
            for j in range(i + 1, length):
                hashes = (
                    same[:, i]
                    + (lower[:, j] - lower[:, i + 1])
                    + (lowest[:, length] - lowest[:, j + 1])
                )
                pieces[1].append(_with_term(hashes, owner))
    return _sorted(pieces[0]), _sorted(pieces[1])


def _kept(word: str) -> bool:
    return SHORTEST_KEPT <= len(word) <= LONGEST_KEPT


def _with_term(hashes: np.ndarray, owner: np.ndarray) -> np.ndarray:
    return ((hashes >> np.uint64(32)) << np.uint64(32)) | owner


def _sorted(pieces: list[np.ndarray], *, runs: bool = False) -> np.ndarray:
    """The keys of `pieces` (emptied) in one sorted array, each once; `runs`: the pieces
    are sorted already, so a merge of runs (timsort) is cheaper than sorting anew."""
    if not pieces:
        return np.zeros(0, dtype=np.uint64)
    merged = np.concatenate(pieces)
    pieces.clear()
    merged.sort(kind="stable" if runs else "quicksort")
    # A word with a letter twice leaves the same string twice ("leer" less either "e").
    if merged.size > 1:
        keep = np.empty(merged.size, dtype=bool)
        keep[0] = True
        np.not_equal(merged[1:], merged[:-1], out=keep[1:])
        merged = merged[keep]
    return merged


@dataclass(frozen=True, slots=True)
class Deletions:
    """Every kept word's strings with letters taken out, in two sets of sorted arrays: the
    main ones, and those of the words that came since (`recent`, with their words), which
    a publish rebuilds without copying the main ones."""

    one: np.ndarray
    two: np.ndarray
    recent_one: np.ndarray
    recent_two: np.ndarray
    recent: tuple[tuple[str, int], ...]

    @classmethod
    def build(cls, words: Sequence[str], terms: np.ndarray) -> Deletions:
        """The arrays of `words` (term numbers `terms`): only words of SHORTEST_KEPT to
        LONGEST_KEPT letters are kept, the only ones a looked-up word can reach."""
        short = [i for i, word in enumerate(words) if _kept(word)]
        return cls.of(*_keyed([words[i] for i in short], np.asarray(terms)[short]))

    @classmethod
    def of(cls, one: np.ndarray, two: np.ndarray) -> Deletions:
        """Arrays `merged` gave (saved between starts), as they were."""
        empty = np.zeros(0, dtype=np.uint64)
        return cls(one, two, empty, empty, ())

    def merged(self) -> tuple[np.ndarray, np.ndarray]:
        """(one, two): the main and the recent keys in one sorted array each."""
        if not self.recent:
            return self.one, self.two
        return (
            _sorted([self.one, self.recent_one], runs=True),
            _sorted([self.two, self.recent_two], runs=True),
        )

    def with_words(self, came: Sequence[tuple[str, int]]) -> Deletions:
        """These arrays with the words `came` (word, term) added. Words that went stay:
        the caller keeps only live terms."""
        came = [(word, term) for word, term in came if _kept(word)]
        if not came:
            return self
        recent = self.recent + tuple(came)
        words = [word for word, _ in recent]
        terms = np.array([term for _, term in recent], dtype=np.int64)
        one, two = _keyed(words, terms)
        if one.size + two.size > MERGE_SHARE * (self.one.size + self.two.size):
            return Deletions.of(
                _sorted([self.one, one], runs=True), _sorted([self.two, two], runs=True)
            )
        return Deletions(self.one, self.two, one, two, recent)

    def candidates(self, word: str, slips: int) -> np.ndarray:
        """Term numbers of kept words that may be up to `slips` (1 or 2) slips from `word`
        (of SHORTEST_LOOKED_UP to LONGEST_LOOKED_UP letters), some more than once (the
        caller, which counts the slips, first keeps the few worth it)."""
        keys = np.array(keys_of(word, slips), dtype=np.uint64) << np.uint64(32)
        tables = [self.one, self.recent_one]
        if slips >= 2:
            tables += [self.two, self.recent_two]
        found = []
        for table in tables:
            if table.size == 0:
                continue
            starts = np.searchsorted(table, keys, side="left")
            counts = np.searchsorted(table, keys | _TERM_BITS, side="right") - starts
            hit = counts > 0
            if not hit.any():
                continue
            starts, counts = starts[hit], counts[hit]
            # Every position of every run found, in one go.
            ends = np.cumsum(counts)
            at = np.arange(ends[-1]) + np.repeat(starts - (ends - counts), counts)
            found.append(table[at])
        if not found:
            return np.zeros(0, dtype=np.int64)
        return (np.concatenate(found) & _TERM_BITS).astype(np.int64)
