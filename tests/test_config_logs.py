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
