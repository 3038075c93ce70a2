"""The SQLite store: created with WAL and migrations; a broken file gets a clear message."""

from __future__ import annotations

import sqlite3

import pytest

from moderation.store import DB_NAME, MIGRATIONS, Store, StoreError


async def test_open_creates_database_with_wal_and_migrations(tmp_path):
    store = await Store.open(tmp_path / "data")
    try:
        assert await store.schema_version() == len(MIGRATIONS)
        assert await store.integrity_check() == "ok"
        cursor = await store._db.execute("PRAGMA journal_mode")
        assert (await cursor.fetchone())[0] == "wal"
    finally:
        await store.close()
    # Opening again applies nothing twice.
    store = await Store.open(tmp_path / "data")
    assert await store.schema_version() == len(MIGRATIONS)
    await store.close()


async def test_a_file_that_is_not_a_database_is_explained(tmp_path):
    (tmp_path / DB_NAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot be used"):
        await Store.open(tmp_path)


async def test_an_unwritable_location_is_explained(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot open the database"):
        await Store.open(blocker / "data")


async def test_a_backup_is_never_readable_by_others_not_even_while_written(tmp_path, monkeypatch):
    """The copy is 0600 from its first byte, in 0700 directories, whatever the umask."""
    import os
    import stat

    import aiosqlite

    store = await Store.open(tmp_path / "data")
    async with store.transaction() as db:
        await db.execute("INSERT INTO settings (key, value) VALUES ('motto', ?)", ("x" * 50_000,))
    target_dir = tmp_path / "backups" / "nightly"
    seen: list[tuple[str, int, int]] = []
    original = aiosqlite.Connection.backup

    async def watched_backup(self, target, **kwargs):
        def progress(status: int, remaining: int, total: int) -> None:
            # Mid-copy: every file in the target directory, with its mode and size now.
            for entry in os.scandir(target_dir):
                info = entry.stat()
                seen.append((entry.name, stat.S_IMODE(info.st_mode), info.st_size))

        return await original(self, target, pages=1, progress=progress)

    monkeypatch.setattr(aiosqlite.Connection, "backup", watched_backup)
    old_umask = os.umask(0o022)  # the usual default: it must not decide the modes
    try:
        path = await store.backup(target_dir / "copy.sqlite3")
    finally:
        os.umask(old_umask)
        await store.close()
    assert any(size > 0 for _, _, size in seen), "the copy was never observed mid-way"
    assert {mode for _, mode, _ in seen} == {0o600}, seen
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for directory in (tmp_path / "backups", target_dir):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
    assert sorted(p.name for p in target_dir.iterdir()) == ["copy.sqlite3"]
    async with aiosqlite.connect(path) as db:
        cursor = await db.execute("SELECT length(value) FROM settings WHERE key = 'motto'")
        assert (await cursor.fetchone())[0] == 50_000


async def test_audit_gains_moderator_ids_filled_only_where_the_name_is_unambiguous(tmp_path):
    # A database as version 2 left it: the audit log names people by display name only.
    path = tmp_path / DB_NAME
    old = sqlite3.connect(path)
    for number, sql in enumerate(MIGRATIONS[:2], start=1):
        old.executescript(sql)
        old.execute("INSERT INTO schema_migrations VALUES (?, '2026-01-01')", (number,))
    old.executemany(
        "INSERT INTO moderators (id, user_hash, pseudonym, role, added_on) "
        "VALUES (?, ?, ?, 'moderator', '2026-01-01')",
        [(1, "h1", "Ada"), (2, "h2", "Bea"), (3, "h3", "Bea")],
    )
    old.executemany(
        "INSERT INTO audit (pseudonym, action, object, at) VALUES (?, ?, '', '2026-01-01')",
        [("Ada", "approve"), ("Bea", "retire"), ("server", "invite"), ("Gone", "submit")],
    )
    old.commit()
    old.close()
    store = await Store.open(tmp_path)
    try:
        rows = await store.fetch_all("SELECT pseudonym, moderator_id FROM audit ORDER BY id")
        assert [tuple(r) for r in rows] == [
            ("Ada", 1),
            ("Bea", None),  # two moderators were called Bea: unclear, so not guessed
            ("server", None),
            ("Gone", None),
        ]
    finally:
        await store.close()
