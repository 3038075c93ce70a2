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
