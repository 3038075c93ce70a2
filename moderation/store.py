"""SQLite storage (aiosqlite): one file in the data directory, WAL, numbered migrations.

It holds moderators' work only; nothing about people who use the bot is ever written here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

DB_NAME = "lantern.sqlite3"

# Each migration is applied once, in order, in its own transaction. Append, never edit.
MIGRATIONS: Sequence[str] = (
    """
    CREATE TABLE schema_migrations (
        version INTEGER PRIMARY KEY,
        applied_on TEXT NOT NULL
    );
    """,
)


class StoreError(RuntimeError):
    """The database cannot be used; the message says what to check."""


class Store:
    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    @classmethod
    async def open(cls, data_dir: Path | str) -> Store:
        """Open (creating if needed) the database and bring its schema up to date."""
        directory = Path(data_dir)
        path = directory / DB_NAME
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            connection = await aiosqlite.connect(path)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the database at {path}: {exc}") from exc
        store = cls(connection, path)
        try:
            await connection.execute("PRAGMA journal_mode=WAL")
            await connection.execute("PRAGMA foreign_keys=ON")
            await connection.execute("PRAGMA busy_timeout=5000")
            await store._migrate()
        except sqlite3.DatabaseError as exc:
            await connection.close()
            raise StoreError(
                f"the database at {path} cannot be used ({exc}); restore it from a backup"
            ) from exc
        return store

    async def _migrate(self) -> None:
        version = await self.schema_version()
        for number, sql in enumerate(MIGRATIONS, start=1):
            if number <= version:
                continue
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                for statement in filter(str.strip, sql.split(";")):
                    await self._db.execute(statement)
                await self._db.execute(
                    "INSERT INTO schema_migrations (version, applied_on) VALUES (?, ?)",
                    (number, datetime.now(UTC).date().isoformat()),
                )
                await self._db.commit()
            except BaseException:
                await self._db.rollback()
                raise

    async def schema_version(self) -> int:
        cursor = await self._db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='schema_migrations'"
        )
        if await cursor.fetchone() is None:
            return 0
        cursor = await self._db.execute("SELECT MAX(version) FROM schema_migrations")
        row = await cursor.fetchone()
        return int(row[0] or 0) if row else 0

    async def integrity_check(self) -> str:
        cursor = await self._db.execute("PRAGMA integrity_check")
        row = await cursor.fetchone()
        return str(row[0]) if row else "unknown"

    async def close(self) -> None:
        await self._db.close()
