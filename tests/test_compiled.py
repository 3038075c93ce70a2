"""Compiled content: a restart serves exactly what a fresh parse would, and never serves
content that changed, broke, or was damaged on disk."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from bot import content as bot_content
from bot.content import COMPILED_DIR, compiled_for, content_key, load_knowledge
from knowledge import compiled, stored_texts
from knowledge.loader import DEFAULT_CONTENT_DIR, load_or_raise
from knowledge.model import Snapshot, Text
from knowledge.search import SearchIndex
from knowledge.search.tuning import STRONG

QUERIES = [
    ("en", "condom broke"),
    ("en", "police took my phone"),
    ("es", "sobredosis"),
    ("en", "overdse"),
    ("es", "abogado gratis"),
    ("en", "bad date list"),
]

# Each test parses the shipped content (six languages) and writes compiled files: the
# full suite's tier, not the seconds-long one (make test-fast).
pytestmark = pytest.mark.slow


def hits(kb, region=None):
    return [
        [(h.entry.id, round(h.score, 6)) for h in kb.search(q, lang=lang, region=region)]
        for lang, q in QUERIES
    ]


@pytest.fixture
def content(tmp_path):
    directory = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, directory)
    return directory


def files_in(directory):
    return sorted(p.name for p in directory.glob("*")) if directory.exists() else []


def test_a_restart_reads_the_compiled_content_and_serves_the_same(content, tmp_path, monkeypatch):
    store = tmp_path / "data" / COMPILED_DIR
    first, problems = load_knowledge(content, compiled_in=store)
    assert problems == [] and first is not None
    assert files_in(store) == [f"content-{content_key(content)}.npz"]
    assert oct(store.stat().st_mode & 0o777) == "0o700"

    def no_parsing(*args, **kwargs):
        raise AssertionError("the YAML was parsed again")

    monkeypatch.setattr(bot_content, "load_snapshot", no_parsing)
    again, problems = load_knowledge(content, compiled_in=store)
    assert problems == [] and again is not None
    assert again.snapshot.entries == first.snapshot.entries
    assert again.snapshot.regions == first.snapshot.regions
    assert [e.origin for e in again.snapshot.entries] == [e.origin for e in first.snapshot.entries]
    for region in (None, "us", "es", "uk"):
        assert hits(again, region) == hits(first, region)
    for topic in ("overdose", "police", "legal-aid"):
        assert again.topic(topic, "es") == first.topic(topic, "es")


def test_reading_without_saving_leaves_the_directory_alone(content, tmp_path):
    store = tmp_path / "compiled"
    kb, problems = load_knowledge(content, compiled_in=store, save=False)
    assert problems == [] and kb is not None and not store.exists()
    assert compiled_for(content, store) is None
    load_knowledge(content, compiled_in=store)
    assert compiled_for(content, store) == compiled.path_for(store, content_key(content))


def test_changed_content_is_parsed_again_and_replaces_the_old_file(content, tmp_path):
    store = tmp_path / "compiled"
    load_knowledge(content, compiled_in=store)
    old = files_in(store)
    safety = content / "safety.yaml"
    text = safety.read_text(encoding="utf-8")
    first = next(e for e in load_or_raise(content).entries if "safety.yaml" in e.origin)
    title = first.texts["en"].title
    safety.write_text(text.replace(title, "Quokka lantern drill", 1), encoding="utf-8")
    kb, problems = load_knowledge(content, compiled_in=store)
    assert problems == []
    assert kb.search("quokka drill", lang="en")[0].entry.texts["en"].title == "Quokka lantern drill"
    # The older file is kept beside the new one, so switching back does not recompile.
    assert set(old) < set(files_in(store)) and len(files_in(store)) == 2


def test_switching_content_back_reads_the_older_compiled_file(content, tmp_path, monkeypatch):
    store = tmp_path / "compiled"
    safety = content / "safety.yaml"
    original = safety.read_text(encoding="utf-8")
    first, _ = load_knowledge(content, compiled_in=store)
    safety.write_text(original + "\n# a comment\n", encoding="utf-8")
    load_knowledge(content, compiled_in=store)
    safety.write_text(original, encoding="utf-8")

    def no_parsing(*args, **kwargs):
        raise AssertionError("the YAML was parsed again")

    monkeypatch.setattr(bot_content, "load_snapshot", no_parsing)
    again, problems = load_knowledge(content, compiled_in=store)
    assert problems == [] and again.snapshot.entries == first.snapshot.entries


def test_only_the_newest_compiled_files_are_kept(content, tmp_path):
    store = tmp_path / "compiled"
    safety = content / "safety.yaml"
    original = safety.read_text(encoding="utf-8")
    keys = []
    for n in range(compiled.KEEP + 2):
        safety.write_text(original + f"\n# version {n}\n", encoding="utf-8")
        load_knowledge(content, compiled_in=store)
        keys.append(content_key(content))
    assert files_in(store) == sorted(f"content-{k}.npz" for k in keys[-compiled.KEEP :])


def test_the_compiled_content_does_not_depend_on_the_working_directory(
    content, tmp_path, monkeypatch
):
    store = tmp_path / "data" / COMPILED_DIR
    monkeypatch.chdir(tmp_path)
    first, _ = load_knowledge(content, compiled_in=store)
    assert first.snapshot.entries[0].origin.startswith("content/")
    key = content_key(content)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert content_key(content) == key

    def no_parsing(*args, **kwargs):
        raise AssertionError("the YAML was parsed again")

    monkeypatch.setattr(bot_content, "load_snapshot", no_parsing)
    again, problems = load_knowledge(content, compiled_in=store)
    assert problems == [] and files_in(store) == [f"content-{key}.npz"]
    # Origins name files as a fresh parse from here would: relative to this directory.
    monkeypatch.undo()
    monkeypatch.chdir(elsewhere)
    fresh, _ = load_knowledge(content)
    assert [e.origin for e in again.snapshot.entries] == [e.origin for e in fresh.snapshot.entries]
    assert fresh.snapshot.entries[0].origin.startswith(str(content))


def test_broken_content_is_refused_even_with_an_older_compiled_file(content, tmp_path):
    store = tmp_path / "compiled"
    load_knowledge(content, compiled_in=store)
    rights = content / "rights.yaml"
    rights.write_text(rights.read_text(encoding="utf-8") + "  - id: Not A Slug\n", "utf-8")
    kb, problems = load_knowledge(content, compiled_in=store)
    assert kb is None
    assert any("rights.yaml" in p and "'id' must be a slug" in p for p in problems)


@pytest.mark.parametrize(
    "damage",
    [
        "truncate",
        "garbage",
        "empty",
        "wrong_key",
        "short_array",
        "out_of_range",
        "no_meta",
        "text_byte",
        "text_ends",
        "text_missing",
        "text_compressed",
        "titles_cut",
        "phrase_count",
        "column_short",
        "unknown_language",
    ],
)
def test_a_damaged_compiled_file_is_ignored_and_rewritten(content, tmp_path, caplog, damage):
    store = tmp_path / "compiled"
    fresh, _ = load_knowledge(content, compiled_in=store)
    path = compiled.path_for(store, content_key(content))
    _damage(path, damage)
    with caplog.at_level(logging.WARNING, logger="bot.content"):
        kb, problems = load_knowledge(content, compiled_in=store)
    assert problems == [] and kb is not None
    assert hits(kb) == hits(fresh)
    assert "Ignoring compiled content" in caplog.text
    # Rewritten whole: the next start reads it without complaint.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.content"):
        load_knowledge(content, compiled_in=store)
    assert caplog.text == ""


def _damage(path, how):
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif how == "garbage":
        path.write_bytes(os.urandom(4096))
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "text_byte":
        # One byte of one body changed on disk: only the texts' own check sees it, since
        # they are read by offset, not through the archive.
        start = _texts_start(path)
        with path.open("r+b") as out:
            out.seek(start + 40)
            byte = out.read(1)
            out.seek(start + 40)
            out.write(bytes([byte[0] ^ 0x01]))
    elif how == "text_compressed":
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        with path.open("wb") as out:
            np.savez_compressed(out, **arrays)
    else:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        if how == "wrong_key":
            arrays["meta"] = np.frombuffer(b'{"format": 1, "key": "elsewhere"}', dtype=np.uint8)
        elif how == "short_array":
            arrays["df"] = arrays["df"][:-3]
        elif how == "out_of_range":
            arrays["weak_docs"] = arrays["weak_docs"] + 10**6
        elif how == "no_meta":
            del arrays["meta"]
        elif how == "text_ends":
            arrays["text_ends"] = arrays["text_ends"] + 1
        elif how == "text_missing":
            del arrays["texts"]
        elif how == "titles_cut":
            arrays["titles"] = arrays["titles"][:-1]  # mid-character, or a title short
        elif how == "phrase_count":
            meta = json.loads(arrays["meta"].tobytes())
            meta["phrases"][1] += 1
            arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        elif how in ("column_short", "unknown_language"):
            meta = json.loads(arrays["meta"].tobytes())
            if how == "column_short":
                meta["entries"]["id"].pop()
            else:
                meta["entries"]["langs"][0][0] = "xx"
            arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        with path.open("wb") as out:
            np.savez(out, **arrays)
    assert zipfile.is_zipfile(path) == (how not in ("truncate", "garbage", "empty"))


def _texts_start(path):
    with zipfile.ZipFile(path) as archive:
        member = archive.getinfo("texts.npy")
    with path.open("rb") as handle:
        handle.seek(member.header_offset + 26)
        name, extra = (
            int.from_bytes(handle.read(2), "little"),
            int.from_bytes(handle.read(2), "little"),
        )
        handle.seek(member.header_offset + 30 + name + extra)
        np.lib.format.read_magic(handle)
        np.lib.format.read_array_header_1_0(handle)
        return handle.tell()


def _reads(monkeypatch):
    """Count the texts read from compiled files from now on."""
    count = [0]
    real = stored_texts.TextStore.read

    def counted(self, at):
        count[0] += 1
        return real(self, at)

    monkeypatch.setattr(stored_texts.TextStore, "read", counted)
    return count


def test_a_restart_leaves_bodies_on_disk_until_a_card_is_shown(content, tmp_path, monkeypatch):
    store = tmp_path / "compiled"
    fresh, _ = load_knowledge(content, compiled_in=store)
    reads = _reads(monkeypatch)
    kb, problems = load_knowledge(content, compiled_in=store)
    assert problems == [] and reads[0] == 0
    texts = [t for e in kb.snapshot.entries for t in e.texts.values()]
    assert texts and all(isinstance(t, stored_texts.StoredText) for t in texts)
    # Searching and listing read titles, which are in memory, not the bodies.
    for region in (None, "us", "es"):
        hits(kb, region)
    kb.topic("overdose", "es")
    assert reads[0] == 0
    entry = kb.search("condom broke", lang="en")[0].entry
    want = fresh.snapshot.get(entry.id).texts["en"]
    assert entry.texts["en"].body == want.body and reads[0] == 1
    assert entry.texts["en"].keywords == want.keywords and reads[0] == 2


def test_strings_holding_control_characters_come_back_whole(tmp_path):
    strings = ["plain", "with\x00nul", "tab\tand\x01", "", "中文"]
    data, joiner, count = compiled._packed(strings)
    assert joiner == "\x02" and compiled._unpacked(data, joiner, count) == strings
    assert compiled._unpacked(*compiled._packed([])) == []
    assert compiled._unpacked(*compiled._packed([""])) == [""]


def test_stored_texts_behave_as_texts(content, tmp_path):
    import copy
    import pickle

    store = tmp_path / "compiled"
    fresh, _ = load_knowledge(content, compiled_in=store)
    kb, _ = load_knowledge(content, compiled_in=store)
    entry = kb.snapshot.entries[5]
    stored, parsed = entry.texts["en"], fresh.snapshot.get(entry.id).texts["en"]
    assert stored == parsed and parsed == stored and hash(stored) == hash(parsed)
    assert repr(stored).endswith(repr(parsed)[len("Text") :])
    with pytest.raises(dataclasses.FrozenInstanceError):
        stored.body = "changed"  # type: ignore[misc]
    changed = dataclasses.replace(stored, title="Changed title")
    assert type(changed) is Text
    assert (changed.title, changed.body, changed.keywords) == (
        "Changed title",
        parsed.body,
        parsed.keywords,
    )
    assert changed != stored
    for copied in (copy.copy(stored), copy.deepcopy(stored), pickle.loads(pickle.dumps(stored))):
        assert copied == parsed and not isinstance(copied, stored_texts.StoredText)


def test_texts_stay_readable_when_the_file_is_replaced_or_pruned(content, tmp_path):
    store = tmp_path / "compiled"
    fresh, _ = load_knowledge(content, compiled_in=store)
    kb, _ = load_knowledge(content, compiled_in=store)
    path = compiled.path_for(store, content_key(content))
    # Another start writes the same file anew, then the file is pruned altogether.
    compiled.save(store, content_key(content), fresh.snapshot, fresh.index)
    path.unlink()
    assert kb.snapshot.entries == fresh.snapshot.entries


def test_a_file_cut_short_while_in_use_is_an_error_not_a_crash(content, tmp_path):
    store = tmp_path / "compiled"
    load_knowledge(content, compiled_in=store)
    kb, _ = load_knowledge(content, compiled_in=store)
    path = compiled.path_for(store, content_key(content))
    with path.open("r+b") as handle:
        handle.truncate(_texts_start(path))
    with pytest.raises(stored_texts.StoredTextError, match="changed while it was in use"):
        _ = kb.snapshot.entries[-1].texts["en"].body


def test_a_snapshot_let_go_closes_its_file(content, tmp_path):
    import gc

    store = tmp_path / "compiled"
    load_knowledge(content, compiled_in=store)
    before = len(os.listdir("/proc/self/fd"))
    kb, _ = load_knowledge(content, compiled_in=store)
    assert len(os.listdir("/proc/self/fd")) == before + 1
    del kb
    gc.collect()
    assert len(os.listdir("/proc/self/fd")) == before


@pytest.mark.parametrize("apart", [False, True])
def test_an_unwritable_data_directory_still_serves(content, tmp_path, caplog, apart):
    if os.geteuid() == 0:
        # root writes anywhere; a file where the directory should be stops it all the same
        store = tmp_path / "compiled"
        store.write_text("not a directory")
    else:
        parent = tmp_path / "readonly"
        parent.mkdir(mode=0o500)
        store = parent / "compiled"
    with caplog.at_level(logging.WARNING, logger="bot.content"):
        kb, problems = load_knowledge(content, compiled_in=store, apart=apart)
    assert problems == [] and kb is not None and kb.search("overdose", lang="en")
    assert "Could not save compiled content" in caplog.text
    assert "the next start will read the YAML files again" in caplog.text


def test_the_compiled_file_holds_content_and_no_pickles(content, tmp_path):
    store = tmp_path / "compiled"
    load_knowledge(content, compiled_in=store)
    (path,) = store.iterdir()
    with np.load(path, allow_pickle=False) as archive:
        for name in archive.files:
            assert archive[name].dtype != object, name
    # No temporary file is left behind by an atomic write.
    assert not [p for p in store.iterdir() if p.name.startswith(".")]


def test_the_key_covers_names_bytes_and_their_boundaries(content):
    assert compiled.key_of([("a", b"bc")]) != compiled.key_of([("ab", b"c")])
    assert compiled.key_of([("a", b"")]) != compiled.key_of([])
    before = content_key(content)
    (content / "extra.yaml").write_text("entries: []\n", encoding="utf-8")
    assert content_key(content) != before


def _export_restore(snapshot, index):
    arrays, words, phrases = index.export()
    return SearchIndex.restore(snapshot, arrays, words, phrases)


def test_an_index_survives_export_and_restore_after_rebuilds():
    shipped = load_or_raise()
    entries = list(shipped.entries)
    del entries[3]  # leaves a dead slot behind in a rebuilt index
    entries[7] = dataclasses.replace(
        entries[7],
        texts={
            **entries[7].texts,
            "en": dataclasses.replace(entries[7].texts["en"], title="Wombat cafe outreach"),
        },
    )
    changed = Snapshot(entries=tuple(entries), regions=shipped.regions)
    rebuilt = SearchIndex.rebuild(changed, SearchIndex(shipped))
    restored = _export_restore(changed, rebuilt)
    for lang, query in [*QUERIES, ("en", "wombat cafe")]:
        for region in (None, "us", "es"):
            want = [(h.entry.id, h.score) for h in rebuilt.search(query, lang=lang, region=region)]
            got = [(h.entry.id, h.score) for h in restored.search(query, lang=lang, region=region)]
            assert got == want, query
    # A restored index is a fine base for the next rebuild (a moderator's new tip).
    tip = dataclasses.replace(
        entries[7],
        id="fresh-tip-after-restart",
        regions=("global",),  # seen by everyone, whichever entry it was copied from
        texts={
            "en": dataclasses.replace(
                entries[7].texts["en"],
                title="Quokka van tonight",
                body="The quokka van stops by the park tonight.",
            )
        },
    )
    grown = Snapshot(entries=(*changed.entries, tip), regions=shipped.regions)
    found = SearchIndex.rebuild(grown, restored).search("quokka van", lang="en")
    assert [h.entry.id for h in found][:1] == ["fresh-tip-after-restart"]


def test_restore_refuses_an_index_of_another_snapshot():
    shipped = load_or_raise()
    arrays, words, phrases = SearchIndex(shipped).export()
    fewer = Snapshot(entries=shipped.entries[:-1], regions=shipped.regions)
    with pytest.raises(ValueError):
        SearchIndex.restore(fewer, arrays, words, phrases)
    with pytest.raises(ValueError):
        SearchIndex.restore(shipped, arrays, [*words, words[0]], phrases)


@pytest.mark.parametrize(
    ("table", "code"),
    [
        ("weak_codes", STRONG),
        ("weak_codes", 0),
        ("strong_codes", 1),
        ("strong_codes", 200),
        ("max_code", 200),
    ],
)
def test_restore_refuses_codes_that_name_no_weight(table, code):
    # A body posting coded as a title one, or a code past the weights, would be read
    # into the wrong table or fail a search or the start; the file is refused when read.
    shipped = load_or_raise()
    arrays, words, phrases = SearchIndex(shipped).export()
    arrays[table] = arrays[table].copy()
    arrays[table][0] = code
    with pytest.raises(ValueError):
        SearchIndex.restore(shipped, arrays, words, phrases)


def test_the_key_follows_the_code_that_judges_content(content, tmp_path, monkeypatch):
    import types

    judge = tmp_path / "judge.py"
    judge.write_text("LIMIT = 80\n", encoding="utf-8")
    module = types.SimpleNamespace(__file__=str(judge), __name__="knowledge.judge")
    monkeypatch.setattr(bot_content, "_JUDGES", (*bot_content._JUDGES, module))
    before = content_key(content)
    judge.write_text("LIMIT = 90\n", encoding="utf-8")
    assert content_key(content) != before


def _no_parsing(*args, **kwargs):
    raise AssertionError("the YAML was parsed in this process")


def test_a_first_start_compiles_apart_and_serves_what_a_parse_would(content, tmp_path, monkeypatch):
    fresh, _ = load_knowledge(content)
    store = tmp_path / "data" / COMPILED_DIR
    monkeypatch.setattr(bot_content, "load_snapshot", _no_parsing)
    kb, problems = load_knowledge(content, compiled_in=store, apart=True)
    assert problems == [] and kb is not None
    assert files_in(store) == [f"content-{content_key(content)}.npz"]
    assert kb.snapshot.entries == fresh.snapshot.entries
    texts = kb.snapshot.entries[0].texts.values()
    assert all(isinstance(t, stored_texts.StoredText) for t in texts)
    for region in (None, "us", "es"):
        assert hits(kb, region) == hits(fresh, region)


def test_content_refused_apart_gives_the_same_problems(content, tmp_path, monkeypatch):
    rights = content / "rights.yaml"
    rights.write_text(rights.read_text(encoding="utf-8") + "  - id: Not A Slug\n", "utf-8")
    _, here = load_knowledge(content)
    monkeypatch.setattr(bot_content, "load_snapshot", _no_parsing)
    kb, problems = load_knowledge(content, compiled_in=tmp_path / "compiled", apart=True)
    assert kb is None and problems == here and any("'id' must be a slug" in p for p in here)
    assert files_in(tmp_path / "compiled") == []


def test_the_compiling_process_gets_none_of_the_bots_settings(content, tmp_path, monkeypatch):
    from bot import compiler

    monkeypatch.setenv("LANTERN_BOT_TOKEN", "123456:canary-token-for-the-child")
    monkeypatch.setenv("LANTERN_MODERATOR_KEY", "canary-key")
    seen = {}
    real = compiler.subprocess.Popen

    def spying(cmd, **kwargs):
        seen.update(kwargs["env"])
        return real(cmd, **kwargs)

    monkeypatch.setattr(compiler.subprocess, "Popen", spying)
    kb, problems = load_knowledge(content, compiled_in=tmp_path / "compiled", apart=True)
    assert problems == [] and kb is not None
    assert "PATH" in seen and not [name for name in seen if name.startswith("LANTERN_")]


@pytest.mark.parametrize("child", ["exit 1", "echo not-json", "echo '{\"problems\": [3]}'"])
def test_when_compiling_apart_fails_the_bot_parses_itself(
    content, tmp_path, monkeypatch, caplog, child
):
    fake = tmp_path / "python"
    fake.write_text(f"#!/bin/sh\n{child}\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr("sys.executable", str(fake))
    store = tmp_path / "compiled"
    with caplog.at_level(logging.WARNING, logger="lantern.content"):
        kb, problems = load_knowledge(content, compiled_in=store, apart=True)
    assert problems == [] and kb is not None and kb.search("overdose", lang="en")
    # Parsed here and saved here, so the next start reads it back.
    assert files_in(store) == [f"content-{content_key(content)}.npz"]
    assert str(content) not in caplog.text
    if "problems" not in child:
        assert "Compiling content apart failed (exit" in caplog.text


def test_a_compiling_child_that_hangs_is_stopped_with_what_it_started(
    content, tmp_path, monkeypatch, caplog
):
    from bot import compiler

    # A child that never answers, with a process of its own (as its workers would be).
    started = tmp_path / "grandchild.pid"
    fake = tmp_path / "python"
    fake.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {started}\nsleep 300\n", "utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr("sys.executable", str(fake))
    monkeypatch.setattr(compiler, "LIMIT_BASE_S", 1.0)
    monkeypatch.setattr(compiler, "LIMIT_PER_MB_S", 0.0)
    store = tmp_path / "compiled"
    began = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="lantern.content"):
        kb, problems = load_knowledge(content, compiled_in=store, apart=True)
    assert time.monotonic() - began < 60  # not the child's 300 s
    assert problems == [] and kb is not None and kb.search("overdose", lang="en")
    assert files_in(store) == [f"content-{content_key(content)}.npz"]  # parsed here
    assert "Compiling content apart took longer than 1 s" in caplog.text
    grandchild = int(started.read_text())
    deadline = time.monotonic() + 10
    while _running(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(grandchild)


def _running(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie waiting to be reaped is not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def test_the_time_limit_grows_with_the_content(content, tmp_path):
    from bot import compiler

    shipped = compiler.time_limit(content)
    assert compiler.LIMIT_BASE_S < shipped < compiler.LIMIT_BASE_S + 60
    bigger = tmp_path / "big"
    bigger.mkdir()
    (bigger / "tips.yaml").write_bytes(b"#" * 10_000_000)
    assert compiler.time_limit(bigger) == compiler.LIMIT_BASE_S + 10 * compiler.LIMIT_PER_MB_S


def test_files_read_by_worker_processes_give_what_reading_them_here_gives(content):
    import functools

    from bot.compile_child import in_workers as any_cores
    from knowledge.loader import load_directory

    in_workers = functools.partial(any_cores, workers=2)  # even where one core is free

    here, problems = load_directory(content)
    assert problems == []
    apart, problems = load_directory(content, map_files=in_workers)
    assert problems == [] and apart.entries == here.entries and apart.regions == here.regions
    # Broken content: the same problems in the same order, a duplicate id across two
    # files (each read by another worker) reported against the first file's.
    rights, safety = content / "rights.yaml", content / "safety.yaml"
    first_id = next(e.id for e in here.entries if "rights.yaml" in e.origin)
    rights.write_text(rights.read_text(encoding="utf-8") + "  - id: Not A Slug\n", "utf-8")
    safety.write_text(
        safety.read_text(encoding="utf-8") + f"  - id: {first_id}\n    kind: tip\nextra_key: 1\n",
        "utf-8",
    )
    _, want = load_directory(content)
    _, got = load_directory(content, map_files=in_workers)
    assert got == want
    assert any(f"duplicate id '{first_id}' (first at" in str(p) for p in want)
    assert any("unknown top-level key 'extra_key'" in str(p) for p in want)


def test_without_worker_processes_the_files_are_read_here(content, monkeypatch):
    from bot import compile_child
    from knowledge.loader import load_directory

    def no_pool(*args, **kwargs):
        raise OSError(38, "Function not implemented")  # as sem_open without /dev/shm

    monkeypatch.setattr(compile_child, "ProcessPoolExecutor", no_pool)
    here, _ = load_directory(content)
    apart, problems = load_directory(
        content, map_files=lambda *a: compile_child.in_workers(*a, workers=2)
    )
    assert problems == [] and apart.entries == here.entries


async def test_lantern_run_shows_a_card_read_from_the_compiled_file_start_after_start(tmp_path):
    import asyncio
    import signal

    from emulator import BotAPIEmulator
    from tests.conftest import SMALL
    from tests.processes import lantern_env, start_lantern

    data = tmp_path / "data"
    cards = []
    for _ in ("first start, compiled apart", "restart, read back"):
        emu = BotAPIEmulator("7000000071:compiled-cards-token-0123456789abcdef")
        await emu.start()
        process = await start_lantern(lantern_env(emu, data, SMALL), quiet=False)
        try:
            assert await emu.wait_until(lambda e=emu: bool(e.calls_to("getUpdates")), timeout=60)
            user = emu.new_user("Ana")
            await emu.send_text(user, "screening a new client")
            (found,) = await emu.wait_for_bot_messages(user, timeout=10)
            await emu.press(user, found, "💡 Screening a new client")
            (card,) = await emu.wait_for_bot_messages(user, timeout=10)
            cards.append(card.text)
        finally:
            process.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(process.communicate(), 20)
            await emu.stop()
        assert process.returncode == 0, err.decode()[-2000:]
        assert emu.violations == []
    # The body, read from the file by offset, is the one written, both times.
    assert "Trust your gut" in cards[0] and "Meet somewhere public first" in cards[0]
    assert cards[1] == cards[0]
    assert len(list((data / COMPILED_DIR).glob("content-*.npz"))) == 1
