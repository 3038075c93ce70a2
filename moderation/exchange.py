"""Peer tips in and out as YAML, in the format of knowledge/content/, for partners."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from knowledge.dump import dump_yaml, entry_record
from knowledge.loader import REGIONS_FILE, Problem, describe, read_yaml
from knowledge.model import Entry, Kind
from knowledge.normalize import tokens
from knowledge.taxonomy import LANGUAGES
from moderation.drafts import DRAFT_KINDS, Draft, DraftText, clean
from moderation.workflow import DEFAULT_REVIEW, Moderation, ModerationError

EXPORT_FILE = "peer-tips.yaml"


class _Literal(str):
    """A body written as a YAML block, so exported files read like the shipped ones."""


def _literal(dumper: yaml.SafeDumper, value: _Literal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")


yaml.SafeDumper.add_representer(_Literal, _literal)


def _keywords(entry: Entry, lang: str) -> list[str]:
    """The entry's search words, topped up from its title so the format's minimum holds."""
    words = list(entry.texts[lang].keywords)
    for word in tokens(entry.texts[lang].title):
        if len(words) >= 3:
            break
        if word not in words:
            words.append(word)
    for topic in entry.topics:
        if len(words) >= 3:
            break
        words.append(topic.replace("-", " "))
    return words


def entry_to_yaml(entry: Entry) -> dict:
    """The content-format record, with bodies as YAML blocks and enough search words."""
    record = entry_record(entry)
    for lang in LANGUAGES:
        block = record.get(lang)
        if block is None:
            continue
        block["body"] = _Literal(entry.texts[lang].body.rstrip() + "\n")
        block["keywords"] = _keywords(entry, lang)
        if entry.kind is Kind.RIGHTS:
            block.setdefault("jurisdiction", "")
    return record


async def export_tips(moderation: Moderation, directory: Path) -> Path:
    """Write every published peer tip to DIR/peer-tips.yaml; returns the file."""
    directory.mkdir(parents=True, exist_ok=True)
    entries = await moderation.published()
    path = directory / EXPORT_FILE
    header = (
        "# Peer tips published by Lantern moderators, in the knowledge/content format.\n"
        "# Tips written in one language only need a translation before `lantern validate`\n"
        "# accepts them as shipped content.\n"
    )
    body = dump_yaml({"entries": [entry_to_yaml(e) for e in entries]})
    path.write_text(header + body, encoding="utf-8")
    return path


class _Unfit(ValueError):
    """An imported entry with a value of the wrong shape, at a line of its file."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def _line(raw: Any, key: str | None = None) -> int:
    """The line of `key` in a mapping read by `read_yaml` (of the mapping without a key)."""
    if key is not None and hasattr(raw, "line_of"):
        return int(raw.line_of(key))
    return int(getattr(raw, "line", 1) or 1)


def _text(block: dict, key: str, lang: str) -> str:
    """A text field of a language block: text, or nothing; never str() of a list."""
    value = block.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Unfit(_line(block, key), f"'{lang}.{key}' must be text, not {describe(value)}")
    return value


def _words(raw: dict, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    """A list of words (topics, regions, keywords): each item must be text."""
    value = raw.get(key)
    if value is None:
        return default
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Unfit(_line(raw, key), f"'{key}' must be a list of words")
    return tuple(v for v in value if v.strip())


def _draft_from(raw: dict, today: date) -> Draft:
    """A draft from one imported entry; raises _Unfit or ModerationError when it is not one.

    Every value's type is checked before it is used, so a list where a word belongs is a
    message with its line, never a crash or the text of a list.
    """
    kind_raw = raw.get("kind", "tip")
    if not isinstance(kind_raw, str) or kind_raw not in {k.value for k in Kind}:
        raise _Unfit(
            _line(raw, "kind"), f"'kind' must be tip or rights, not {describe(kind_raw)}"
        )
    kind = Kind(kind_raw)
    if kind not in DRAFT_KINDS:
        raise ModerationError("import_kind")
    texts = {}
    jurisdiction = ""
    for lang in LANGUAGES:
        block = raw.get(lang)
        if block is None:
            continue
        if not isinstance(block, dict):
            raise _Unfit(_line(raw, lang), f"'{lang}' must be a mapping with title and body")
        texts[lang] = DraftText(
            clean(_text(block, "title", lang)),
            _text(block, "body", lang).strip(),
            _words(block, "keywords"),
        )
        jurisdiction = jurisdiction or clean(_text(block, "jurisdiction", lang))
    review_by = raw.get("review_by")
    if not isinstance(review_by, date) or review_by <= today:
        review_by = today + DEFAULT_REVIEW
    return Draft(
        kind=kind,
        topics=_words(raw, "topics"),
        regions=_words(raw, "regions") or ("global",),
        texts=texts,
        review_by=review_by,
        jurisdiction=jurisdiction,
    )


async def import_tips(
    moderation: Moderation, directory: Path, regions: set[str]
) -> tuple[int, list[str]]:
    """Load YAML entries into the review queue. Returns (queued, problems).

    Files are read by the content loader's safe reader (size cap, no aliases, plain data
    only); each problem is `path:line: message`.
    """
    queued = 0
    found: list[str] = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name == REGIONS_FILE:
            continue
        problems: list[Problem] = []
        data = read_yaml(path, str(path), problems)
        found.extend(str(p) for p in problems)
        if problems or data is None:
            if not problems:
                found.append(f"{path}:1: expected a top-level 'entries:' list")
            continue
        items = data.get("entries") if isinstance(data, dict) else None
        if not isinstance(items, list):
            found.append(f"{path}:{_line(data)}: expected a top-level 'entries:' list")
            continue
        for number, raw in enumerate(items, start=1):
            if not isinstance(raw, dict):
                found.append(f"{path}:{_line(items)}: entry {number}: not a mapping")
                continue
            entry_id = raw.get("id")
            label = entry_id if isinstance(entry_id, str) else f"entry {number}"
            where = f"{path}:{_line(raw)}: {label}"
            try:
                draft = _draft_from(raw, moderation.today())
            except _Unfit as exc:
                found.append(f"{path}:{exc.line}: {label}: {exc}")
                continue
            except ModerationError as exc:
                found.append(f"{where}: {exc}")
                continue
            except Exception as exc:  # a shape no check foresaw: report it, import the rest
                found.append(f"{where}: unexpected value ({type(exc).__name__})")
                continue
            try:
                await moderation.submit(None, draft, regions)
                queued += 1
            except (ModerationError, ValueError, TypeError) as exc:
                found.append(f"{where}: {exc}")
    return queued, found
