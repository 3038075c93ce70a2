"""Findings 8, 9, 11 and 12 of the security review: what a reviewer is shown, who the audit
log names, what one moderator alone can change, and what Telegram could make tappable."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.model import Kind
from moderation.drafts import Draft, DraftText, host_of, links, misleading_links, problems
from moderation.limits import defang
from moderation.store import Store
from moderation.workflow import Moderation, ModerationError, Moderator, name_key, valid_pseudonym

REGIONS = {"global", "us"}
TODAY = date(2026, 11, 21)

# ----- finding 12: defang -----------------------------------------------------------------

FINDING_12 = (
    "go to evil-clinic.com now, rosa@evil-mail.com, @fake_lantern_bot, evil.com?id=1, "
    "h\u200bttps://evil.com"
)

# An independent, deliberately broad model of what Telegram's clients make tappable in
# plain text: the schemes it knows, any scheme before a dotted host, any dotted name ending
# in letters, any e-mail address, any @mention, any dotted quad. Zero-width characters are
# ignored, as a reader's eye does.
_CLICKABLE = re.compile(
    r"(?:https?|ftp|tg|ton|tonsite)://"
    r"|[a-z][a-z0-9+.-]*://(?:[\w-]+\.)+(?:[^\W\d_]{2}|xn--)"
    r"|[\w-]\.(?:[^\W\d_]{2,}|xn--)"
    r"|[\w.+-]@[\w-]+\.[\w-]"
    r"|(?<![\w@\[])@\w"
    r"|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}",
    re.I,
)


def clickable(text: str) -> list[str]:
    seen = "".join(ch for ch in text if ch not in "\u200b\u200c\u2060\ufeff\u00ad")
    return _CLICKABLE.findall(seen)


def test_the_exact_string_of_finding_12_has_nothing_tappable_left():
    out = defang(FINDING_12)
    assert clickable(FINDING_12)  # the model does see the attack
    assert clickable(out) == [], out
    assert out == (
        "go to evil-clinic[.]com now, rosa[@]evil-mail[.]com, [@]fake_lantern_bot, "
        "evil[.]com?id=1, hxxps://evil[.]com"
    )


def test_defang_keeps_ordinary_text_and_numbers_readable():
    text = "Costs 3.50, e.g. at 5th st. Open 9-5. Ask for Rosa 💬 👩\u200d🦰"
    assert defang(text) == text


_PIECES = st.sampled_from(
    [
        "evil-clinic.com",
        "evil.com?id=1",
        "www.bad.org/x",
        "https://evil.example/x",
        "http://a.b",
        "ftp://f.io",
        "tg://resolve?domain=x",
        "rosa@evil-mail.com",
        "a.b+c@x.co.uk",
        "@fake_lantern_bot",
        "@x",
        "h\u200bttps://evil.com",
        "evil\u200b.com",
        "ｅｖｉｌ．ｃｏｍ",
        "evil。com",
        "10.0.0.1",
        "10.0.0.1:8080/x",
        "xn--80ak6aa92e.com",
        "клиника.рф",
        "mailto:a@b.cd",
        "Mr.Smith",
        "evil_clinic.com",
        " ",
        ", ",
        ".",
        "@",
        "/",
        ":",
        "[",
        "]",
        "(",
        ")",
        "3.50",
        "e.g.",
        "\n",
        "word",
        "\u200d",
        "\u2060",
        "\ufeff",
        "💬",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join))
def test_defang_leaves_nothing_tappable(text):
    out = defang(text)
    assert clickable(out) == [], (text, out)
    assert defang(out) == out  # defanging twice changes nothing


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_defang_never_fails_and_leaves_nothing_tappable_in_any_text(text):
    out = defang(text)
    assert clickable(out) == [], (text, out)


def test_defang_takes_linear_time_on_hostile_runs():
    import time

    for hostile in ("a-" * 5000, "a." * 5000, "a@" * 5000, "x" * 10_000 + "@", "1." * 5000):
        started = time.perf_counter()
        defang(hostile)
        assert time.perf_counter() - started < 0.5


# ----- finding 8: link labels -------------------------------------------------------------

ATTACK_BODY = (
    "Book at [https://www.plannedparenthood.org/get-care]"
    "(https://pp-booking.example-track.net/f?src=lantern)"
)


def tip(body: str, title: str = "Clinic booking") -> Draft:
    return Draft(
        kind=Kind.TIP,
        topics=("outdoor-work",),
        regions=("us",),
        texts={"en": DraftText(title, body)},
        review_by=date(2027, 5, 1),
    )


def test_a_link_whose_text_names_another_site_is_refused_with_a_reason():
    found = problems(tip(ATTACK_BODY), REGIONS, TODAY)
    assert len(found) == 1
    assert found[0].code == "misleading_link"
    assert found[0].params["host"] == "pp-booking.example-track.net"
    assert "looks like an address" in str(found[0])
    assert "pp-booking.example-track.net" in str(found[0])


def test_link_label_check_catches_disguises_and_lets_honest_links_through():
    refused = [
        "[plannedparenthood.org](https://evil.example)",
        "[**www.clinic.org**](https://evil.example)",
        "[rosa@clinic.org](https://evil.example)",
        "[clinic\u200b.org](https://evil.example)",
        "[ｃｌｉｎｉｃ．ｏｒｇ](https://evil.example)",
        "[clinic.org.evil.net](https://evil.net)",
        "[plannedparenth\u043e\u043ed.org](https://plannedparenthood.org)",  # Cyrillic o
    ]
    allowed = [
        "[Book here](https://evil.example)",  # not an address: the domain list shows it
        "[clinic.org](https://clinic.org/book)",
        "[www.clinic.org](https://clinic.org)",
        "[clinic.org](https://book.clinic.org/x)",
        "[https://clinic.org/x](https://www.clinic.org/y)",
        "[3.50 a visit, e.g. Monday](https://x.org)",
    ]
    for body in refused:
        assert misleading_links(body), body
        assert problems(tip(body), REGIONS, TODAY), body
    for body in allowed:
        assert misleading_links(body) == [], body
        assert problems(tip(body), REGIONS, TODAY) == [], body


def test_links_are_read_from_what_users_get():
    (link,) = links("See [the **clinic** & more](https://x.org/?a=1&b=2)")
    assert link == dataclasses.replace(link, label="the clinic & more")
    assert link.url == "https://x.org/?a=1&b=2"
    assert links("[broken](https://x.org") == []
    assert host_of("https://plannedparenth\u043e\u043ed.org/x").startswith("xn--")


# ----- finding 9: who the audit log names ------------------------------------------------

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture
async def mod(tmp_path):
    store = await Store.open(tmp_path)
    moderation = Moderation(store, now=lambda: NOW)
    yield moderation
    await store.close()


async def trio(mod: Moderation) -> tuple[Moderator, Moderator, Moderator]:
    """Star (admin), Moth and Owl, as in the review's reproduction."""
    star = await mod.redeem(await mod.create_invite("admin"), "hash-star", "Star")
    moth = await mod.redeem(await mod.create_invite("moderator", by=star), "hash-moth", "Moth")
    owl = await mod.redeem(await mod.create_invite("moderator", by=star), "hash-owl", "Owl")
    return star, moth, owl


LOOK_ALIKES = [
    "Star",
    "star",
    "  STAR ",
    "St\u0430r",  # Cyrillic а
    "\u0405tar",  # Cyrillic Ѕ
    "S\u200btar",  # zero-width space
    "St\u00e1r",  # accent
    "Sta\u0301r",  # combining accent
    "\uff33\uff54\uff41\uff52",  # full-width
    "server",  # what the audit log calls the server itself
]


async def test_the_rename_attack_is_refused_and_the_audit_names_the_real_moderator(mod):
    star, moth, owl = await trio(mod)
    for name in LOOK_ALIKES:
        with pytest.raises(ModerationError, match="another moderator has that display name"):
            await mod.rename(owl, name)
    assert sorted(m.pseudonym for m in await mod.moderators()) == ["Moth", "Owl", "Star"]
    # Owl acts, renames, acts again: every record carries Owl's number, not a name.
    await mod.submit(owl, tip("Main Street is lit."), REGIONS)
    await mod.rename(owl, "Night Owl")
    await mod.submit(owl, tip("The lot behind 5th is dark."), REGIONS)
    records = [r for r in await mod.audit_log() if r.action in ("submit", "rename")]
    assert [(r.who, r.action) for r in records] == [
        (f"Night Owl (#{owl.id})", "submit"),
        (f"Owl (#{owl.id})", "rename"),
        (f"Owl (#{owl.id})", "submit"),
    ]
    assert all(r.moderator_id == owl.id for r in records)
    assert star.id != owl.id and moth.id != owl.id
    # Changing one's own name's case or spacing is fine: it is still one's own name.
    assert (await mod.rename(moth, "MOTH")).pseudonym == "MOTH"


async def test_joining_under_a_name_in_use_is_refused_and_the_invite_stays_good(mod):
    star, _, _ = await trio(mod)
    code = await mod.create_invite("moderator", by=star)
    with pytest.raises(ModerationError, match="another moderator has that display name"):
        await mod.redeem(code, "hash-eve", "st\u0430r")
    assert await mod.invite_role(code) == "moderator"
    eve = await mod.redeem(code, "hash-eve", "Eve")
    # A removed moderator's name stays theirs: the audit log still shows it.
    await mod.remove(star, eve.id)
    with pytest.raises(ModerationError, match="another moderator has that display name"):
        await mod.redeem(await mod.create_invite("moderator", by=star), "hash-x", "EVE")


def test_name_key_folds_what_looks_alike_and_keeps_what_does_not():
    assert len({name_key(n) for n in LOOK_ALIKES[:-1]}) == 1
    assert name_key("Rosa") != name_key("Rose")
    assert name_key("🦉 Owl") != name_key("Owl")
    with pytest.raises(ModerationError, match="visible"):
        valid_pseudonym("\u200b\u200b")


# ----- finding 11: what one moderator alone cannot do ------------------------------------


async def published_tip(mod: Moderation, author: Moderator, reviewer: Moderator) -> int:
    tip_id = await mod.submit(author, tip("Main Street is lit."), REGIONS)
    await mod.approve(reviewer, (await mod.queue())[0].id)
    return tip_id


async def test_one_moderator_alone_cannot_retire_a_tip(mod):
    star, moth, owl = await trio(mod)
    tip_id = await published_tip(mod, moth, star)
    assert await mod.retire(owl, tip_id) is False
    assert [e.id for e in await mod.published()] == [f"peer-{tip_id}"]  # still live
    with pytest.raises(ModerationError, match="already asked"):
        await mod.retire(owl, tip_id)
    (proposal,) = await mod.proposals()
    assert (proposal.action, proposal.tip_id, proposal.proposer) == ("retire", tip_id, "Owl")
    with pytest.raises(ModerationError, match="another moderator must approve"):
        await mod.approve_proposal(owl, proposal.id)
    assert len(await mod.published()) == 1
    await mod.approve_proposal(moth, proposal.id)
    assert await mod.published() == [] and await mod.proposals() == []
    trail = [(r.moderator_id, r.action) for r in await mod.audit_log()][:3]
    assert trail == [(moth.id, "retire"), (moth.id, "approve retire"), (owl.id, "propose retire")]


async def test_a_second_moderator_retiring_too_is_agreement_and_declining_changes_nothing(mod):
    star, moth, owl = await trio(mod)
    first = await published_tip(mod, moth, star)
    second = await published_tip(mod, moth, star)
    assert await mod.retire(owl, first) is False
    assert await mod.retire(star, first) is True  # the second one agrees
    assert await mod.retire(owl, second) is False
    (proposal,) = await mod.proposals()
    assert await mod.decline_proposal(moth, proposal.id) == "declined"
    assert [e.id for e in await mod.published()] == [f"peer-{second}"]
    assert await mod.retire(owl, second) is False
    (again,) = await mod.proposals()
    assert await mod.decline_proposal(owl, again.id) == "withdrawn"
    actions = [r.action for r in await mod.audit_log()][:4]
    assert actions == ["withdraw retire", "propose retire", "decline retire", "propose retire"]


async def test_single_review_lets_a_team_of_one_retire_and_confirm(mod):
    star = await mod.redeem(await mod.create_invite("admin"), "hash-star", "Star")
    await mod.set_single_review(star, True)
    tip_id = await mod.submit(star, tip("Main Street is lit."), REGIONS)
    await mod.approve(star, (await mod.queue())[0].id)
    assert not (await mod.confirm(star, "rights-phone-us", legal=True)).proposed
    assert await mod.retire(star, tip_id) is True
    assert await mod.published() == []


async def test_reviving_an_overdue_legal_entry_needs_a_second_moderator(mod):
    _, moth, owl = await trio(mod)
    result = await mod.confirm(moth, "rights-police-stop-global", legal=True)
    assert result.proposed
    assert await mod.confirmations() == {}  # nothing changed: it stays hidden
    with pytest.raises(ModerationError, match="already confirmed"):
        await mod.confirm(moth, "rights-police-stop-global", legal=True)
    (proposal,) = await mod.proposals()
    assert (proposal.action, proposal.object, proposal.review_by) == (
        "confirm",
        "rights-police-stop-global",
        result.review_by,
    )
    with pytest.raises(ModerationError, match="another moderator must approve"):
        await mod.approve_proposal(moth, proposal.id)
    await mod.approve_proposal(owl, proposal.id)
    assert await mod.confirmations() == {
        "rights-police-stop-global": (NOW.date(), result.review_by)
    }
    (row,) = await mod.store.fetch_all("SELECT confirmed_by FROM confirmations")
    assert row["confirmed_by"] == "Moth, Owl"
    # Other entries are not legal information: one moderator's check counts at once.
    assert not (await mod.confirm(moth, "uk-peer-group", legal=False)).proposed


async def test_a_legal_peer_tip_needs_two_even_if_the_caller_says_otherwise(mod):
    star, moth, owl = await trio(mod)
    rights = dataclasses.replace(tip("Police can ask for ID."), kind=Kind.RIGHTS, jurisdiction="US")
    tip_id = await mod.submit(moth, rights, REGIONS)
    await mod.approve(star, (await mod.queue())[0].id)
    assert (await mod.confirm(owl, f"peer-{tip_id}", legal=False)).proposed
    assert not (await mod.confirm(star, f"peer-{tip_id}", legal=False)).proposed


def test_an_at_glued_to_an_address_is_defanged_too():
    # Found by the property test: the @ right after an e-mail address's last letter.
    assert defang("mailto:a@b.cd@fake_lantern_bot3.50") == (
        "mailto:a[@]b[.]cd[@]fake_lantern_bot3.50"
    )
