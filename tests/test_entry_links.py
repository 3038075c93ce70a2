"""Links between entries: `[text](entry:id)` in a body is shown as its text and opens
the linked entry from a button under the card; a link to an entry that does not exist
is a `path:line: message` content error."""

from __future__ import annotations

from datetime import date

from bot import screens
from knowledge import markup
from knowledge.loader import load_directory
from tests.test_loader import GOOD_ENTRY, make_dir


def test_an_entry_link_renders_as_its_text_and_is_listed():
    body = "First line.\nIf it breaks, see [condom breaks](entry:sexual-health-condom-broke)."
    assert markup.to_html(body) == ("First line. If it breaks, see condom breaks (➡️).")
    assert markup.to_plain("see [the **tip**](entry:abc-def)") == "see the tip (➡️)"
    assert markup.entry_links(body) == [(1, "sexual-health-condom-broke")]
    assert markup.check(body) == []


def test_a_malformed_entry_link_is_a_markup_error():
    (problem,) = markup.check("see [this](entry:Not An Id)")
    assert problem.code == "link_form"
    assert markup.check("see [this](entry:)")


def test_a_link_to_a_missing_entry_names_its_line(tmp_path):
    linked = GOOD_ENTRY.replace(
        "      body: A body.\n      keywords: [one",
        "      body: |\n        A body.\n        See [the other](entry:no-such-entry).\n"
        "      keywords: [one",
        1,
    )
    snapshot, problems = load_directory(make_dir(tmp_path, "entries:\n" + linked))
    assert snapshot is None
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'content' / 'entries.yaml'}:12: "
        "links to entry 'no-such-entry', which does not exist"
    ]


def test_a_link_to_an_existing_entry_loads(tmp_path):
    other = GOOD_ENTRY.replace("id: good-entry", "id: other-entry")
    linked = GOOD_ENTRY.replace("body: A body.", "body: See [it](entry:other-entry).", 1)
    snapshot, problems = load_directory(make_dir(tmp_path, "entries:\n" + linked + other))
    assert problems == [] and snapshot is not None


def test_the_card_gets_a_button_to_each_linked_entry(shipped_kb):
    card = screens.entry(shipped_kb, "en", None, "sexual-health-condoms", None, date(2026, 12, 1))
    rows = [[b.text for b in row] for row in card.markup.inline_keyboard]
    assert any("If a condom breaks" in row[0] for row in rows)
    assert rows[-1] == ["🧹 Wipe this chat"]  # links never move Wipe from the end
    # No plain "see the tip on ..." is left in the shipped content without its link.
    for entry in shipped_kb.snapshot.entries:
        for text in entry.texts.values():
            for phrase in ("see the tip", "mira el consejo", "see the tips", "mira los consejos"):
                if phrase in text.body:
                    assert "(entry:" in text.body.split(phrase, 1)[1].split(".")[0], entry.id
