"""Moderators are known by a keyed hash of their Telegram id, never by the id itself.

The key lives in the data directory, apart from the database rows, so a copied database
alone does not reveal who moderates; without the key the hashes cannot be checked
against a list of suspected ids.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_FILE = "moderator.key"
KEY_BYTES = 32


class Identity:
    def __init__(self, key: bytes) -> None:
        if len(key) < KEY_BYTES:
            raise ValueError("moderator key too short")
        self._key = key

    @classmethod
    def load_or_create(cls, data_dir: Path | str) -> Identity:
        path = Path(data_dir) / KEY_FILE
        if path.exists():
            return cls(path.read_bytes())
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = secrets.token_bytes(KEY_BYTES)
        # Created with owner-only permissions from the first byte.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        return cls(key)

    def user_hash(self, user_id: int) -> str:
        return hmac.new(self._key, f"user:{user_id}".encode(), hashlib.sha256).hexdigest()

    def __repr__(self) -> str:
        return "Identity(<key>)"
