"""Per-user preferences: memory only, bounded, expire after an idle hour, hashed keys."""

from __future__ import annotations

from bot.prefs import Preferences


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_set_and_get():
    prefs = Preferences()
    prefs.set(42, lang="es")
    prefs.set(42, region="us")
    pref = prefs.get(42)
    assert (pref.lang, pref.region) == ("es", "us")
    assert prefs.get(43) is None


def test_forgotten_after_an_idle_hour():
    clock = Clock()
    prefs = Preferences(clock=clock)
    prefs.set(1, lang="es")
    clock.now = 3599
    assert prefs.get(1) is not None  # touching it keeps it alive
    clock.now = 3599 + 3600
    assert prefs.get(1) is None
    assert len(prefs) == 0


def test_bounded_in_size():
    prefs = Preferences(max_users=100)
    for user in range(1000):
        prefs.set(user, lang="en")
    assert len(prefs) == 100
    assert prefs.get(0) is None and prefs.get(999) is not None


def test_raw_ids_are_not_kept_as_keys():
    prefs = Preferences()
    prefs.set(123456789, lang="es")
    keys = prefs.keys()
    assert keys and all(isinstance(k, bytes) and b"123456789" not in k for k in keys)
    # Another process (a fresh salt) files the same person under another key.
    other = Preferences()
    other.set(123456789, lang="es")
    assert other.keys() != keys
