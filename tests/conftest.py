"""Shared fixtures: paths to test content and a knowledge base built from it."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from hypothesis import settings as _hypothesis

from knowledge.base import KnowledgeBase
from knowledge.loader import load_or_raise

DATA = Path(__file__).parent / "data"
SMALL = DATA / "small"
TODAY = date(2026, 11, 21)


@pytest.fixture(scope="session")
def small_snapshot():
    return load_or_raise(SMALL)


@pytest.fixture(scope="session")
def shipped_kb() -> KnowledgeBase:
    """The shipped content, loaded once for the end-to-end tests."""
    from bot.content import load_knowledge
    from knowledge.loader import DEFAULT_CONTENT_DIR

    kb, problems = load_knowledge(DEFAULT_CONTENT_DIR)
    assert problems == []
    return kb


@pytest.fixture
def small_kb(small_snapshot) -> KnowledgeBase:
    return KnowledgeBase(small_snapshot)


@pytest.fixture(autouse=True)
def cheap_moderator_key(monkeypatch):
    """Every test runs with a moderator key configured, as `lantern run` should, and with
    scrypt parameters that cost microseconds instead of ~100 ms per id.
    tests/test_identity.py checks the production parameters; tests about a missing key
    remove the variable themselves."""
    from moderation import identity

    monkeypatch.setattr(identity, "DEFAULT_COST", identity.ScryptCost(n=16, r=1, p=1))
    monkeypatch.setenv("LANTERN_MODERATOR_KEY", "5a" * 32)


@pytest.fixture(autouse=True)
def process_limits_left_alone(monkeypatch):
    """Tests that call `lantern`'s main() in this process must not lower pytest's own core
    limit for good (without CAP_SYS_RESOURCE it cannot be raised again, and the hardening
    tests start the bot with cores allowed). tests/test_hardening.py runs the real thing
    in child processes."""
    from bot import cli

    monkeypatch.setattr(cli, "harden_process", list)


# Property tests draw the same examples on every run (CI must not pass or fail by luck);
# HYPOTHESIS_PROFILE=explore draws new ones, to look for more problems by hand.
_hypothesis.register_profile("ci", derandomize=True)
_hypothesis.register_profile("explore", derandomize=False)
_hypothesis.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# A test module that has any of these names starts the bot against the emulator or as a
# process.
_SLOW_NAMES = ("BotAPIEmulator", "live_bot", "start_lantern", "subprocess")


def pytest_collection_modifyitems(config, items):
    """`slow`: tests that start the bot against the emulator or as a process (the full tier);
    `make test-fast` runs the rest, the domain and handler tests, in seconds."""
    for item in items:
        module = vars(item.module) if item.module is not None else {}
        if any(name in module for name in _SLOW_NAMES):
            item.add_marker(pytest.mark.slow)
