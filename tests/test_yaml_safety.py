"""One safe YAML reader for content and `lantern import`: small files of plain data only,
and every value of the wrong shape is a `path:line: message`, never a crash or a hang."""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from knowledge import loader
from knowledge.loader import MAX_FILE_BYTES, Problem, load_directory, read_yaml
from moderation.exchange import import_tips
from moderation.store import Store
from moderation.workflow import Moderation
from tests.conftest import SMALL
from tests.test_loader import GOOD_ENTRY, make_dir, problems_for

ROOT = Path(__file__).resolve().parent.parent
REGIONS = {"global", "example", "us"}


def alias_bomb() -> str:
    """Billion laughs: 9 levels of 9 aliases, 9**9 'lol's once anything walks the body."""
    lines = ["entries:", "  - id: bomb", "    kind: tip"]
    lines.append("    a: &a [" + ",".join(["lol"] * 9) + "]")
    for level, name in enumerate("bcdefghi"):
        before = "abcdefghi"[level]
        lines.append(f"    {name}: &{name} [" + ",".join([f"*{before}"] * 9) + "]")
    lines.append("    en: {title: Boom, body: *i, keywords: [a, b, c]}")
    return "\n".join(lines) + "\n"


def test_the_bomb_is_small():
    assert len(alias_bomb().encode()) <= 600
    # It is valid YAML that PyYAML's own safe_load accepts (walking it is what explodes).
    assert isinstance(yaml.safe_load(alias_bomb()), dict)


def test_alias_bomb_is_refused_at_its_first_alias_in_bounded_memory(tmp_path):
    directory = make_dir(tmp_path, alias_bomb())
    tracemalloc.start()
    try:
        snapshot, problems = load_directory(directory)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert snapshot is None
    assert [str(p).split("content/")[-1] for p in problems] == [
        "entries.yaml:5: YAML aliases (*name) are not allowed"
    ]
    # Nothing was expanded: the whole load stayed far below one copy of the bomb.
    assert peak < 5_000_000


def test_the_bomb_is_refused_before_anything_is_built(tmp_path, monkeypatch):
    built: list[bool] = []

    def spy(self: object, node: object) -> None:
        built.append(True)  # (no assertion here: a failure report would print the bomb)

    monkeypatch.setattr(yaml.constructor.SafeConstructor, "construct_document", spy)
    problems: list[Problem] = []
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb())
    assert read_yaml(path, "bomb.yaml", problems) is None
    assert built == []
    assert [str(p) for p in problems] == ["bomb.yaml:5: YAML aliases (*name) are not allowed"]


def test_validate_and_import_refuse_the_bomb_with_a_clear_message(tmp_path):
    content = make_dir(tmp_path, alias_bomb())
    env = {**os.environ, "LANTERN_DATA_DIR": str(tmp_path / "data")}
    env.pop("LANTERN_CONTENT_DIR", None)
    validate = subprocess.run(
        [sys.executable, "-m", "bot", "validate", str(content)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert validate.returncode == 1
    assert "entries.yaml:5: YAML aliases (*name) are not allowed" in validate.stdout
    assert "Traceback" not in validate.stderr

    imported = subprocess.run(
        [sys.executable, "-m", "bot", "import", str(content)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert imported.returncode == 1
    assert "entries.yaml:5: YAML aliases (*name) are not allowed" in imported.stderr
    assert "Queued 0 entries for review." in imported.stdout
    assert "Traceback" not in imported.stderr


def test_python_tags_and_other_foreign_tags_are_refused(tmp_path):
    for tagged in (
        "!!python/object/apply:os.system ['true']",
        "!!binary aGVsbG8=",
        "!!set {a, b}",
        "!local thing",
    ):
        problems: list[Problem] = []
        path = tmp_path / "tagged.yaml"
        path.write_text(f"entries:\n  - id: x\n    kind: {tagged}\n")
        assert read_yaml(path, "tagged.yaml", problems) is None
        assert len(problems) == 1 and problems[0].line == 3
        assert "is not allowed: plain data only" in problems[0].message


def test_plain_explicit_tags_and_bare_merge_keys_are_only_text(tmp_path):
    path = tmp_path / "plain.yaml"
    path.write_text("a: !!str 2026-01-01\nb: <<\n'<<': x\n")
    problems: list[Problem] = []
    assert read_yaml(path, "plain.yaml", problems) == {"a": "2026-01-01", "b": "<<", "<<": "x"}
    assert problems == []


def test_files_over_the_size_cap_are_refused_unread(tmp_path):
    directory = make_dir(tmp_path, "entries:\n" + GOOD_ENTRY)
    (directory / "huge.yaml").write_text("# " + "x" * MAX_FILE_BYTES + "\n")
    snapshot, problems = load_directory(directory)
    assert snapshot is None
    assert [p.message for p in problems] == [f"file is larger than {MAX_FILE_BYTES} bytes"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("kind: tip", "kind: [tip]", "3: 'kind' must be one of tip, rights, referral, not a list"),
        (
            "kind: tip",
            "kind: {tip: 1}",
            "3: 'kind' must be one of tip, rights, referral, not a mapping",
        ),
        ("id: good-entry", "id: [good-entry]", "2: 'id' must be a slug"),
        ("topics: [screening]", "topics: screening", "4: 'topics' must be a list"),
        ("verified: 2026-11-01", "verified: [2026-11-01]", "6: 'verified' must be a date"),
        ("title: A title", "title: [A title]", "9: missing en title"),
        ("body: A body.", "body: {a: b}", "10: missing en body"),
    ],
)
def test_a_list_or_mapping_where_a_word_belongs_is_a_line(tmp_path, old, new, expected):
    found = problems_for(tmp_path, "entries:\n" + GOOD_ENTRY.replace(old, new, 1))
    assert any(f.startswith(expected) for f in found), found


REFERRAL = (
    "    contact:\n      website: https://example.org\n"
    "    police_involvement: none\n    id_required: false\n"
    "    immigration_status_asked: unknown\n    cost: free\n    sex_worker_led: true\n"
    "    sex_worker_affirming: true\n    trans_affirming: true\n    languages: [en]\n"
)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "police_involvement: none",
            "police_involvement: [none]",
            "7: police_involvement must be none, possible, mandatory_reporting or unknown",
        ),
        ("cost: free", "cost: {free: yes}", "10: cost must be free, sliding, paid or unknown"),
        ("id_required: false", "id_required: [false]", "8: 'id_required' must be true"),
        (
            "immigration_status_asked: unknown",
            "immigration_status_asked: [unknown]",
            "9: 'immigration_status_asked' must be true",
        ),
        ("trans_affirming: true", "trans_affirming: 1", "13: 'trans_affirming' must be true"),
        ("languages: [en]", "languages: [[en]]", "14: languages must be a list"),
        ("website: https://example.org", "website: [x]", "6: contact 'website' must be text"),
    ],
)
def test_referral_flags_of_the_wrong_shape_are_lines(tmp_path, old, new, expected):
    good = "entries:\n" + GOOD_ENTRY.replace("kind: tip", "kind: referral").replace(
        "    source:", REFERRAL + "    source:"
    )
    (tmp_path / "good").mkdir()
    assert load_directory(make_dir(tmp_path / "good", good))[1] == []
    found = problems_for(tmp_path, good.replace(old, new, 1))
    assert any(f.startswith(expected) for f in found), found


def test_regions_of_the_wrong_shape_are_lines(tmp_path):
    directory = make_dir(tmp_path, "entries:\n" + GOOD_ENTRY)
    regions = directory / "regions.yaml"
    regions.write_text(regions.read_text().replace("en: Everywhere", "en: [Everywhere]", 1))
    snapshot, problems = load_directory(directory)
    assert snapshot is None
    assert any("region 'global' has no en name" in str(p) for p in problems), problems


def test_anything_unexpected_in_an_entry_is_a_line_not_a_traceback(tmp_path, monkeypatch):
    def explode(self):
        raise TypeError("unhashable type: '_Seq'")

    monkeypatch.setattr(loader._EntryReader, "read", explode)
    found = problems_for(tmp_path, "entries:\n" + GOOD_ENTRY)
    assert len(found) == 1
    assert found[0].startswith("2: unexpected value here (TypeError)")


def test_validate_prints_a_line_for_kind_as_a_list(tmp_path):
    content = make_dir(tmp_path, "entries:\n" + GOOD_ENTRY.replace("kind: tip", "kind: [tip]"))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "validate", str(content)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 1
    assert "entries.yaml:3: 'kind' must be one of tip, rights, referral, not a list" in (
        result.stdout
    )
    assert "Traceback" not in result.stderr


# ----- lantern import ---------------------------------------------------------------------


@pytest.fixture
async def mod(tmp_path):
    store = await Store.open(tmp_path / "data")
    yield Moderation(store, now=lambda: datetime(2026, 11, 21, 12, tzinfo=UTC))
    await store.close()


async def test_import_refuses_the_bomb_and_foreign_tags(mod, tmp_path):
    directory = tmp_path / "in"
    directory.mkdir()
    (directory / "bomb.yaml").write_text(alias_bomb())
    (directory / "tagged.yaml").write_text("entries:\n  - kind: !!python/name:os.system\n")
    queued, found = await import_tips(mod, directory, REGIONS)
    assert queued == 0
    assert found == [
        f"{directory / 'bomb.yaml'}:5: YAML aliases (*name) are not allowed",
        f"{directory / 'tagged.yaml'}:2: the YAML tag "
        "'tag:yaml.org,2002:python/name:os.system' is not allowed: plain data only",
    ]


async def test_import_checks_types_before_using_values(mod, tmp_path):
    directory = tmp_path / "in"
    directory.mkdir()
    good = GOOD_ENTRY.replace("id: good-entry", "id: fine")
    broken = [
        GOOD_ENTRY.replace("id: good-entry", "id: listed-kind").replace("kind: tip", "kind: [tip]"),
        GOOD_ENTRY.replace("id: good-entry", "id: listed-body").replace(
            "body: A body.", "body: [A, body]"
        ),
        GOOD_ENTRY.replace("id: good-entry", "id: word-topics").replace(
            "topics: [screening]", "topics: screening"
        ),
        GOOD_ENTRY.replace("id: good-entry", "id: mapped-title").replace(
            "title: Un título", "title: {a: b}"
        ),
    ]
    text = "entries:\n" + good + "".join(broken)
    (directory / "in.yaml").write_text(text)
    queued, found = await import_tips(mod, directory, REGIONS)
    assert queued == 1
    path = directory / "in.yaml"
    lines = text.splitlines()

    def line(written: str) -> int:
        return lines.index(written) + 1

    assert found == [
        f"{path}:{line('    kind: [tip]')}: listed-kind: 'kind' must be tip, rights or "
        "referral, not a list",
        f"{path}:{line('      body: [A, body]')}: listed-body: 'en.body' must be text, not a list",
        f"{path}:{line('    topics: screening')}: word-topics: 'topics' must be a list of words",
        f"{path}:{line('      title: {a: b}')}: mapped-title: 'es.title' must be text, not a "
        "mapping",
    ]


async def test_import_round_trip_of_the_small_content_still_works(mod):
    # Tips, rights and referrals alike (referrals checked as content files are).
    queued, found = await import_tips(mod, SMALL, {*REGIONS, "uk"})
    assert (queued, found) == (5, [])
