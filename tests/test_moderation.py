"""Moderation rules on a real SQLite file: roles, two-person review, freshness, reports."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest

from knowledge.loader import load_directory
from knowledge.model import Kind
from moderation import live
from moderation.drafts import Draft, DraftText, problems
from moderation.exchange import export_tips, import_directory, import_tips
from moderation.limits import DailyLimiter, defang
from moderation.store import Store
from moderation.workflow import Moderation, ModerationError
from tests.conftest import SMALL

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
REGIONS = {"global", "us", "uk", "es", "example"}


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def mod(tmp_path):
    store = await Store.open(tmp_path)
    clock = Clock()
    moderation = Moderation(store, now=clock)
    moderation.clock = clock  # type: ignore[attr-defined]
    yield moderation
    await store.close()


def draft(title="Lit streets near the station", region="us", review=date(2027, 5, 1)) -> Draft:
    return Draft(
        kind=Kind.TIP,
        topics=("outdoor-work",),
        regions=(region,),
        texts={"en": DraftText(title, "Main Street is **well lit** after 10pm.", ("lit",))},
        review_by=review,
    )


async def team(mod: Moderation):
    # Opaque stand-ins for the moderators' identity hashes (moderation.identity makes them).
    admin = await mod.redeem(await mod.create_invite("admin"), "hash-ada", "Ada")
    code = await mod.create_invite("moderator", by=admin)
    bea = await mod.redeem(code, "hash-bea", "Bea")
    return admin, bea


async def test_invites_are_single_use_and_expire(mod):
    code = await mod.create_invite("admin")
    assert code.startswith("inv-") and len(code) >= 4 + 32  # 192 random bits
    assert await mod.invite_role(code) == "admin"
    await mod.redeem(code, "hash-1", "Ada")
    assert await mod.invite_role(code) is None
    with pytest.raises(ModerationError):
        await mod.redeem(code, "hash-2", "Eve")
    late = await mod.create_invite("admin")
    mod.clock.now = NOW + timedelta(hours=49)
    assert await mod.invite_role(late) is None
    with pytest.raises(ModerationError, match="not valid"):
        await mod.redeem(late, "hash-3", "Late")


async def test_only_admins_invite_and_the_last_admin_stays(mod):
    admin, bea = await team(mod)
    with pytest.raises(ModerationError, match="only admins"):
        await mod.create_invite("moderator", by=bea)
    with pytest.raises(ModerationError, match="last admin"):
        await mod.remove(admin, admin.id)
    await mod.remove(admin, bea.id)
    assert [m.pseudonym for m in await mod.moderators()] == ["Ada"]
    # A removed moderator can do nothing, whatever the chat layer thinks.
    with pytest.raises(ModerationError, match="no longer a moderator"):
        await mod.submit(bea, draft(), REGIONS)


async def test_two_person_rule(mod):
    admin, bea = await team(mod)
    tip_id = await mod.submit(bea, draft(), REGIONS)
    (pending,) = await mod.queue()
    assert pending.tip_id == tip_id and pending.author == "Bea"
    with pytest.raises(ModerationError, match="another moderator"):
        await mod.approve(bea, pending.id)
    assert await mod.published() == []
    entry = await mod.approve(admin, pending.id)
    assert entry.id == f"peer-{tip_id}" and entry.regions == ("us",)
    assert [e.id for e in await mod.published()] == [entry.id]
    assert await mod.queue() == []


async def test_single_review_allows_self_approval(mod):
    admin, _ = await team(mod)
    await mod.set_single_review(admin, True)
    await mod.submit(admin, draft(), REGIONS)
    (pending,) = await mod.queue()
    await mod.approve(admin, pending.id)
    assert len(await mod.published()) == 1


async def test_reject_needs_a_reason_the_author_sees(mod):
    admin, bea = await team(mod)
    await mod.submit(bea, draft(), REGIONS)
    (pending,) = await mod.queue()
    with pytest.raises(ModerationError, match="say why"):
        await mod.reject(admin, pending.id, "   ")
    await mod.reject(admin, pending.id, "Which station? Please name it.")
    (rejected,) = await mod.rejections(bea)
    assert rejected.reason == "Which station? Please name it."
    assert (await mod.tips(author=bea))[0].status == "rejected"


async def test_edit_keeps_the_published_version_live_until_approved(mod):
    admin, bea = await team(mod)
    tip_id = await mod.submit(bea, draft("First version"), REGIONS)
    await mod.approve(admin, (await mod.queue())[0].id)
    await mod.edit(bea, tip_id, draft("Second version"), REGIONS)
    assert [e.texts["en"].title for e in await mod.published()] == ["First version"]
    (pending,) = await mod.queue()
    assert pending.is_edit
    await mod.approve(admin, pending.id)
    assert [e.texts["en"].title for e in await mod.published()] == ["Second version"]


async def test_retire_hides_but_keeps_the_record(mod):
    admin, bea = await team(mod)
    tip_id = await mod.submit(bea, draft(), REGIONS)
    await mod.approve(admin, (await mod.queue())[0].id)
    assert await mod.retire(bea, tip_id) is False  # proposed: a second moderator agrees
    assert len(await mod.published()) == 1
    (proposal,) = await mod.proposals()
    await mod.approve_proposal(admin, proposal.id)
    assert await mod.published() == []
    assert (await mod.tips())[0].status == "retired"
    assert any(r.action == "retire" for r in await mod.audit_log())


async def test_drafts_are_checked_before_submit(mod):
    _, bea = await team(mod)
    bad = dataclasses.replace(
        draft(),
        texts={"en": DraftText("x" * 81, "**unclosed")},
        regions=("atlantis",),
        review_by=date(2020, 1, 1),
    )
    found = [str(p) for p in problems(bad, REGIONS, NOW.date())]
    assert "en title must be 1-80 characters" in found
    assert "unknown region atlantis" in found
    assert any("never closed" in p for p in found)
    assert "the review-by date must be in the future" in found
    with pytest.raises(ModerationError):
        await mod.submit(bea, bad, REGIONS)
    assert await mod.queue() == []


async def test_a_failed_write_leaves_nothing_half_done(mod, monkeypatch):
    _, bea = await team(mod)
    original = Draft.to_json

    def broken(self):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(Draft, "to_json", broken)
    with pytest.raises(sqlite3.OperationalError):
        await mod.submit(bea, draft(), REGIONS)
    monkeypatch.setattr(Draft, "to_json", original)
    assert await mod.tips() == []
    assert await mod.queue() == []


async def test_freshness_confirm_and_hidden_legal_entries(mod):
    admin, bea = await team(mod)
    base, _ = load_directory(SMALL)
    rights = base.get("rights-phone-us")
    old = dataclasses.replace(rights, review_by=date(2026, 9, 1))
    base = dataclasses.replace(
        base, entries=tuple(old if e.id == rights.id else e for e in base.entries)
    )
    full = live.compose(base, [], await mod.confirmations())
    today = NOW.date()
    assert rights.id in [e.id for e in live.needs_recheck(full, today)]
    assert rights.id not in {e.id for e in live.for_users(full, today).entries}
    # Other kinds past review_by stay visible (the card says "may be out of date").
    assert "uk-peer-group" in {e.id for e in live.for_users(full, today).entries}
    # Legal information needs two: the first confirmation is only a proposal.
    assert (await mod.confirm(admin, rights.id, legal=True)).proposed
    full = live.compose(base, [], await mod.confirmations())
    assert rights.id not in {e.id for e in live.for_users(full, today).entries}
    assert not (await mod.confirm(bea, rights.id, legal=True)).proposed
    full = live.compose(base, [], await mod.confirmations())
    assert rights.id in {e.id for e in live.for_users(full, today).entries}
    assert full.get(rights.id).verified == today


async def test_reports_and_shared_tips_carry_no_user_and_only_the_day(mod):
    _, bea = await team(mod)
    mod.clock.now = NOW.replace(hour=23, minute=59, second=58)
    await mod.add_report("rights-phone-us", "police", "They called the cops on me")
    await mod.add_shared_tip("outdoor-work", "us", "Avoid the lot behind 5th st")
    (report,) = await mod.reports()
    assert (report.reason, report.day) == ("police", "2026-11-21")
    (shared,) = await mod.shared_tips()
    tip_id = await mod.adopt(bea, shared.id, "Avoid the lot behind 5th", REGIONS, "en")
    assert await mod.shared_tips() == []
    (pending,) = await mod.queue()
    assert pending.tip_id == tip_id
    with pytest.raises(ModerationError):
        await mod.approve(bea, pending.id)
    columns = {row[1] for row in await mod.store.fetch_all("PRAGMA table_info(reports)")}
    assert columns == {"id", "entry_id", "reason", "note", "day", "status"}


async def test_limiter_rotates_daily_and_is_bounded():
    day = [date(2026, 1, 1)]
    limiter = DailyLimiter(3, max_people=10, today=lambda: day[0])
    assert [limiter.allow(1) for _ in range(4)] == [True, True, True, False]
    day[0] = date(2026, 1, 2)
    assert limiter.allow(1)
    for user in range(100, 120):
        limiter.allow(user)
    assert len(limiter) == 10


def test_defang_makes_links_unclickable():
    text = defang("go to https://evil.example/x and www.bad.com now")
    assert "https://" not in text and "www.bad.com" not in text
    assert "hxxps://evil[.]example/x" in text


async def test_export_then_import_round_trip(mod, tmp_path):
    admin, bea = await team(mod)
    spanish = dataclasses.replace(
        draft(),
        texts={
            "en": DraftText("Lit streets", "Main Street is lit.", ()),
            "es": DraftText("Calles iluminadas", "La calle Mayor está iluminada.", ()),
        },
    )
    await mod.submit(bea, spanish, REGIONS)
    await mod.approve(admin, (await mod.queue())[0].id)
    path = await export_tips(mod, tmp_path / "out")
    # The export is a content directory of its own, regions file included.
    snapshot, found = load_directory(path.parent)
    assert found == [] and [e.id for e in snapshot.entries] == ["peer-1"]
    # Into the database it came from: already published, so nothing is queued again.
    result = await import_directory(mod, path.parent, REGIONS)
    assert (result.queued, result.problems, result.already_published) == (0, [], 1)
    assert await mod.queue() == []
    # Into another: queued for review there.
    other = Moderation(await Store.open(tmp_path / "other"), now=mod.clock)
    try:
        queued, errors = await import_tips(other, path.parent, REGIONS)
        assert (queued, errors) == (1, [])
        assert len(await other.queue()) == 1
    finally:
        await other.store.close()


async def test_backup_is_a_consistent_copy(mod, tmp_path):
    await team(mod)
    target = await mod.store.backup(tmp_path / "backups" / "copy.sqlite3")
    connection = sqlite3.connect(target)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        count = connection.execute("SELECT COUNT(*) FROM moderators").fetchone()[0]
        assert count == 2
    finally:
        connection.close()
