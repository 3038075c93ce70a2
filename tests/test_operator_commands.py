"""`lantern` as a server's operator uses it (review section D): the team from the server
(invites, removal), search and validate that say what they expect, and an export that
validates and imports again without queueing anything twice. In this process, through
`bot.cli.main`."""

from __future__ import annotations

import asyncio
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from knowledge.model import Kind
from moderation.drafts import Draft, DraftText
from moderation.store import Store
from moderation.workflow import Moderation
from tests.conftest import SMALL


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("LANTERN_DATA_DIR", str(data))
    # The small test content: what these tests check does not change with the shipped one.
    monkeypatch.setenv("LANTERN_CONTENT_DIR", str(SMALL))
    monkeypatch.delenv("LANTERN_BOT_USERNAME", raising=False)
    monkeypatch.delenv("LANTERN_BOT_TOKEN", raising=False)
    return data


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def with_moderation(data: Path, work):
    async def runner():
        store = await Store.open(data)
        try:
            return await work(Moderation(store))
        finally:
            await store.close()

    return asyncio.run(runner())


async def team(mod: Moderation):
    ada = await mod.redeem(await mod.create_invite("admin"), "hash-ada", "Ada")
    bea = await mod.redeem(await mod.create_invite("moderator", by=ada), "hash-bea", "Bea")
    return ada, bea


# ----- the team, from the server ---------------------------------------------------------


def test_admin_add_prints_the_link_with_the_configured_username(data_dir, capsys, monkeypatch):
    monkeypatch.setenv("LANTERN_BOT_USERNAME", "@lantern_demo_bot")
    code, out, _ = run(capsys, "admin", "add", "--role", "moderator")
    assert code == 0
    assert "https://t.me/lantern_demo_bot?start=inv-" in out
    assert "<your bot" not in out


def test_admin_add_without_a_username_says_how_to_set_it(data_dir, capsys):
    code, out, err = run(capsys, "admin", "add")
    assert code == 0
    assert "/start inv-" in out and "t.me/" not in out
    assert "set LANTERN_BOT_USERNAME" in err


def test_a_malformed_username_is_a_configuration_error(data_dir, capsys, monkeypatch):
    monkeypatch.setenv("LANTERN_BOT_USERNAME", "not a name")
    code, _, err = run(capsys, "admin", "list")
    assert code == 2 and "LANTERN_BOT_USERNAME" in err


def test_admin_list_with_no_moderators_says_so(data_dir, capsys):
    code, out, _ = run(capsys, "admin", "list")
    assert code == 0
    assert out.startswith("No moderators yet: run `lantern admin add`")


def test_open_invites_are_listed_and_revoked_with_an_audit_record(data_dir, capsys):
    run(capsys, "admin", "add")
    _, out, _ = run(capsys, "admin", "add", "--role", "moderator")
    code = out.split("/start ")[1].split()[0]
    _, listed, _ = run(capsys, "admin", "invites")
    assert "#1    admin      by server, expires " in listed
    assert "#2    moderator  by server" in listed
    assert code not in listed  # only the hash is stored
    _, out, _ = run(capsys, "admin", "list")
    assert "2 open invite(s)" in out
    # By its code (or link), then by number; a used-up one is refused.
    assert run(capsys, "admin", "revoke", f"https://t.me/x?start={code}")[0] == 0
    rc, out, _ = run(capsys, "admin", "revoke", "1")
    assert rc == 0 and "Revoked admin invite #1" in out
    rc, _, err = run(capsys, "admin", "revoke", "1")
    assert rc == 1 and "no open invites" in err
    assert run(capsys, "admin", "invites")[1] == "No open invites.\n"

    async def check(mod: Moderation):
        assert await mod.invite_role(code) is None
        actions = [(r.who, r.action, r.object) for r in await mod.audit_log()]
        assert ("server", "revoke_invite", "moderator #2") in actions
        assert ("server", "revoke_invite", "admin #1") in actions

    with_moderation(data_dir, check)


def test_a_moderator_is_removed_by_name_or_number(data_dir, capsys):
    with_moderation(data_dir, team)
    _, out, _ = run(capsys, "admin", "list")
    assert "#1    admin      Ada" in out and "#2    moderator  Bea" in out
    rc, _, err = run(capsys, "admin", "remove", "Nobody")
    assert rc == 1 and "no active moderator 'Nobody'" in err
    rc, out, _ = run(capsys, "admin", "remove", "BEA")  # names compare as the chat does
    assert rc == 0 and "Removed moderator #2 Bea" in out
    rc, out, _ = run(capsys, "admin", "remove", "#1")  # the last admin: a lost phone
    assert rc == 0 and "No admins are left: run `lantern admin add`" in out
    assert run(capsys, "admin", "list")[1].startswith("No moderators yet")

    async def check(mod: Moderation):
        assert await mod.moderator_by_hash("hash-bea") is None
        actions = [(r.who, r.action, r.object) for r in await mod.audit_log()]
        assert actions[:2] == [("server", "remove", "Ada"), ("server", "remove", "Bea")]

    with_moderation(data_dir, check)


# ----- search and --help ---------------------------------------------------------------


def test_search_refuses_an_unknown_region_with_the_list(data_dir, capsys, monkeypatch):
    code, out, err = run(capsys, "search", "--region", "uss", "narcan")
    assert code == 2 and out == ""
    assert err.startswith("lantern search: unknown region 'uss' (did you mean us?); regions are: ")
    assert ", global, " in err and ", uk, us" in err


def _actions(parser, path=()):
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _actions(sub, (*path, name))
        elif not isinstance(action, argparse._HelpAction):
            yield path, action


def test_every_option_and_argument_has_help_text():
    from bot.cli import _parser

    missing = [
        (" ".join(path), action.dest) for path, action in _actions(_parser()) if not action.help
    ]
    assert missing == []


def test_console_lang_takes_only_languages_the_bot_speaks(capsys):
    with pytest.raises(SystemExit):
        main(["console", "--lang", "de"])
    assert "de" in capsys.readouterr().err


# ----- validate --------------------------------------------------------------------------


def content_with(tmp_path: Path, *changes: tuple[str, str]) -> Path:
    content = tmp_path / "content"
    shutil.copytree(SMALL, content)
    text = (content / "entries.yaml").read_text()
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    (content / "entries.yaml").write_text(text)
    return content


def test_validate_suggests_topics_and_regions_and_sorts_by_line(tmp_path, capsys):
    content = content_with(
        tmp_path,
        ("topics: [screening]", "topics: [screning]"),
        ("regions: [us]", "regions: [uss]"),
    )
    # A problem found late (a link to a missing entry) still comes in line order.
    text = (
        (content / "entries.yaml")
        .read_text()
        .replace("Take your time.", "Take your time, see [this](entry:nowhere-at-all).", 1)
    )
    (content / "entries.yaml").write_text(text)
    code, out, _ = run(capsys, "validate", str(content))
    assert code == 1
    lines = out.strip().splitlines()
    assert [int(line.split(":")[1]) for line in lines] == sorted(
        int(line.split(":")[1]) for line in lines
    )
    assert any(
        line.endswith("unknown topic 'screning' (did you mean screening?)") for line in lines
    )
    assert any("unknown region 'uss' (did you mean us?)" in line for line in lines)


@pytest.mark.parametrize(
    ("change", "hint"),
    [
        (("title: Screening", 'title: "Screening'), 'check line 9: it opens a quote (")'),
        (("kind: tip", "kind:tip"), "check line 3: it needs a space after ':'"),
        (("    title: Screening", "\ttitle: Screening"), "check line 9: it is indented with a tab"),
        (("topics: [screening]", "topics: [screening"), "check line 4: it opens a '['"),
    ],
)
def test_a_yaml_syntax_error_points_at_its_likely_cause(tmp_path, capsys, change, hint):
    content = content_with(tmp_path, change)
    code, out, _ = run(capsys, "validate", str(content))
    assert code == 1
    (line,) = out.strip().splitlines()
    assert "YAML syntax error" in line and hint in line, line


def test_a_yaml_error_with_no_usual_cause_names_them(tmp_path, capsys):
    content = content_with(tmp_path, ("  - id: overdose-naloxone", "  - id: a\n - id: b"))
    _, out, _ = run(capsys, "validate", str(content))
    assert "a tab, a missing space after ':', or an unclosed quote or bracket" in out


# ----- export and import -------------------------------------------------------------------


def publish_some(mod: Moderation):
    async def work():
        ada, bea = await team(mod)
        later = mod.today() + timedelta(days=100)
        drafts = [
            Draft(
                kind=Kind.TIP,
                topics=("outdoor-work",),
                regions=("us",),
                texts={
                    "en": DraftText("Lit streets", "Main Street is **well lit** after 10pm.", ()),
                    "es": DraftText("Calles iluminadas", "La calle Mayor está iluminada.", ()),
                },
                review_by=later,
            ),
            Draft(
                kind=Kind.RIGHTS,
                topics=("police-encounters",),
                regions=("uk",),
                texts={"en": DraftText("Stop and search", "You can ask for the record.", ())},
                review_by=later,
                jurisdiction="England and Wales",
            ),
        ]
        for draft in drafts:
            await mod.submit(bea, draft, {"us", "uk", "global"})
        for revision in await mod.queue():
            await mod.approve(ada, revision.id)

    return work()


def approve_all(mod: Moderation):
    async def work():
        ada, _ = await team(mod)
        for revision in await mod.queue():
            await mod.approve(ada, revision.id)

    return work()


def files_of(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): p.read_text() for p in sorted(directory.rglob("*.yaml"))}


def test_an_export_validates_and_round_trips(tmp_path, data_dir, capsys, monkeypatch):
    with_moderation(data_dir, publish_some)
    out_dir = tmp_path / "export"
    code, out, _ = run(capsys, "export", str(out_dir))
    assert code == 0 and "Wrote 2 published peer tips" in out
    assert "needs-translation/peer-tips.yaml" in out
    exported = files_of(out_dir)
    assert set(exported) == {
        "peer-tips.yaml",
        "regions.yaml",
        "order.yaml",
        "needs-translation/peer-tips.yaml",
    }
    assert "slug: us" in exported["regions.yaml"] and "slug: uk" in exported["regions.yaml"]
    assert "Stop and search" in exported["needs-translation/peer-tips.yaml"]

    code, out, _ = run(capsys, "validate", str(out_dir))
    assert code == 0, out
    assert out.startswith("OK: 1 entries")

    # Into the same database: nothing queued twice, and said so.
    code, out, err = run(capsys, "import", str(out_dir))
    assert code == 0, err
    assert "Queued 0 entries" in out
    assert "2 already published, skipped" in err

    # Into a fresh one: both queued (the untranslated one too); published there, they
    # export as the same files.
    fresh = tmp_path / "fresh"
    monkeypatch.setenv("LANTERN_DATA_DIR", str(fresh))
    code, out, err = run(capsys, "import", str(out_dir))
    assert (code, err) == (0, "") and "Queued 2 entries" in out
    code, out, err = run(capsys, "import", str(out_dir))
    assert "2 already waiting for review, skipped" in err and "Queued 0" in out
    with_moderation(fresh, approve_all)
    again = tmp_path / "again"
    assert run(capsys, "export", str(again))[0] == 0
    assert files_of(again) == exported


def test_an_empty_export_validates_too(tmp_path, data_dir, capsys):
    code, _, _ = run(capsys, "export", str(tmp_path / "out"))
    assert code == 0
    code, out, _ = run(capsys, "validate", str(tmp_path / "out"))
    assert code == 0, out


def test_export_order_follows_the_tips(tmp_path):
    """Oldest tip first, whatever order the database lists them in."""
    from moderation.exchange import _by_tip

    class E:
        def __init__(self, origin, id):
            self.origin, self.id = origin, id

    entries = [E("moderation:tip 10", "peer-10"), E("moderation:tip 2", "peer-2")]
    assert [e.id for e in sorted(entries, key=_by_tip)] == ["peer-2", "peer-10"]


# ----- referrals through lantern import ------------------------------------------------

REFERRAL = """\
entries:
  - id: harbour-clinic
    kind: referral
    topics: [health-services, sexual-health]
    regions: [us]
    source: "Visited by the outreach team, 2026-11"
    verified: 2026-11-01
    review_by: 2099-05-01
    contact:
      phone: "+1 555 0199"
      website: https://harbour.example.org
      hours: "Mon-Fri 10-18"
    police_involvement: none
    id_required: false
    immigration_status_asked: unknown
    cost: sliding
    sex_worker_led: true
    sex_worker_affirming: true
    trans_affirming: true
    languages: [en, es]
    en:
      title: Harbour walk-in clinic
      body: Testing and PrEP without an appointment.
      keywords: [clinic, testing, prep]
    es:
      title: Clínica sin cita del puerto
      body: Pruebas y PrEP sin cita previa.
      keywords: [clínica, pruebas, prep]
"""


def test_import_queues_a_referral_with_its_flags_and_contact(tmp_path, data_dir, capsys):
    source = tmp_path / "in"
    source.mkdir()
    (source / "services.yaml").write_text(REFERRAL)
    code, out, err = run(capsys, "import", str(source))
    assert (code, err) == (0, "") and "Queued 1 entries" in out

    async def publish(mod: Moderation):
        (revision,) = await mod.queue()
        draft = revision.draft
        assert draft.kind is Kind.REFERRAL and set(draft.texts) == {"en", "es"}
        assert draft.flags["police_involvement"] == "none"
        assert draft.flags["immigration_status_asked"] == "unknown"
        assert draft.contact["hours"] == "Mon-Fri 10-18"
        assert draft.source.startswith("Visited by the outreach team")
        ada, _ = await team(mod)
        entry = await mod.approve(ada, revision.id)
        assert entry.flags.cost.value == "sliding" and entry.flags.trans_affirming is True
        assert entry.contact.phone == "+1 555 0199"

    with_moderation(data_dir, publish)
    # Published, it exports as a service the content checks accept, flags and all.
    out_dir = tmp_path / "out"
    assert run(capsys, "export", str(out_dir))[0] == 0
    exported = (out_dir / "peer-tips.yaml").read_text()
    assert "kind: referral" in exported and "police_involvement: none" in exported
    code, out, _ = run(capsys, "validate", str(out_dir))
    assert code == 0, out


def test_a_referral_is_checked_as_a_content_file_is(tmp_path, data_dir, capsys):
    source = tmp_path / "in"
    source.mkdir()
    broken = (
        REFERRAL.replace("police_involvement: none", "police_involvement: never")
        .replace('phone: "+1 555 0199"', "phone: call us")
        .replace("regions: [us]", "regions: [uss]")
    )
    (source / "services.yaml").write_text(broken)
    code, out, err = run(capsys, "import", str(source))
    assert code == 1 and "Queued 0 entries" in out
    path = source / "services.yaml"
    assert err.splitlines() == [
        f"{path}:5: unknown region 'uss' (did you mean us?) (see regions.yaml)",
        f"{path}:10: phone must be digits, spaces, '+', '-' or brackets",
        f"{path}:13: police_involvement must be none, possible, mandatory_reporting or unknown",
    ]
