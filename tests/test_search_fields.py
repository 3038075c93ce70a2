"""Where a word stands in an entry, and what that weighs: the title or keywords, the
body, or both. A title word the body keeps coming back to says what the entry is about;
one a title names in passing may not. Entries that weigh the same come in the content's
order, which writers choose."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest

from knowledge.loader import load_or_raise
from knowledge.model import Entry, Snapshot, Text
from knowledge.search import SearchIndex, postings, ranking
from knowledge.search.tokenise import tokenise
from knowledge.search.tuning import CODE_WEIGHTS, STRONG
from knowledge.search.vocabulary import Vocabulary
from knowledge.taxonomy import EXAMPLE_REGION


@functools.cache
def _template() -> Entry:
    return next(e for e in load_or_raise().entries if EXAMPLE_REGION not in e.regions)


def entry(number: int, title: str, body: str, keywords: tuple[str, ...] = ()) -> Entry:
    text = Text(title=title, body=body, keywords=keywords)
    return dataclasses.replace(_template(), id=f"e{number:04d}", texts={"en": text}, origin="t")


def index_of(*entries: Entry) -> SearchIndex:
    return SearchIndex(Snapshot(entries=entries, regions=load_or_raise().regions))


def codes_of(one: Entry) -> dict[str, int]:
    vocab = Vocabulary()
    terms, _, codes = tokenise([(0, one)], ("en",), vocab, None, 0)
    return {vocab.words[t]: int(c) for t, c in zip(terms.tolist(), codes.tolist(), strict=True)}


def test_a_title_word_the_body_uses_too_weighs_both():
    one = entry(
        1,
        "Lawyer fees",
        "A lawyer can help. Ask the lawyer, the lawyer's office or any lawyer you trust: "
        "a lawyer must keep it private. The court date is on the letter.",
        keywords=("solicitor",),
    )
    codes = codes_of(one)
    # Title and body (five times): STRONG plus the body's code for five occurrences.
    assert codes["lawyer"] == STRONG + 2
    assert codes["fees"] == STRONG  # the title only
    assert codes["solicitor"] == STRONG  # a keyword only
    assert codes["court"] == 1  # the body only, once
    assert CODE_WEIGHTS[STRONG + 2] > CODE_WEIGHTS[STRONG] > CODE_WEIGHTS[STRONG - 1]


def test_a_keyword_the_body_uses_counts_as_a_title_word_would():
    codes = codes_of(entry(1, "Getting paid", "Ask for a deposit first.", ("deposit",)))
    assert codes["deposit"] == STRONG + 1


def _flat_titles(monkeypatch):
    """Every title-or-keyword posting weighing the same, whatever the body holds."""
    flat = CODE_WEIGHTS.copy()
    flat[STRONG:] = CODE_WEIGHTS[STRONG]
    monkeypatch.setattr(ranking, "CODE_WEIGHTS", flat)
    monkeypatch.setattr(postings, "CODE_WEIGHTS", flat)


@pytest.mark.parametrize("query", ["lawyer", "free lawyer", "lawer"])
def test_an_entry_about_a_title_word_comes_before_one_naming_it_in_passing(monkeypatch, query):
    # The titles are the same; only the second entry is about lawyers. The first comes
    # first in the content, so without the body's word it would win the tie.
    passing = entry(1, "Free lawyer clinic", "Bus routes and opening hours of the hall.")
    about = entry(
        2,
        "Free lawyer clinic",
        "A lawyer sees you without charge. Bring any letter: the lawyer reads it with you.",
    )
    noise = [entry(100 + n, f"Weather note {n}", "Rain and wind today.") for n in range(20)]
    entries = (passing, about, *noise)
    first = [h.entry.id for h in index_of(*entries).search(query, lang="en")][:2]
    assert first == ["e0002", "e0001"]
    _flat_titles(monkeypatch)
    flat = [h.entry.id for h in index_of(*entries).search(query, lang="en")][:2]
    assert flat == ["e0001", "e0002"]  # what the test guards against


def test_the_best_possible_score_counts_the_heaviest_title_and_body_posting():
    # The entry holding the word in its title and all through its body scores the most a
    # search can; one holding it in its title alone scores less. Were the best possible
    # that of a title alone, both would reach it and tie at 100.
    about = entry(1, "Lawyer", "lawyer " * 8)
    named = entry(2, "Lawyer", "Rain and wind today.")
    other = [entry(10 + n, f"Note {n}", "Rain and wind today.") for n in range(5)]
    index = index_of(named, about, *other)
    scores = {h.entry.id: h.score for h in index.search("lawyer", lang="en")}
    assert scores["e0001"] == 100.0
    assert scores["e0002"] < 100.0
    term = index._tables.vocab.ids["lawyer"]
    assert int(index._tables.max_code[term]) == STRONG + 3
    assert np.isclose(
        index._ranker.stats.idf_max[term] * CODE_WEIGHTS[STRONG],
        index._ranker.stats.idf[term] * CODE_WEIGHTS[STRONG + 3],
    )


def test_hits_that_score_alike_come_in_the_contents_order_whatever_their_ids():
    # Writers put what is needed first, first: of entries alike for a query, the one
    # earlier in the content is shown first, not the one whose id sorts first.
    def alike(name: str) -> Entry:
        return dataclasses.replace(
            entry(0, "Night bus safety", "Sit near the driver on the night bus."), id=name
        )

    names = ["zz-written-first", "mm-written-second", "aa-written-third"]
    noise = [entry(100 + n, f"Weather note {n}", "Rain and wind today.") for n in range(20)]
    snapshot = Snapshot(entries=(*map(alike, names), *noise), regions=load_or_raise().regions)
    fresh = SearchIndex(snapshot)
    hits = fresh.search("night bus", lang="en")
    assert [h.entry.id for h in hits][:3] == names
    # The same after a rebuild that moved them around in the content.
    moved = Snapshot(
        entries=(snapshot.entries[2], *snapshot.entries[:2], *noise), regions=snapshot.regions
    )
    rebuilt = SearchIndex.rebuild(moved, fresh)
    assert [h.entry.id for h in rebuilt.search("night bus", lang="en")][:3] == [
        names[2],
        names[0],
        names[1],
    ]


def test_scores_apart_only_in_float_rounding_are_a_tie():
    # A rebuilt index adds a word's older and newer postings apart, so two entries that
    # tie in a fresh index may differ in the last digits of their float32 sums there.
    # They still tie: the one first in the content comes first.
    text = "Night bus safety", "Sit near the driver on the night bus."
    first, second = entry(1, *text), entry(2, *text)
    noise = [entry(100 + n, f"Weather note {n}", "Rain and wind today.") for n in range(20)]
    index = index_of(first, second, *noise)
    ranker, layout = index._ranker, index._tables.layout
    n_langs = len(index.languages)
    slots = [int(layout.positions[0]), int(layout.positions[1])]
    docs = [slot * n_langs + index.languages.index("en") for slot in slots]
    value = 10.0
    top = [(slots[1], docs[1], value * (1 + 1e-7)), (slots[0], docs[0], value)]
    hits = ranker._rerank(["night", "bus"], top, 2 * value, [1.0, 1.0], 10)
    assert [h.entry.id for h in hits] == ["e0001", "e0002"]
