"""A publish rebuilds the index without copying the base's postings, and answers exactly
as an index built from scratch, saved and restored included."""

from __future__ import annotations

import dataclasses
import random

import pytest

from bench.queries import load_quality, misspelled, sample
from bench.synthetic import synthetic_entries
from knowledge.loader import load_or_raise
from knowledge.model import Snapshot
from knowledge.search import SearchIndex
from knowledge.search.postings import MERGE_SHARE


@pytest.fixture(scope="module")
def shipped() -> Snapshot:
    return load_or_raise()


@pytest.fixture(scope="module")
def queries():
    plain = load_quality()
    return [*sample(plain, 30), *sample(misspelled(plain, 3), 30)]


def answers(index: SearchIndex, queries) -> list:
    return [
        [(h.entry.id, h.score) for h in index.search(q.text, lang=q.lang, region=region)]
        for q in queries
        for region in (None, "us")
    ]


def publish(snapshot: Snapshot, entries) -> Snapshot:
    return Snapshot(entries=(*snapshot.entries, *entries), regions=snapshot.regions)


def test_publishing_tips_one_by_one_shares_the_base_and_answers_as_a_fresh_index(shipped, queries):
    tips = [
        dataclasses.replace(e, id=f"published-{n}")
        for n, e in enumerate(synthetic_entries(shipped, 4, seed=21))
    ]
    first = SearchIndex(shipped)
    index, snapshot = first, shipped
    for tip in tips:
        snapshot = publish(snapshot, [tip])
        index = SearchIndex.rebuild(snapshot, index)
        # The base's postings are the very same arrays: a publish copies only the tips.
        assert index._tables.weak[0].docs is first._tables.weak[0].docs
        assert index._tables.strong[0].docs is first._tables.strong[0].docs
        assert index._tables.strong[0].codes is first._tables.strong[0].codes
        assert len(index._tables.weak) == 2
    fresh = SearchIndex(snapshot)
    assert answers(index, queries) == answers(fresh, queries)
    restored = SearchIndex.restore(snapshot, *index.export())
    assert len(restored._tables.weak) == 1
    assert answers(restored, queries) == answers(fresh, queries)


def test_newer_postings_fold_into_the_base_once_they_are_a_share_of_it(shipped, queries):
    index = SearchIndex(shipped)
    base = len(index._tables.weak[0].docs)
    more = synthetic_entries(shipped, 40, seed=22)
    snapshot = shipped
    for start in range(0, len(more), 5):
        batch = [
            dataclasses.replace(e, id=f"grown-{start + n}")
            for n, e in enumerate(more[start : start + 5])
        ]
        snapshot = publish(snapshot, batch)
        index = SearchIndex.rebuild(snapshot, index)
        if len(index._tables.weak) == 1:
            break
        assert len(index._tables.weak[1].docs) <= MERGE_SHARE * base
    assert len(index._tables.weak) == 1 and len(index._tables.weak[0].docs) > base
    assert answers(index, queries) == answers(SearchIndex(snapshot), queries)


def test_rounds_of_edits_anywhere_in_the_content_answer_as_a_fresh_index(shipped):
    # Entries published, changed (title words repeated in the body, so they weigh more),
    # and withdrawn at random places in the content, a round at a time: each rebuilt
    # index answers as one built from scratch.
    rng = random.Random(4)
    pool = synthetic_entries(shipped, 300, seed=4)
    entries = [*shipped.entries, *(dataclasses.replace(e, id=f"s-{n}") for n, e in enumerate(pool))]

    def changed(one):
        def text(t):
            words = t.title.split()
            more = " ".join(rng.choice(words) for _ in range(rng.randint(1, 6)))
            return dataclasses.replace(t, body=f"{t.body} {more}")

        return dataclasses.replace(one, texts={lang: text(t) for lang, t in one.texts.items()})

    plain = load_quality()
    asked = [*sample(plain, 40), *sample(misspelled(plain, 3), 40)]
    snapshot = Snapshot(entries=tuple(entries), regions=shipped.regions)
    index = SearchIndex(snapshot)
    for round_ in range(10):
        for n in range(rng.randint(1, 6)):
            new = dataclasses.replace(changed(rng.choice(pool)), id=f"new-{round_}-{n}")
            entries.insert(rng.randrange(len(entries)), new)
        for _ in range(rng.randint(0, 4)):
            at = rng.randrange(len(entries))
            entries[at] = changed(entries[at])
        for _ in range(rng.randint(0, 3)):
            entries.pop(rng.randrange(len(entries)))
        snapshot = Snapshot(entries=tuple(entries), regions=shipped.regions)
        index = SearchIndex.rebuild(snapshot, index)
        assert answers(index, asked) == answers(SearchIndex(snapshot), asked), round_
