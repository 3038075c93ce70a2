from __future__ import annotations

import re

import pytest

from bot import deeplinks
from bot.deeplinks import Link


@pytest.mark.parametrize(
    "link",
    [
        Link("entry", "screening-basics"),
        Link("entry", "screening-basics", "es"),
        Link("topic", "overdose", "en", "us"),
        Link("topic", "check-in", None, "example"),
    ],
)
def test_round_trip(link):
    payload = deeplinks.encode(link)
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", payload)
    assert deeplinks.decode(payload) == link


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "",
        "x",
        "e",
        "e_",
        "q_thing",
        "e_UPPER",
        "e_ok_xx_yy",
        "e_ok_r-",
        "e_" + "a" * 70,
        "e_ok/../x",
        "e_ok_es_es",
    ],
)
def test_unknown_payloads_are_none(payload):
    assert deeplinks.decode(payload) is None


@pytest.mark.parametrize(
    ("discreet", "minutes", "payload"),
    [(True, None, "z_d"), (False, 30, "z_v30"), (True, 5, "z_d-v5"), (True, 60, "z_d-v60")],
)
def test_settings_links_carry_the_settings_and_nothing_else(discreet, minutes, payload):
    link = deeplinks.settings(discreet, minutes)
    assert deeplinks.encode(link) == payload
    back = deeplinks.decode(payload)
    assert back == link and back.discreet == discreet and back.vanish_minutes == minutes
    assert back.lang is None and back.region is None


def test_settings_links_turn_on_only_what_lantern_offers():
    assert deeplinks.settings(False, None) is None  # nothing to turn on: no link
    with pytest.raises(ValueError):
        deeplinks.settings(True, 7)
    for payload in ("z_", "z_v7", "z_v", "z_x", "z_d_es", "z_d-v30_r-uk", "z_dd", "z_v30-d"):
        assert deeplinks.decode(payload) is None, payload


@pytest.mark.parametrize(
    "link",
    [
        Link("entry", "screening-new-client", "es", "us"),
        Link("entry", "violence-after-assault-first-steps"),
        Link("topic", "coercion", "en"),
    ],
)
def test_code_links_round_trip_without_naming_what_they_open(link):
    """A printed discreet card's link: an opaque code that only the content resolves."""
    payload = deeplinks.encode(deeplinks.coded(link))
    assert re.fullmatch(r"c_[0-9a-f]{8}(_[a-z]{2})?(_r-[a-z-]+)?", payload)
    for word in link.target.split("-"):
        assert word not in payload
    ids = ["screening-basics", "screening-new-client", "violence-after-assault-first-steps"]
    assert deeplinks.resolve(deeplinks.decode(payload), ids) == link


def test_unknown_or_malformed_codes_lead_nowhere():
    unknown = deeplinks.decode("c_00000000_en")
    assert unknown == Link("code", "00000000", "en")
    assert deeplinks.resolve(unknown, ["screening-basics"]) is None
    for payload in ("c_", "c_0123456", "c_0123456789", "c_ABCDEF01", "c_screening", "c_g1234567"):
        assert deeplinks.decode(payload) is None, payload
    plain = Link("entry", "screening-basics")
    assert deeplinks.resolve(plain, []) is plain  # only codes are looked up
    assert deeplinks.resolve(None, ["screening-basics"]) is None


def test_a_code_two_ids_share_resolves_to_neither(monkeypatch):
    monkeypatch.setattr(deeplinks, "short_code", lambda kind, target: "0badc0de")
    assert deeplinks.resolve(Link("code", "0badc0de"), ["a1", "b2"]) is None
