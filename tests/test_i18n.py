"""Interface strings: every language has every string, and every topic has a name."""

from __future__ import annotations

import string

from bot.i18n import catalogue, pick_language, t
from knowledge.taxonomy import ALL_TOPICS, CATEGORIES


def test_every_locale_has_the_same_keys():
    tables = catalogue()
    reference = set(tables["en"])
    for lang, table in tables.items():
        assert set(table) == reference, f"{lang} differs from en"


def test_placeholders_match_across_languages():
    tables = catalogue()

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    for key, text in tables["en"].items():
        for lang, table in tables.items():
            assert fields(table[key]) == fields(text), f"{lang}:{key}"


def test_every_topic_and_category_is_named_in_every_language():
    for lang in catalogue():
        for topic in ALL_TOPICS:
            assert t(lang, f"topic.{topic}")
        for category in CATEGORIES:
            assert t(lang, f"category.{category}")


def test_language_from_telegram_code():
    assert pick_language("es-MX") == "es"
    assert pick_language("ES") == "es"
    assert pick_language("fr-CA") == "fr"
    assert pick_language("de") == "en"
    assert pick_language(None) == "en"
