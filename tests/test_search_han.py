"""Chinese queries: a run of ideographs is read as the words the content uses, not as
every overlapping pair, so pairs that cross from one word into the next (了我, 的护 in
老板扣了我的护照, "the boss took my passport") do not pull in entries about something else."""

from __future__ import annotations

import dataclasses
import functools

import pytest

from knowledge.loader import load_or_raise
from knowledge.model import Entry, Snapshot, Text
from knowledge.normalize import query_tokens
from knowledge.search import SearchIndex
from knowledge.search.expansion import Expander
from knowledge.taxonomy import EXAMPLE_REGION


@functools.cache
def _template() -> Entry:
    return next(e for e in load_or_raise().entries if EXAMPLE_REGION not in e.regions)


def entry(number: int, title: str, body: str, topics: tuple[str, ...]) -> Entry:
    english = Text(title=f"entry {number}", body="about this", keywords=())
    chinese = Text(title=title, body=body, keywords=())
    return dataclasses.replace(
        _template(),
        id=f"e{number:04d}",
        texts={"en": english, "es": english, "zh": chinese},
        topics=topics,
        origin="test",
    )


def index_of(*entries: Entry) -> SearchIndex:
    return SearchIndex(Snapshot(entries=entries, regions=load_or_raise().regions))


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    passport = entry(1, "强迫劳动", "如果老板扣了你的护照，这是强迫劳动的迹象。", ("coercion",))
    nurse = entry(2, "医院的护士打了我", "去别的医院。", ("health-services",))
    fillers = [
        entry(10 + n, f"工作笔记{n}", "老板和护照和手机的一般说明。", ("money",)) for n in range(12)
    ]
    return index_of(passport, nurse, *fillers)


def test_a_run_is_read_as_the_words_the_content_uses(index):
    words = query_tokens("老板扣了我的护照", index._expander.segment)
    assert words == ["老板", "扣了", "护照"]  # 我的 is a little word, and goes
    assert "了我" in query_tokens("老板扣了我的护照")  # every pair, without the content


def test_a_query_already_cut_into_pairs_reads_as_the_run(index):
    # The bot rewrites a message before searching (knowledge.words), which cuts runs into
    # their pairs: the chain of pairs is the run again.
    segment = index._expander.segment
    assert query_tokens("老板 板扣 扣了 了我 我的 的护 护照", segment) == query_tokens(
        "老板扣了我的护照", segment
    )
    # Other words around the run are kept as they are, and a lone pair stays itself.
    assert query_tokens("boss 老板扣了我的护照 passport", segment) == [
        "boss",
        "老板",
        "扣了",
        "护照",
        "passport",
    ]
    assert query_tokens("护照", segment) == ["护照"]


def test_pairs_across_words_do_not_pull_in_another_entry(index, monkeypatch):
    def first(found):
        return [hit.entry.id for hit in found][:1]

    assert first(index.search("老板扣了我的护照", lang="zh")) == ["e0001"]
    # Read as every pair, 了我 and 的护 (rare, so heavy, and in a title) answer with the
    # entry about a nurse.
    monkeypatch.setattr(
        Expander, "segment", lambda self, run: [run[i : i + 2] for i in range(len(run) - 1)]
    )
    assert first(index.search("老板扣了我的护照", lang="zh")) == ["e0002"]


def test_a_run_the_content_does_not_know_gives_nothing_to_search(index):
    assert query_tokens("鳄鱼鳄鱼", index._expander.segment) == []
    assert index.search("鳄鱼鳄鱼", lang="zh") == []
