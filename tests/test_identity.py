"""Moderator identity: scrypt keyed by a secret off the data volume, rationed, migrated.

The suite runs with cheap scrypt parameters (tests/conftest.py); one test pins the
production ones. Nothing here is timed.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import stat
import threading
import time

import pytest

from bot import cli
from bot.services import Services
from knowledge.base import KnowledgeBase
from moderation import identity as ident
from moderation.identity import (
    ERASED,
    Identity,
    IdentityUnavailable,
    ModeratorKeyError,
    ScryptCost,
    find_key,
    legacy_hash,
    legacy_moderators,
    parse_key,
    scrypt_hash,
    write_key_file,
)
from moderation.store import Store
from moderation.workflow import Moderation
from tests.conftest import TODAY

KEY = bytes(range(32))
CHEAP = ScryptCost(n=16, r=1, p=1)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_production_parameters_are_the_documented_ones():
    """N=2^15, r=6, p=1: 24 MiB and ~100 ms a hash (README, docs/threat-model.md)."""
    production = ScryptCost()
    assert (production.n, production.r, production.p) == (2**15, 6, 1)
    assert production.memory == 24 * 2**20
    assert production.prefix == "scrypt$15$6$1$"
    # What an Identity uses when not told: the suite's cheap one here (conftest), the
    # production one otherwise.
    assert Identity(KEY).cost is ident.DEFAULT_COST
    assert Identity(KEY, cost=production).cost == production


def test_the_hash_is_scrypt_of_the_id_keyed_by_the_secret():
    stored = scrypt_hash(KEY, 5834112907, CHEAP)
    expected = hashlib.scrypt(b"user:5834112907", salt=KEY, n=16, r=1, p=1, dklen=32).hex()
    assert stored == "scrypt$4$1$1$" + expected
    assert scrypt_hash(bytes(32), 5834112907, CHEAP) != stored  # another key, another hash
    assert scrypt_hash(KEY, 5834112908, CHEAP) != stored
    assert "5834112907" not in stored


async def test_each_id_costs_one_computation_per_process_and_the_cache_never_holds_it():
    who = Identity(KEY, cost=CHEAP)
    first = await who.user_hash(5834112907)
    assert await who.user_hash(5834112907) == first
    assert who.computed == 1
    for slot in who._cache:
        assert b"5834112907" not in slot and len(slot) == 16
    assert "5834112907" not in repr(vars(who))
    # Another process (another salt) files the same id under another cache key.
    other = Identity(KEY, cost=CHEAP)
    await other.user_hash(5834112907)
    assert set(other._cache) != set(who._cache)
    assert repr(who) == "Identity(<key>)"


async def test_the_kdf_runs_off_the_event_loop_one_at_a_time(monkeypatch):
    running, most, threads = 0, 0, set()
    guard = threading.Lock()

    def slow(key: bytes, user_id: int, cost: ScryptCost) -> str:
        nonlocal running, most
        with guard:
            running += 1
            most = max(most, running)
            threads.add(threading.get_ident())
        time.sleep(0.01)
        with guard:
            running -= 1
        return f"h{user_id}"

    monkeypatch.setattr(ident, "scrypt_hash", slow)
    who = Identity(KEY, cost=CHEAP, max_waiting=10)
    results = await asyncio.gather(*(who.user_hash(uid) for uid in range(6)))
    assert results == [f"h{uid}" for uid in range(6)]
    assert most == 1
    assert threading.get_ident() not in threads


async def test_an_attacker_cannot_queue_up_cpu_work(monkeypatch):
    release = threading.Event()

    def blocked(key: bytes, user_id: int, cost: ScryptCost) -> str:
        release.wait(5)
        return f"h{user_id}"

    monkeypatch.setattr(ident, "scrypt_hash", blocked)
    who = Identity(KEY, cost=CHEAP, max_waiting=2)
    waiting = [asyncio.ensure_future(who.user_hash(uid)) for uid in (1, 2)]
    await asyncio.sleep(0.01)
    with pytest.raises(IdentityUnavailable):
        await who.user_hash(3)  # the queue is full: refused at once, nothing computed
    # The same person twice at once shares the one computation.
    twice = asyncio.ensure_future(who.user_hash(1))
    release.set()
    assert await asyncio.gather(*waiting, twice) == ["h1", "h2", "h1"]
    assert await who.user_hash(3) == "h3"


async def test_one_person_triggers_at_most_one_new_computation_a_minute():
    clock = Clock()
    who = Identity(KEY, cost=CHEAP, cache_limit=1, retry_seconds=60, clock=clock)
    await who.user_hash(1)
    await who.user_hash(2)  # evicts 1 from the (tiny) cache
    with pytest.raises(IdentityUnavailable):
        await who.user_hash(1)
    clock.now += 61
    await who.user_hash(1)
    assert who.computed == 3


async def test_cached_hashes_expire_when_idle():
    clock = Clock()
    who = Identity(KEY, cost=CHEAP, cache_idle_seconds=3600, clock=clock)
    await who.user_hash(1)
    clock.now += 3599
    await who.user_hash(1)
    assert who.computed == 1
    clock.now += 3601
    await who.user_hash(1)
    assert who.computed == 2


async def test_non_moderators_are_cached_too_so_mod_spam_costs_one_hash(small_snapshot, tmp_path):
    services = Services(KnowledgeBase(small_snapshot), today=lambda: TODAY)
    who = Identity(KEY, cost=CHEAP)
    await services.attach_store(tmp_path, identity=who)
    try:
        for _ in range(20):
            assert await services.moderator(424242) is None
        assert who.computed == 1
    finally:
        await services.close()


def test_key_files_hold_hex_or_raw_bytes_and_are_never_overwritten(tmp_path):
    path = tmp_path / "secrets" / "moderator.key"
    key = write_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert parse_key(path.read_bytes()) == key and len(key) == 32
    assert parse_key(KEY) == KEY  # the legacy file: 32 raw bytes
    with pytest.raises(ModeratorKeyError, match="too short"):
        parse_key(b"short")
    with pytest.raises(FileExistsError):
        write_key_file(path)
    assert parse_key(path.read_bytes()) == key


def test_find_key_prefers_the_configured_key_and_says_where_it_is(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    assert find_key(data, None, "") is None
    secret = tmp_path / "run" / "moderator.key"
    key = write_key_file(secret)
    found = find_key(data, secret, "")
    assert found is not None and found.key == key and not found.in_data_dir
    assert key.hex() not in repr(found) and str(key) not in repr(found)
    assert find_key(data, None, KEY.hex()).key == KEY
    inside = data / "key"
    write_key_file(inside)
    assert find_key(data, inside, "").in_data_dir
    with pytest.raises(ModeratorKeyError, match="cannot read"):
        find_key(data, tmp_path / "missing.key", "")
    (data / "moderator.key").write_bytes(KEY)
    legacy = find_key(data, None, "")
    assert legacy.key == KEY and legacy.in_data_dir and legacy.legacy_file


async def test_without_a_key_users_are_served_and_the_log_says_what_to_set(
    small_snapshot, tmp_path, monkeypatch, caplog
):
    monkeypatch.delenv("LANTERN_MODERATOR_KEY", raising=False)
    services = Services(KnowledgeBase(small_snapshot), today=lambda: TODAY)
    with caplog.at_level(logging.WARNING):
        await services.attach_store(tmp_path)
    try:
        assert "LANTERN_MODERATOR_KEY_FILE" in caplog.text
        assert "lantern admin new-key" in caplog.text
        assert services.moderation is not None  # published tips, reports: all still on
        assert await services.moderator(1) is None
        with pytest.raises(IdentityUnavailable, match="switched off"):
            await services.identity.user_hash(1)  # a joining person is told why
        assert not (tmp_path / "moderator.key").exists()  # never created by the bot
    finally:
        await services.close()


async def test_a_key_inside_the_data_directory_is_warned_about_at_start(
    small_snapshot, tmp_path, monkeypatch, caplog
):
    monkeypatch.delenv("LANTERN_MODERATOR_KEY", raising=False)
    write_key_file(tmp_path / "secret.key")
    monkeypatch.setenv("LANTERN_MODERATOR_KEY_FILE", str(tmp_path / "secret.key"))
    services = Services(KnowledgeBase(small_snapshot), today=lambda: TODAY)
    with caplog.at_level(logging.WARNING):
        await services.attach_store(tmp_path)
    await services.close()
    assert "migrate-key" in caplog.text


@pytest.fixture
def restore_umask():
    old = os.umask(0o022)
    os.umask(old)
    yield
    os.umask(old)  # cli.main sets 077 for the whole process


async def _old_version_database(data, ids):
    """What Lantern wrote before scrypt: HMAC-SHA256 rows and the raw key in the data dir."""
    store = await Store.open(data)
    mod = Moderation(store)
    for uid, name in ids.items():
        await mod.redeem(await mod.create_invite("admin"), legacy_hash(KEY, uid), name)
    await store.close()
    fd = os.open(data / "moderator.key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(KEY)


async def _hashes(data) -> dict[str, str]:
    store = await Store.open(data)
    rows = await store.fetch_all("SELECT pseudonym, user_hash FROM moderators")
    await store.close()
    return {row["pseudonym"]: row["user_hash"] for row in rows}


async def test_migration_from_the_hmac_scheme_keeps_every_moderator(
    small_snapshot, tmp_path, monkeypatch, restore_umask, capsys
):
    data = tmp_path / "data"
    ada, bea, cy = 5834112907, 7000000001, 6000000002
    await _old_version_database(data, {ada: "Ada", bea: "Bea", cy: "Cy"})
    # Cy was removed; a removed moderator never comes back to be upgraded.
    store = await Store.open(data)
    async with store.transaction() as db:
        await db.execute("UPDATE moderators SET active = 0 WHERE pseudonym = 'Cy'")
    await store.close()
    monkeypatch.delenv("LANTERN_MODERATOR_KEY", raising=False)
    monkeypatch.setenv("LANTERN_DATA_DIR", str(data))

    # 1. The new version starts on the old data directory: Ada is still recognised,
    #    and her row now holds the scrypt hash.
    services = Services(KnowledgeBase(small_snapshot), today=lambda: TODAY)
    await services.attach_store(data)
    moderator = await services.moderator(ada)
    assert moderator is not None and moderator.pseudonym == "Ada"
    await services.close()
    hashes = await _hashes(data)
    assert hashes["Ada"] == scrypt_hash(KEY, ada, ident.DEFAULT_COST)
    assert hashes["Bea"] == legacy_hash(KEY, bea)  # not seen yet

    # 2. The operator moves the key out of the data directory.
    secret = tmp_path / "secrets" / "moderator.key"
    assert await asyncio.to_thread(cli.main, ["admin", "migrate-key", "--to", str(secret)]) == 0
    out = capsys.readouterr().out
    assert f"LANTERN_MODERATOR_KEY_FILE={secret}" in out
    assert not (data / "moderator.key").exists()
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert parse_key(secret.read_bytes()) == KEY
    hashes = await _hashes(data)
    assert hashes["Cy"].startswith(ERASED)  # no crackable hash left for a removed one
    assert KEY.hex() not in out

    # 3. Restarted with LANTERN_MODERATOR_KEY_FILE: Ada as before, and Bea, first seen
    #    now, is found by her old hash and upgraded.
    monkeypatch.setenv("LANTERN_MODERATOR_KEY_FILE", str(secret))
    services = Services(KnowledgeBase(small_snapshot), today=lambda: TODAY)
    await services.attach_store(data)
    assert (await services.moderator(ada)).pseudonym == "Ada"
    assert (await services.moderator(bea)).pseudonym == "Bea"
    assert await services.moderator(cy) is None
    assert await legacy_moderators(services.store) == 0
    await services.close()
    hashes = await _hashes(data)
    assert hashes["Bea"] == scrypt_hash(KEY, bea, ident.DEFAULT_COST)
    legacy = {legacy_hash(KEY, uid) for uid in (ada, bea, cy)}
    assert not legacy & set(hashes.values())
    # Running it again is harmless.
    assert await asyncio.to_thread(cli.main, ["admin", "migrate-key", "--to", str(secret)]) == 0
    assert "Nothing to move" in capsys.readouterr().out


async def test_a_person_who_rejoined_keeps_one_row_and_loses_the_old_hash(tmp_path):
    data = tmp_path / "data"
    await _old_version_database(data, {1: "Ada"})
    store = await Store.open(data)
    mod = Moderation(store)
    async with store.transaction() as db:
        await db.execute("UPDATE moderators SET active = 0")
    who = Identity(KEY, cost=CHEAP)
    await who.attach(store)
    # Rejoining computes the new hash, which first upgrades the old row; the invite then
    # reactivates that same row instead of adding a second one.
    joined = await mod.redeem(await mod.create_invite("admin"), await who.user_hash(1), "Ada")
    rows = await store.fetch_all("SELECT id, user_hash, active FROM moderators")
    await store.close()
    assert [(r["id"], r["user_hash"], r["active"]) for r in rows] == [
        (joined.id, scrypt_hash(KEY, 1, CHEAP), 1)
    ]
