"""The SQLite store: created with WAL and migrations; a broken file gets a clear message."""

from __future__ import annotations

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
