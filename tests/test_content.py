"""The shipped knowledge base: valid, complete, bilingual, and honest about examples."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest

from bot.content import load_snapshot
from bot.render import MAX_MESSAGE, card_problems, entry_card, visible_length
from knowledge.loader import DEFAULT_CONTENT_DIR
from knowledge.model import Kind, is_visible
from knowledge.taxonomy import ALL_TOPICS, EXAMPLE_REGION, LANGUAGES
from tests.conftest import TODAY


@pytest.fixture(scope="module")
def shipped():
    snapshot, problems = load_snapshot(DEFAULT_CONTENT_DIR)
    assert problems == []
    return snapshot


def test_at_least_seventy_entries(shipped):
    assert len(shipped.entries) >= 70


def test_every_topic_is_covered(shipped):
    used = {t for e in shipped.entries for t in e.topics}
    assert [t for t in ALL_TOPICS if t not in used] == []


def test_every_topic_has_something_people_see_by_default(shipped):
    for topic in ALL_TOPICS:
        assert shipped.in_topic(topic, None), topic


def test_every_entry_in_every_language(shipped):
    for entry in shipped.entries:
        assert set(entry.texts) == set(LANGUAGES), entry.id


def test_all_three_kinds_present(shipped):
    kinds = {e.kind for e in shipped.entries}
    assert kinds == {Kind.TIP, Kind.RIGHTS, Kind.REFERRAL}


def test_rights_entries_name_jurisdiction_and_are_not_legal_advice(shipped):
    for entry in (e for e in shipped.entries if e.kind is Kind.RIGHTS):
        for text in entry.texts.values():
            assert text.jurisdiction, entry.id
        assert re.search(r"not legal advice", entry.texts["en"].body, re.I), entry.id
        assert re.search(
            r"\bno (es |son |constituye )?.{0,30}(asesor[ií]a|consejo) (legal|jur[ií]dic[ao])",
            entry.texts["es"].body,
            re.I,
        ), entry.id


def test_example_entries_are_hidden_by_default(shipped):
    examples = [e for e in shipped.entries if EXAMPLE_REGION in e.regions]
    assert examples, "the shipped content should show what a local referral looks like"
    for entry in examples:
        assert not is_visible(entry, None)
        assert not is_visible(entry, "us")
        assert is_visible(entry, None, show_examples=True)


def test_example_contacts_use_reserved_fiction_only(shipped):
    for entry in (e for e in shipped.entries if EXAMPLE_REGION in e.regions):
        if entry.contact and entry.contact.website:
            assert re.match(r"https://(www\.)?example\.(org|com|net)", entry.contact.website)
        if entry.contact and entry.contact.phone:
            assert "555" in entry.contact.phone, entry.id


def test_every_card_fits_one_message(shipped):
    for entry in shipped.entries:
        for lang in LANGUAGES:
            assert visible_length(entry_card(entry, lang, TODAY)) <= MAX_MESSAGE


def test_language_is_not_stigmatising(shipped):
    banned = re.compile(
        r"\b(prostitutes?|hookers?|whores?|prostitutas?|putas?|rescue[ds]?)\b", re.I
    )
    # Names, and the police's own name for a UK caution (the entries explain it).
    allowed = re.compile(r"English Collective of Prostitutes|prostitute'?s'? cautions?", re.I)
    for entry in shipped.entries:
        for text in entry.texts.values():
            body = allowed.sub("", text.title + " " + text.body)
            # Quoting a word to criticise it ('raids presented as "rescue"') is not using it.
            body = re.sub(r'["“«„][^"”»]{0,40}["”»]', "", body)
            assert not banned.search(body), (entry.id, banned.search(body).group(0))


def test_a_card_must_fit_on_the_day_it_goes_stale(shipped):
    referral = next(e for e in shipped.entries if e.contact is not None)

    def lengths(entry):
        fresh = visible_length(entry_card(entry, "en", entry.verified))
        old = visible_length(entry_card(entry, "en", entry.review_by + timedelta(days=1)))
        return fresh, old

    fresh, old = lengths(referral)
    assert old > fresh  # the "may be out of date" line
    padded = dataclasses.replace(
        referral,
        contact=dataclasses.replace(
            referral.contact, address=(referral.contact.address or "") + "x" * (MAX_MESSAGE - fresh)
        ),
    )
    fresh, old = lengths(padded)
    assert fresh == MAX_MESSAGE < old  # fits today, would not once past review
    problems = card_problems([padded])
    assert problems and problems[0].startswith(f"{referral.origin}: rendered en card of")
    assert f"is {old} characters; Telegram allows {MAX_MESSAGE}" in problems[0]
