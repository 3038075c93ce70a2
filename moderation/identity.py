"""Moderators are known by a slow, keyed hash of their Telegram id, never by the id itself.

Telegram ids are below 10^10, so a fast hash of one is reversed by trying them all: the
HMAC-SHA256 used before took about 30 minutes on two cores for every possible id. Here an
id costs one scrypt computation (memory-hard: about 100 ms and 24 MiB on the reference
server), keyed by a secret that is kept off the data volume (a file on another mount, or
the environment). Without the key the stored hashes cannot be checked at all; with it,
every id still costs the full scrypt, so trying all of them takes CPU-centuries.

Stored form: `scrypt$<log2 N>$<r>$<p>$<hex>` in the moderators table's `user_hash`
column. Rows written by older versions hold a bare HMAC-SHA256 hex (the "legacy" scheme);
each is found and rewritten the first time its moderator is recognised, so nobody loses
access and no schema change is needed.

Because anyone can send /mod, computing a hash is rationed: one computation at a time (off
the event loop), a bounded queue, at most one new computation per person per minute, and
a per-process cache of results for moderators and non-moderators alike, keyed by a salted
hash of the id (never the id). A moderator pays once per process.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from moderation.errors import ModerationError
from moderation.files import make_private_dirs
from moderation.store import Store

LEGACY_KEY_FILE = "moderator.key"  # where versions before the scrypt scheme kept the key
KEY_BYTES = 32
SCHEME = "scrypt"
# A removed moderator's legacy hash is replaced by this prefix and random bytes: the row
# keeps their history (authorship, audit) but no longer anything tied to their id.
ERASED = "erased$"


class ModeratorKeyError(ValueError):
    """The configured moderator key cannot be used; the message says why, never the key."""


class IdentityUnavailable(ModerationError):
    """No hash can be computed now (busy, or no key); the person is told to try later."""


@dataclass(frozen=True)
class ScryptCost:
    """scrypt's parameters. The defaults are the production ones (README, threat model).

    N=2^15, r=6, p=1 needs 128*N*r = 24 MiB per hash and took a median of 96 ms on the
    reference server (2-core AMD EPYC, Python 3.11, OpenSSL). Tests pass cheaper ones.
    """

    n: int = 2**15
    r: int = 6
    p: int = 1

    def __post_init__(self) -> None:
        if self.n < 2 or self.n & (self.n - 1) or self.r < 1 or self.p < 1:
            raise ValueError("scrypt needs N a power of two above 1, and r, p >= 1")

    @property
    def memory(self) -> int:
        return 128 * self.n * self.r * self.p

    @property
    def prefix(self) -> str:
        return f"{SCHEME}${self.n.bit_length() - 1}${self.r}${self.p}$"


# What an Identity uses unless told otherwise; the test suite swaps in a cheap one.
DEFAULT_COST = ScryptCost()


# ----- the key --------------------------------------------------------------------------


def parse_key(raw: bytes) -> bytes:
    """A key file holds hex text (what `new-key` writes) or raw bytes (the legacy file)."""
    text = raw.strip()
    try:
        if len(text) >= 2 * KEY_BYTES:
            return bytes.fromhex(text.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        pass
    if len(raw) < KEY_BYTES:
        raise ModeratorKeyError(f"the key is too short (at least {KEY_BYTES} bytes are needed)")
    return raw


def read_key_file(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ModeratorKeyError(f"cannot read the key file {path}: {exc.strerror}") from exc
    try:
        return parse_key(raw)
    except ModeratorKeyError as exc:
        raise ModeratorKeyError(f"{path}: {exc}") from exc


def write_key_file(path: Path, key: bytes | None = None) -> bytes:
    """Write a key (new, or given) as hex to a new file that is 0600 from its first byte."""
    key = secrets.token_bytes(KEY_BYTES) if key is None else key
    make_private_dirs(path.parent)
    # O_EXCL: never overwrite a key, which would lock every moderator out.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return key


def inside(path: Path, directory: Path) -> bool:
    """Whether `path` is in `directory` (after resolving links), i.e. on the data volume."""
    try:
        path.resolve().relative_to(directory.resolve())
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class FoundKey:
    """The key to use, where it came from, and the key of any legacy file to migrate from."""

    key: bytes = field(repr=False)
    source: str
    in_data_dir: bool
    legacy_key: bytes | None = field(default=None, repr=False)

    @property
    def legacy_file(self) -> bool:
        """Whether the old `moderator.key` is still in the data directory."""
        return self.legacy_key is not None


def find_key(data_dir: Path, key_file: Path | None, key_hex: str) -> FoundKey | None:
    """The configured key (file, else environment), else the legacy one in the data dir.

    None when there is none at all. Raises ModeratorKeyError when a configured key is
    unusable: that is never silently replaced by another.
    """
    legacy_path = data_dir / LEGACY_KEY_FILE
    legacy = read_key_file(legacy_path) if legacy_path.exists() else None
    if key_file is not None:
        key = read_key_file(key_file)
        return FoundKey(
            key, f"LANTERN_MODERATOR_KEY_FILE ({key_file})", inside(key_file, data_dir), legacy
        )
    if key_hex:
        return FoundKey(parse_key(key_hex.encode()), "LANTERN_MODERATOR_KEY", False, legacy)
    if legacy is not None:
        return FoundKey(legacy, f"{legacy_path} (the old place)", True, legacy)
    return None


# ----- hashing ----------------------------------------------------------------------------


def scrypt_hash(key: bytes, user_id: int, cost: ScryptCost) -> str:
    digest = hashlib.scrypt(
        f"user:{user_id}".encode(),
        salt=key,
        n=cost.n,
        r=cost.r,
        p=cost.p,
        maxmem=cost.memory + 2**20,
        dklen=32,
    )
    return cost.prefix + digest.hex()


def legacy_hash(key: bytes, user_id: int) -> str:
    """The scheme before scrypt: HMAC-SHA256, only ever computed to find and replace it."""
    return hmac.new(key, f"user:{user_id}".encode(), hashlib.sha256).hexdigest()


def _legacy_rows_sql(select: str) -> str:
    return (
        f"SELECT {select} FROM moderators "
        f"WHERE substr(user_hash, 1, {len(SCHEME) + 1}) != '{SCHEME}$' "
        f"AND substr(user_hash, 1, {len(ERASED)}) != '{ERASED}'"
    )


async def legacy_moderators(store: Store) -> int:
    """How many active moderators still carry an old-scheme hash."""
    row = await store.fetch_one(_legacy_rows_sql("COUNT(*)") + " AND active = 1")
    return int(row[0]) if row else 0


async def erase_removed_legacy_hashes(store: Store) -> int:
    """Removed moderators will not come back to be upgraded: drop their old hashes."""
    rows = await store.fetch_all(_legacy_rows_sql("id") + " AND active = 0")
    async with store.transaction() as db:
        for row in rows:
            await db.execute(
                "UPDATE moderators SET user_hash = ? WHERE id = ?",
                (ERASED + secrets.token_hex(16), row["id"]),
            )
    return len(rows)


class Identity:
    """Turns a Telegram id into its stored moderator hash: slowly, rationed, once per process."""

    def __init__(
        self,
        key: bytes,
        *,
        legacy_key: bytes | None = None,
        cost: ScryptCost | None = None,
        cache_limit: int = 2048,
        cache_idle_seconds: float = 12 * 3600,
        retry_seconds: float = 60.0,
        max_waiting: int = 4,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if len(key) < KEY_BYTES:
            raise ModeratorKeyError("moderator key too short")
        self._key = key
        self._legacy_key = legacy_key or key
        # Read when constructed (not at import) so a test suite can make all of them cheap.
        self.cost = cost or DEFAULT_COST
        # A fresh salt per process: cache keys mean nothing after a restart or elsewhere.
        self._salt = secrets.token_bytes(32)
        self._cache: OrderedDict[bytes, tuple[float, str]] = OrderedDict()
        self._recent: dict[bytes, float] = {}
        self._pending: dict[bytes, asyncio.Future[str]] = {}
        self._lock = asyncio.Lock()
        self._waiting = 0
        self.cache_limit = cache_limit
        self.cache_idle_seconds = cache_idle_seconds
        self.retry_seconds = retry_seconds
        self.max_waiting = max_waiting
        self._clock = clock
        self._store: Store | None = None
        self._legacy_rows = 0
        self.computed = 0  # how many scrypt hashes this process has computed (for tests)

    async def attach(self, store: Store) -> None:
        """Upgrade old-scheme rows in `store` as their moderators are recognised."""
        self._store = store
        row = await store.fetch_one(_legacy_rows_sql("COUNT(*)"))
        self._legacy_rows = int(row[0]) if row else 0

    def _slot(self, user_id: int) -> bytes:
        return hmac.new(self._salt, str(user_id).encode(), hashlib.sha256).digest()[:16]

    def _expire(self, now: float) -> None:
        while self._cache:
            slot, (touched, _) = next(iter(self._cache.items()))
            if now - touched < self.cache_idle_seconds:
                break
            del self._cache[slot]
        for slot in [s for s, at in self._recent.items() if now - at >= self.retry_seconds]:
            del self._recent[slot]

    async def user_hash(self, user_id: int) -> str:
        """The stored form of this id; raises IdentityUnavailable when rationed."""
        now = self._clock()
        self._expire(now)
        slot = self._slot(user_id)
        cached = self._cache.get(slot)
        if cached is not None:
            self._cache[slot] = (now, cached[1])
            self._cache.move_to_end(slot)
            return cached[1]
        pending = self._pending.get(slot)
        if pending is not None:  # the same person twice at once: share one computation
            return await asyncio.shield(pending)
        if slot in self._recent or self._waiting >= self.max_waiting:
            raise IdentityUnavailable("busy")
        self._recent[slot] = now
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._pending[slot] = future
        self._waiting += 1
        try:
            async with self._lock:  # one scrypt at a time: at most one core, ever
                value = await asyncio.to_thread(scrypt_hash, self._key, user_id, self.cost)
                self.computed += 1
                try:
                    await self._upgrade(user_id, value)
                except Exception as exc:
                    # Not cached, so it is tried again (a minute later): caching the new
                    # hash now would leave an old-scheme moderator unrecognised until restart.
                    raise IdentityUnavailable("busy") from exc
            self._remember(slot, value)
            future.set_result(value)
            return value
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                future.cancel()
            else:
                future.set_exception(exc)
                future.exception()  # marked as retrieved: nobody else may be waiting
            raise
        finally:
            self._waiting -= 1
            del self._pending[slot]

    def _remember(self, slot: bytes, value: str) -> None:
        self._cache[slot] = (self._clock(), value)
        self._cache.move_to_end(slot)
        while len(self._cache) > self.cache_limit:
            self._cache.popitem(last=False)

    async def _upgrade(self, user_id: int, new_hash: str) -> None:
        """Replace this person's old-scheme hash, if the database still has one."""
        if self._store is None or self._legacy_rows == 0:
            return
        old = legacy_hash(self._legacy_key, user_id)
        found = await self._store.fetch_one("SELECT id FROM moderators WHERE user_hash = ?", (old,))
        if found is None:
            return
        async with self._store.transaction() as db:
            cursor = await db.execute("SELECT id FROM moderators WHERE user_hash = ?", (new_hash,))
            # Someone who joined again under the new scheme keeps that row; the old one
            # keeps its history but loses the crackable hash.
            replacement = new_hash if await cursor.fetchone() is None else None
            await db.execute(
                "UPDATE moderators SET user_hash = ? WHERE id = ?",
                (replacement or ERASED + secrets.token_hex(16), found["id"]),
            )
        self._legacy_rows -= 1

    def __repr__(self) -> str:
        return "Identity(<key>)"


class NoIdentity(Identity):
    """No key is configured: nobody is recognised as a moderator, everyone is told why
    (the `moderation_off` problem, in their language; `reason` is the English of it)."""

    def __init__(self, reason: str) -> None:
        # Deliberately not Identity.__init__: there is no key, so nothing else to set up.
        self.reason = reason

    async def attach(self, store: Store) -> None:
        return None

    async def user_hash(self, user_id: int) -> str:
        raise IdentityUnavailable("moderation_off")

    def __repr__(self) -> str:
        return "NoIdentity()"
