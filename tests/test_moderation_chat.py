"""Moderation and contributions through the chat, with a real database and stubbed HTTP."""

from __future__ import annotations

import pytest

from bot import callbacks
from bot.callbacks import Op
from bot.i18n import t
from bot.remembered.flows import Flows
from bot.services import Services
from knowledge.base import KnowledgeBase
from tests.conftest import TODAY
from tests.fakes import (
    buttons,
    callback_update,
    feed,
    message_update,
    recorded_app,
    user,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def chat(small_snapshot, tmp_path):
    clock = Clock()
    services = Services(
        KnowledgeBase(small_snapshot), today=lambda: TODAY, flows=Flows(clock=clock)
    )
    async with recorded_app(services, data_dir=tmp_path) as (app, request):
        yield app, request, services, clock


class Person:
    def __init__(self, app, request, uid: int, lang: str = "en") -> None:
        self.app, self.request, self.sender = app, request, user(uid, lang=lang)

    async def say(self, text: str) -> dict:
        await feed(self.app, message_update(text, sender=self.sender))
        return self.request.last()

    async def press(self, data: str) -> dict:
        await feed(self.app, callback_update(data, sender=self.sender))
        return self.request.last()

    async def tap(self, screen: dict, part: str) -> dict:
        matches = [d for label, d in buttons(screen) if part in label]
        assert matches, f"no {part!r} in {buttons(screen)}"
        return await self.press(matches[0])


async def make_team(app, request, services):
    ada, bea = Person(app, request, 1), Person(app, request, 2)
    await ada.say(f"/start {await services.moderation.create_invite('admin')}")
    await ada.say("Ada")
    await bea.say(f"/start {await services.moderation.create_invite('moderator')}")
    await bea.say("Bea")
    return ada, bea


async def write_tip(
    person: Person,
    title: str = "Lit streets",
    body: str = "Main Street is lit all night.",
    *,
    kind: str = "Safety tip",
) -> dict:
    step = await person.press(callbacks.encode(Op.MOD, "n"))
    step = await person.tap(step, "United States")
    step = await person.tap(step, "Working outdoors")
    step = await person.tap(step, "Done")
    step = await person.tap(step, kind)
    step = await person.tap(step, "English")
    await person.say(title)
    await person.say(body)
    step = await person.tap(person.request.last(), "Skip")  # no search words
    if kind != "Safety tip":
        step = await person.say("California, United States")
    step = await person.tap(step, "6 months")
    return await person.tap(step, "Submit")


async def test_sharing_a_tip_is_anonymous_and_limited(chat):
    app, request, services, _ = chat
    ana = Person(app, request, 500)
    step = await ana.press(callbacks.encode(Op.USER, "sh"))
    step = await ana.tap(step, "Safety")
    step = await ana.tap(step, "Spiked drinks")
    step = await ana.tap(step, "Anywhere")
    assert step["text"] == t("en", "share.ask_text")
    too_long = await ana.say("x" * 1001)
    assert too_long["text"].startswith(t("en", "share.too_long"))
    check = await ana.say("The bar on 5th spikes drinks, see https://bad.example/x")
    assert check["text"].startswith(t("en", "tips.will_send"))
    assert await services.moderation.shared_tips() == []  # nothing sent before Send
    thanks = await ana.tap(check, "Send")
    assert thanks["text"].startswith(t("en", "share.thanks"))
    (shared,) = await services.moderation.shared_tips()
    assert (shared.topic, shared.region, shared.day) == ("spiking", "global", "2026-11-21")
    # A flood from one person is capped per day.
    for _ in range(6):
        step = await ana.press(callbacks.encode(Op.USER, "rr", "screening-basics", "0"))
        await ana.tap(step, "Send without")
    assert request.last()["text"].startswith(t("en", "share.limit"))
    assert len(await services.moderation.reports()) == 4  # 5 a day, one used by the tip


async def test_report_with_a_note_reaches_moderators_defanged(chat):
    app, request, services, _ = chat
    ada, _ = await make_team(app, request, services)
    lu = Person(app, request, 501)
    card = await lu.press(callbacks.encode(Op.ENTRY, "screening-basics", ""))
    reasons = await lu.tap(card, "Report a problem")
    ask = await lu.tap(reasons, "Something else")
    assert t("en", "report.ask_note") in ask["text"]
    check = await lu.say("Wrong link, the right one is https://real.example/page")
    await lu.tap(check, "Send")
    menu = await ada.say("/mod")
    queue = await ada.tap(menu, "Reports and shared tips (1)")
    shown = await ada.tap(queue, "Screening a new client")
    assert "hxxps://real[.]example/page" in shown["text"]
    assert "https://real.example" not in shown["text"]
    closed = await ada.tap(shown, "Close")
    assert closed["text"].startswith(t("en", "mod.closed"))
    assert await services.moderation.reports() == []


async def test_rejection_reason_reaches_the_author_and_edit_resubmits(chat):
    app, request, services, _ = chat
    ada, bea = await make_team(app, request, services)
    assert (await write_tip(bea))["text"] == t("en", "mod.new.submitted")
    queue = await ada.press(callbacks.encode(Op.MOD, "q"))
    item = await ada.tap(queue, "Lit streets")
    ask = await ada.tap(item, "Reject")
    assert ask["text"] == t("en", "mod.reject.ask")
    await ada.say("Which street? Please name it.")
    tips = await bea.press(callbacks.encode(Op.MOD, "t"))
    view = await bea.tap(tips, "#1")
    assert "rejected" in view["text"] and "Which street? Please name it." in view["text"]
    step = await bea.tap(view, "Edit")  # the full editor, every field filled in
    assert "Main Street is lit all night." in step["text"]
    step = await bea.tap(step, "Title (EN)")
    assert "<code>Lit streets</code>" in step["text"]  # the current version, to copy
    step = await bea.say("Main Street is lit")
    assert "Submit" in str(buttons(step))  # straight back to the preview
    step = await bea.tap(step, "Text (EN)")
    step = await bea.say("Main Street near the station is lit all night.")
    step = await bea.tap(step, "Review date")
    step = await bea.tap(step, "3 months")
    await bea.tap(step, "Submit")
    (pending,) = await services.moderation.queue()
    assert pending.draft.texts["en"].title == "Main Street is lit"


async def test_self_approval_only_when_an_admin_allows_it(chat):
    app, request, services, _ = chat
    ada, _ = await make_team(app, request, services)
    await write_tip(ada)
    queue = await ada.press(callbacks.encode(Op.MOD, "q"))
    own = await ada.tap(queue, "Lit streets")
    assert [label for label, _ in buttons(own) if "Approve" in label] == []
    assert "Waiting for a second moderator" in own["text"]
    refused = await ada.press(callbacks.encode(Op.MOD, "qa", "1"))  # forged: refused
    assert "another moderator must approve" in refused["text"]
    menu = await ada.say("/mod")
    explained = await ada.tap(menu, "Self-approval")
    assert "two-person rule" in explained["text"]
    assert not await services.moderation.single_review()  # nothing changed yet
    toggled = await ada.tap(explained, "Yes, let moderators approve")
    assert toggled["text"] == t("en", "mod.single.set", state="on")
    queue = await ada.press(callbacks.encode(Op.MOD, "q"))
    done = await ada.tap(await ada.tap(queue, "Lit streets"), "Approve")
    assert done["text"].startswith(t("en", "mod.approved"))
    assert services.kb.get("peer-1", "us") is not None


async def test_needs_rechecking_and_confirm(chat):
    app, request, services, _ = chat
    ada, _ = await make_team(app, request, services)
    menu = await ada.say("/mod")
    due = await ada.tap(menu, "Needs re-checking (1)")  # the UK peer group, past due
    view = await ada.tap(due, "Peer group in the UK")
    done = await ada.tap(view, "Still right")
    assert done["text"].startswith("Confirmed. Next check by ") and "May 2027" in done["text"]
    assert services.kb.get("uk-peer-group").verified == TODAY
    menu = await ada.say("/mod")
    assert any("Needs re-checking (0)" in label for label, _ in buttons(menu))


async def test_removed_moderators_and_reused_invites_get_nothing(chat):
    app, request, services, _ = chat
    ada, bea = await make_team(app, request, services)
    code = await services.moderation.create_invite("moderator")
    eve = Person(app, request, 3)
    await eve.say(f"/start {code}")
    await eve.say("Eve")
    mallory = Person(app, request, 4)
    reused = await mallory.say(f"/start {code}")
    assert reused["text"].startswith(t("en", "start.invite_invalid"))  # and nothing more
    team = await ada.press(callbacks.encode(Op.MOD, "a"))
    member = await ada.tap(team, "Eve")
    await ada.tap(member, "Remove")
    assert (await eve.say("/mod"))["text"].startswith(t("en", "unknown_command"))
    assert (await eve.press(callbacks.encode(Op.MOD, "n")))["text"].startswith(t("en", "expired"))
    # Moderators cannot use admin buttons, even by forging them.
    refused = await bea.press(callbacks.encode(Op.MOD, "ai", "a"))
    assert "only admins" in refused["text"]
    # The last admin cannot be removed.
    team = await ada.press(callbacks.encode(Op.MOD, "a"))
    member = await ada.tap(team, "Ada")
    refused = await ada.tap(member, "Remove")
    assert "last admin" in refused["text"]


async def test_a_draft_times_out(chat):
    app, request, services, clock = chat
    _, bea = await make_team(app, request, services)
    step = await bea.press(callbacks.encode(Op.MOD, "n"))
    step = await bea.tap(step, "United States")
    clock.now += 16 * 60
    expired = await bea.tap(step, "Working outdoors")
    assert "expired" in expired["text"]
    # Typed text is a search again, not a step of the stale draft.
    found = await bea.say("bad date list")
    assert found["text"].startswith("🔎 “")


async def test_overlong_titles_and_broken_markup_are_refused_with_a_reason(chat):
    app, request, services, _ = chat
    _, bea = await make_team(app, request, services)
    step = await bea.press(callbacks.encode(Op.MOD, "n"))
    step = await bea.tap(step, "United States")
    step = await bea.tap(step, "Screening clients")
    step = await bea.tap(step, "Done")
    step = await bea.tap(step, "Safety tip")
    step = await bea.tap(step, "Español")
    refused = await bea.say("x" * 81)
    assert "title must be 1-80 characters" in refused["text"]
    assert "Send the title in Spanish" in refused["text"]  # asked again
    await bea.say("Título correcto")
    refused = await bea.say("Esto **no se cierra")
    assert "never closed" in refused["text"]
    refused = await bea.say("Esto <b>no</b> vale")
    assert "HTML tags are not allowed" in refused["text"]
    step = await bea.say("Si 2 < 3 & 4 > 1, está bien, con **negrita**.")
    step = await bea.tap(step, "Skip")
    step = await bea.tap(step, "12 months")
    assert "Si 2 &lt; 3 &amp; 4 &gt; 1, está bien, con <b>negrita</b>." in step["text"]


async def test_no_one_can_pass_as_another_moderator_and_the_audit_log_shows_numbers(chat):
    app, request, services, _ = chat
    ada, bea = await make_team(app, request, services)
    menu = await bea.say("/mod")
    await bea.tap(menu, "My display name")
    for copy in ("ADA", "\u0410da", "A\u200bda"):  # case, Cyrillic А, zero-width space
        refused = await bea.say(copy)
        assert "another moderator has that display name" in refused["text"]
    done = await bea.say("Bee")
    assert done["text"].startswith(t("en", "mod.rename.done", name="Bee"))
    assert sorted(m.pseudonym for m in await services.moderation.moderators()) == ["Ada", "Bee"]
    team = await ada.press(callbacks.encode(Op.MOD, "a"))
    assert any("Bee #2" in label for label, _ in buttons(team))
    log = await ada.tap(team, "Audit log")
    assert "Bea (#2): renamed to Bee" in log["text"]
    assert "Ada (#1): joined as admin" in log["text"]
    assert "UTC" in log["text"]


TRACKER = "https://pp-booking.example-track.net/f?src=lantern"
CLINIC = "https://www.plannedparenthood.org/get-care"


async def test_a_link_dressed_as_another_address_cannot_pass_review_unnoticed(chat):
    """Security review, finding 8: the reviewer saw only the link's text, a clinic's
    address, while the link went to a tracker."""
    app, request, services, _ = chat
    ada, bea = await make_team(app, request, services)
    # Written today, it is refused at once, with the reason.
    step = await bea.press(callbacks.encode(Op.MOD, "n"))
    for part in ("United States", "Working outdoors", "Done", "Safety tip", "English"):
        step = await bea.tap(step, part)
    await bea.say("Book a clinic visit")
    refused = await bea.say(f"Book at [{CLINIC}]({TRACKER})")
    assert "looks like an address" in refused["text"]
    assert "pp-booking.example-track.net" in refused["text"]
    # One already in the queue (written before this check, or slipped in another way)
    # shows the reviewer where it really goes, and nothing there is a hidden link.
    await write_tip(bea, "Book a clinic visit", f"Book at [the clinic]({CLINIC}).")
    (pending,) = await services.moderation.queue()
    attack = pending.draft.to_json().replace(f"[the clinic]({CLINIC})", f"[{CLINIC}]({TRACKER})")
    async with services.moderation.store.transaction() as db:
        await db.execute("UPDATE revisions SET content = ? WHERE id = ?", (attack, pending.id))
    queue = await ada.press(callbacks.encode(Op.MOD, "q"))
    shown = await ada.tap(queue, "Book a clinic visit")
    assert "pp-booking.example-track.net/f?src=lantern" in shown["text"]
    assert "Links go to: <code>pp-booking.example-track.net</code>" in shown["text"]
    assert "<a " not in shown["text"]


async def test_previews_and_shared_tips_spell_links_out(chat):
    app, request, services, _ = chat
    _, bea = await make_team(app, request, services)
    step = await bea.press(callbacks.encode(Op.MOD, "n"))
    for part in ("United States", "Working outdoors", "Done", "Safety tip", "English"):
        step = await bea.tap(step, part)
    await bea.say("Book a clinic visit")
    await bea.say(f"Book at [the clinic]({CLINIC}).")
    await bea.tap(request.last(), "Skip")
    preview = await bea.tap(request.last(), "6 months")
    assert f"the clinic → <code>{CLINIC}</code>" in preview["text"]
    assert "<code>www.plannedparenthood.org</code>" in preview["text"]
    # An anonymous shared tip: defanged, in a <pre> block (nothing tappable), and the
    # hosts its markup would link to once adopted are listed.
    ana = Person(app, request, 600)
    step = await ana.press(callbacks.encode(Op.USER, "sh"))
    for part in ("Safety", "Spiked drinks", "Anywhere"):
        step = await ana.tap(step, part)
    check = await ana.say(
        f"Ask at [{CLINIC}]({TRACKER}) or mail rosa@evil-mail.com, @fake_lantern_bot"
    )
    assert "an email address and a username" in check["text"]
    await ana.tap(check, "Send anyway")
    menu = await bea.say("/mod")
    reports = await bea.tap(menu, "Reports and shared tips (1)")
    shown = await bea.tap(reports, "Spiked drinks")
    assert "<pre>" in shown["text"]
    assert "rosa[@]evil-mail[.]com, [@]fake_lantern_bot" in shown["text"]
    assert "hxxps://pp-booking[.]example-track[.]net/f?src=lantern" in shown["text"]
    assert "Links go to: <code>pp-booking.example-track.net</code>" in shown["text"]


async def test_retiring_a_tip_and_reviving_legal_information_need_a_second_moderator(chat):
    """Security review, finding 11, through the chat."""
    app, request, services, _ = chat
    ada, bea = await make_team(app, request, services)
    await write_tip(ada)
    queue = await bea.press(callbacks.encode(Op.MOD, "q"))
    await bea.tap(await bea.tap(queue, "Lit streets"), "Approve")
    assert services.kb.get("peer-1", "us") is not None
    # Bea asks to retire it: it stays live until someone else agrees.
    tips = await bea.press(callbacks.encode(Op.MOD, "t"))
    ask = await bea.tap(await bea.tap(tips, "#1"), "Retire")
    proposed = await bea.tap(ask, "Yes, retire it")
    assert proposed["text"].startswith(t("en", "mod.retire.proposed"))
    assert services.kb.get("peer-1", "us") is not None
    # Bea sees her own proposal but can only withdraw it, even by forging the button.
    menu = await bea.say("/mod")
    queue = await bea.tap(menu, "Review queue (1)")
    own = await bea.tap(queue, "Retire #1 Lit streets (Bea)")
    assert t("en", "mod.proposal.own") in own["text"]
    assert [label for label, _ in buttons(own) if "Approve" in label] == []
    refused = await bea.press(callbacks.encode(Op.MOD, "pa", "1"))
    assert "another moderator must approve" in refused["text"]
    assert services.kb.get("peer-1", "us") is not None
    # Ada sees who asked and what would go, and agrees.
    queue = await ada.press(callbacks.encode(Op.MOD, "q"))
    shown = await ada.tap(queue, "Retire #1")
    assert "Bea proposes retiring tip #1" in shown["text"]
    assert "Main Street is lit all night." in shown["text"]
    done = await ada.tap(shown, "Approve")
    assert done["text"].startswith(t("en", "mod.retired"))
    assert services.kb.get("peer-1", "us") is None
    # "Still right" on legal information is a proposal too; Ada declines Bea's.
    proposed = await bea.press(callbacks.encode(Op.MOD, "fc", "rights-phone-us"))
    assert proposed["text"].startswith("Proposed. Legal information needs a second moderator")
    assert services.kb.get("rights-phone-us").verified != TODAY
    queue = await ada.press(callbacks.encode(Op.MOD, "q"))
    shown = await ada.tap(queue, "Still right")
    assert "Bea checked this legal entry" in shown["text"]
    declined = await ada.tap(shown, "Reject")
    assert declined["text"].startswith(t("en", "mod.proposal.declined"))
    assert services.kb.get("rights-phone-us").verified != TODAY
    # Asked again, and this time Ada agrees: now it counts.
    await bea.press(callbacks.encode(Op.MOD, "fc", "rights-phone-us"))
    queue = await ada.press(callbacks.encode(Op.MOD, "q"))
    done = await ada.tap(await ada.tap(queue, "Still right"), "Approve")
    assert done["text"].startswith("Confirmed. Next check by ") and "May 2027" in done["text"]
    assert services.kb.get("rights-phone-us").verified == TODAY
    team = await ada.press(callbacks.encode(Op.MOD, "a"))
    log = (await ada.tap(team, "Audit log"))["text"]
    title = services.full.get("rights-phone-us").text("en").title
    for line in (
        f"Ada (#1): agreed is still right {title}",
        f"Ada (#1): declined as still right {title}",
        f"Bea (#2): proposed as still right {title}",
        "Ada (#1): retired tip #1",
        "Ada (#1): agreed to retire tip #1",
        "Bea (#2): proposed retiring tip #1",
    ):
        assert line in log


async def test_a_spanish_moderator_reads_refusals_in_spanish(chat):
    app, request, services, _ = chat
    await make_team(app, request, services)
    cris = Person(app, request, 3, lang="es")
    await cris.say(f"/start {await services.moderation.create_invite('moderator')}")
    await cris.say("Cris")
    # A forged admin button: refused, in Spanish, through the router.
    refused = await cris.press(callbacks.encode(Op.MOD, "ai", "a"))
    assert refused["text"] == t(
        "es", "mod.problem", problem=t("es", "moderation_error.only_admins")
    )
    assert "only admins" not in refused["text"]
    # Writing a tip: languages are named in Spanish, and the draft's problems are too.
    step = await cris.press(callbacks.encode(Op.MOD, "n"))
    step = await cris.tap(step, "Estados Unidos")
    step = await cris.tap(step, "Trabajo en la calle")
    step = await cris.tap(step, "Listo")
    step = await cris.tap(step, "Consejo de seguridad")
    step = await cris.tap(step, "English")  # the picker shows each language in its own words
    assert "Envía el título en inglés" in step["text"]
    refused = await cris.say("x" * 81)
    assert refused["text"].startswith(
        "Por favor corrige esto: el título en inglés tiene que tener entre 1 y 80 caracteres"
    )
    await cris.say("Calles iluminadas")
    refused = await cris.say("Esto **no se cierra")
    assert refused["text"].startswith(
        "Por favor corrige esto: el texto en inglés, línea 1: '**' se abre pero no se "
        "cierra en esta línea"
    )
    # An English moderator still reads English.
    bea = Person(app, request, 2)
    refused = await bea.press(callbacks.encode(Op.MOD, "ai", "a"))
    assert refused["text"] == "Please fix this: only admins can do that"
