"""Interface strings in bot/locales/: `<lang>.yaml`, plus `<lang>.<area>.yaml` for one area's
strings (moderation, pocket cards); adding a language is adding its files."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from knowledge.taxonomy import DEFAULT_LANGUAGE

LOCALES_DIR = Path(__file__).parent / "locales"
# libyaml's parser where PyYAML was built with it: reading the interface strings (over 60
# files) with the pure-Python one took about a second of every start.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every language's strings, keyed by language code (the file's name)."""
    found: dict[str, dict[str, str]] = {}
    for path in sorted(LOCALES_DIR.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a mapping of strings")
        table = found.setdefault(path.name.split(".")[0], {})
        for key, value in data.items():
            if str(key) in table:
                raise ValueError(f"{path}: {key} is already defined in another file")
            table[str(key)] = str(value)
    if DEFAULT_LANGUAGE not in found:
        raise ValueError(f"{LOCALES_DIR}: the default language file is missing")
    return found


def languages() -> tuple[str, ...]:
    return tuple(catalogue())


def t(lang: str, key: str, **values: object) -> str:
    """The string `key` in `lang` (falling back to the default language), filled in."""
    table = catalogue()
    text = table.get(lang, {}).get(key) or table[DEFAULT_LANGUAGE].get(key)
    if text is None:
        raise KeyError(key)
    return text.format(**values) if values else text


def pick_language(language_code: str | None) -> str:
    """Telegram's language_code ('es-MX', 'pt-br', None) to a language we speak."""
    if language_code:
        base = language_code.split("-")[0].split("_")[0].lower()
        if base in catalogue():
            return base
    return DEFAULT_LANGUAGE
