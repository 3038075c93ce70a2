"""Configuration from environment variables; the token never appears in a repr or error."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.loader import DEFAULT_CONTENT_DIR
from moderation.identity import FoundKey, find_key

DEFAULT_API_URL = "https://api.telegram.org"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
BOT_USERNAME_ENV = "LANTERN_BOT_USERNAME"
BOT_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")


class ConfigError(ValueError):
    """A setting that cannot be used; the message says which and why, never its secret."""


class Secret:
    """A string that will not print itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__


@dataclass(frozen=True)
class Config:
    token: Secret = field(default_factory=lambda: Secret(""))
    api_url: str = DEFAULT_API_URL
    data_dir: Path = Path("data")
    content_dir: Path = DEFAULT_CONTENT_DIR
    log_level: str = "INFO"
    show_examples: bool = False
    webhook_url: str = ""
    webhook_listen: str = "0.0.0.0:8080"
    webhook_secret: Secret = field(default_factory=lambda: Secret(""))
    # The moderator key: a file on another mount (a Docker or systemd secret), or hex in
    # the environment. Never in the data directory, where a seized disk would hold both
    # the hashes and the key to check them.
    moderator_key_file: Path | None = None
    moderator_key: Secret = field(default_factory=lambda: Secret(""))
    # The bot's @username for links the CLI prints (`admin add`, `cards`); without it they
    # ask getMe with the token.
    bot_username: str = ""

    @property
    def base_url(self) -> str:
        """PTB appends the token to this, giving <api_url>/bot<token>/<method>."""
        return f"{self.api_url}/bot"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        token = env.get("LANTERN_BOT_TOKEN", "").strip()
        if token and (":" not in token or any(c.isspace() for c in token)):
            raise ConfigError(
                "LANTERN_BOT_TOKEN does not look like a bot token (expected <digits>:<secret>)"
            )
        api_url = env.get("LANTERN_API_URL", "").strip().rstrip("/") or DEFAULT_API_URL
        if not api_url.startswith(("https://", "http://")):
            raise ConfigError("LANTERN_API_URL must start with https:// or http://")
        level = env.get("LANTERN_LOG_LEVEL", "INFO").strip().upper() or "INFO"
        if level not in LOG_LEVELS:
            raise ConfigError(f"LANTERN_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        content = env.get("LANTERN_CONTENT_DIR", "").strip()
        webhook_url = env.get("LANTERN_WEBHOOK_URL", "").strip()
        if webhook_url and not webhook_url.startswith("https://"):
            raise ConfigError("LANTERN_WEBHOOK_URL must be an https:// address")
        listen = env.get("LANTERN_WEBHOOK_LISTEN", "").strip() or "0.0.0.0:8080"
        host, _, port = listen.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError("LANTERN_WEBHOOK_LISTEN must look like HOST:PORT")
        webhook_secret = env.get("LANTERN_WEBHOOK_SECRET", "").strip()
        if webhook_secret and not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", webhook_secret):
            raise ConfigError(
                "LANTERN_WEBHOOK_SECRET must be 16-256 characters of A-Z, a-z, 0-9, _ and -"
            )
        key_file = env.get("LANTERN_MODERATOR_KEY_FILE", "").strip()
        key_hex = env.get("LANTERN_MODERATOR_KEY", "").strip()
        if key_file and key_hex:
            raise ConfigError(
                "set only one of LANTERN_MODERATOR_KEY_FILE and LANTERN_MODERATOR_KEY"
            )
        if key_hex and not re.fullmatch(r"(?:[0-9a-fA-F]{2}){32,}", key_hex):
            raise ConfigError(
                "LANTERN_MODERATOR_KEY must be at least 64 hex digits "
                "(`lantern admin new-key PATH` makes a key file to use instead)"
            )
        username = env.get(BOT_USERNAME_ENV, "").strip().removeprefix("@")
        if username and not BOT_USERNAME.match(username):
            raise ConfigError(
                f"{BOT_USERNAME_ENV} must be the bot's username as in t.me/USERNAME "
                "(a letter, then letters, digits and _; up to 32 characters)"
            )
        return cls(
            token=Secret(token),
            api_url=api_url,
            data_dir=Path(env.get("LANTERN_DATA_DIR", "").strip() or "data"),
            content_dir=Path(content) if content else DEFAULT_CONTENT_DIR,
            log_level=level,
            show_examples=env.get("LANTERN_SHOW_EXAMPLES", "").strip().lower()
            in {"1", "true", "yes", "on"},
            webhook_url=webhook_url,
            webhook_listen=listen,
            webhook_secret=Secret(webhook_secret),
            moderator_key_file=Path(key_file) if key_file else None,
            moderator_key=Secret(key_hex),
            bot_username=username,
        )

    def find_moderator_key(self, data_dir: Path | None = None) -> FoundKey | None:
        """The moderator key as configured (see moderation.identity.find_key)."""
        return find_key(
            self.data_dir if data_dir is None else Path(data_dir),
            self.moderator_key_file,
            self.moderator_key.reveal(),
        )
