"""End to end: a peer team runs its city's tips from Telegram, and no user is recorded."""

from __future__ import annotations

import re
import struct

import pytest

from bot.content import load_knowledge
from bot.i18n import t
from bot.remembered.flood import FloodGuard
from bot.services import Services
from knowledge.loader import DEFAULT_CONTENT_DIR
from tests.conftest import TODAY
from tests.live import live_bot

TOKEN = "7000000002:e2e-moderation-token-0123456789abcdef"


@pytest.fixture
async def team(tmp_path):
    kb, problems = load_knowledge(DEFAULT_CONTENT_DIR)
    assert problems == []
    services = Services(kb, today=lambda: TODAY, flood=FloodGuard(burst=10**6))
    data_dir = tmp_path / "data"
    async with live_bot(TOKEN, services, data_dir=data_dir) as running:
        yield running.emu, services, data_dir


def data_of(message, part: str) -> str:
    for row in message.buttons:
        for label, data in row:
            if part in label:
                return data
    raise AssertionError(f"no button with {part!r} in {message.buttons}")


async def say(emu, user, text):
    await emu.send_text(user, text)
    (reply,) = await emu.wait_for_bot_messages(user)
    return reply


async def tap(emu, user, message, part):
    await emu.press(user, message, data_of(message, part))
    (reply,) = await emu.wait_for_bot_messages(user)
    return reply


async def join(emu, user, code, name):
    ask = await say(emu, user, f"/start {code}")
    assert ask.text == t("en", "mod.join.ask_name")
    done = await say(emu, user, name)
    assert f"as {name}" in done.text
    return done


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
    assert "send the title in English" in step.text
    await say(emu, bea, "Lit streets near Sol at night")
    step = await say(emu, bea, "Calle Mayor is **well lit** until 2am; the side streets are dark.")
    step = await tap(emu, bea, step, "6 months")
    assert "exactly what users will see" in step.text and "well lit" in step.text
    done = await tap(emu, bea, step, "Submit")
    assert done.text == t("en", "mod.new.submitted")

    # The two-person rule: Bea cannot approve her own tip.
    menu = await say(emu, bea, "/mod")
    queue = await tap(emu, bea, menu, "Review queue (1)")
    item = await tap(emu, bea, queue, "Lit streets")
    refused = await tap(emu, bea, item, "Approve")
    assert "another moderator must approve" in refused.text
    assert await moderation.published() == []

    # Ada approves it; it is live at once, with no restart.
    menu = await say(emu, ada, "/mod")
    queue = await tap(emu, ada, menu, "Review queue (1)")
    item = await tap(emu, ada, queue, "Lit streets")
    approved = await tap(emu, ada, item, "Approve")
    assert approved.text.startswith(t("en", "mod.approved"))

    # Lucía, in Madrid, finds it by search and by menu.
    start = await say(emu, lucia, "/start")
    region_menu = await tap(emu, lucia, start, "Region")
    await tap(emu, lucia, region_menu, "Madrid")
    found = await say(emu, lucia, "lit streets sol")
    assert "peer-1" in entry_ids(found)
    start = await say(emu, lucia, "/start")
    safety = await tap(emu, lucia, start, "Safety")
    outdoor = await tap(emu, lucia, safety, "Working outdoors")
    assert "peer-1" in entry_ids(outdoor)
    card = await tap(emu, lucia, outdoor, "Lit streets")
    assert "well lit" in card.text

    # Sam, in another region, does not see it.
    start = await say(emu, sam, "/start")
    region_menu = await tap(emu, sam, start, "Region")
    await tap(emu, sam, region_menu, "United States")
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
