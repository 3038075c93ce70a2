"""Safety alerts without Telegram: masking, intake, vetting, the outbox, expiry, lookup."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.alerts_runtime import AlertRuntime
from bot.handlers.alerts.channel import Pacer, publish_due
from knowledge.model import Region, Snapshot
from moderation.alerts import AlertDesk, AlertSettings, outbox, vetting
from moderation.alerts.errors import AlertRefused
from moderation.alerts.lookup import AlertIndex
from moderation.alerts.masking import (
    mask_email,
    mask_handle,
    mask_phone,
    mask_plate,
    mask_text,
    normalise_phone,
)
from moderation.alerts.model import ReportDraft, period_of
from moderation.alerts.published import PublishedAlerts
from moderation.store import Store
from moderation.workflow import Moderation

KEY = bytes.fromhex("5a" * 32)
REGIONS = {"es", "uk"}


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 21, 12, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
async def desk(tmp_path):
    store = await Store.open(tmp_path)
    clock = Clock()
    moderation = Moderation(store, now=clock)
    ada = await moderation.redeem(await moderation.create_invite("admin"), "h-ada", "Ada")
    bea = await moderation.redeem(await moderation.create_invite("moderator"), "h-bea", "Bea")
    desk = AlertDesk(store, settings=AlertSettings(number_check=True), number_key=KEY, now=clock)
    await desk.load()
    desk.clock = clock  # type: ignore[attr-defined]
    desk.ada, desk.bea = ada.id, bea.id  # type: ignore[attr-defined]
    yield desk
    await store.close()


def spanish_report(**extra) -> ReportDraft:
    values = dict(
        region="es",
        when="yesterday",
        part="night",
        categories=["violence", "robbery"],
        behaviour="Se puso violento y se llevó el dinero. Su número es 612 34 45 67.",
        age="35_50",
        make="Seat",
        colour="rojo",
        plate="1234 BCD",
        phone="612 34 45 67",
    )
    values.update(extra)
    return ReportDraft(**values)


# ----- masking ---------------------------------------------------------------------------


def test_contact_details_are_masked_to_a_recognisable_part():
    assert mask_phone("612 34 45 67", "ES") == "+34 6•• •• 45 67"
    assert mask_phone("+44 7700 900123", None) == "+44 7••• ••0123"
    assert mask_email("juan.perez@gmail.com") == "j•••@•••.com"
    assert mask_handle("@bigjohn77") == "@bi•••77"
    assert mask_plate("ab12 cde") == "AB12 •••"
    assert normalise_phone("612 34 45 67", "ES") == "+34612344567"
    assert normalise_phone("150", "ES") is None


def test_free_text_is_masked_and_masking_twice_changes_nothing():
    text = (
        "Llamó desde el 612 34 45 67, correo juan.perez@gmail.com, @bigjohn77, "
        "coche AB12 CDE, cobró 150 euros a las 10:30"
    )
    masked = mask_text(text, "ES")
    for secret in ("612 34", "juan.perez", "bigjohn", "CDE"):
        assert secret not in masked
    assert "150 euros a las 10:30" in masked
    assert "45 67" in masked and "AB12" in masked
    assert mask_text(masked, "ES") == masked


def test_a_foreign_number_without_its_code_still_shows_only_four_digits():
    assert "3456789" not in mask_text("tel 0049 1512 3456789", "ES")


# ----- intake ----------------------------------------------------------------------------


async def test_a_report_is_stored_with_the_day_only(desk):
    report_id = await desk.submit(spanish_report(), "es", REGIONS)
    found = await desk.report(report_id)
    assert found.day == "2026-11-21" and found.region == "es" and found.lang == "es"
    columns = [r[1] for r in await desk.store.fetch_all("PRAGMA table_info(alert_reports)")]
    assert columns == ["id", "region", "day", "lang", "severity", "details", "text", "approvals"]


async def test_an_empty_report_or_an_unknown_region_is_refused(desk):
    with pytest.raises(AlertRefused, match="empty"):
        await desk.submit(ReportDraft(region="es"), "es", REGIONS)
    with pytest.raises(AlertRefused, match="unknown region"):
        await desk.submit(spanish_report(region="mars"), "es", REGIONS)


async def test_every_field_is_optional_but_one(desk):
    report_id = await desk.submit(
        ReportDraft(region="es", categories=["timewaster"]), "en", REGIONS
    )
    assert (await desk.report(report_id)).draft.categories == ["timewaster"]


def test_when_is_a_day_or_a_week_never_a_time():
    today = datetime(2026, 11, 21).date()  # a Saturday
    assert period_of("yesterday", today).label() == "day:2026-11-20"
    assert period_of("this_week", today).label() == "week:2026-11-16"
    assert period_of("earlier", today).label() == "before:2026-11-09"
    assert period_of("", today).label() == ""


# ----- vetting ---------------------------------------------------------------------------


async def test_two_moderators_approve_exactly_the_same_masked_text(desk):
    report_id = await desk.submit(spanish_report(), "es", REGIONS)
    text = await desk.set_text(desk.ada, report_id, "Cliente violento, tel 612 34 45 67.")
    assert "612 34" not in text and "45 67" in text
    first = await desk.approve(desk.ada, report_id)
    assert first.published is None and (first.approvals, first.needed) == (1, 2)
    with pytest.raises(AlertRefused):
        await desk.approve(desk.ada, report_id)
    # An edit after an approval needs approving again, by two.
    await desk.set_text(desk.bea, report_id, "Cliente violento. Reportado.")
    assert (await desk.approve(desk.bea, report_id)).published is None
    done = await desk.approve(desk.ada, report_id)
    assert done.published is not None
    (alert,) = await desk.alerts("es")
    assert alert.text == "Cliente violento. Reportado." and alert.reports == 1
    assert alert.expires_on == datetime(2027, 11, 21).date()  # violence: 12 months
    with pytest.raises(AlertRefused):
        await desk.report(report_id)  # the report, with its raw contact details, is gone


async def test_fast_track_only_for_violence_and_sexual_assault_reviewed_after(desk):
    robbery = await desk.submit(spanish_report(categories=["robbery"]), "es", REGIONS)
    await desk.set_text(desk.ada, robbery, "Robo.")
    with pytest.raises(AlertRefused, match="only violence"):
        await desk.fast_track(desk.ada, robbery)
    violent = await desk.submit(spanish_report(), "es", REGIONS)
    await desk.set_text(desk.ada, violent, "Violento.")
    alert_id = await desk.fast_track(desk.ada, violent)
    assert await desk.to_review(desk.ada) == []  # not one's own
    assert [a.id for a in await desk.to_review(desk.bea)] == [alert_id]
    await desk.retract(desk.bea, alert_id)
    assert await desk.alert(alert_id) is None


async def test_duplicates_merge_into_one_alert_with_a_count(desk):
    first = await desk.submit(spanish_report(), "es", REGIONS)
    await desk.set_text(desk.ada, first, "Violento. 612 34 45 67")
    alert_id = await desk.fast_track(desk.ada, first)
    again = await desk.submit(spanish_report(behaviour="El mismo"), "es", REGIONS)
    found = await desk.report(again)
    assert [a.id for a in await desk.duplicates(found)] == [alert_id]
    assert await desk.merge(desk.bea, again, alert_id) == 2
    assert (await desk.alert(alert_id)).reports == 2


async def test_a_rejected_report_is_deleted(desk):
    report_id = await desk.submit(spanish_report(behaviour="canary-rejected"), "es", REGIONS)
    await desk.reject(desk.ada, report_id)
    assert await desk.store.fetch_all("SELECT * FROM alert_reports") == []


# ----- lookup ----------------------------------------------------------------------------


async def test_partial_search_over_the_masked_text_and_exact_number_check(desk):
    report_id = await desk.submit(spanish_report(), "es", REGIONS)
    await desk.set_text(desk.ada, report_id, "Seat rojo, matrícula AB12 CDE, tel 612 34 45 67")
    await desk.fast_track(desk.ada, report_id)
    assert len(await desk.search("4567")) == 1
    assert len(await desk.search("ab12", "es")) == 1
    assert await desk.search("ab12", "uk") == []
    assert await desk.search("CDE") == []  # masked: not in the published text
    assert await desk.search("3445") == []
    (match,) = await desk.check_number("+34 612 344 567", None)
    assert match.region == "es" and match.month == "2026-11" and match.reports == 1
    assert await desk.check_number("612 00 00 00", "es") == []


async def test_number_check_is_off_without_the_key_or_the_switch(tmp_path):
    store = await Store.open(tmp_path)
    try:
        for desk in (
            AlertDesk(store, settings=AlertSettings(number_check=True)),
            AlertDesk(store, settings=AlertSettings(number_check=False), number_key=KEY),
        ):
            assert not desk.number_check
            with pytest.raises(AlertRefused, match="switched off"):
                await desk.check_number("612344567", "es")
    finally:
        await store.close()


def test_the_index_needs_three_characters_and_every_word():
    index = AlertIndex()
    index.put(1, "es", "Seat rojo AB12 •••")
    index.put(2, "es", "Ford azul")
    assert index.search("ab") == []
    assert index.search("seat rojo") == [1]
    assert index.search("seat azul") == []
    index.remove(1)
    assert index.search("seat") == []


# ----- outbox and expiry -----------------------------------------------------------------


async def test_a_published_alert_is_queued_for_its_channel_once(desk):
    await desk.link_channel(desk.ada, "es", -100123, ("es",))
    report_id = await desk.submit(spanish_report(), "es", REGIONS)
    await desk.set_text(desk.ada, report_id, "Violento.")
    alert_id = await desk.fast_track(desk.ada, report_id)
    (item,) = await desk.outbox()
    assert (item.alert_id, item.chat_id, item.kind, item.interrupted) == (
        alert_id,
        -100123,
        "post",
        False,
    )
    assert await outbox.mark_sending(desk.store, item)
    (again,) = await desk.outbox()
    assert again.interrupted  # what a restart would find mid-call
    await outbox.mark_posted(desk.store, item, 77)
    assert await desk.outbox() == []
    assert await outbox.post_of(desk.store, alert_id, -100123) == 77


async def test_expiry_deletes_details_and_hashes_keeps_counts_and_queues_the_stub(tmp_path):
    store = await Store.open(tmp_path)
    clock = Clock()
    moderation = Moderation(store, now=clock)
    ada = await moderation.redeem(await moderation.create_invite("admin"), "h-a", "Ada")
    desk = AlertDesk(
        store,
        settings=AlertSettings(number_check=True, expiry_days={3: 365, 2: 182, 1: 30}),
        number_key=KEY,
        now=clock,
    )
    await desk.load()
    await desk.link_channel(ada.id, "es", -100123, ("es",))
    report_id = await desk.submit(
        spanish_report(categories=["timewaster"], behaviour="canary-expiring"), "es", REGIONS
    )
    await desk.set_text(ada.id, report_id, "canary-expiring no-show, tel 612 34 45 67")
    await moderation.set_single_review(ada, True)
    alert_id = (await desk.approve(ada.id, report_id)).published
    (item,) = await desk.outbox()
    await outbox.mark_sending(store, item)
    await outbox.mark_posted(store, item, 5)
    clock.at += timedelta(days=29)
    assert await desk.sweep() == 0
    clock.at += timedelta(days=1)
    assert await desk.sweep() == 1
    assert await desk.alert(alert_id) is None and await desk.search("4567") == []
    assert await store.fetch_all("SELECT * FROM alert_numbers") == []
    (stub,) = await desk.outbox()
    assert (stub.kind, stub.chat_id) == ("expire", -100123)
    assert await desk.counts() == [("es", "2026-11", 1, 1, 1)]
    await store.close()
    for path in tmp_path.iterdir():
        if path.is_file():
            assert b"canary-expiring" not in path.read_bytes(), path.name
    with sqlite3.connect(tmp_path / "lantern.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM alerts").fetchone()[0] == 0


# ----- lookups served from memory --------------------------------------------------------


async def _as_database_has_it(desk) -> dict:
    fresh = PublishedAlerts()
    await fresh.load(desk.store)
    return {
        "alerts": fresh.newest(),
        "hashes": {a.id: fresh._hashes[a.id] for a in fresh.newest()},
    }


def _as_memory_has_it(desk) -> dict:
    held = desk.published
    return {"alerts": held.newest(), "hashes": {a.id: held._hashes[a.id] for a in held.newest()}}


async def test_memory_holds_exactly_what_the_database_holds_after_every_change(desk):
    async def agree() -> None:
        assert _as_memory_has_it(desk) == await _as_database_has_it(desk)

    first = await desk.submit(spanish_report(), "es", REGIONS)
    await desk.set_text(desk.ada, first, "Violento. 612 34 45 67")
    alert_id = await desk.fast_track(desk.ada, first)
    await agree()
    other = spanish_report(phone="+34 699 11 22 33", behaviour="El mismo, otro número")
    again = await desk.submit(other, "es", REGIONS)
    await desk.merge(desk.bea, again, alert_id)  # a second number, a count of two
    await agree()
    (match,) = await desk.check_number("699 11 22 33", "es")
    assert match.reports == 2
    await desk.reviewed(desk.bea, alert_id)
    await agree()
    assert not (await desk.alert(alert_id)).needs_review
    desk.clock.at += timedelta(days=200)
    await desk.renew(desk.ada, alert_id)
    await agree()
    assert (await desk.alert(alert_id)).expires_on == (desk.clock.at + timedelta(days=365)).date()
    second = await desk.submit(
        spanish_report(categories=["violence"], plate="9876 XYZ"), "es", REGIONS
    )
    await desk.set_text(desk.ada, second, "Otro, 9876 •••")
    second_id = await desk.fast_track(desk.ada, second)
    await desk.retract(desk.bea, second_id)
    await agree()
    assert await desk.search("9876") == [] and await desk.alert(second_id) is None
    desk.clock.at += timedelta(days=800)
    assert await desk.sweep() == 1
    await agree()
    assert await desk.alerts() == [] and await desk.check_number("612 34 45 67", "es") == []


async def test_lookups_never_wait_for_the_database(desk):
    report_id = await desk.submit(spanish_report(), "es", REGIONS)
    await desk.set_text(desk.ada, report_id, "Seat rojo, AB12 CDE, tel 612 34 45 67")
    alert_id = await desk.fast_track(desk.ada, report_id)

    async def no_database(*_args, **_kwargs):
        raise AssertionError("a lookup went to the database")

    desk.store.fetch_all = desk.store.fetch_one = no_database
    assert [a.id for a in await desk.alerts("es")] == [alert_id]
    assert (await desk.alert(alert_id)).region == "es"
    assert [a.id for a in await desk.search("4567 ab12", "es")] == [alert_id]
    assert len(await desk.check_number("612 34 45 67", "es")) == 1


async def test_the_channel_gets_an_alert_committed_a_moment_before_memory_holds_it(desk):
    """The publisher runs between the commit and the reload: it reads the database."""
    await desk.link_channel(desk.ada, "es", -100123, ("es",))
    report_id = await desk.submit(spanish_report(), "es", REGIONS)
    await desk.set_text(desk.ada, report_id, "Violento, reportado.")
    found = await desk.report(report_id)
    alert_id = await vetting.publish(
        desk.store,
        found,
        today=desk.today(),
        expires_on=desk.today() + timedelta(days=365),
        number_hashes=[],
        fast_tracked_by=desk.ada,
    )
    assert await desk.alert(alert_id) is None  # not in memory yet
    sent = []

    class Telegram:
        username = "lantern_test_bot"

        async def send_message(self, chat_id, text, **kwargs):
            sent.append((chat_id, text, kwargs))
            return SimpleNamespace(message_id=9)

    svc = SimpleNamespace(
        alerts=AlertRuntime(desk),
        full=Snapshot(entries=(), regions=(Region("es", {"en": "Spain", "es": "España"}),)),
        kb=None,
    )
    assert await publish_due(Telegram(), svc, Pacer()) == 1
    ((chat_id, text, kwargs),) = sent
    assert chat_id == -100123 and "Violento, reportado." in text and kwargs["protect_content"]
    assert await outbox.post_of(desk.store, alert_id, -100123) == 9
