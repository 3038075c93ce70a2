"""End to end: a peer team runs its city's tips from Telegram, and no user is recorded."""

from __future__ import annotations

import re
import struct

import pytest

from bot import render
from bot.content import load_knowledge
from bot.i18n import t
from bot.remembered.flood import FloodGuard
from bot.services import Services
from knowledge.loader import DEFAULT_CONTENT_DIR
from tests.conftest import TODAY
from tests.live import live_bot, say, tap

TOKEN = "7000000002:e2e-moderation-token-0123456789abcdef"


@pytest.fixture
async def team(tmp_path):
    kb, problems = load_knowledge(DEFAULT_CONTENT_DIR)
    assert problems == []
    services = Services(kb, today=lambda: TODAY, flood=FloodGuard(burst=10**6))
    data_dir = tmp_path / "data"
    async with live_bot(TOKEN, services, data_dir=data_dir) as running:
        yield running.emu, services, data_dir


async def join(emu, user, code, name):
    ask = await say(emu, user, f"/start {code}")
    assert ask.text == t("en", "mod.join.ask_name")
    done = await say(emu, user, name)
    assert f"as {name}" in done.text
    return done


async def choose_region(emu, user, name):
    """/start, 🌐 Language · Region, 📍 Region, then the region by its name."""
    start = await say(emu, user, "/start")
    languages = await tap(emu, user, start, "🌐")
    regions = await tap(emu, user, languages, "📍")
    while not any(name in label for row in regions.buttons for label, _ in row):
        regions = await tap(emu, user, regions, "➡️")  # the next page
    return await tap(emu, user, regions, name)


def entry_ids(message) -> list[str]:
    return [
        d.split("|")[2] for row in message.buttons for _, d in row if d and d.startswith("1|e|")
    ]


async def test_a_peer_team_publishes_a_local_tip(team):
    emu, services, data_dir = team
    moderation = services.moderation
    ada = emu.new_user("Ada", language_code="en")
    bea = emu.new_user("Bea", language_code="en")
    lucia = emu.new_user("Lucía", language_code="en", username="lucia_private")
    sam = emu.new_user("Sam", language_code="en")
    mallory = emu.new_user("Mallory", language_code="en")

    # The operator's first admin invite (what `lantern admin add` prints).
    await join(emu, ada, await moderation.create_invite("admin"), "Ada")

    # Ada adds the city as a region and invites Bea from the chat.
    menu = await say(emu, ada, "/mod")
    assert "Signed in as Ada (admin)" in menu.text
    regions = await tap(emu, ada, menu, "Regions")
    ask = await tap(emu, ada, regions, "Add a region")
    await say(emu, ada, "madrid")
    await say(emu, ada, "Madrid")
    saved = await say(emu, ada, "Madrid")
    assert "Region madrid saved." in saved.text
    menu = await say(emu, ada, "/mod")
    people = await tap(emu, ada, menu, "Moderators")
    invite = await tap(emu, ada, people, "Invite a moderator")
    code = re.search(r"start=(inv-[\w-]+)", invite.text).group(1)
    await join(emu, bea, code, "Bea")
    assert ask.text  # every step answered

    # Bea writes a tip for Madrid, step by step, and submits it.
    menu = await say(emu, bea, "/mod")
    step = await tap(emu, bea, menu, "New tip")
    step = await tap(emu, bea, step, "Madrid")
    step = await tap(emu, bea, step, "Working outdoors")
    assert "✅ Working outdoors" in [label for row in step.buttons for label, _ in row]
    step = await tap(emu, bea, step, "Done")
    step = await tap(emu, bea, step, "Safety tip")
    step = await tap(emu, bea, step, "English")
    assert "Send the title in English" in step.text
    await say(emu, bea, "Lit streets near Sol at night")
    await say(emu, bea, "Calle Mayor is **well lit** until 2am; the side streets are dark.")
    step = await say(emu, bea, "lit streets, night, sol")  # search words
    step = await tap(emu, bea, step, "6 months")
    assert "exactly what users will see" in step.text and "well lit" in step.text
    done = await tap(emu, bea, step, "Submit")
    assert done.text == t("en", "mod.new.submitted")

    # The two-person rule: Bea cannot approve her own tip; she is told it waits.
    menu = await say(emu, bea, "/mod")
    queue = await tap(emu, bea, menu, "Review queue (1)")
    item = await tap(emu, bea, queue, "Lit streets")
    assert "Waiting for a second moderator" in item.text
    assert "Approve" not in str(item.buttons)
    assert await moderation.published() == []

    # Ada approves it; it is live at once, with no restart.
    menu = await say(emu, ada, "/mod")
    queue = await tap(emu, ada, menu, "Review queue (1)")
    item = await tap(emu, ada, queue, "Lit streets")
    approved = await tap(emu, ada, item, "Approve")
    assert approved.text.startswith(t("en", "mod.approved"))

    # Lucía, in Madrid, finds it by search and by menu.
    await choose_region(emu, lucia, "Madrid")
    found = await say(emu, lucia, "lit streets sol")
    assert "peer-1" in entry_ids(found)
    start = await say(emu, lucia, "/start")
    safety = await tap(emu, lucia, start, "Safety")
    outdoor = await tap(emu, lucia, safety, "Working outdoors")
    assert "peer-1" in entry_ids(outdoor)
    card = await tap(emu, lucia, outdoor, "Lit streets")
    assert "well lit" in card.text

    # Sam, in another region, does not see it.
    await choose_region(emu, sam, "United States")
    found = await say(emu, sam, "lit streets sol")
    assert "peer-1" not in entry_ids(found)

    # Lucía reports a problem on the card; it reaches the moderators' queue.
    card = await say(emu, lucia, "lit streets sol")
    card = await tap(emu, lucia, card, "Lit streets")
    reasons = await tap(emu, lucia, card, "Report a problem")
    detail = await tap(emu, lucia, reasons, "involved police")
    thanks = await tap(emu, lucia, detail, "Send without")
    assert thanks.text.startswith(t("en", "report.thanks"))
    (report,) = await moderation.reports()
    assert (report.entry_id, report.reason) == ("peer-1", "police")

    # Mallory, not a moderator, gets nothing: /mod is an unknown command, forged
    # moderator buttons are stale menus, and nothing changes.
    reply = await say(emu, mallory, "/mod")
    assert reply.text.startswith(t("en", "unknown_command"))
    for forged in ("1|M|q", "1|M|qa|2", "1|M|tR|1", "1|M|ai|a", "1|M|ax|1", "1|M|s"):
        await emu.push_update(
            {
                "callback_query": {
                    "id": f"f{forged}",
                    "from": mallory.to_api(),
                    "chat_instance": "x",
                    "message": reply.to_api(emu.bot_user()),
                    "data": forged,
                }
            }
        )
        await emu.idle()
        (latest,) = emu.bot_messages(mallory)
        assert latest.text.startswith(t("en", "expired"))
        assert "Moderator" not in latest.text
    assert [e.id for e in await moderation.published()] == ["peer-1"]
    assert len(await moderation.moderators()) == 2
    assert not await moderation.single_review()

    # Nothing in the data directory names or numbers anyone: not the users, and not even
    # the moderators (who are stored as keyed hashes).
    await emu.idle()
    await services.store.backup(data_dir / "snapshot-for-test.sqlite3")
    blobs = b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())
    for person in (ada, bea, lucia, sam, mallory):
        assert str(person.id).encode() not in blobs
        assert struct.pack(">q", person.id) not in blobs
        assert struct.pack(">i", person.id) not in blobs
    for name in (b"Luc\xc3\xada", b"lucia_private", b"Sam", b"Mallory"):
        assert name not in blobs


# ----- issue 15: a team of two adds a service with all its flags, in both languages ----------


def tx(lang: str, key: str, **values: object) -> str:
    """A text as the emulator shows it: without its HTML tags."""
    return re.sub(r"<[^>]+>", "", t(lang, key, **values))


def labels(message) -> list[str]:
    return [label for row in message.buttons for label, _ in row]


async def tap_key(emu, user, message, lang, key, **values):
    return await tap(emu, user, message, t(lang, key, **values))


@pytest.mark.parametrize("lang", ["en", "es"])
async def test_a_team_adds_a_service_reviewed_in_both_languages_and_a_user_finds_it(team, lang):
    emu, services, _ = team
    moderation = services.moderation
    ada = emu.new_user("Ada", language_code=lang)
    bea = emu.new_user("Bea", language_code=lang)
    rosa = emu.new_user("Rosa", language_code=lang)
    for person, name, role in ((ada, "Ada", "admin"), (bea, "Bea", "moderator")):
        await say(emu, person, f"/start {await moderation.create_invite(role)}")
        await say(emu, person, name)

    # Ada adds the city. A code that is not one is refused at once, and asked again.
    menu = await say(emu, ada, "/mod")
    regions = await tap_key(emu, ada, menu, lang, "mod.btn.regions")
    await tap_key(emu, ada, regions, lang, "mod.btn.add_region")
    refused = await say(emu, ada, "Mexico City")
    assert tx(lang, "moderation_error.region_slug") in refused.text
    assert tx(lang, "mod.region.ask_slug") in refused.text
    await say(emu, ada, "cdmx")
    await say(emu, ada, "Mexico City")
    saved = await say(emu, ada, "Ciudad de México")
    assert "cdmx" in saved.text
    city = "Mexico City" if lang == "en" else "Ciudad de México"

    # Bea writes the service, both languages, every flag.
    menu = await say(emu, bea, "/mod")
    step = await tap_key(emu, bea, menu, lang, "mod.btn.new")
    step = await tap(emu, bea, step, city)
    services_tab = t(lang, "mod.w.more_topics", category=t(lang, "category.services"))
    step = await tap(emu, bea, step, services_tab)
    step = await tap_key(emu, bea, step, lang, "topic.health-services")
    step = await tap_key(emu, bea, step, lang, "btn.done")
    step = await tap_key(emu, bea, step, lang, "mod.w.kind.referral")
    step = await tap(emu, bea, step, "English + Español")
    english, spanish = render.language_name("en", lang), render.language_name("es", lang)
    assert tx(lang, "mod.w.ask.title", language=english) in step.text
    step = await say(emu, bea, "Roma Norte free clinic")
    assert tx(lang, "mod.w.ask.body", language=english) in step.text
    # Back: the title again, with what was written, to keep or change.
    step = await tap_key(emu, bea, step, lang, "mod.w.back")
    assert tx(lang, "mod.w.ask.title", language=english) in step.text
    assert "Roma Norte free clinic" in step.text
    step = await tap_key(emu, bea, step, lang, "mod.w.keep")
    assert tx(lang, "mod.w.ask.body", language=english) in step.text
    await say(emu, bea, "A walk-in sexual health clinic in Roma Norte, run by peers.")
    await say(emu, bea, "roma norte clinic, std test, free condoms")
    await say(emu, bea, "Clínica gratuita Roma Norte")
    step = await say(
        emu, bea, "Clínica de salud sexual sin cita en la Roma Norte, atendida por pares."
    )
    assert tx(lang, "mod.w.ask.keywords", language=spanish) in step.text
    step = await tap_key(emu, bea, step, lang, "mod.w.skip")
    assert tx(lang, "mod.w.ask.police_involvement") in step.text
    for key in ("flag.police.none", "flag.id.false", "flag.immigration.false", "flag.cost.free"):
        step = await tap_key(emu, bea, step, lang, key)
    for _ in range(3):  # run by sex workers, welcoming to them, welcoming to trans people
        step = await tap_key(emu, bea, step, lang, "mod.w.yes")
    step = await tap(emu, bea, step, spanish)
    assert "✅ " + spanish in labels(step)
    step = await tap(emu, bea, step, english)
    step = await tap_key(emu, bea, step, lang, "btn.done")
    refused = await say(emu, bea, "call us!")
    assert tx(lang, "moderation_error.referral_phone") in refused.text
    assert tx(lang, "mod.w.ask.contact.phone") in refused.text  # asked again
    await say(emu, bea, "+52 55 5555 0100")
    await say(emu, bea, "clinica.example.org")
    step = await say(emu, bea, "Mon-Fri 10:00-18:00")
    step = await tap_key(emu, bea, step, lang, "mod.w.skip")  # no address
    step = await say(emu, bea, "We visited in November 2026")
    preview = await tap_key(emu, bea, step, lang, "mod.new.months", months=6)
    assert tx(lang, "mod.new.preview") in preview.text
    assert (
        "Roma Norte free clinic" in preview.text and "Clínica gratuita Roma Norte" in preview.text
    )
    assert f"— {english} —" in preview.text and f"— {spanish} —" in preview.text
    done = await tap_key(emu, bea, preview, lang, "mod.new.submit")
    assert done.text == t(lang, "mod.new.submitted")

    # Bea cannot approve her own: she is told it waits for a second moderator.
    menu = await say(emu, bea, "/mod")
    queue = await tap_key(emu, bea, menu, lang, "mod.btn.queue", count=1)
    own = await tap(emu, bea, queue, "#1")
    assert tx(lang, "mod.queue.waiting") in own.text
    assert tx(lang, "mod.btn.approve") not in labels(own)

    # Ada reviews both languages, with every flag, and approves exactly that.
    menu = await say(emu, ada, "/mod")
    queue = await tap_key(emu, ada, menu, lang, "mod.btn.queue", count=1)
    item = await tap(emu, ada, queue, "#1")
    for text in ("A walk-in sexual health clinic", "Clínica de salud sexual sin cita"):
        assert text in item.text
    for code in ("en", "es"):
        assert (t(code, "flag.police.none")) in item.text
        assert (t(code, "flag.trans_affirming")) in item.text
    approved = await tap_key(emu, ada, item, lang, "mod.btn.approve")
    assert approved.text.startswith(t(lang, "mod.approved"))
    (entry,) = await moderation.published()
    assert entry.flags is not None and entry.flags.sex_worker_led is True
    assert entry.contact.website == "https://clinica.example.org"

    # Rosa, in Mexico City, finds it, with what she needs to know before going.
    await choose_region(emu, rosa, city)
    query = "roma norte clinic" if lang == "en" else "clinica roma norte"
    found = await say(emu, rosa, query)
    assert "peer-1" in entry_ids(found)
    title = "Roma Norte free clinic" if lang == "en" else "Clínica gratuita Roma Norte"
    card = await tap(emu, rosa, found, title)
    for key in (
        "flag.police.none",
        "flag.id.false",
        "flag.immigration.false",
        "flag.cost.free",
        "flag.sex_worker_led",
        "flag.trans_affirming",
    ):
        assert (t(lang, key)) in card.text
    assert "+52 55 5555 0100" in card.text


@pytest.mark.parametrize("lang", ["en", "es"])
async def test_adopting_a_shared_tip_edits_its_text_before_it_is_published(team, lang):
    emu, services, _ = team
    moderation = services.moderation
    ada = emu.new_user("Ada", language_code=lang)
    bea = emu.new_user("Bea", language_code=lang)
    for person, name, role in ((ada, "Ada", "admin"), (bea, "Bea", "moderator")):
        await say(emu, person, f"/start {await moderation.create_invite(role)}")
        await say(emu, person, name)
    await moderation.add_shared_tip(
        "spiking", "us", "The bar on 5th spikes drinks. Call me 555-0199"
    )

    menu = await say(emu, bea, "/mod")
    shared = await tap_key(emu, bea, menu, lang, "mod.btn.reports", count=1)
    us = "United States" if lang == "en" else "Estados Unidos"
    assert any(us in label for label in labels(shared))  # the region's name, not "us"
    item = await tap(emu, bea, shared, us)
    step = await tap_key(emu, bea, item, lang, "mod.btn.adopt")
    assert tx(lang, "mod.w.adopt") in step.text
    step = await say(emu, bea, "Spiked drinks on 5th Street")
    preview = await tap_key(emu, bea, step, lang, "mod.w.skip")  # no search words
    assert "555-0199" in preview.text
    # The text is changed before it goes anywhere: the phone number comes out.
    step = await tap(emu, bea, preview, t(lang, "mod.w.field.body"))
    assert "555-0199" in step.text  # the current text, to copy and change
    preview = await say(emu, bea, "The bar on 5th Street spikes drinks; watch your glass.")
    assert "555-0199" not in preview.text
    done = await tap_key(emu, bea, preview, lang, "mod.new.submit")
    assert done.text == t(lang, "mod.new.submitted")
    assert await moderation.shared_tips() == []

    menu = await say(emu, ada, "/mod")
    queue = await tap_key(emu, ada, menu, lang, "mod.btn.queue", count=1)
    item = await tap(emu, ada, queue, "Spiked drinks")
    await tap_key(emu, ada, item, lang, "mod.btn.approve")
    (entry,) = await moderation.published()
    assert "555-0199" not in entry.text(lang).body
