"""Peer tips in and out as YAML, in the format of knowledge/content/, for partners: an
export is a content directory `lantern validate` accepts, and importing it again queues
only what the database does not already have."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from knowledge.dump import dump_yaml, entry_record
from knowledge.loader import (
    ORDER_FILE,
    REFERRAL_FLAG_KEYS,
    REGIONS_FILE,
    Problem,
    check_entry,
    content_files,
    describe,
    read_yaml,
)
from knowledge.model import Entry, Kind, Region
from knowledge.normalize import tokens
from knowledge.taxonomy import EXAMPLE_REGION, GLOBAL_REGION, LANGUAGES, REQUIRED_LANGUAGES
from moderation.drafts import DRAFT_KINDS, Draft, DraftText, clean
from moderation.workflow import DEFAULT_REVIEW, Moderation, ModerationError

EXPORT_FILE = "peer-tips.yaml"
# Tips not yet in every language content must be written in (REQUIRED_LANGUAGES): beside
# the export, where `lantern validate` does not look, but `import` does.
UNTRANSLATED_DIR = "needs-translation"
EXPORT_HEADER = (
    "# Peer tips published by Lantern moderators, in the knowledge/content format\n"
    "# (`lantern export`): `lantern validate` checks this directory as it checks content.\n"
)
UNTRANSLATED_HEADER = (
    "# Peer tips published by Lantern moderators, not yet in every language content is\n"
    "# written in (`lantern export`). Translate an entry, then move it to ../peer-tips.yaml.\n"
)
REGIONS_HEADER = "# The regions the exported tips are for (`lantern export`).\n"
ORDER_TEXT = (
    "# No entry goes first: the shipped order.yaml names entries this export does not have.\n"
    "first: []\n"
)


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


def _by_tip(entry: Entry) -> tuple[int, str]:
    """Oldest tip first, so importing an export into a fresh database numbers the tips as
    they were (peer-1 stays peer-1 when no tip was ever rejected or retired)."""
    origin = entry.origin.rsplit(" ", 1)[-1]
    return (int(origin) if origin.isdigit() else 0, entry.id)


def _regions_file(used: Iterable[str], known: Iterable[Region]) -> str:
    """regions.yaml for the regions the tips use (and the two the format requires), with
    a name in every language (another language's, or the slug, where one is missing)."""
    names = {r.slug: r for r in known}
    slugs = sorted({GLOBAL_REGION, EXAMPLE_REGION, *used})
    records = []
    for slug in slugs:
        region = names.get(slug)
        given = dict(region.names) if region is not None else {}
        fallback = next((n for n in given.values() if n), slug)
        wanted = [lang for lang in LANGUAGES if lang in REQUIRED_LANGUAGES or given.get(lang)]
        records.append({"slug": slug, **{lang: given.get(lang) or fallback for lang in wanted}})
    return REGIONS_HEADER + dump_yaml({"regions": records})


def _entries_file(entries: list[Entry], header: str) -> str:
    return header + dump_yaml({"entries": [entry_to_yaml(e) for e in entries]})


async def export_tips(
    moderation: Moderation, directory: Path, regions: Iterable[Region] = ()
) -> Path:
    """Write every published peer tip into DIR as a content directory `lantern validate`
    accepts: peer-tips.yaml (tips in every language), regions.yaml (the regions they use,
    named from `regions`), an empty order.yaml; tips in fewer languages go to
    needs-translation/peer-tips.yaml, which `validate` does not read and `import` does.
    Returns the path of peer-tips.yaml."""
    directory.mkdir(parents=True, exist_ok=True)
    entries = sorted(await moderation.published(), key=_by_tip)
    complete = [e for e in entries if set(REQUIRED_LANGUAGES) <= set(e.texts)]
    partial = [e for e in entries if e not in complete]
    known = [*regions, *await moderation.regions()]
    used = {slug for e in entries for slug in e.regions}
    (directory / REGIONS_FILE).write_text(_regions_file(used, known), encoding="utf-8")
    (directory / ORDER_FILE).write_text(ORDER_TEXT, encoding="utf-8")
    path = directory / EXPORT_FILE
    path.write_text(_entries_file(complete, EXPORT_HEADER), encoding="utf-8")
    untranslated = directory / UNTRANSLATED_DIR / EXPORT_FILE
    if partial:
        untranslated.parent.mkdir(exist_ok=True)
        untranslated.write_text(_entries_file(partial, UNTRANSLATED_HEADER), encoding="utf-8")
    elif untranslated.exists():  # an earlier export's: these tips are translated now
        untranslated.unlink()
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
            _line(raw, "kind"),
            f"'kind' must be tip, rights or referral, not {describe(kind_raw)}",
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


def _referral_draft(entry: Entry, raw: dict, today: date) -> Draft:
    """A service checked as a content file (knowledge.loader.check_entry), as a draft:
    its flags and contact in the shape a content file writes them, and its source."""
    flags = {key: raw[key] for key in REFERRAL_FLAG_KEYS}
    flags["languages"] = list(flags["languages"])  # type: ignore[call-overload]
    contact = {key: str(value).strip() for key, value in raw["contact"].items()}
    review_by = entry.review_by if entry.review_by > today else today + DEFAULT_REVIEW
    return Draft(
        kind=Kind.REFERRAL,
        topics=entry.topics,
        regions=entry.regions,
        texts={lang: DraftText(t.title, t.body, t.keywords) for lang, t in entry.texts.items()},
        review_by=review_by,
        flags=flags,
        contact=contact,
        source=entry.source,
    )


@dataclass
class Imported:
    """What `import_directory` did: entries queued, problems (`path:line: message`), and
    entries left out because the database has them already."""

    queued: int = 0
    problems: list[str] = field(default_factory=list)
    already_published: int = 0
    already_queued: int = 0


def _same(kind: Kind, topics, regions, texts: dict[str, tuple[str, str]]) -> tuple:
    return (kind, tuple(sorted(topics)), tuple(sorted(regions)), tuple(sorted(texts.items())))


def _entry_key(entry: Entry) -> tuple:
    texts = {lang: (t.title.strip(), t.body.strip()) for lang, t in entry.texts.items()}
    return _same(entry.kind, entry.topics, entry.regions, texts)


def _draft_key(draft: Draft) -> tuple:
    texts = {lang: (t.title.strip(), t.body.strip()) for lang, t in draft.texts.items()}
    return _same(draft.kind, draft.topics, draft.regions, texts)


def import_files(directory: Path) -> list[Path]:
    """The files `lantern import DIR` reads: DIR's content files, then those an export put
    in DIR/needs-translation/."""
    return [*content_files(directory), *content_files(directory / UNTRANSLATED_DIR)]


async def import_tips(
    moderation: Moderation, directory: Path, regions: set[str]
) -> tuple[int, list[str]]:
    """Load YAML entries into the review queue. Returns (queued, problems)."""
    result = await import_directory(moderation, directory, regions)
    return result.queued, result.problems


async def import_directory(moderation: Moderation, directory: Path, regions: set[str]) -> Imported:
    """Load YAML entries into the review queue, leaving out those published or waiting
    for review already (the same kind, topics, regions, titles and bodies): importing an
    export into the database it came from queues nothing twice.

    Files are read by the content loader's safe reader (size cap, no aliases, plain data
    only); each problem is `path:line: message`.
    """
    result = Imported()
    found = result.problems
    published = {_entry_key(e) for e in await moderation.published()}
    pending = {_draft_key(r.draft) for r in await moderation.queue()}
    for path in import_files(directory):
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
            if raw.get("kind") == Kind.REFERRAL.value:
                # A service: held to the content files' own rules, every problem with its
                # line, as `lantern validate` would report it.
                checked: list[Problem] = []
                entry = check_entry(str(path), raw, regions, checked)
                found.extend(str(p) for p in checked)
                if entry is None:
                    continue
                draft = _referral_draft(entry, raw, moderation.today())
            else:
                try:
                    draft = _draft_from(raw, moderation.today())
                except _Unfit as exc:
                    found.append(f"{path}:{exc.line}: {label}: {exc}")
                    continue
                except ModerationError as exc:
                    found.append(f"{where}: {exc}")
                    continue
                except Exception as exc:  # a shape no check foresaw: report, import the rest
                    found.append(f"{where}: unexpected value ({type(exc).__name__})")
                    continue
            key = _draft_key(draft)
            if key in published:
                result.already_published += 1
                continue
            if key in pending:
                result.already_queued += 1
                continue
            try:
                await moderation.submit(None, draft, regions)
                result.queued += 1
                pending.add(key)
            except (ModerationError, ValueError, TypeError) as exc:
                found.append(f"{where}: {exc}")
    return result
