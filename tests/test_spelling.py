"""Close misspellings: what the letter-set filter and rapidfuzz find is exactly what
counting slips word by word over the whole vocabulary finds."""

from __future__ import annotations

import functools

import numpy as np
from rapidfuzz.distance import OSA

from bench.synthetic import typo
from knowledge.loader import load_or_raise
from knowledge.search import SearchIndex
from knowledge.search.spelling import fuzzy_cutoff, max_edits
from knowledge.search.tuning import EXPANSION_LIMIT, FUZZY_LENGTH_WINDOW


@functools.cache
def _index() -> SearchIndex:
    return SearchIndex(load_or_raise())


def _by_hand(word: str, vocabulary: tuple[str, ...]) -> dict[str, int]:
    edits = max_edits(len(word))
    return {
        other: OSA.distance(word, other)
        for other in vocabulary
        if abs(len(other) - len(word)) <= FUZZY_LENGTH_WINDOW
        and OSA.distance(word, other) <= edits
    }


def test_misspellings_found_are_the_closest_and_commonest_of_every_word_in_reach():
    index = _index()
    expander = index._expander
    vocabulary, df, words = expander.vocabulary, expander.stats.df, expander.vocab.words
    rng = np.random.default_rng(3)
    typed = [typo(w, rng) for w in vocabulary[:: max(1, len(vocabulary) // 400)]]
    typed += ["police", "polcie", "xx", "abc", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"]
    checked = 0
    for word in typed:
        cutoff = fuzzy_cutoff(len(word))
        if cutoff is None:
            continue
        found = [(words[term], slips) for term, slips in expander.fuzzy.matches(word, cutoff, df)]
        expected = _by_hand(word, vocabulary)
        assert all(expected.get(other) == slips for other, slips in found), word
        for length in {len(other) for other in expected}:
            mine = [(o, s) for o, s in found if len(o) == length]
            reach = sorted(
                ((o, s) for o, s in expected.items() if len(o) == length),
                key=lambda pair: (pair[1], -int(df[expander.vocab.ids[pair[0]]])),
            )
            # Fewest slips first, then the word in the most entries.
            assert [s for _, s in mine] == [s for _, s in reach[:EXPANSION_LIMIT]], word
            want = [df[expander.vocab.ids[o]] for o, _ in reach[:EXPANSION_LIMIT]]
            assert [df[expander.vocab.ids[o]] for o, _ in mine] == want, word
        checked += bool(expected)
    assert checked > 100
