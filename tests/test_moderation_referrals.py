"""Services written by moderators: held to the content files' rules, published with their
flags, corrections of shipped entries, and what is urgent in Needs re-checking."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from bot.handlers.moderators import steps
from knowledge.loader import load_or_raise
from knowledge.model import Cost, Kind, Police, Snapshot
from moderation import live, referrals
from moderation.drafts import Draft, DraftText, problems, tip_of, to_entry
from moderation.errors import ModerationError
from tests.conftest import SMALL, TODAY

FLAGS = {
    "police_involvement": "none",
    "id_required": False,
    "immigration_status_asked": "unknown",
    "cost": "free",
    "sex_worker_led": True,
    "sex_worker_affirming": True,
    "trans_affirming": True,
    "languages": ["es", "en"],
}


def service(**changes) -> Draft:
    draft = Draft(
        kind=Kind.REFERRAL,
        topics=("health-services",),
        regions=("us",),
        texts={
            "en": DraftText("Free clinic", "Walk-in sexual health clinic.", ("clinic",)),
            "es": DraftText("Clínica gratuita", "Clínica de salud sexual sin cita.", ()),
        },
        review_by=TODAY + timedelta(days=90),
        flags=dict(FLAGS),
        contact={"phone": "+1 555 0100", "website": "https://clinic.example.org"},
        source="We visited in November",
    )
    return dataclasses.replace(draft, **changes)


def codes(draft: Draft) -> list[str]:
    return [p.code for p in problems(draft, {"us", "global"}, TODAY)]


def test_a_complete_service_passes_and_is_published_with_its_flags_and_contact():
    draft = service()
    assert codes(draft) == []
    entry = to_entry(7, Draft.from_json(draft.to_json()), verified=TODAY, review_by=TODAY)
    assert entry.id == "peer-7" and entry.kind is Kind.REFERRAL
    assert entry.flags.police_involvement is Police.NONE and entry.flags.cost is Cost.FREE
    assert entry.flags.immigration_status_asked is None and entry.flags.trans_affirming is True
    assert entry.flags.languages == ("es", "en")
    assert entry.contact.phone == "+1 555 0100"
    assert entry.source == "We visited in November"
    assert tip_of(entry) == 7


def test_a_service_is_held_to_the_content_files_rules():
    assert codes(service(contact={"hours": "9-5"})) == ["referral_contact"]
    assert codes(service(contact={"phone": "call us"})) == ["referral_phone"]
    assert codes(service(contact={"website": "http://plain.example"})) == ["referral_website"]
    missing = {k: v for k, v in FLAGS.items() if k != "cost"}
    assert codes(service(flags=missing)) == ["referral_flags"]
    assert codes(service(flags={**FLAGS, "cost": "cheap"})) == ["referral_flags"]
    assert codes(service(flags={**FLAGS, "languages": []})) == ["referral_flags"]
    assert codes(service(source=" ")) == ["no_source"]


def test_each_answer_is_checked_when_given():
    assert referrals.check_contact("website", "clinic.org") == "https://clinic.org"
    assert referrals.check_contact("phone", "+34 915 550 100") == "+34 915 550 100"
    for field, value, code in (
        ("phone", "call me", "referral_phone"),
        ("website", "not a site", "referral_website"),
        ("hours", "x" * 121, "contact_length"),
    ):
        try:
            referrals.check_contact(field, value)
        except ModerationError as error:
            assert error.code == code
        else:
            raise AssertionError(f"{field} {value!r} was accepted")
    assert referrals.flag_value("id_required", "no") is False
    assert referrals.flag_value("trans_affirming", "unknown") == "unknown"
    assert referrals.answer_of("id_required", False) == "no"


def test_the_wizard_s_steps_follow_the_kind_and_languages():
    data: dict = {"kind": "referral", "langs": ["en", "es"]}
    order = steps.order(data)
    assert order[:4] == ["region", "topics", "kind", "langs"]
    assert order[4:10] == [
        "title:en",
        "body:en",
        "keywords:en",
        "title:es",
        "body:es",
        "keywords:es",
    ]
    assert "police_involvement" in order and "contact:phone" in order and order[-1] == "review"
    assert "jurisdiction" in steps.order({"kind": "rights", "langs": ["en"]})
    assert steps.next_step({}, None) == "region"
    assert steps.previous_step(data, "body:en") == "title:en"
    assert steps.previous_step(data, "region") is None
    # Everything answered, from a draft: the preview; one answer missing: that step.
    filled = steps.from_draft(service(), TODAY)
    assert steps.next_step(filled, None) == steps.PREVIEW
    assert steps.to_draft(filled) == service()
    del filled["texts"]["es"]["title"]
    assert steps.next_step(filled, "region") == "title:es"


def test_a_correction_takes_the_shipped_entry_s_place_and_keeps_its_id():
    base = load_or_raise(SMALL)
    shipped = base.get("uk-peer-group")
    data = steps.from_entry(shipped, TODAY)
    draft = steps.to_draft({**data, "review_by": (TODAY + timedelta(days=60)).isoformat()})
    assert draft.replaces == "uk-peer-group" and draft.kind is Kind.REFERRAL
    assert codes(dataclasses.replace(draft, regions=("us",))) == []
    fixed = dataclasses.replace(
        draft, texts={**draft.texts, "en": DraftText("Peer group (moved)", "New address.", ())}
    )
    entry = to_entry(3, fixed, verified=TODAY, review_by=fixed.review_by)
    assert entry.id == "uk-peer-group" and tip_of(entry) == 3
    full = live.compose(base, [entry], {})
    assert [e.id for e in full.entries].count("uk-peer-group") == 1
    assert full.get("uk-peer-group").text("en").title == "Peer group (moved)"
    # An older "still right" of the shipped entry does not hide the correction's dates.
    older = {"uk-peer-group": (date(2025, 1, 1), date(2025, 6, 1))}
    assert live.compose(base, [entry], older).get("uk-peer-group").verified == TODAY


def test_needs_rechecking_lists_what_users_cannot_see_first():
    base = load_or_raise(SMALL)
    rights = base.get("rights-phone-us")
    stale = dataclasses.replace(rights, review_by=TODAY - timedelta(days=40))
    others = [e for e in base.entries if e.id != rights.id]
    snapshot = Snapshot(entries=(*others, stale), regions=base.regions)
    due = live.needs_recheck(snapshot, TODAY)
    assert due[0].id == "rights-phone-us" and live.hidden_from_users(due[0], TODAY)
    assert "uk-peer-group" in [e.id for e in due[1:]]
