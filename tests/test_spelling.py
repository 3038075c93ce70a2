"""Close misspellings: what the letter-set filter and rapidfuzz find is exactly what
counting slips word by word over the whole vocabulary finds."""

from __future__ import annotations

import dataclasses
import functools
from unittest import mock

import numpy as np
import pytest
from rapidfuzz.distance import OSA

from bench.synthetic import typo
from knowledge.loader import load_or_raise
from knowledge.model import Snapshot
from knowledge.search import SearchIndex, spelling
from knowledge.search.deletions import (
    LONGEST_LOOKED_UP,
    MERGE_SHARE,
    SHORTEST_LOOKED_UP,
    Deletions,
    keys_of,
)
from knowledge.search.spelling import FuzzyTables, fuzzy_cutoff, max_edits
from knowledge.search.tuning import EXPANSION_LIMIT, FUZZY_LENGTH_WINDOW
from knowledge.search.vocabulary import Vocabulary, repeats


@functools.cache
def _index(looked_up: bool = False) -> SearchIndex:
    """The shipped content's index; `looked_up`: with deletions kept, as a large base's."""
    if not looked_up:
        return SearchIndex(load_or_raise())
    with mock.patch.object(spelling, "LOOKUP_FROM", 0):
        return SearchIndex(load_or_raise())


def _by_hand(word: str, vocabulary: tuple[str, ...]) -> dict[str, int]:
    edits = max_edits(len(word))
    return {
        other: OSA.distance(word, other)
        for other in vocabulary
        if abs(len(other) - len(word)) <= FUZZY_LENGTH_WINDOW and OSA.distance(word, other) <= edits
    }


@pytest.mark.parametrize("looked_up", [False, True], ids=["scanned", "looked-up"])
def test_misspellings_found_are_the_closest_and_commonest_of_every_word_in_reach(looked_up):
    index = _index(looked_up)
    expander = index._expander
    vocabulary, df, words = expander.vocabulary, expander.stats.df, expander.vocab.words
    rng = np.random.default_rng(3)
    typed = [typo(w, rng) for w in vocabulary[:: max(1, len(vocabulary) // 400)]]
    typed += ["police", "polcie", "xx", "abc", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"]
    # Three slips in long words, letters repeated: the closer bound must keep them.
    typed += ["streetlite", "abogaaadaas", "trabajadoraaas", "informacoin", "contrasenaa"]
    checked = 0
    for word in typed:
        cutoff = fuzzy_cutoff(len(word))
        if cutoff is None:
            continue
        matches = expander.fuzzy.matches(word, cutoff, df, scan=not looked_up)
        found = [(words[term], slips) for term, slips in matches]
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


# ----- looked up by what is left once letters are taken out (deletions.py) ---------------

_MASK = (1 << 64) - 1


def _hash(text: str) -> int:
    """The key deletions.py gives a string, computed the plain way."""
    return (
        sum(ord(ch) * pow(0x100000001B3, place, 1 << 64) for place, ch in enumerate(text)) & _MASK
    )


def _taken_out(word: str, letters: int) -> set[str]:
    found, last = {word}, {word}
    for _ in range(letters):
        last = {text[:i] + text[i + 1 :] for text in last for i in range(len(text))}
        found |= last
    return found


def test_keys_kept_and_looked_up_are_those_of_the_strings_left_with_letters_taken_out():
    words = ["police", "pólice", "abogada", "leer", "ayuda", "安全安全", "救命啊啊啊", "xyzzyxwvut"]
    words += ["ab", "救命", "abogadaslegales"]  # too short or too long to be kept
    words += ["ay\ud800uda"]  # a lone surrogate: a code point as any other
    terms = np.arange(len(words), dtype=np.int64) * 1000 + 7
    kept = Deletions.build(words, terms)
    for word, term in zip(words, terms.tolist(), strict=True):
        for letters, table in ((1, kept.one), (2, kept.two)):
            mine = table[(table & np.uint64(0xFFFFFFFF)) == term] >> np.uint64(32)
            expected = {_hash(t) >> 32 for t in _taken_out(word, letters)}
            if letters == 2:  # the strings with exactly two letters out
                expected -= {_hash(t) >> 32 for t in _taken_out(word, 1)}
            if not 4 <= len(word) <= 10:
                expected = set()
            assert set(mine.tolist()) >= expected, word
            assert len(expected) or not mine.size, word
            if len(word) <= 10:
                looked_up = {_hash(t) >> 32 for t in _taken_out(word, letters)}
                assert set(keys_of(word, letters)) == looked_up, word


def test_repeated_letters_are_counted_alike_word_by_word_and_a_length_at_a_time():
    vocabulary = _index()._expander.vocabulary
    words = np.empty(len(vocabulary) + 3, dtype=object)
    words[:] = [*vocabulary, "aaaaaaa", "ay\ud800\ud800a", "安全安全"]
    twice, beyond = spelling._repeats_of(words)
    assert [(int(t), int(b)) for t, b in zip(twice, beyond, strict=True)] == [
        repeats(word) for word in words
    ]
    assert repeats("aaaaaaa") == (1, 5) and repeats("leer") == (1 << 4, 0)


def test_looking_a_misspelling_up_finds_what_reading_every_word_finds():
    index = _index(looked_up=True)
    expander = index._expander
    vocabulary, df = expander.vocabulary, expander.stats.df
    rng = np.random.default_rng(5)
    sample = vocabulary[:: max(1, len(vocabulary) // 600)]
    typed = [typo(w, rng) for w in sample] + [typo(typo(w, rng), rng) for w in sample]
    typed += ["policía", "polcia", "abgoado", "懷孕", "ayduaa"]
    looked_up = 0
    for word in typed:
        cutoff = fuzzy_cutoff(len(word))
        if cutoff is None:
            continue
        found = expander.fuzzy.matches(word, cutoff, df, scan=False)
        assert found == expander.fuzzy.matches(word, cutoff, df, scan=True), word
        looked_up += SHORTEST_LOOKED_UP <= len(word) <= LONGEST_LOOKED_UP and bool(found)
    assert looked_up > 300


def test_after_a_publish_new_words_are_looked_up_and_words_that_went_are_not():
    shipped = load_or_raise()
    first = _index(looked_up=True)
    tip = dataclasses.replace(
        shipped.entries[0],
        id="published-new-words",
        texts={
            lang: dataclasses.replace(text, title=text.title + " zorblax quintaral quoxa")
            for lang, text in shipped.entries[0].texts.items()
        },
    )
    grown = SearchIndex.rebuild(
        Snapshot(entries=(*shipped.entries, tip), regions=shipped.regions), first
    )
    words = grown._expander.vocab.words
    fuzzy = grown._expander.fuzzy
    assert fuzzy.deletions.one is first._expander.fuzzy.deletions.one  # shared, not copied
    assert fuzzy.deletions.recent  # the new words are in the recent arrays
    df = grown._expander.stats.df
    found = {words[t] for t, _ in fuzzy.matches("zorblx", fuzzy_cutoff(6), df, scan=False)}
    assert "zorblax" in found
    found = {words[t] for t, _ in fuzzy.matches("qintaral", fuzzy_cutoff(8), df, scan=False)}
    assert "quintaral" in found
    found = {words[t] for t, _ in fuzzy.matches("quoxu", fuzzy_cutoff(5), df, scan=False)}
    assert "quoxa" in found
    # The tip taken down again: its words go, but stay in the arrays, shared.
    shrunk = SearchIndex.rebuild(shipped, grown)
    fuzzy = shrunk._expander.fuzzy
    assert fuzzy.deletions.recent_one is grown._expander.fuzzy.deletions.recent_one
    df = shrunk._expander.stats.df
    for typed in ("zorblx", "qintaral", "quoxu"):
        found = fuzzy.matches(typed, fuzzy_cutoff(len(typed)), df, scan=False)
        assert not {words[t] for t, _ in found} & {"zorblax", "quintaral", "quoxa"}
        assert found == fuzzy.matches(typed, fuzzy_cutoff(len(typed)), df, scan=True)


def test_saved_deletions_come_back_as_they_were_and_are_not_worked_out_again():
    shipped = load_or_raise()
    first = _index(looked_up=True)
    tip = dataclasses.replace(
        shipped.entries[0],
        id="published-new-words",
        texts={"en": dataclasses.replace(shipped.entries[0].texts["en"], title="zorblax quoxa")},
    )
    grown_snapshot = Snapshot(entries=(*shipped.entries, tip), regions=shipped.regions)
    grown = SearchIndex.rebuild(grown_snapshot, first)
    assert grown._expander.fuzzy.deletions.recent  # saved merged with the main keys
    arrays, words, phrases = grown.export()
    with mock.patch.object(Deletions, "build", side_effect=AssertionError("worked out again")):
        restored = SearchIndex.restore(grown_snapshot, arrays, words, phrases)
    kept, fresh = (
        restored._expander.fuzzy.deletions,
        Deletions.build(
            grown.vocabulary, np.array([grown._expander.vocab.ids[w] for w in grown.vocabulary])
        ),
    )
    assert np.array_equal(kept.one, fresh.one) and np.array_equal(kept.two, fresh.two)
    df = restored._expander.stats.df
    found = restored._expander.fuzzy.matches("zorblx", fuzzy_cutoff(6), df, scan=False)
    assert "zorblax" in {restored._expander.vocab.words[t] for t, _ in found}
    # Keys out of order, or naming a word there is not, are refused, not served.
    for broken in (arrays["deletions_one"][::-1].copy(), arrays["deletions_one"] + 10**6):
        with pytest.raises(ValueError):
            SearchIndex.restore(grown_snapshot, {**arrays, "deletions_one": broken}, words, phrases)
    # Without saved keys, an index that needs them works them out.
    del arrays["deletions_one"], arrays["deletions_two"]
    with mock.patch.object(spelling, "LOOKUP_FROM", 0):
        again = SearchIndex.restore(grown_snapshot, arrays, words, phrases)
    assert np.array_equal(again._expander.fuzzy.deletions.one, fresh.one)


def test_recent_words_fold_into_the_main_arrays_once_they_are_a_share_of_them():
    words = [f"w{n:05d}x" for n in range(2000)]
    kept = Deletions.build(words, np.arange(len(words), dtype=np.int64))
    size = kept.one.size + kept.two.size
    term = len(words)
    while not kept.recent or kept.recent_one.size + kept.recent_two.size <= MERGE_SHARE * size:
        before = kept
        kept = kept.with_words([(f"n{term:05d}y", term)])
        term += 1
        if not kept.recent:
            break
        assert kept.one is before.one  # a publish does not copy the main arrays
    assert not kept.recent and kept.recent_one.size == 0
    assert kept.one.size + kept.two.size > size
    assert set(kept.candidates(f"n{term - 1:05d}", 1).tolist()) >= {term - 1}


def test_only_a_base_with_many_words_in_reach_keeps_deletions_and_looks_words_up():
    rng = np.random.default_rng(9)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))

    def tables(count: int) -> tuple[FuzzyTables, np.ndarray]:
        words = sorted({"".join(rng.choice(letters, 6)) for _ in range(count)} | {"safety"})
        vocab = Vocabulary()
        vocab.learn(words)
        vocab.commit()
        df = np.ones(len(vocab), dtype=np.int64)
        return FuzzyTables.build(tuple(words), vocab), df

    small, df = tables(2_000)
    assert small.deletions is None  # reading 2,000 words is as fast
    assert small.spelled[small.matches("safeyt", fuzzy_cutoff(6), df)[0][0]] == "safety"
    large, df = tables(spelling.LOOKUP_FROM + 1_000)
    assert large.deletions is not None
    spy = mock.patch.object(
        Deletions, "candidates", autospec=True, side_effect=Deletions.candidates
    )
    with spy as looked_up:
        found = large.matches("safeyt", fuzzy_cutoff(6), df)
        assert looked_up.called
    assert large.spelled[found[0][0]] == "safety"
    assert found == large.matches("safeyt", fuzzy_cutoff(6), df, scan=True)
