"""Peer tips in and out as YAML, in the format of knowledge/content/, for partners."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from knowledge.dump import entry_record
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
    body = yaml.safe_dump(
        {"entries": [entry_to_yaml(e) for e in entries]},
        allow_unicode=True,
        sort_keys=False,
        width=100,
    )
    path.write_text(header + body, encoding="utf-8")
    return path


def _draft_from(raw: dict, today: date) -> Draft:
    kind = Kind(raw.get("kind", "tip"))
    if kind not in DRAFT_KINDS:
        raise ModerationError("only tip and rights entries can be imported for review")
    texts = {}
    jurisdiction = ""
    for lang in LANGUAGES:
        block = raw.get(lang)
        if isinstance(block, dict):
            texts[lang] = DraftText(
                clean(str(block.get("title", ""))),
                str(block.get("body", "")).strip(),
                tuple(str(k) for k in block.get("keywords", []) if str(k).strip()),
            )
            jurisdiction = jurisdiction or clean(str(block.get("jurisdiction", "")))
    review_by = raw.get("review_by")
    if not isinstance(review_by, date) or review_by <= today:
        review_by = today + DEFAULT_REVIEW
    return Draft(
        kind=kind,
        topics=tuple(raw.get("topics") or ()),
        regions=tuple(raw.get("regions") or ("global",)),
        texts=texts,
        review_by=review_by,
        jurisdiction=jurisdiction,
    )


async def import_tips(
    moderation: Moderation, directory: Path, regions: set[str]
) -> tuple[int, list[str]]:
    """Load YAML entries into the review queue. Returns (queued, problems as path: msg)."""
    queued = 0
    found: list[str] = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name == "regions.yaml":
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
            found.append(f"{path}: cannot read: {exc}")
            continue
        items = data.get("entries") if isinstance(data, dict) else None
        if not isinstance(items, list):
            found.append(f"{path}: expected a top-level 'entries:' list")
            continue
        for number, raw in enumerate(items, start=1):
            label = raw.get("id", f"entry {number}") if isinstance(raw, dict) else number
            try:
                if not isinstance(raw, dict):
                    raise ModerationError("not a mapping")
                draft = _draft_from(raw, moderation.today())
                await moderation.submit(None, draft, regions)
                queued += 1
            except (ModerationError, ValueError, TypeError) as exc:
                found.append(f"{path}: {label}: {exc}")
    return queued, found
