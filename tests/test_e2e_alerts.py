"""End to end over HTTP: a bad date reported in Spanish, vetted by two moderators, posted
to the region's channel, found by partial details and by number, expired into a stub;
and nobody who reported or read is in any log line or data file."""

from __future__ import annotations

import logging
import struct
from datetime import timedelta

import pytest

from bot.content import load_knowledge
from bot.i18n import t
from bot.remembered.flood import FloodGuard
from bot.services import Services
from knowledge.loader import DEFAULT_CONTENT_DIR
from moderation.alerts.model import ReportDraft
from tests.conftest import TODAY
from tests.live import data_of, live_bot, say, tap

TOKEN = "7000000041:e2e-alerts-token-0123456789abcdefghij"
PHONE = "612 34 45 67"
NOT_REPORTED = "+34 699 88 77 66"
READER_WORDS = "zebracanary"


@pytest.fixture
async def running(tmp_path, monkeypatch):
    monkeypatch.setenv("LANTERN_ALERT_NUMBER_CHECK", "1")
    kb, problems = load_knowledge(DEFAULT_CONTENT_DIR)
    assert problems == []
    services = Services(kb, today=lambda: TODAY, flood=FloodGuard(burst=10**6))
    data_dir = tmp_path / "data"
    async with live_bot(TOKEN, services, data_dir=data_dir) as live:
        yield live.emu, services, data_dir


async def join(emu, services, user, role, name):
    code = await services.moderation.create_invite(role)
    await say(emu, user, f"/start {code}")
    await say(emu, user, name)


async def report_in_spanish(emu, rosa):
    results = await say(emu, rosa, "mala cita")
    step = await tap(emu, rosa, results, "Avisar de una mala cita")
    assert "No se te pregunta ni se envía nada sobre ti" in step.text
    step = await tap(emu, rosa, step, "España")
    step = await tap(emu, rosa, step, "Ayer")
    step = await tap(emu, rosa, step, "Madrugada")
    step = await tap(emu, rosa, step, "Violencia")
    step = await tap(emu, rosa, step, "Robo")
    step = await tap(emu, rosa, step, "Listo")
    step = await say(emu, rosa, "Se puso violento y se llevó el dinero de vuelta.")
    step = await tap(emu, rosa, step, "35–50")
    step = await tap(emu, rosa, step, "Saltar")  # build
    step = await say(emu, rosa, "español, acento de fuera")
    step = await tap(emu, rosa, step, "Saltar")  # looks
    step = await say(emu, rosa, "Seat")
    step = await say(emu, rosa, "rojo")
    step = await say(emu, rosa, "1234 BCD")
    step = await say(emu, rosa, PHONE)
    step = await tap(emu, rosa, step, "Saltar")  # e-mail
    step = await tap(emu, rosa, step, "Saltar")  # handle
    check = await say(emu, rosa, "una app de citas")
    # Exactly what will be sent, and the contacts as moderators first see them.
    assert "Esto es exactamente lo que recibirán" in check.text
    assert PHONE in check.text and "+34 6•• •• 45 67" in check.text
    assert "Lantern nunca envía nada a la policía" in check.text
    done = await tap(emu, rosa, check, "Enviar")
    assert done.text.startswith(t("es", "alerts.report.thanks"))
    assert "Necesito ayuda" in str(done.buttons) or "ayuda" in str(done.buttons).lower()


async def test_a_bad_date_reported_in_spanish_warns_the_region(running, caplog):
    caplog.set_level(logging.DEBUG)
    emu, services, data_dir = running
    desk = services.alerts.desk
    rosa = emu.new_user("RosaCanary", language_code="es", username="rosa_canary")
    sam = emu.new_user("SamCanary", language_code="en", username="sam_canary")
    ada = emu.new_user("Ada", language_code="en")
    bea = emu.new_user("Bea", language_code="en")
    channel = emu.new_channel("Alertas · España")
    await join(emu, services, ada, "admin", "Ada")
    await join(emu, services, bea, "moderator", "Bea")

    # The admin links Spain's channel, in both languages.
    menu = await say(emu, ada, "/mod")
    queue = await tap(emu, ada, menu, "Safety alerts (0)")
    channels = await tap(emu, ada, queue, "Region channels")
    ask = await tap(emu, ada, channels, "Spain")
    assert "-1001234567890" in ask.text
    linked = await say(emu, ada, f"{channel.id} es en")
    assert str(channel.id) in linked.text

    await report_in_spanish(emu, rosa)
    (waiting,) = await desk.pending(1)
    assert waiting.day == TODAY.isoformat() and waiting.lang == "es"

    # Ada: the report with its contacts masked, the text edited (and masked), approved.
    menu = await say(emu, ada, "/mod")
    queue = await tap(emu, ada, menu, "Safety alerts (1)")
    view = await tap(emu, ada, queue, "🔴")
    assert "+34 6•• •• 45 67" in view.text and PHONE not in view.text
    revealed = await tap(emu, ada, view, "Show contact details")
    assert PHONE in revealed.text
    ask = await tap(emu, ada, revealed, "Edit the text")
    view = await say(
        emu,
        ada,
        f"Reported: got violent and took the money back. Red Seat, plate 1234 BCD, "
        f"called from {PHONE}.",
    )
    assert "1234 •••" in view.text and "+34 6•• •• 45 67" in view.text and PHONE not in view.text
    checklist = await tap(emu, ada, view, "Approve")
    assert "Warn, don't identify" in checklist.text and "no names" in checklist.text
    first = await tap(emu, ada, checklist, "I checked all of this")
    assert "1 of 2" in first.text
    assert emu.bot_messages(channel) == []

    # Bea approves the same text: published, and posted to the channel, protected.
    menu = await say(emu, bea, "/mod")
    queue = await tap(emu, bea, menu, "Safety alerts (1)")
    view = await tap(emu, bea, queue, "🔴")
    checklist = await tap(emu, bea, view, "Approve")
    published = await tap(emu, bea, checklist, "I checked all of this")
    assert "Published as alert #1" in published.text
    assert await emu.wait_until(lambda: len(emu.bot_messages(channel)) == 1, timeout=10)
    (post,) = emu.bot_messages(channel)
    assert post.protect_content
    assert "Alerta de seguridad #1" in post.text and "Safety alert #1" in post.text
    assert "+34 6•• •• 45 67" in post.text and "1234 •••" in post.text
    assert PHONE not in post.text and "BCD" not in post.text
    assert "?start=a_1" in post.text

    # Sam finds it in ⚠️ Alerts, by the last four digits, and by part of the plate.
    results = await say(emu, sam, "bad date")
    board = await tap(emu, sam, results, "⚠️ Alerts")
    board = await tap(emu, sam, board, "Spain")
    assert "Safety alert #1" in board.text and "Violence, Robbery" in board.text
    ask = await tap(emu, sam, board, "Search alerts")
    found = await say(emu, sam, "4567")
    assert "Safety alert #1" in found.text and "No match does not mean" in found.text
    ask = await tap(emu, sam, found, "Search again")
    found = await say(emu, sam, "1234")
    assert "Safety alert #1" in found.text
    ask = await tap(emu, sam, found, "Search again")
    nothing = await say(emu, sam, READER_WORDS)
    assert "No alert matches" in nothing.text

    # Check a number: the exact number matches, coarsely; another does not.
    board = await tap(emu, sam, nothing, "⚠️ Alerts")
    ask = await tap(emu, sam, board, "Check a number")
    match = await say(emu, sam, "+34 612 344 567")
    assert "This number was reported" in match.text
    assert "Violence, Robbery · Spain · 2026-11 · reported 1 time" in match.text
    assert "got violent" not in match.text  # never the text
    ask = await tap(emu, sam, match, "Check a number")
    none = await say(emu, sam, NOT_REPORTED)
    assert "No alert was published" in none.text and "No match does not mean" in none.text

    # "Seen this person too": the link starts a report for the same region.
    seen = await say(emu, sam, "/start a_1")
    assert "Seen this person too?" in seen.text and "When did it happen?" in seen.text

    # A year later the alert ends: the post becomes a stub, its details leave the files.
    real_now = desk.now
    desk.now = lambda: real_now() + timedelta(days=366)
    assert await desk.sweep() == 1
    services.alerts.poke()
    assert await emu.wait_until(lambda: "has ended" in emu.bot_messages(channel)[0].text, 10)
    (stub,) = emu.bot_messages(channel)
    assert "45 67" not in stub.text and "Seat" not in stub.text
    board = await tap(emu, sam, none, "⚠️ Alerts")
    assert "Safety alert #1" not in board.text
    assert await desk.counts() == [("es", "2026-11", 3, 1, 1)]

    # Nothing about the reporter or the reader, and nothing of the ended alert, in any
    # data file or log line.
    await emu.idle()
    await desk.store.fetch_all("PRAGMA wal_checkpoint(TRUNCATE)")
    blobs = b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for person in (rosa, sam):
        for form in (str(person.id).encode(), struct.pack(">q", person.id)):
            assert form not in blobs
        assert str(person.id) not in logged
    for words in (
        "RosaCanary", "rosa_canary", "SamCanary", "sam_canary", READER_WORDS,
        "699 88 77 66", "+34699887766", "took the money", "llevó el dinero", "Seat", "45 67",
        "acento de fuera",
    ):  # fmt: skip
        assert words.encode() not in blobs, words
        assert words not in logged, words


async def publish_directly(services, phone: str) -> int:
    """Two moderators' approval, straight through the desk."""
    moderation = services.moderation
    ada = await moderation.redeem(await moderation.create_invite("admin"), "h-ada", "Ada")
    desk = services.alerts.desk
    draft_id = await desk.submit(
        ReportDraft(region="es", categories=["robbery"], phone=phone), "es", {"es"}
    )
    await desk.set_text(ada.id, draft_id, f"Robo. Llamó desde {phone}")
    await moderation.set_single_review(ada, True)
    return (await desk.approve(ada.id, draft_id)).published


async def check(emu, user, number: str):
    board = await say(emu, user, "/start")
    board = await tap(emu, user, board, "Safety")
    board = await tap(emu, user, board, "⚠️ Alerts")
    board = await tap(emu, user, board, "Spain")
    if not any("Check a number" in label for row in board.buttons for label, _ in row):
        # Not offered; a forged press of it is answered all the same.
        forged = data_of(board, "Search alerts").replace("|s|", "|n|")
        await emu.push_update(
            {
                "callback_query": {
                    "id": "forged-check",
                    "from": user.to_api(),
                    "chat_instance": "x",
                    "message": board.to_api(emu.bot_user()),
                    "data": forged,
                }
            }
        )
        await emu.wait_for_bot_messages(user)
        return None, await say(emu, user, number)
    await tap(emu, user, board, "Check a number")
    return board, await say(emu, user, number)


async def test_an_exact_number_matches_only_with_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv("LANTERN_ALERT_NUMBER_CHECK", "1")
    kb, _ = load_knowledge(DEFAULT_CONTENT_DIR)
    data_dir = tmp_path / "data"

    def fresh() -> Services:
        return Services(kb, today=lambda: TODAY, flood=FloodGuard(burst=10**6))

    async with live_bot(TOKEN, fresh(), data_dir=data_dir) as live:
        await publish_directly(live.services, PHONE)
        sam = live.emu.new_user("Sam", language_code="en")
        board, answer = await check(live.emu, sam, "+34612344567")
        assert board is not None and "This number was reported" in answer.text

    # The same database without the key: not offered, and refused if forced.
    monkeypatch.delenv("LANTERN_MODERATOR_KEY")
    async with live_bot(TOKEN, fresh(), data_dir=data_dir) as live:
        sam = live.emu.new_user("Sam", language_code="en")
        board, answer = await check(live.emu, sam, "+34612344567")
        assert board is None and t("en", "alert_error.no_key") in answer.text

    # With another key the stored hashes match nothing.
    monkeypatch.setenv("LANTERN_MODERATOR_KEY", "7b" * 32)
    async with live_bot(TOKEN, fresh(), data_dir=data_dir) as live:
        sam = live.emu.new_user("Sam", language_code="en")
        board, answer = await check(live.emu, sam, "+34612344567")
        assert board is not None and "No alert was published" in answer.text
