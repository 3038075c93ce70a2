"""Configuration from the environment, and a token that never shows."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from bot import logs
from bot.config import DEFAULT_API_URL, Config, ConfigError

TOKEN = "123456789:AAH-secret-token-value-for-tests_XYZ"


def test_defaults():
    config = Config.from_env({})
    assert config.api_url == DEFAULT_API_URL
    assert config.data_dir == Path("data")
    assert config.base_url == "https://api.telegram.org/bot"
    assert not config.token and not config.show_examples


def test_values_from_environment():
    config = Config.from_env(
        {
            "LANTERN_BOT_TOKEN": TOKEN,
            "LANTERN_API_URL": "http://127.0.0.1:8081/",
            "LANTERN_DATA_DIR": "/srv/lantern",
            "LANTERN_CONTENT_DIR": "/srv/content",
            "LANTERN_LOG_LEVEL": "debug",
            "LANTERN_SHOW_EXAMPLES": "1",
        }
    )
    assert config.token.reveal() == TOKEN
    assert config.base_url == "http://127.0.0.1:8081/bot"
    assert config.data_dir == Path("/srv/lantern")
    assert config.content_dir == Path("/srv/content")
    assert config.log_level == "DEBUG" and config.show_examples


def test_token_never_in_repr_or_str():
    config = Config.from_env({"LANTERN_BOT_TOKEN": TOKEN})
    assert TOKEN not in repr(config)
    assert TOKEN not in str(config)
    assert "secret" not in repr(config.token)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LANTERN_BOT_TOKEN": "not a token"}, "does not look like a bot token"),
        ({"LANTERN_API_URL": "ftp://x"}, "must start with"),
        ({"LANTERN_LOG_LEVEL": "LOUD"}, "LANTERN_LOG_LEVEL"),
    ],
)
def test_bad_settings_are_explained(env, message):
    with pytest.raises(ConfigError, match=message):
        Config.from_env(env)


def test_bad_token_error_does_not_echo_it():
    with pytest.raises(ConfigError) as info:
        Config.from_env({"LANTERN_BOT_TOKEN": "12345 secretpart"})
    assert "secretpart" not in str(info.value)


def test_token_is_redacted_from_every_log_line_and_traceback():
    stream = io.StringIO()
    logs.configure("DEBUG", TOKEN, stream=stream)
    log = logging.getLogger("lantern.test")
    log.info("calling https://api.telegram.org/bot%s/getMe", TOKEN)
    try:
        raise RuntimeError(f"failed for {TOKEN}")
    except RuntimeError:
        log.exception("boom")
    log.info("other token-shaped 987654321:ABCdefGHIjklMNOpqrSTUvwxYZ012")
    output = stream.getvalue()
    assert TOKEN not in output
    assert "secret-token" not in output
    assert "987654321:ABC" not in output
    assert output.count("<token>") == 3


def test_library_loggers_stay_quiet_even_at_debug():
    logs.configure("DEBUG", stream=io.StringIO())
    for name in ("httpx", "telegram", "telegram.ext.Application"):
        assert not logging.getLogger(name).isEnabledFor(logging.INFO)
    assert logging.getLogger("lantern").isEnabledFor(logging.DEBUG)


def test_moderator_key_settings(tmp_path):
    key = "ab" * 32
    config = Config.from_env({"LANTERN_MODERATOR_KEY": key})
    assert config.moderator_key.reveal() == key and config.moderator_key_file is None
    assert key not in repr(config) and key not in str(config)
    from_file = Config.from_env({"LANTERN_MODERATOR_KEY_FILE": str(tmp_path / "k")})
    assert from_file.moderator_key_file == tmp_path / "k" and not from_file.moderator_key
    assert Config.from_env({}).find_moderator_key(tmp_path) is None
    assert Config.from_env({"LANTERN_MODERATOR_KEY": key}).find_moderator_key(tmp_path).key == (
        bytes.fromhex(key)
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"LANTERN_MODERATOR_KEY": "ab" * 32, "LANTERN_MODERATOR_KEY_FILE": "/run/k"},
            "only one of",
        ),
        ({"LANTERN_MODERATOR_KEY": "secret-but-not-hex-" * 4}, "at least 64 hex digits"),
        ({"LANTERN_MODERATOR_KEY": "ab" * 16}, "at least 64 hex digits"),
    ],
)
def test_bad_moderator_key_settings_are_explained_without_echoing(env, message):
    with pytest.raises(ConfigError, match=message) as caught:
        Config.from_env(env)
    assert env["LANTERN_MODERATOR_KEY"] not in str(caught.value)
