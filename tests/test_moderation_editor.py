"""The moderators' editor in the chat (issue 15): corrections of shipped entries, what is
urgent, search words, the preview's fields, and governance in the moderator's language."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from bot import callbacks
from bot.callbacks import Op
from bot.i18n import t
from knowledge.model import Snapshot
from tests.conftest import TODAY
from tests.fakes import buttons
from tests.test_moderation_chat import Person, chat, make_team, write_tip

__all__ = ["chat"]  # the fixture, shared with test_moderation_chat


def labels(screen: dict) -> list[str]:
    return [label for label, _ in buttons(screen)]


async def test_a_shipped_entry_is_corrected_through_review_and_keeps_its_id(chat):
    app, request, services, _ = chat
    ada, bea = await make_team(app, request, services)
    view = await bea.press(callbacks.encode(Op.MOD, "fv", "uk-peer-group"))
    editor = await bea.tap(view, "Needs changes")
    # The full editor, pre-filled: the review date was past, so it is asked first.
    assert "Correcting an entry" in editor["text"]
    preview = await bea.tap(editor, "6 months")
    assert "Submit" in str(buttons(preview)) and "✏️ Police" in labels(preview)
    await bea.tap(preview, "Title (EN)")
    preview = await bea.say("Peer group in the UK (new address)")
    await bea.tap(preview, "Phone")
    refused = await bea.say("ring them")
    assert "a phone number is digits" in refused["text"] and "phone number" in refused["text"]
    preview = await bea.say("+44 20 7946 0000")
    await bea.tap(preview, "Submit")
    # Until another moderator approves, users see the entry as it was.
    assert services.kb.get("uk-peer-group").text("en").title == "Peer group in the UK"
    queue = await ada.press(callbacks.encode(Op.MOD, "q"))
    item = await ada.tap(queue, "new address")
    assert "correction of a shipped entry" in item["text"]
    await ada.tap(item, "Approve")
    fixed = services.kb.get("uk-peer-group")
    assert fixed.text("en").title == "Peer group in the UK (new address)"
    assert fixed.contact.phone == "+44 20 7946 0000" and fixed.verified == TODAY
    # A second "Needs changes" edits the same correction rather than starting another.
    view = await bea.press(callbacks.encode(Op.MOD, "fv", "uk-peer-group"))
    assert "Edit" in str(buttons(view))


async def test_needs_rechecking_says_what_users_cannot_see_right_now(chat):
    app, request, services, _ = chat
    ada, _ = await make_team(app, request, services)
    stale = dataclasses.replace(
        services.base.get("rights-phone-us"), review_by=TODAY - timedelta(days=45)
    )
    others = tuple(e for e in services.base.entries if e.id != stale.id)
    services.base = Snapshot(entries=(*others, stale), regions=services.base.regions)
    await services.refresh()
    due = await ada.press(callbacks.encode(Op.MOD, "f"))
    assert "1 of them are hidden from users right now" in due["text"]
    assert labels(due)[0].startswith("🚫 ")
    view = await ada.tap(due, "🚫")
    assert "Hidden from users since" in view["text"]


async def test_search_words_let_the_typo_tolerant_search_find_a_peer_tip(chat):
    app, request, services, _ = chat
    ada, bea = await make_team(app, request, services)
    step = await bea.press(callbacks.encode(Op.MOD, "n"))
    for part in ("United States", "Working outdoors", "Done", "Safety tip", "English"):
        step = await bea.tap(step, part)
    await bea.say("Corner of 5th and Main")
    step = await bea.say("The corner is lit and busy until late.")
    assert "separated by commas" in step["text"]  # the hint
    step = await bea.say("streetlight, well lit corner")
    preview = await bea.tap(step, "6 months")
    await bea.tap(preview, "Submit")
    queue = await ada.press(callbacks.encode(Op.MOD, "q"))
    await ada.tap(await ada.tap(queue, "Corner of 5th"), "Approve")
    assert services.kb.get("peer-1", "us").texts["en"].keywords == (
        "streetlight",
        "well lit corner",
    )
    lu = Person(app, request, 700)
    found = await lu.say("streetlite")  # a typo of a word only the search words have
    assert any(data and "peer-1" in data for _, data in buttons(found))


async def test_back_from_the_preview_and_every_step(chat):
    app, request, services, _ = chat
    _, bea = await make_team(app, request, services)
    step = await bea.press(callbacks.encode(Op.MOD, "n"))
    assert "Back" not in str(buttons(step))  # the first step has nowhere to go back to
    step = await bea.tap(step, "United States")
    back = await bea.tap(step, "Back")
    assert "Which region" in back["text"] and "✅ United States" in labels(back)
    step = await bea.tap(back, "United States")
    step = await bea.tap(step, "Working outdoors")
    step = await bea.tap(step, "Done")
    step = await bea.tap(step, "Safety tip")
    step = await bea.tap(step, "English")
    await bea.say("Lit streets")
    await bea.say("Main Street is lit.")
    step = await bea.tap(request.last(), "Skip")
    preview = await bea.tap(step, "3 months")
    step = await bea.tap(preview, "Kind")
    step = await bea.tap(step, "Rights")  # a new kind asks what it needs, then the preview
    assert "Which place's law" in step["text"]
    preview = await bea.say("California, United States")
    assert "Submit" in str(buttons(preview))
    step = await bea.tap(preview, "Topics")
    back = await bea.tap(step, "Back")  # from a field opened in the preview: the preview
    assert "Submit" in str(buttons(back))


async def test_self_approval_and_the_audit_log_in_spanish(chat):
    app, request, services, _ = chat
    await make_team(app, request, services)
    eva = Person(app, request, 9, lang="es")
    await eva.say(f"/start {await services.moderation.create_invite('admin')}")
    await eva.say("Eva")
    menu = await eva.say("/mod")
    explained = await eva.tap(menu, "Autoaprobación")
    assert "regla de las dos personas" in explained["text"]
    done = await eva.tap(explained, "Sí, que cada quien")
    assert done["text"] == t("es", "mod.single.set", state=t("es", "mod.on"))
    team = await eva.press(callbacks.encode(Op.MOD, "a"))
    log = await eva.tap(team, "Registro")
    assert "Las horas están en UTC." in log["text"]
    assert "Eva (#3): puso la autoaprobación en activada" in log["text"]
    assert "single_review" not in log["text"]


async def test_the_author_waits_and_a_second_moderator_approves(chat):
    app, request, services, _ = chat
    ada, bea = await make_team(app, request, services)
    await write_tip(bea)
    queue = await bea.press(callbacks.encode(Op.MOD, "q"))
    own = await bea.tap(queue, "Lit streets")
    assert "Waiting for a second moderator" in own["text"]
    assert not [label for label in labels(own) if "Approve" in label]
    queue = await ada.press(callbacks.encode(Op.MOD, "q"))
    item = await ada.tap(queue, "Lit streets")
    assert "Languages: English" in item["text"]
    done = await ada.tap(item, "Approve")
    assert done["text"].startswith(t("en", "mod.approved"))
