"""Interface strings: every language has every string, and every topic has a name."""

from __future__ import annotations

import string

import yaml

from bot import i18n
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


def test_the_strings_read_at_start_are_what_the_pure_python_reader_reads():
    # The catalogue is read with libyaml's parser where PyYAML has it, for start-up time;
    # it must read every file exactly as the reference reader does.
    tables = catalogue()
    for path in sorted(i18n.LOCALES_DIR.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        table = tables[path.name.split(".")[0]]
        assert {str(k): str(v) for k, v in data.items()}.items() <= table.items(), path
