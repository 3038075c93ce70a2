"""Per-user preferences: memory only, bounded by bytes and idle time, hashed keys."""

from __future__ import annotations

from bot.remembered.prefs import Preferences


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


def test_language_forgotten_after_an_idle_hour_safety_settings_after_two_days():
    clock = Clock()
    prefs = Preferences(clock=clock)
    prefs.set(1, lang="es", discreet=True, vanish_minutes=5)
    clock.now = 3599
    assert prefs.get(1).lang == "es"  # touching it keeps it alive
    clock.now = 3599 + 3600 + 3600 / 16  # slices of a sixteenth: at most that much late
    pref = prefs.get(1)
    assert pref.lang is None and pref.discreet and pref.vanish_minutes == 5
    clock.now += 48 * 3600 - 1
    assert prefs.peek(1).discreet  # 48 h after the last activity, not the first
    clock.now += 48 * 3600 / 16 + 1
    assert prefs.get(1) is None
    assert len(prefs) == 0


def test_never_forgotten_because_others_came():
    prefs = Preferences()
    prefs.set(0, discreet=True, vanish_minutes=30)
    for user in range(1, 30_001):
        prefs.set(user, lang="en", region="us")
    assert len(prefs) == 30_001
    pref = prefs.get(0)
    assert pref.discreet and pref.vanish_minutes == 30 and pref.kept


def test_a_full_budget_refuses_newcomers_and_says_so():
    prefs = Preferences(safety_bytes=20 * 170)
    results = [prefs.set(user, discreet=True) for user in range(100)]
    refused = [user for user, pref in enumerate(results) if not pref.kept]
    assert refused and refused == list(range(refused[0], 100))  # the first keep theirs
    assert prefs.get(0).discreet and prefs.get(99) is None
    # Turning a setting off always works, and frees room for someone else.
    assert prefs.set(0, discreet=False).kept
    assert prefs.set(99, discreet=True).kept


def test_raw_ids_are_not_kept_as_keys():
    prefs = Preferences()
    prefs.set(123456789, lang="es")
    keys = prefs.keys()
    assert keys and all(isinstance(k, bytes) and b"123456789" not in k for k in keys)
    # Another process (a fresh salt) files the same person under another key.
    other = Preferences()
    other.set(123456789, lang="es")
    assert other.keys() != keys


def test_a_million_peoples_privacy_settings_fit_their_budget():
    """Discreet and disappearing mode are kept 48 hours: the budget holds 1,000,000 people
    (each setting as the budget counts it, the largest value a setting can take)."""
    from bot.remembered import prefs
    from bot.remembered.memory import ENTRY_BYTES, value_bytes

    largest = 1 | (24 * 60) << 1  # discreet on, the longest disappearing time
    per_person = ENTRY_BYTES + value_bytes(largest)
    assert per_person <= 144
    assert prefs.SAFETY_BYTES // per_person >= 1_000_000
