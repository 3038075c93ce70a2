"""SQLite storage (aiosqlite): one file in the data directory, WAL, numbered migrations.

It holds moderators' work only; nothing about people who use the bot is ever written here.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import sqlite3
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from moderation.files import make_private_dirs

DB_NAME = "lantern.sqlite3"

# Each migration is applied once, in order, in its own transaction. Append, never edit.
MIGRATIONS: Sequence[str] = (
    """
    CREATE TABLE schema_migrations (
        version INTEGER PRIMARY KEY,
        applied_on TEXT NOT NULL
    );
    """,
    """
    CREATE TABLE moderators (
        id INTEGER PRIMARY KEY,
        user_hash TEXT NOT NULL UNIQUE,
        pseudonym TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'moderator')),
        active INTEGER NOT NULL DEFAULT 1,
        added_on TEXT NOT NULL
    );
    CREATE TABLE invites (
        code_hash TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('admin', 'moderator')),
        created_by INTEGER REFERENCES moderators(id),
        expires_at TEXT NOT NULL,
        used_on TEXT
    );
    CREATE TABLE regions (
        slug TEXT PRIMARY KEY,
        names TEXT NOT NULL
    );
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE tips (
        id INTEGER PRIMARY KEY,
        author_id INTEGER REFERENCES moderators(id),
        status TEXT NOT NULL CHECK (status IN ('pending', 'published', 'rejected', 'retired')),
        published_revision INTEGER REFERENCES revisions(id),
        verified TEXT,
        review_by TEXT,
        confirmed_by TEXT,
        created_on TEXT NOT NULL
    );
    CREATE TABLE revisions (
        id INTEGER PRIMARY KEY,
        tip_id INTEGER NOT NULL REFERENCES tips(id),
        author_id INTEGER REFERENCES moderators(id),
        content TEXT NOT NULL,
        status TEXT NOT NULL
            CHECK (status IN ('pending', 'approved', 'rejected', 'superseded')),
        reason TEXT,
        created_on TEXT NOT NULL
    );
    CREATE INDEX revisions_by_status ON revisions(status);
    CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        revision_id INTEGER NOT NULL REFERENCES revisions(id),
        reviewer_id INTEGER REFERENCES moderators(id),
        decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
        reason TEXT,
        at TEXT NOT NULL
    );
    CREATE TABLE confirmations (
        entry_id TEXT PRIMARY KEY,
        verified TEXT NOT NULL,
        review_by TEXT NOT NULL,
        confirmed_by TEXT NOT NULL
    );
    CREATE TABLE reports (
        id INTEGER PRIMARY KEY,
        entry_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        note TEXT,
        day TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed'))
    );
    CREATE TABLE shared_tips (
        id INTEGER PRIMARY KEY,
        topic TEXT NOT NULL,
        region TEXT NOT NULL,
        text TEXT NOT NULL,
        day TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'adopted', 'closed'))
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        pseudonym TEXT NOT NULL,
        action TEXT NOT NULL,
        object TEXT NOT NULL,
        at TEXT NOT NULL
    );
    """,
    # 3: the audit log names a moderator by id, which no rename can change (security
    # review, finding 9). Older rows get the id of the one moderator whose current name
    # they carry; a name shared by several, or since changed, stays unattributed (NULL).
    """
    ALTER TABLE audit ADD COLUMN moderator_id INTEGER REFERENCES moderators(id);
    UPDATE audit SET moderator_id = (
        SELECT m.id FROM moderators m WHERE m.pseudonym = audit.pseudonym
    ) WHERE (SELECT COUNT(*) FROM moderators m WHERE m.pseudonym = audit.pseudonym) = 1;
    """,
    # 4: changes one moderator must not make alone (retiring a tip, declaring a legal
    # entry still right) wait here for a second moderator (security review, finding 11).
    # At most one pending proposal per action and object.
    """
    CREATE TABLE proposals (
        id INTEGER PRIMARY KEY,
        action TEXT NOT NULL CHECK (action IN ('retire', 'confirm')),
        object TEXT NOT NULL,
        review_by TEXT,
        proposer_id INTEGER NOT NULL REFERENCES moderators(id),
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'approved', 'declined', 'withdrawn')),
        decided_by INTEGER REFERENCES moderators(id),
        created_at TEXT NOT NULL,
        decided_at TEXT
    );
    CREATE UNIQUE INDEX one_pending_proposal ON proposals(action, object)
        WHERE status = 'pending';
    """,
    # 5: peer safety alerts (moderation/alerts/). Reports wait for the region's
    # moderators with the day only and nothing about who sent them; published alerts hold
    # masked text; numbers only as keyed slow hashes; the outbox makes channel posts and
    # edits survive a crash; counts per region and month outlive expired alerts.
    """
    CREATE TABLE alert_reports (
        id INTEGER PRIMARY KEY,
        region TEXT NOT NULL,
        day TEXT NOT NULL,
        lang TEXT NOT NULL,
        severity INTEGER NOT NULL,
        details TEXT NOT NULL,
        text TEXT,
        approvals TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        region TEXT NOT NULL,
        categories TEXT NOT NULL,
        severity INTEGER NOT NULL,
        period TEXT NOT NULL,
        lang TEXT NOT NULL,
        text TEXT NOT NULL,
        reports INTEGER NOT NULL DEFAULT 1,
        status TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('published')),
        needs_review INTEGER NOT NULL DEFAULT 0,
        published_on TEXT NOT NULL,
        expires_on TEXT NOT NULL
    );
    CREATE INDEX alerts_by_expiry ON alerts(expires_on);
    CREATE TABLE alert_numbers (
        alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
        hash TEXT NOT NULL
    );
    CREATE INDEX alert_numbers_by_hash ON alert_numbers(hash);
    CREATE INDEX alert_numbers_by_alert ON alert_numbers(alert_id);
    CREATE TABLE alert_channels (
        region TEXT PRIMARY KEY,
        chat_id INTEGER NOT NULL,
        langs TEXT NOT NULL
    );
    CREATE TABLE alert_outbox (
        id INTEGER PRIMARY KEY,
        alert_id INTEGER NOT NULL,
        chat_id INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('post', 'edit', 'expire', 'retract')),
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending')),
        attempts INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE alert_posts (
        alert_id INTEGER NOT NULL,
        chat_id INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        PRIMARY KEY (alert_id, chat_id)
    );
    CREATE TABLE alert_counts (
        region TEXT NOT NULL,
        month TEXT NOT NULL,
        severity INTEGER NOT NULL,
        alerts INTEGER NOT NULL DEFAULT 0,
        reports INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (region, month, severity)
    );
    CREATE TABLE alert_watch (
        moderator_id INTEGER NOT NULL REFERENCES moderators(id),
        region TEXT NOT NULL,
        PRIMARY KEY (moderator_id, region)
    );
    """,
)


class StoreError(RuntimeError):
    """The database cannot be used; the message says what to check."""


class Store:
    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._db = connection
        self._db.row_factory = sqlite3.Row
        self._lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open(cls, data_dir: Path | str) -> Store:
        """Open (creating if needed) the database and bring its schema up to date."""
        directory = Path(data_dir)
        path = directory / DB_NAME
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            connection = await aiosqlite.connect(path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the database at {path}: {exc}") from exc
        store = cls(connection, path)
        try:
            await connection.execute("PRAGMA journal_mode=WAL")
            await connection.execute("PRAGMA foreign_keys=ON")
            await connection.execute("PRAGMA busy_timeout=5000")
            path.chmod(0o600)
            await store._migrate()
        except (sqlite3.DatabaseError, OSError) as exc:
            await connection.close()
            raise StoreError(
                f"the database at {path} cannot be used ({exc}); restore it from a backup"
            ) from exc
        return store

    async def _migrate(self) -> None:
        version = await self.schema_version()
        if version > len(MIGRATIONS):
            raise sqlite3.DatabaseError(
                f"schema version {version} is newer than this Lantern knows ({len(MIGRATIONS)})"
            )
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

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction: all of it is stored, or none of it."""
        async with self._lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                await self._db.rollback()
                raise
            await self._db.commit()

    async def fetch_all(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        cursor = await self._db.execute(sql, params)
        return list(await cursor.fetchall())

    async def fetch_one(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Row | None:
        cursor = await self._db.execute(sql, params)
        return await cursor.fetchone()

    async def backup(self, target: Path | str) -> Path:
        """An online, consistent copy of the database (SQLite's backup API)."""
        path = Path(target)
        if path.is_dir():
            path = path / DB_NAME
        if path.resolve() == self.path.resolve():
            raise StoreError("the backup must not overwrite the live database")
        make_private_dirs(path.parent)
        # The copy goes into a file that is owner-only from its first byte (never a
        # chmod afterwards: a crash in between would leave a readable copy), and is
        # renamed into place only when complete, so PATH is never half a database.
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.partial")
        os.close(os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        try:
            # SQLite gives its journal the database file's mode, so it is 0600 too.
            async with aiosqlite.connect(temporary) as destination:
                await self._db.backup(destination)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise
        return path

    async def integrity_check(self) -> str:
        cursor = await self._db.execute("PRAGMA integrity_check")
        row = await cursor.fetchone()
        return str(row[0]) if row else "unknown"

    async def close(self) -> None:
        await self._db.close()
