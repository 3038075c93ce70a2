"""Close misspellings: the live words found by what is left once letters are taken out
(deletions.py), or, for longer words, laid out by length and filtered by letter sets;
then compared with rapidfuzz."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from knowledge.search.deletions import LONGEST_LOOKED_UP, SHORTEST_LOOKED_UP, Deletions
from knowledge.search.tuning import EXPANSION_LIMIT, FUZZY_LENGTH_WINDOW
from knowledge.search.vocabulary import Vocabulary, letter_bits, repeats, signature

# Tables are patched word by word up to this many changed words, else recomputed.
_PATCH_WORDS = 64
# A word is looked up by what is left once letters are taken out (deletions.py) when at
# least this many words have a length in its reach: below that, reading them all is as
# fast. A base whose words never reach it keeps no deletions.
LOOKUP_FROM = 25_000

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
    many letters each set holds. A window of lengths is then one slice. And the strings
    left once letters are taken out of the shorter ones (`deletions`)."""

    terms: np.ndarray
    lengths: np.ndarray
    words: np.ndarray  # of str objects, for rapidfuzz
    signatures: np.ndarray
    counts: np.ndarray
    # Letters each word holds at least twice, and how many beyond the second of each: a
    # closer bound on what two words share (`_sharing`) where letters repeat.
    twice: np.ndarray
    beyond: np.ndarray
    # starts[n]: where words of length n begin (words of length n are starts[n]:starts[n+1])
    starts: tuple[int, ...]
    deletions: Deletions | None
    spelled: tuple[str, ...]  # every term's word (the vocabulary's), by term number
    sizes: np.ndarray  # and its length
    letter_sets: np.ndarray  # and its letter set

    @classmethod
    def of(
        cls,
        terms: np.ndarray,
        lengths: np.ndarray,
        words: np.ndarray,
        signatures: np.ndarray,
        counts: np.ndarray,
        twice: np.ndarray,
        beyond: np.ndarray,
        deletions: Deletions | None,
        spelled: tuple[str, ...],
        letter_sets: np.ndarray,
        sizes: np.ndarray | None = None,
    ) -> FuzzyTables:
        longest = int(lengths[-1]) if len(lengths) else 0
        starts = tuple(np.searchsorted(lengths, np.arange(longest + 2), side="left").tolist())
        known = 0 if sizes is None else len(sizes)
        if known < len(spelled):
            more = np.fromiter(map(len, spelled[known:]), dtype=np.int64)
            sizes = more if sizes is None else np.concatenate([sizes, more])
        columns = (terms, lengths, words, signatures, counts, twice, beyond, starts)
        return cls(*columns, deletions, spelled, sizes, letter_sets)

    @classmethod
    def build(
        cls, vocabulary: tuple[str, ...], vocab: Vocabulary, deletions: Deletions | None = None
    ) -> FuzzyTables:
        """The tables of `vocabulary` (the live words, sorted); `deletions`, if given,
        already hold every word of it (and maybe words that went)."""
        count = len(vocabulary)
        ids = np.fromiter(map(vocab.ids.__getitem__, vocabulary), dtype=np.int64, count=count)
        lengths = np.fromiter(map(len, vocabulary), dtype=np.int64, count=count)
        if deletions is None and _worth_looking_up(lengths):
            deletions = Deletions.build(vocabulary, ids)
        order = np.argsort(lengths, kind="stable")
        words = np.empty(count, dtype=object)
        words[:] = vocabulary
        ids = ids[order]
        signatures = vocab.signatures[ids]
        words = words[order]
        twice, beyond = _repeats_of(words)
        columns = (ids, lengths[order], words, signatures, popcount(signatures), twice, beyond)
        return cls.of(*columns, deletions, vocab.words, vocab.signatures)

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
        spelled = vocab.words
        deletions = self.deletions
        if deletions is not None:
            deletions = deletions.with_words([(spelled[term], term) for term in came.tolist()])
        if len(came) + len(went) > _PATCH_WORDS:
            return FuzzyTables.build(vocabulary, vocab, deletions)
        tables = [
            self.terms,
            self.lengths,
            self.words,
            self.signatures,
            self.counts,
            self.twice,
            self.beyond,
        ]
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
            count = popcount(np.array([letters]))[0]
            row = (term, len(word), word, letters, count, *repeats(word))
            tables = [np.insert(c, at, v) for c, v in zip(tables, row, strict=True)]
        return FuzzyTables.of(*tables, deletions, spelled, vocab.signatures, self.sizes)

    def matches(
        self, word: str, cutoff: float, df: np.ndarray, *, scan: bool | None = None
    ) -> list[tuple[int, int]]:
        """Close misspellings of `word` as (term, slips): the best few of each length near
        its own, shortest length first. A slip is a letter added, dropped or changed, or
        two letters swapped; each counts the same, whichever it is. Of words as many slips
        away, the ones in more entries (`df`) come first: a commoner word is the likelier
        one meant ("cose" is "code" or "case" before "cosa" in a handful of tips).

        Words of SHORTEST_LOOKED_UP to LONGEST_LOOKED_UP letters, when at least
        LOOKUP_FROM words have a length in reach, are looked up by what is left once
        letters are taken out (deletions.py); others are found by reading every word of
        a length in reach. Both find the same words; `scan` (True or False) chooses.
        """
        size = len(word)
        edits = max_edits(size)
        if scan is None:
            window = self._window(size, edits)
            scan = window.stop - window.start < LOOKUP_FROM
        deletions = self.deletions
        if not scan and deletions is not None and _looked_up(size):
            terms, choices = self._candidates(deletions, word, cutoff, edits, df)
        else:
            terms, choices = self._scanned(word, cutoff, edits)
        if not choices:
            return []
        # Fewest slips first, then the word in most entries, then as rapidfuzz ranks (the
        # closest by ratio, then by length and word, as the tables are laid out).
        ranked = []
        for found, slips, at in process.extract(
            word, choices, scorer=OSA.distance, score_cutoff=edits, limit=None
        ):
            ratio = fuzz.ratio(word, found)
            if ratio >= cutoff:
                term = terms[at]
                ranked.append((slips, -int(df[term]), -ratio, len(found), found, term))
        ranked.sort()
        # The best EXPANSION_LIMIT of each length, shortest length first, as ranked.
        by_length: dict[int, list[tuple[int, int]]] = {}
        for slips, _, _, length, _, term in ranked:
            bucket = by_length.setdefault(length, [])
            if len(bucket) < EXPANSION_LIMIT:
                bucket.append((term, slips))
        return [pair for length in sorted(by_length) for pair in by_length[length]]

    def _window(self, size: int, edits: int) -> slice:
        """Where the words of a length in reach of a word this long lie in the tables (a
        word of another length is a slip per letter longer or shorter): one slice, as
        the tables are laid out by length."""
        starts = self.starts
        reach = min(FUZZY_LENGTH_WINDOW, edits)
        shortest = min(max(1, size - reach), len(starts) - 1)
        widest = min(size + reach + 1, len(starts) - 1)
        return slice(starts[shortest], max(starts[shortest], starts[widest]))

    def _candidates(
        self, deletions: Deletions, word: str, cutoff: float, edits: int, df: np.ndarray
    ) -> tuple[list[int], list[str]]:
        """(terms, words) of the live words of a length in reach that `deletions` say
        may be within `edits` slips of `word`, and share enough letters with it (see
        `_sharing`)."""
        found = deletions.candidates(word, edits)
        found = found[found < len(df)]
        reach = min(FUZZY_LENGTH_WINDOW, edits)
        # Words that went are still in `deletions`: only live ones (in some entry) count.
        sizes = self.sizes[found]
        near = (df[found] > 0) & (np.abs(sizes - len(word)) <= reach)
        found, sizes = found[near], sizes[near]
        letters = self.letter_sets[found]
        found = found[_sharing(word, cutoff, sizes, letters, popcount(letters))]
        found.sort()
        terms = found[np.diff(found, prepend=-1) != 0].tolist()  # each once
        spelled = self.spelled
        return terms, [spelled[term] for term in terms]

    def _scanned(self, word: str, cutoff: float, edits: int) -> tuple[list[int], list[str]]:
        """(terms, words) of the live words of a length in reach that share enough
        letters with `word` to reach the cutoff (see `_sharing`)."""
        window = self._window(len(word), edits)
        if window.stop <= window.start:
            return [], []
        ok = _sharing(
            word,
            cutoff,
            self.lengths[window],
            self.signatures[window],
            self.counts[window],
            (self.twice[window], self.beyond[window]),
        )
        chosen = window.start + np.flatnonzero(ok)
        return self.terms[chosen].tolist(), self.words[chosen].tolist()


def _looked_up(size: int) -> bool:
    """Whether a word this long can be looked up by what is left of it (deletions.py)."""
    return SHORTEST_LOOKED_UP <= size <= LONGEST_LOOKED_UP


def _worth_looking_up(lengths: np.ndarray) -> bool:
    """Whether, of words of these lengths, at least LOOKUP_FROM have a length in reach of
    a word that can be looked up."""
    counts = np.bincount(lengths, minlength=LONGEST_LOOKED_UP + FUZZY_LENGTH_WINDOW + 1)
    for size in range(SHORTEST_LOOKED_UP, LONGEST_LOOKED_UP + 1):
        reach = min(FUZZY_LENGTH_WINDOW, max_edits(size))
        if counts[size - reach : size + reach + 1].sum() >= LOOKUP_FROM:
            return True
    return False


def _sharing(
    word: str,
    cutoff: float,
    lengths: np.ndarray,
    letter_sets: np.ndarray,
    counts: np.ndarray,
    repeated: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Which words (by their lengths, letter sets and how many letters each set holds)
    share enough letters with `word` to reach the cutoff: the similarity is
    2 * LCS / (len1 + len2), and a letter one word lacks cannot be in the LCS, so this
    bitwise test leaves rapidfuzz a few words.

    With `repeated` (the letters each word holds at least twice, and how many it holds
    beyond the second of each), the bound is closer where letters repeat: the LCS is at
    most the sum, over letters, of the fewer times either word holds it, which is the
    letters both hold, plus those both hold twice, plus either word's letters beyond the
    second of each. Long words, which may hold three slips, share most of their letters
    once with many words; this tells most of those apart before rapidfuzz reads them.
    """
    size = len(word)
    letters = signature(word)
    # The fewest letters (the LCS) a word of each length must share to reach the cutoff;
    # neither word may lack more of the other's letters than that allows.
    need = np.ceil(cutoff * (size + lengths) / 200.0 - 1e-9).astype(np.int16)
    common = popcount(letter_sets & np.uint64(letters)).astype(np.int16)
    ok = common >= letters.bit_count() - size + need
    ok &= common - counts >= need - lengths
    if repeated is not None:
        twice, beyond = repeated
        at = np.flatnonzero(ok)
        mine_twice, mine_beyond = repeats(word)
        shared = common[at] + popcount(twice[at] & np.uint64(mine_twice)).astype(np.int16)
        least = need[at]
        close = (shared + mine_beyond >= least) & (shared + beyond[at] >= least)
        ok[at[~close]] = False
    return ok


def _repeats_of(words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`repeats` of every word (an array of str), as (uint64 letter sets, int32 counts),
    computed a length at a time."""
    twice = np.zeros(len(words), dtype=np.uint64)
    beyond = np.zeros(len(words), dtype=np.int32)
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    for length in np.unique(lengths).tolist():
        if length < 2:
            continue
        at = np.flatnonzero(lengths == length)
        group = "".join(words[at].tolist()).encode("utf-32-le", "surrogatepass")
        codes = np.frombuffer(group, dtype=np.uint32).reshape(at.size, length)
        bits = np.sort(letter_bits(codes.astype(np.int64)), axis=1)
        again = bits[:, 1:] == bits[:, :-1]
        flags = np.where(again, np.left_shift(np.uint64(1), bits[:, 1:].astype(np.uint64)), 0)
        twice[at] = np.bitwise_or.reduce(flags.astype(np.uint64), axis=1)
        if length > 2:
            beyond[at] = np.count_nonzero(bits[:, 2:] == bits[:, :-2], axis=1)
    return twice, beyond
