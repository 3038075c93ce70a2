"""The benchmark suite runs, on small sizes, and its figures make sense; the index it drives
rebuilds incrementally to the same results as a fresh build."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import math
from contextlib import redirect_stdout
from datetime import date

import pytest

from bench import process_bench, search_bench, updates_bench
from bench.queries import hostile, is_hit, load_quality, misspelled, read, sample
from bench.report import Figure, Report, Target, percentile
from bench.synthetic import grow, misspell, synthetic_entries, write_content
from bot.content import load_snapshot
from knowledge.loader import DEFAULT_CONTENT_DIR, load_or_raise
from knowledge.model import Snapshot
from knowledge.normalize import MAX_QUERY_CHARS, MAX_QUERY_TOKENS, fold, query_tokens
from knowledge.search import SearchIndex

pytestmark = pytest.mark.slow  # runs whole benchmarks or crawls every screen

TODAY = date(2026, 11, 21)


@pytest.fixture(scope="module")
def shipped() -> Snapshot:
    return load_or_raise()


@pytest.fixture(scope="module")
def bases(shipped) -> dict[int, Snapshot]:
    return grow(shipped, [200, 400], seed=11)


@pytest.fixture(scope="module")
def queries():
    plain = load_quality()
    return sample(plain, 40), sample(misspelled(plain, 11), 40)


def ids(hits):
    return [h.entry.id for h in hits]


def all_hits(index, queries):
    return [[(h.entry.id, h.score) for h in index.search(q.text, lang=q.lang)] for q in queries]


# ----- synthetic data ------------------------------------------------------------------


def test_synthetic_entries_are_deterministic_for_a_seed(shipped):
    first = synthetic_entries(shipped, 30, seed=3)
    again = synthetic_entries(shipped, 30, seed=3)
    other = synthetic_entries(shipped, 30, seed=4)
    assert first == again
    assert [e.texts for e in first] != [e.texts for e in other]
    # Sizes nest: a smaller base is a prefix of a bigger one.
    assert synthetic_entries(shipped, 10, seed=3) == first[:10]
    assert misspell("how do i check a new client", 1) == misspell("how do i check a new client", 1)


def test_synthetic_bases_have_the_asked_size_and_the_shipped_entries(shipped, bases):
    for size, base in bases.items():
        assert len(base.entries) == size
        assert base.entries[: len(shipped.entries)] == shipped.entries
        assert len({e.id for e in base.entries}) == size
    templates = {(e.kind, e.topics) for e in shipped.entries}
    assert all((e.kind, e.topics) in templates for e in bases[400].entries)


def test_synthetic_content_written_as_yaml_validates(tmp_path, shipped):
    entries = synthetic_entries(shipped, 25, seed=9)
    directory = write_content(tmp_path / "content", DEFAULT_CONTENT_DIR, entries, per_file=10)
    snapshot, problems = load_snapshot(directory)
    assert problems == []
    assert snapshot is not None
    assert len(snapshot.entries) == len(shipped.entries) + 25
    loaded = snapshot.get(entries[7].id)
    assert loaded is not None and loaded.texts == entries[7].texts


# ----- figures and the report ----------------------------------------------------------


def test_figures_are_median_min_max_and_targets_compare():
    figure = Figure.of([3.0, 1.0, 2.0])
    assert (figure.median, figure.low, figure.high, figure.runs) == (2.0, 1.0, 3.0, 3)
    assert math.isnan(Figure.of([]).median)
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([5.0], 99) == 5.0
    assert Target("<=", 5, "x").met(5.0) and not Target("<=", 5, "x").met(5.1)
    assert Target(">=", 30, "x").met(31) and not Target(">=", 30, "x").met(float("nan"))


def test_report_table_and_json():
    report = Report(settings={"runs": 2}, machine={"cpu": "test cpu", "cpus": 2})
    report.add(
        "search",
        "search.p99_ms",
        "search p99",
        "ms",
        [1.0, 2.0],
        size=100,
        target=Target("<=", 5.0, "p99 at most 5 ms"),
    )
    report.add("search", "search.slow", "slow thing", "ms", [9.0], target=Target("<=", 5.0, "fast"))
    report.note("a note")
    table = report.table()
    assert "[search]" in table and "search p99" in table and "test cpu" in table
    assert "targets: 1 of 2 met" in table and "MISSED: fast" in table and "a note" in table
    data = json.loads(json.dumps(report.to_json()))
    assert data["schema"] == "lantern-bench/1"
    row = data["sections"]["search"][0]
    assert row == {
        "key": "search.p99_ms",
        "label": "search p99",
        "size": 100,
        "unit": "ms",
        "median": 1.5,
        "min": 1.0,
        "max": 2.0,
        "runs": 2,
        "target": {"op": "<=", "limit": 5.0, "text": "p99 at most 5 ms", "met": True},
    }
    assert [t["met"] for t in data["targets"]] == [True, False]


# ----- the benchmarks, small ---------------------------------------------------------


def assert_sane(report: Report) -> None:
    for row in report.rows():
        f = row.figure
        assert f.runs >= 1, row
        assert not math.isnan(f.median), row
        assert f.low <= f.median <= f.high, row
        if row.unit in ("ms", "s", "MB", "upd/s", "x"):
            assert f.low > 0, row
        if row.unit == "%":
            assert 0 <= f.low <= f.high <= 100, row


def test_search_bench_on_small_bases(shipped, bases, queries):
    plain, typos = queries
    report = Report(settings={"runs": 2})
    indexes = search_bench.bench_search(report, shipped, bases, plain, typos, runs=1, seed=11)
    assert set(indexes) == {200, 400}
    assert_sane(report)
    for size in bases:
        p50 = report.get("search.p50_ms", size).figure
        p99 = report.get("search.p99_ms", size).figure
        assert p50.median <= p99.median
        assert 0 <= report.get("search.hit3", size).figure.median <= 100
        assert 0 <= report.get("baseline.hit3", size).figure.median <= 100
        assert report.get("search.index_mb", size).figure.median > 0
        assert report.get("search.speedup_p50", size).figure.median > 0
        assert report.get("search.build_peak_mb", size).figure.median > 0
        assert report.get("peer.SQLite FTS5.ratio_p50", size).figure.median > 0
        assert 0 <= report.get("peer.SQLite FTS5.hit3", size).figure.median <= 100
    # The shipped entries are in every base, so the quality set mostly finds its topics.
    assert report.get("search.hit3", 200).figure.median >= 80
    assert "baseline" in " ".join(report.notes)
    assert "[search: peers, same run]" in report.table()


def test_the_peers_search_the_same_entries_and_the_baseline_is_the_fair_scan(shipped):
    from bench import peers

    kinds = peers.available()
    assert kinds[:2] == [peers.Fts5, peers.FuzzScan]  # always there, the standard library's
    for kind in kinds:
        peer = peers.make(kind, shipped, ("en", "es"))
        try:
            found = peer.search("narcan overdose", "en")
            assert 0 < len(found) <= search_bench.LIMIT, peer.name
            assert all(h.entry.regions != ("example",) for h in found), peer.name
            assert any("overdose" in h.entry.topics for h in found[:3]), peer.name
            assert peer.search("", "en") == [] and peer.search("the of", "xx") == []
        finally:
            peer.close()


def test_index_memory_counts_arrays_and_words(bases):
    small = search_bench.index_bytes(SearchIndex(bases[200]))
    big = search_bench.index_bytes(SearchIndex(bases[400]))
    assert 0 < small < big


def test_update_mix_is_realistic_and_deterministic(bases, queries):
    plain, typos = queries
    mix = updates_bench.build_mix(bases[200], [*plain, *typos], 300, seed=2)
    again = updates_bench.build_mix(bases[200], [*plain, *typos], 300, seed=2)
    assert [k for k, _ in mix.updates] == [k for k, _ in again.updates]
    kinds = mix.kinds()
    assert set(kinds) == {k for k, _ in updates_bench.MIX}
    assert kinds["callback"] > kinds["search"] > kinds["inline"]
    batches = mix.batches()
    assert len(batches) == 3
    assert json.loads(batches[0])["result"][0]["update_id"] == 1


def test_update_bench_runs_the_real_bot_and_its_floor(bases, queries, shipped):
    plain, typos = queries
    report = Report(settings={"runs": 1})
    tip = search_bench.new_tip(shipped, 11)
    updates_bench.bench_updates(
        report, bases[200], [*plain, *typos], count=150, runs=1, seed=3, tip=tip
    )
    assert_sane(report)
    assert report.get("updates.per_second", 200).figure.median > 0
    assert report.get("updates.floor_per_second", 200).figure.median > 0
    p50 = report.get("updates.p50_ms", 200).figure.median
    assert p50 <= report.get("updates.p99_ms", 200).figure.median
    assert not any("WARNING" in note for note in report.notes)


async def test_the_stub_answers_and_the_real_handlers_reply(bases, queries):
    from knowledge.base import KnowledgeBase

    plain, _ = queries
    mix = updates_bench.build_mix(bases[200], plain, 80, seed=4)
    request = updates_bench.StubRequest(mix.batches())
    application = await updates_bench.bot_application(KnowledgeBase(bases[200]), request)
    result = await updates_bench.drive(application, request, mix, timeout=60)
    assert result.updates == 80 == len(result.latencies_ms)
    assert result.errors == 0
    assert request.calls["sendMessage"] + request.calls["editMessageText"] > 40
    assert request.calls["answerCallbackQuery"] > 0


def test_process_bench_starts_the_real_bot(shipped, tmp_path):
    report = Report(settings={"runs": 1})
    extra = synthetic_entries(shipped, 20, seed=5)
    process_bench.bench_process(
        report, extra, size=len(shipped.entries) + 20, runs=1, shipped_runs=1
    )
    assert_sane(report)
    size = len(shipped.entries) + 20
    first = report.get("process.first_poll_s", size).figure
    restart = report.get("process.restart_s", size).figure
    assert 0 < first.median < 60 and 0 < restart.median < 60
    assert first.runs == 1 and restart.runs == 1
    assert report.get("process.restart_s", size).target is not None
    assert 20 < report.get("process.rss_mb", len(shipped.entries)).figure.median < 1000
    # The compiling child's peak is reported, and no process is smaller than the bot.
    child = report.get("process.compile_peak_mb", size).figure.median
    assert child >= report.get("process.rss_first_mb", size).figure.median > 20


def test_cli_prints_json_and_the_table(monkeypatch):
    from bench.cli import run as main

    # As conftest does for `lantern`: this process's core limit must stay as it is.
    monkeypatch.setattr("bench.cli.harden_process", list)
    out = io.StringIO()
    args = ["--sizes", "150", "--runs", "1", "--updates", "60", "--update-size", "150"]
    with redirect_stdout(out):
        assert main([*args, "--only", "search,updates", "--json"]) == 0
    data = json.loads(out.getvalue())
    assert {"schema", "machine", "settings", "sections", "targets", "notes"} <= set(data)
    assert set(data["sections"]) == {"search", search_bench.PEERS, "updates"}
    assert data["settings"]["sizes"] == [150]
    out = io.StringIO()
    with redirect_stdout(out):
        assert main([*args, "--only", "search"]) == 0
    assert "[search]" in out.getvalue() and "targets:" in out.getvalue()


# ----- the index the benchmark drives ------------------------------------------------


def test_hostile_queries_are_cut_before_scoring(monkeypatch, shipped):
    index = SearchIndex(shipped)
    seen: list[list[str]] = []
    original = SearchIndex._rank

    def spy(self, words, *args):
        seen.append(list(words))
        return original(self, words, *args)

    monkeypatch.setattr(SearchIndex, "_rank", spy)
    for _, query in hostile():
        index.search(query + " overdose", lang="en")
    index.search("overdose " * 2000, lang="en")
    assert seen, "some hostile query should reach scoring"
    for words in seen:
        assert len(words) <= MAX_QUERY_TOKENS
        assert len(" ".join(words)) <= MAX_QUERY_CHARS


def test_fast_fold_matches_the_regex_definition():
    import re
    import unicodedata

    from knowledge.normalize import _MARKS

    def slow(text: str) -> str:
        folded = text.casefold()
        if not folded.isascii():
            folded = _MARKS.sub("", unicodedata.normalize("NFKD", folded))
        return re.sub(r"[\W_]+", " ", folded).strip()

    samples = [
        "Policía ¿Dónde?",
        "snake_case and CAPS",
        "tabs\tand\nnewlines\x00",
        "a—b–c",
        "Straße",
        "emoji 💥 only",
        "Привет, МИР!",
        "مرحبًا بالعالم",
        "naïve café 3½",
        "",
        "   ",
        "x" * 50,
        "don't stop",
        "ＦＵＬＬ width",
    ]
    for text in samples:
        assert fold(text) == slow(text), text


def test_rebuild_adding_changing_and_removing_matches_a_fresh_build(bases, queries):
    plain, typos = queries
    base = bases[400]
    old = SearchIndex(base)
    before = all_hits(old, plain)
    entries = list(base.entries)
    english = dataclasses.replace(entries[120].texts["en"], title="Zanzibar narcan kit")
    changed = dataclasses.replace(
        entries[120], texts={**entries[120].texts, "en": english}, regions=("us",)
    )
    entries[120] = changed  # new words, new region
    del entries[300]  # removed
    inserted = dataclasses.replace(synthetic_entries(load_or_raise(), 1, seed=99)[0], id="inserted")
    entries.insert(5, inserted)  # added, and everything after it moves
    entries[-1] = dataclasses.replace(entries[-1], id="renamed-tip")  # one out, one in
    new = Snapshot(entries=tuple(entries), regions=base.regions)
    rebuilt = SearchIndex.rebuild(new, old)
    fresh = SearchIndex(new)
    assert rebuilt.vocabulary == fresh.vocabulary
    for query in [*plain, *typos]:
        for region in (None, "us", "uk"):
            got = rebuilt.search(query.text, lang=query.lang, region=region)
            want = fresh.search(query.text, lang=query.lang, region=region)
            assert [(h.entry.id, h.score) for h in got] == [(h.entry.id, h.score) for h in want], (
                query
            )
    assert ids(rebuilt.search("zanzibar", lang="en", region="us"))[:1] == [changed.id]
    assert ids(rebuilt.search("zanzibar", lang="en", region="uk")) == []
    # The old index is untouched and still answers as before.
    assert all_hits(old, plain) == before
    assert len(rebuilt) == len(new.entries)


def test_rebuild_of_a_published_tip_finds_it(shipped):
    old = SearchIndex(shipped)
    tip = dataclasses.replace(
        synthetic_entries(shipped, 1, seed=1)[0],
        id="fresh-peer-tip",
        texts={
            lang: dataclasses.replace(text, title="Quokka outreach van tonight")
            for lang, text in shipped.entries[0].texts.items()
        },
    )
    new = Snapshot(entries=(*shipped.entries, tip), regions=shipped.regions)
    rebuilt = SearchIndex.rebuild(new, old)
    assert ids(rebuilt.search("quokka van", lang="en"))[:1] == ["fresh-peer-tip"]
    assert "fresh-peer-tip" not in ids(old.search("quokka van", lang="en"))
    assert SearchIndex.rebuild(new, None).vocabulary == rebuilt.vocabulary
    # Removing everything leaves an index that finds nothing.
    empty = SearchIndex.rebuild(Snapshot(entries=(), regions=shipped.regions), rebuilt)
    assert empty.search("quokka", lang="en") == []


def test_topic_entries_equal_the_snapshot_scan(bases):
    snapshot = bases[400]
    index = SearchIndex(snapshot)
    for topic in ("overdose", "screening", "immigration", "legal-aid", "alerts"):
        for region in (None, "us", "uk", "example"):
            for show in (False, True):
                want = snapshot.in_topic(topic, region, show_examples=show)
                assert index.topic_entries(topic, region, show_examples=show) == want


def test_queries_are_read_as_the_bot_reads_them_for_every_engine():
    """Slang gets the content's word, the query's own language is searched, and a crisis
    query is answered by Need help now whatever a search finds; a plain query is not."""
    slang = read("5 0 took my phone", "en", ("phone-search",))
    assert slang.typed == "5 0 took my phone" and "police" in slang.text.split()
    assert read("donde consigo condones gratis", "en", ("sexual-health",)).lang == "es"
    assert read("警察拦住我", "en", ("police-encounters",)).lang == "zh"
    crisis = read("sos", "en", ("crisis-support",), crisis=True)
    assert crisis.help_now and is_hit([], crisis)
    assert not read("sos", "en", ("crisis-support",)).help_now  # the set must say crisis
    assert not is_hit([], read("free lawyer", "en", ("legal-aid",)))
    plain = load_quality()
    again = misspelled(plain, 11)
    changed = sum(t.typed != p.typed for t, p in zip(again, plain, strict=True))
    assert changed >= 0.9 * len(plain)  # misspelled from what was typed, then read again
    assert [t.crisis for t in again] == [p.crisis for p in plain]
    assert sum(q.help_now for q in plain) >= 20


def test_queries_of_any_content_return_bounded_ranked_hits(shipped):
    index = SearchIndex(shipped)
    for _, query in hostile():
        hits = index.search(query, lang="es")
        scores = [h.score for h in hits]
        assert scores == sorted(scores, reverse=True)
        assert all(0 < s <= 100 for s in scores)
        assert len(query_tokens(query)) <= MAX_QUERY_TOKENS
    assert is_hit(index.search("narcan", lang="en"), load_quality()[0]) in (True, False)


def test_searching_from_threads_is_safe(bases):
    index = SearchIndex(bases[200])
    expected = ids(index.search("police took my phone", lang="en"))

    async def many():
        return await asyncio.gather(
            *(asyncio.to_thread(index.search, "police took my phone", lang="en") for _ in range(16))
        )

    for hits in asyncio.run(many()):
        assert ids(hits) == expected


def test_rebuilds_in_any_order_of_changes_match_fresh_builds(shipped, bases, queries):
    import random

    plain, typos = queries
    rng = random.Random(8)
    pool = iter(synthetic_entries(shipped, 60, seed=77))
    entries = list(bases[200].entries)
    index = SearchIndex(bases[200])
    for step in range(20):
        op = rng.choice(["add", "remove", "change", "shuffle", "regions"])
        if op == "add":
            for n in range(rng.randint(1, 4)):
                new = dataclasses.replace(next(pool), id=f"new-{step}-{n}")
                entries.insert(rng.randrange(len(entries) + 1), new)
        elif op == "remove":
            for _ in range(rng.randint(1, 4)):
                entries.pop(rng.randrange(len(entries)))
        elif op == "change":
            i = rng.randrange(len(entries))
            text = dataclasses.replace(entries[i].texts["en"], title=f"zork{step} title")
            entries[i] = dataclasses.replace(entries[i], texts={**entries[i].texts, "en": text})
        elif op == "regions":
            i = rng.randrange(len(entries))
            entries[i] = dataclasses.replace(entries[i], regions=(rng.choice(["us", "uk"]),))
        else:
            rng.shuffle(entries)
        snapshot = Snapshot(entries=tuple(entries), regions=bases[200].regions)
        index = SearchIndex.rebuild(snapshot, index)
        fresh = SearchIndex(snapshot)
        assert index.vocabulary == fresh.vocabulary
        for query in [*plain[:10], *typos[:10]]:
            for region in (None, "us"):
                got = index.search(query.text, lang=query.lang, region=region)
                want = fresh.search(query.text, lang=query.lang, region=region)
                assert [(h.entry.id, h.score) for h in got] == [
                    (h.entry.id, h.score) for h in want
                ], (step, op, query)
        assert index.topic_entries("overdose", "us") == snapshot.in_topic("overdose", "us")


def test_a_rare_known_word_also_stands_for_its_common_neighbour(shipped):
    # Two entries carry a typo; in a big base, someone typing that typo means "police".
    typo = []
    for entry in shipped.entries[:2]:
        text = entry.texts["en"]
        body = text.body + " Poilce."
        typo.append(
            dataclasses.replace(
                entry,
                id=f"typo-{entry.id}"[:48],
                texts={**entry.texts, "en": dataclasses.replace(text, body=body)},
            )
        )
    snapshot = Snapshot(entries=(*shipped.entries, *typo), regions=shipped.regions)
    index = SearchIndex(snapshot)
    expanded = {index.vocabulary[n]: s for n, s in index.expand("poilce")}
    assert expanded["police"] > 0.6
    assert expanded["poilce"] < 1.0  # its rarity is capped at the common word's
    hits = index.search("poilce stopped me", lang="en", limit=3)
    assert any("police-encounters" in h.entry.topics for h in hits)
    # A common word is never fuzzy-matched to its rare misspellings.
    assert {index.vocabulary[n] for n, _ in index.expand("police")} >= {"police"}
    assert "poilce" not in {index.vocabulary[n] for n, _ in index.expand("police")}
