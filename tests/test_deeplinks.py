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
