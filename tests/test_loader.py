"""The loader accepts good content and reports bad content line by line."""

from __future__ import annotations

import shutil
from pathlib import Path

from knowledge.loader import load_directory
from knowledge.model import Cost, Kind, Police
from tests.conftest import SMALL

GOOD_ENTRY = """\
  - id: good-entry
    kind: tip
    topics: [screening]
    source: "Peer guides"
    verified: 2026-11-01
    review_by: 2027-05-01
    en:
      title: A title
      body: A body.
      keywords: [one, two, three]
    es:
      title: Un título
      body: Un cuerpo.
      keywords: [uno, dos, tres]
"""


def make_dir(tmp_path: Path, content: str) -> Path:
    directory = tmp_path / "content"
    directory.mkdir()
    shutil.copy(SMALL / "regions.yaml", directory / "regions.yaml")
    (directory / "entries.yaml").write_text(content, encoding="utf-8")
    return directory


def problems_for(tmp_path: Path, content: str) -> list[str]:
    snapshot, problems = load_directory(make_dir(tmp_path, content))
    assert snapshot is None, "broken content must never produce a snapshot"
    return [f"{p.line}: {p.message}" for p in problems]


def test_small_content_loads_with_all_fields(small_snapshot):
    entry = small_snapshot.get("example-clinic")
    assert entry.kind is Kind.REFERRAL
    assert entry.flags.police_involvement is Police.NONE
    assert entry.flags.cost is Cost.FREE
    assert entry.flags.immigration_status_asked is None  # "unknown"
    assert entry.contact.phone == "+1 555 0100"
    assert small_snapshot.get("screening-basics").regions == ("global",)
    rights = small_snapshot.get("rights-phone-us")
    assert rights.text("es").jurisdiction == "Estados Unidos (general)"


def test_good_entry_loads(tmp_path):
    snapshot, problems = load_directory(make_dir(tmp_path, "entries:\n" + GOOD_ENTRY))
    assert problems == []
    assert [e.id for e in snapshot.entries] == ["good-entry"]


def test_problems_carry_path_and_line(tmp_path):
    broken = "entries:\n" + GOOD_ENTRY.replace("topics: [screening]", "topics: [screening, nope]")
    snapshot, problems = load_directory(make_dir(tmp_path, broken))
    assert snapshot is None
    assert len(problems) == 1
    assert str(problems[0]).endswith("entries.yaml:4: unknown topic 'nope'")


def test_unknown_and_reserved_topics(tmp_path, monkeypatch):
    # No topic is reserved now ("alerts" became real); a topic is reserved while its
    # feature is being built.
    from knowledge.loader import entries

    monkeypatch.setattr(entries, "RESERVED_TOPICS", frozenset({"money"}))
    broken = "entries:\n" + GOOD_ENTRY.replace("[screening]", "[money]")
    assert problems_for(tmp_path, broken) == ["4: topic 'money' is reserved and not served yet"]


def test_duplicate_ids_across_entries(tmp_path):
    found = problems_for(tmp_path, "entries:\n" + GOOD_ENTRY + GOOD_ENTRY)
    assert found == ["16: duplicate id 'good-entry' (first at " + found[0].split("(first at ")[1]]
    assert "entries.yaml:2)" in found[0]


def test_missing_translation(tmp_path):
    cut = GOOD_ENTRY.split("    es:")[0]
    assert problems_for(tmp_path, "entries:\n" + cut) == ["2: missing Spanish (es) translation"]


def test_bad_dates(tmp_path):
    broken = "entries:\n" + GOOD_ENTRY.replace("verified: 2026-11-01", "verified: 2026-13-01")
    broken = broken.replace("review_by: 2027-05-01", "review_by: soon")
    assert problems_for(tmp_path, broken) == [
        "6: 'verified' must be a date written YYYY-MM-DD",
        "7: 'review_by' must be a date written YYYY-MM-DD",
    ]


def test_review_by_before_verified(tmp_path):
    broken = "entries:\n" + GOOD_ENTRY.replace("review_by: 2027-05-01", "review_by: 2026-01-01")
    assert problems_for(tmp_path, broken) == ["7: 'review_by' must be after 'verified'"]


def test_broken_markup_points_at_the_body_line(tmp_path):
    broken = "entries:\n" + GOOD_ENTRY.replace(
        "      body: A body.\n", "      body: |\n        Fine line.\n        **unclosed\n"
    )
    assert problems_for(tmp_path, broken) == [
        "12: broken markup in en body: '**' is opened but never closed on this line"
    ]


def test_referral_flags_missing(tmp_path):
    broken = "entries:\n" + GOOD_ENTRY.replace("kind: tip", "kind: referral").replace(
        "    source:", "    contact:\n      website: https://example.org\n    source:"
    )
    found = problems_for(tmp_path, broken)
    assert found == [
        "2: referral flags missing: police_involvement, id_required, immigration_status_asked, "
        "cost, sex_worker_led, sex_worker_affirming, trans_affirming, languages"
    ]


def test_referral_flag_values_are_checked(tmp_path):
    flags = (
        "    contact:\n      website: http://insecure.example\n"
        "    police_involvement: sometimes\n    id_required: false\n"
        "    immigration_status_asked: false\n    cost: free\n    sex_worker_led: true\n"
        "    sex_worker_affirming: true\n    trans_affirming: true\n    languages: [en]\n"
    )
    broken = "entries:\n" + GOOD_ENTRY.replace("kind: tip", "kind: referral").replace(
        "    source:", flags + "    source:"
    )
    found = problems_for(tmp_path, broken)
    assert "6: website must be an https:// address" in found
    assert "7: police_involvement must be none, possible, mandatory_reporting or unknown" in found


def test_rights_need_jurisdiction(tmp_path):
    broken = "entries:\n" + GOOD_ENTRY.replace("kind: tip", "kind: rights")
    assert problems_for(tmp_path, broken) == [
        "9: rights entries need a en 'jurisdiction'",
        "13: rights entries need a es 'jurisdiction'",
    ]


def test_yaml_syntax_error_has_a_line(tmp_path):
    found = problems_for(tmp_path, "entries:\n  - id: x\n    kind: [unclosed\n")
    assert len(found) == 1 and found[0].startswith("4: YAML syntax error")


def test_unknown_fields_and_duplicate_keys(tmp_path):
    broken = "entries:\n" + GOOD_ENTRY.replace(
        "    kind: tip\n", "    kind: tip\n    kind: tip\n    colour: red\n"
    )
    found = problems_for(tmp_path, broken)
    assert "4: duplicate key 'kind'" in found
    assert "5: unknown field 'colour'" in found


def test_overlong_title_and_few_keywords(tmp_path):
    broken = "entries:\n" + GOOD_ENTRY.replace("title: A title", "title: " + "x" * 81).replace(
        "keywords: [one, two, three]", "keywords: [one]"
    )
    assert problems_for(tmp_path, broken) == [
        "9: en title is over 80 characters",
        "11: en keywords must be a list of at least 3 words or phrases",
    ]


def test_not_a_list_of_entries(tmp_path):
    assert problems_for(tmp_path, "- just a list\n") == ["1: expected a top-level 'entries:' list"]


def test_invalid_utf8_is_reported_not_crashed(tmp_path):
    directory = make_dir(tmp_path, "entries: []\n")
    (directory / "bad.yaml").write_bytes(b"entries:\n  - id: \xff\xfe\n")
    snapshot, problems = load_directory(directory)
    assert snapshot is None
    assert "not valid UTF-8" in str(problems[0])


def test_missing_directory(tmp_path):
    snapshot, problems = load_directory(tmp_path / "nowhere")
    assert snapshot is None and "not found" in problems[0].message
