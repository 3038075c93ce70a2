"""Query word to indexed words: itself, its stem, words it begins, and close misspellings,
with a cache that only ever holds words of the content."""

from __future__ import annotations

import bisect
import math

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from knowledge.normalize import STOPWORDS, stem
from knowledge.search.postings import TermStats
from knowledge.search.spelling import FuzzyTables, fuzzy_cutoff
from knowledge.search.tuning import (
    EXPANSION_CACHE,
    EXPANSION_LIMIT,
    INFLECTION_LETTERS,
    MEANT_DAMPING,
    MEANT_SLIP_POWER,
    MEANT_SMOOTHING,
    NEIGHBOUR_FACTOR,
    PREFIX_SCAN,
    PREFIX_SIMILARITY,
    SLIP_SIMILARITY,
)
from knowledge.search.vocabulary import Vocabulary

# (term, similarity, rarity cap) for each indexed word a query word stands for.
Expansion = tuple[tuple[int, float, float], ...]


class Expander:
    """The indexed words a query word stands for, for one index."""

    __slots__ = ("cache", "fuzzy", "stats", "vocab", "vocabulary")

    def __init__(
        self,
        vocab: Vocabulary,
        vocabulary: tuple[str, ...],
        stats: TermStats,
        fuzzy: FuzzyTables,
    ) -> None:
        self.vocab = vocab
        self.vocabulary = vocabulary  # the live words, sorted
        self.stats = stats
        self.fuzzy = fuzzy
        # Keyed by the vocabulary's own str objects, never by a query's (see `expand`).
        self.cache: dict[str, Expansion] = {}

    def numbered(self, word: str) -> tuple[tuple[int, float], ...]:
        """As `expand`, as (number in `vocabulary`, similarity scaled by the cap)."""
        words = self.vocab.words
        return tuple(
            (bisect.bisect_left(self.vocabulary, words[term]), similarity * cap)
            for term, similarity, cap in self.expand(word)
        )

    def expand(self, word: str) -> Expansion:
        """(term, similarity, rarity cap) of the indexed words `word` stands for.

        A word the index knows only from a handful of entries, while a far more common
        word is one slip away, is most likely that slip (in the query, or in the entries:
        a large base holds the same typos people type). It is matched as itself and as
        its common neighbours, and its own rarity is capped at theirs (the cap, <= 1,
        scales its weight), so a few typo'd entries cannot outrank the word meant. Each
        word a misspelling may stand for is also capped by how likely it is the word
        meant (`_weigh_by_likelihood`).
        """
        cached = self.cache.get(word)
        if cached is not None:
            return cached
        df, idf = self.stats.df, self.stats.idf
        # Only a word the content itself contains may be remembered, under the index's
        # own copy of it: names, streets and numbers people type are never in the
        # vocabulary, so they never outlive the search (privacy invariant: no cache
        # keyed or filled by what people type beyond the words of the content).
        own = self.vocab.ids.get(word)
        keep = self._live(own)
        root = stem(word)
        seen = self._df_of_either(word)
        rare = 0 < seen <= self.stats.rare_df
        fuzzy = seen == 0 or rare
        merged: dict[int, float] = {}
        for form in dict.fromkeys((word, root)):
            for term, similarity in self._similar(form, fuzzy=fuzzy, more_than=seen):
                merged[term] = max(merged.get(term, 0.0), similarity)
        # Of words as close, the commoner is the likelier one meant.
        ranked = sorted(merged.items(), key=lambda kv: (-kv[1], -int(df[kv[0]])))
        ranked = ranked[: EXPANSION_LIMIT * 2]
        caps = dict.fromkeys(merged, 1.0)
        # A word the index knows stands for itself first: a longer word it begins, or a
        # close spelling, may match too but never weighs more than the word typed (in a
        # large base "free" would otherwise answer as the rarer "freezes").
        typed = [float(idf[t]) for t in map(self.vocab.ids.get, (word, root)) if self._live(t)]
        if typed:
            ceiling = max(typed)
            for term in caps:
                if idf[term] > ceiling:
                    caps[term] = ceiling / float(idf[term])
        if rare:
            common = [t for t, _ in ranked if df[t] >= NEIGHBOUR_FACTOR * seen]
            if common:
                ceiling = max(float(idf[t]) for t in common)
                for term, _ in ranked:
                    if df[term] < NEIGHBOUR_FACTOR * seen and idf[term] > ceiling:
                        caps[term] = min(caps[term], ceiling / float(idf[term]))
        if fuzzy:
            _weigh_by_likelihood(ranked, df, caps)
        result = tuple((term, similarity, caps[term]) for term, similarity in ranked)
        if keep and own is not None:
            if len(self.cache) >= EXPANSION_CACHE:
                self.cache.clear()
            self.cache[self.vocab.words[own]] = result
        return result

    def meant(self, words: list[str]) -> list[str]:
        """The query words that say what is asked: a word the content does not know (or
        knows from a handful of entries, their own slips), one slip from a little word of
        a question ("whhat", "witout"), is that little word, and goes as stopwords do
        (unless nothing else is left)."""
        rare = self.stats.rare_df
        kept = [w for w in words if not (self._df_of_either(w) <= rare and _near_stopword(w))]
        return kept or words

    def segment(self, run: str) -> list[str]:
        """The pairs of a run of ideographs that read it best: the run cut into pairs and
        single characters so that the pairs' entries, log(1 + entries holding each),
        sum highest. A pair the content uses more is the likelier word ("老板扣了我的护照"
        reads as 老板 扣了 我的 护照, not 板扣 了我 的护, which cross from one word into
        the next). A little word (我的) is not indexed but is as common as words get; a
        pair no entry holds is dropped, as single characters are.
        Nothing is remembered (privacy invariant)."""
        n = len(run)
        best = [0.0] * (n + 1)
        step = [1] * (n + 1)
        everyone = self.stats.live
        for end in range(2, n + 1):
            best[end] = best[end - 1]
            pair = run[end - 2 : end]
            seen = everyone if pair in STOPWORDS else self._df_of(pair)
            if seen and best[end - 2] + math.log1p(seen) > best[end]:
                best[end] = best[end - 2] + math.log1p(seen)
                step[end] = 2
        found: list[str] = []
        end = n
        while end > 0:
            if step[end] == 2:
                found.append(run[end - 2 : end])
            end -= step[end]
        return found[::-1]

    def _df_of_either(self, word: str) -> int:
        return max(self._df_of(word), self._df_of(stem(word)))

    def knows(self, word: str) -> bool:
        """Whether `word` is a word of the live content."""
        return self._live(self.vocab.ids.get(word))

    def _live(self, term: int | None) -> bool:
        df = self.stats.df
        return term is not None and term < len(df) and bool(df[term] > 0)

    def _df_of(self, word: str) -> int:
        term = self.vocab.ids.get(word)
        df = self.stats.df
        return int(df[term]) if term is not None and term < len(df) else 0

    def _similar(self, word: str, *, fuzzy: bool, more_than: int = 0) -> list[tuple[int, float]]:
        """Indexed words like `word`: itself, words it begins, and (if `fuzzy`) close
        misspellings; a rare word's (`more_than` entries) only if far more common."""
        found: dict[int, float] = {}
        ids = self.vocab.ids
        known = self.knows(word)
        if known:
            found[ids[word]] = 1.0
        vocabulary = self.vocabulary
        if len(word) >= 4:
            # A word the index knows begins its own inflections ("condon", "condones");
            # one it does not know may be cut short, and begins any longer word.
            longest = len(word) + INFLECTION_LETTERS if known else None
            start = bisect.bisect_left(vocabulary, word)
            for i in range(start, min(start + PREFIX_SCAN, len(vocabulary))):
                longer = vocabulary[i]
                if not longer.startswith(word):
                    break
                if longest is None or len(longer) <= longest:
                    found.setdefault(ids[longer], PREFIX_SIMILARITY)
        cutoff = fuzzy_cutoff(len(word)) if fuzzy else None
        if cutoff is not None:
            df = self.stats.df
            for term, slips in self.fuzzy.matches(word, cutoff, df):
                if more_than and df[term] < NEIGHBOUR_FACTOR * more_than:
                    continue  # a rare word's neighbours count only if far more common
                found[term] = max(found.get(term, 0.0), SLIP_SIMILARITY**slips)
        return list(found.items())


def _weigh_by_likelihood(
    ranked: list[tuple[int, float]], df: np.ndarray, caps: dict[int, float]
) -> None:
    """Cap each word a misspelling may stand for by how likely it is the word meant.

    A typo is likelier a slip of a common word than of a rare one, and likelier one slip
    than two (likelihood: similarity ** MEANT_SLIP_POWER times the entries holding it,
    plus MEANT_SMOOTHING: in a small base, a handful of entries either way says little).
    Without this, a rare word two slips away outweighs the common word one slip away,
    since a rare word weighs more ("pruiba" would answer as "piba", not "prueba"). The
    likeliest keeps its weight; the others are scaled down gently (MEANT_DAMPING), since a
    rarer word may still be the one meant. The word typed itself (similarity 1) is not.
    """
    likelihood = {
        term: similarity**MEANT_SLIP_POWER * (float(df[term]) + MEANT_SMOOTHING)
        for term, similarity in ranked
        if similarity < 1.0
    }
    best = max(likelihood.values(), default=0.0)
    if best <= 0.0:
        return
    for term, value in likelihood.items():
        caps[term] = min(caps[term], (value / best) ** MEANT_DAMPING)


# Stopwords near each length, for telling a misspelled one (words of four letters or
# more: a shorter word one slip from a stopword is as likely a short word of the content).
_STOPWORDS_NEAR: dict[int, tuple[str, ...]] = {
    length: tuple(sorted(w for w in STOPWORDS if abs(len(w) - length) <= 1))
    for length in range(4, 1 + max(map(len, STOPWORDS)) + 1)
}


def _near_stopword(word: str) -> bool:
    """Whether `word` is one slip from a stopword. Nothing is remembered: what people
    type is never kept (privacy invariant)."""
    near = _STOPWORDS_NEAR.get(len(word)) if len(word) >= 4 else None
    if not near:
        return False
    return process.extractOne(word, near, scorer=OSA.distance, score_cutoff=1) is not None
