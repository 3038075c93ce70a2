"""moderation/identifying.py: phone numbers, plates, e-mail and @usernames in a tip or a
report note, and none of the numbers tips are full of."""

from __future__ import annotations

import pytest

from moderation.identifying import KINDS, identifying_details


def test_the_review_example_is_caught():
    """UX review A.9: the plate and the number of a dangerous client."""
    text = (
        "warning: guy in silver honda civic plate ABC123 calls from 555-0101, "
        "wont pay and got rough on 3rd ave"
    )
    assert identifying_details(text) == ["phone", "plate"]


@pytest.mark.parametrize(
    "text",
    [
        "555-0101",
        "call 555 0101",
        "(555) 123-4567",
        "555.123.4567",
        "+1 555 123 4567",
        "+44 20 7946 0958",
        "+34 612 345 678",
        "612 345 678",
        "mi número es 612345678",
        "07700 900123",
        "06 12 34 56 78",
        "1-800-273-8255",  # a hotline is still a number: the person decides
        "555 - 0101",
    ],
)
def test_phone_numbers(text):
    assert identifying_details(text) == ["phone"]


@pytest.mark.parametrize(
    "text",
    [
        "plate ABC123",
        "plate abc123",
        "7ABC123",
        "ABC-1234",
        "ABC 123",
        "matrícula 1234 BCD",
        "AB12 CDE",
        "reg AB12CDE",
    ],
)
def test_licence_plates(text):
    assert identifying_details(text) == ["plate"]


def test_email_and_handles():
    assert identifying_details("mail rosa@evil-mail.com") == ["email"]
    assert identifying_details("he is @bad_guy_99 on insta") == ["handle"]
    assert identifying_details("rosa@x.org and @rosa_x") == ["email", "handle"]
    assert identifying_details("mail rosa@x.org") == ["email"]  # not also a handle


@pytest.mark.parametrize(
    "text",
    [
        "150",
        "I charge 150, 200 for the night",
        "$150-200",
        "1500-2000 euros",
        "1.500.000 pesos",
        "$1,500,000",
        "10:30",
        "from 10.30 to 11.45",
        "10.30-11.45",
        "open 9am-5pm",
        "10am-2pm",
        "24h clinic",
        "12/03",
        "12/03/2026",
        "2026-03-12",
        "12.03.2026",
        "24/7",
        "1-800",
        "2019-2024",
        "100mg",
        "2x100",
        "500 ml",
        "3rd ave and 21st st",
        "Avoid the lot behind 5th st",
        "covid-19",
        "COVID19",
        "H1N1",
        "B12 vitamins",
        "US 101",
        "I 95",
        "USD 150",
        "call 1234 now",
        "room 12, floor 3",
        "iPhone14",
        "v1.2.3",
        "meet @ 5",
        "@5pm",
        "see https://clinic.example/page/x1234",
        "the free clinic on Main St is kind, no ID asked",
        "",
    ],
)
def test_everyday_numbers_are_not_flagged(text):
    assert identifying_details(text) == []


def test_kinds_come_in_a_fixed_order_once_each():
    text = "@ana_b 555-0101 ABC123 a@b.org 555-0102 XYZ789"
    assert identifying_details(text) == list(KINDS)
