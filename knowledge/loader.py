"""Load and validate YAML content into a Snapshot; every problem is `path:line: message`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from knowledge import markup
from knowledge.model import (
    Contact,
    Cost,
    Entry,
    Kind,
    Police,
    ReferralFlags,
    Region,
    Snapshot,
    Text,
)
from knowledge.taxonomy import (
    EXAMPLE_REGION,
    GLOBAL_REGION,
    LANGUAGES,
    RESERVED_TOPICS,
    TOPIC_CATEGORY,
)

DEFAULT_CONTENT_DIR = Path(__file__).parent / "content"
REGIONS_FILE = "regions.yaml"

ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,46})[a-z0-9]$")
REGION_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")
LANG_RE = re.compile(r"^[a-z]{2}$")
MAX_TITLE = 80
MAX_BODY = 1600
MIN_KEYWORDS = 3
MAX_FILE_BYTES = 2_000_000

ENTRY_KEYS = {
    "id",
    "kind",
    "topics",
    "regions",
    "source",
    "verified",
    "review_by",
    *LANGUAGES,
}
REFERRAL_FLAG_KEYS = (
    "police_involvement",
    "id_required",
    "immigration_status_asked",
    "cost",
    "sex_worker_led",
    "sex_worker_affirming",
    "trans_affirming",
    "languages",
)
REFERRAL_KEYS = {"contact", *REFERRAL_FLAG_KEYS}
TEXT_KEYS = {"title", "body", "keywords", "jurisdiction"}
CONTACT_KEYS = {"website", "phone", "address", "hours"}
TRISTATE = {True: True, False: False, "unknown": None}
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    """Content that must not be served; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in content")
        self.problems = problems


class _Map(dict):
    """A YAML mapping that remembers the line of each key and value."""

    line: int = 0

    def __init__(self) -> None:
        super().__init__()
        self.key_lines: dict[Any, int] = {}
        self.value_lines: dict[Any, int] = {}

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _Seq(list):
    line: int = 0


def _make_loader(problems: list[Problem], path: str) -> type[yaml.SafeLoader]:
    # libyaml's parser when present (several times faster), with the same marks.
    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[valid-type,misc]
        pass

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> _Map:
        loader.flatten_mapping(node)
        result = _Map()
        result.line = node.start_mark.line + 1
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str | int | bool | date):
                problems.append(Problem(path, line, "a key must be plain text"))
                continue
            if key in result:
                problems.append(Problem(path, line, f"duplicate key '{key}'"))
            result[key] = loader.construct_object(value_node, deep=True)
            result.key_lines[key] = line
            # A block scalar's text starts on the line after its indicator.
            style = getattr(value_node, "style", None)
            start = value_node.start_mark.line + 1
            result.value_lines[key] = start + 1 if style in ("|", ">") else start
        return result

    def construct_sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> _Seq:
        result = _Seq(loader.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        return result

    def construct_timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
        # An impossible date (2026-13-01) stays text, so it is reported, not crashed on.
        try:
            return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
        except ValueError:
            return loader.construct_scalar(node)

    Loader.add_constructor("tag:yaml.org,2002:timestamp", construct_timestamp)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, construct_sequence)
    return Loader


def _read_yaml(path: Path, shown: str, problems: list[Problem]) -> Any:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            problems.append(Problem(shown, 1, f"file is larger than {MAX_FILE_BYTES} bytes"))
            return None
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(shown, 1, f"not valid UTF-8 ({exc.reason})"))
        return None
    except OSError as exc:
        problems.append(Problem(shown, 1, f"cannot read file ({exc.strerror})"))
        return None
    try:
        return yaml.load(raw, Loader=_make_loader(problems, shown))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problems.append(Problem(shown, line, f"YAML syntax error: {exc.problem or exc}"))
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        problems.append(Problem(shown, 1, f"YAML error: {type(exc).__name__}: {exc}"))
    return None


def _to_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _str_list(value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
        return [v.strip() for v in value]
    return None


class _EntryReader:
    """Turns one raw entry mapping into an Entry, collecting problems as it goes."""

    def __init__(self, path: str, raw: _Map, regions: set[str], problems: list[Problem]):
        self.path = path
        self.raw = raw
        self.regions = regions
        self.problems = problems
        self.ok = True

    def fail(self, line: int, message: str) -> None:
        self.ok = False
        self.problems.append(Problem(self.path, line, message))

    def at(self, key: str) -> int:
        return self.raw.line_of(key)

    def read(self) -> Entry | None:
        raw = self.raw
        entry_id = raw.get("id")
        if not isinstance(entry_id, str) or not ID_RE.match(entry_id):
            self.fail(self.at("id"), "'id' must be a slug of 3-48 characters: a-z, 0-9 and '-'")
            entry_id = None

        kind_raw = raw.get("kind")
        kind = Kind(kind_raw) if kind_raw in {k.value for k in Kind} else None
        if kind is None:
            self.fail(
                self.at("kind"), f"'kind' must be one of tip, rights, referral, not {kind_raw!r}"
            )

        allowed = ENTRY_KEYS | (REFERRAL_KEYS if kind is Kind.REFERRAL else set())
        for key in raw:
            if key not in allowed:
                if key in REFERRAL_KEYS:
                    self.fail(raw.line_of(key), f"'{key}' is only for referral entries")
                else:
                    self.fail(raw.line_of(key), f"unknown field '{key}'")

        topics = self._topics()
        regions = self._regions()
        source = raw.get("source")
        if not isinstance(source, str) or not source.strip():
            self.fail(self.at("source"), "'source' is required: where the facts come from")
        verified = self._date("verified")
        review_by = self._date("review_by")
        if verified and review_by and review_by <= verified:
            self.fail(self.at("review_by"), "'review_by' must be after 'verified'")
        texts = {lang: self._text(lang, kind) for lang in LANGUAGES}

        contact = flags = None
        if kind is Kind.REFERRAL:
            contact = self._contact()
            flags = self._flags()

        if not self.ok or entry_id is None or kind is None or verified is None or review_by is None:
            return None
        return Entry(
            id=entry_id,
            kind=kind,
            topics=tuple(topics),
            regions=tuple(regions),
            texts={lang: t for lang, t in texts.items() if t is not None},
            source=str(source).strip(),
            verified=verified,
            review_by=review_by,
            contact=contact,
            flags=flags,
            origin=f"{self.path}:{raw.line}",
        )

    def _topics(self) -> list[str]:
        topics = _str_list(self.raw.get("topics"))
        if not topics:
            self.fail(self.at("topics"), "'topics' must be a list of at least one topic")
            return []
        for topic in topics:
            if topic in RESERVED_TOPICS:
                self.fail(self.at("topics"), f"topic '{topic}' is reserved and not served yet")
            elif topic not in TOPIC_CATEGORY:
                self.fail(self.at("topics"), f"unknown topic '{topic}'")
        if len(set(topics)) != len(topics):
            self.fail(self.at("topics"), "a topic is listed twice")
        return topics

    def _regions(self) -> list[str]:
        if "regions" not in self.raw:
            return [GLOBAL_REGION]
        regions = _str_list(self.raw.get("regions"))
        if not regions:
            self.fail(self.at("regions"), "'regions' must be a list of region slugs")
            return []
        for region in regions:
            if region not in self.regions:
                self.fail(self.at("regions"), f"unknown region '{region}' (see {REGIONS_FILE})")
        if EXAMPLE_REGION in regions and len(regions) > 1:
            self.fail(self.at("regions"), "an 'example' entry must be in no other region")
        return regions

    def _date(self, key: str) -> date | None:
        value = _to_date(self.raw.get(key))
        if value is None:
            self.fail(self.at(key), f"'{key}' must be a date written YYYY-MM-DD")
        return value

    def _text(self, lang: str, kind: Kind | None) -> Text | None:
        block = self.raw.get(lang)
        name = LANGUAGE_NAMES.get(lang, lang)
        if block is None:
            self.fail(self.raw.line, f"missing {name} ({lang}) translation")
            return None
        if not isinstance(block, _Map):
            self.fail(self.at(lang), f"'{lang}' must be a mapping with title, body and keywords")
            return None
        ok = True
        for key in block:
            if key not in TEXT_KEYS:
                self.fail(block.line_of(key), f"unknown field '{key}' in {lang}")
        title = block.get("title")
        if not isinstance(title, str) or not title.strip():
            self.fail(block.line_of("title"), f"missing {lang} title")
            ok = False
        elif len(title.strip()) > MAX_TITLE:
            self.fail(block.line_of("title"), f"{lang} title is over {MAX_TITLE} characters")
        body = block.get("body")
        if not isinstance(body, str) or not body.strip():
            self.fail(block.line_of("body"), f"missing {lang} body")
            ok = False
        else:
            if len(body) > MAX_BODY:
                self.fail(
                    block.line_of("body"),
                    f"{lang} body is {len(body)} characters; the limit is {MAX_BODY}",
                )
            start = block.value_lines.get("body", block.line_of("body"))
            for error in markup.check(body):
                self.fail(start + error.line, f"broken markup in {lang} body: {error.message}")
        keywords = _str_list(block.get("keywords"))
        if keywords is None or len(keywords) < MIN_KEYWORDS:
            self.fail(
                block.line_of("keywords"),
                f"{lang} keywords must be a list of at least {MIN_KEYWORDS} words or phrases",
            )
            keywords = keywords or []
        jurisdiction = block.get("jurisdiction")
        if kind is Kind.RIGHTS:
            if not isinstance(jurisdiction, str) or not jurisdiction.strip():
                self.fail(block.line, f"rights entries need a {lang} 'jurisdiction'")
                ok = False
        elif jurisdiction is not None:
            self.fail(block.line_of("jurisdiction"), "'jurisdiction' is only for rights entries")
        if not ok:
            return None
        return Text(
            title=title.strip(),
            body=body.strip(),
            keywords=tuple(keywords),
            jurisdiction=jurisdiction.strip() if isinstance(jurisdiction, str) else None,
        )

    def _contact(self) -> Contact | None:
        raw = self.raw.get("contact")
        if not isinstance(raw, _Map):
            self.fail(self.at("contact"), "referrals need 'contact' with a website or phone")
            return None
        values: dict[str, str] = {}
        for key, value in raw.items():
            if key not in CONTACT_KEYS:
                self.fail(raw.line_of(key), f"unknown contact field '{key}'")
            elif not isinstance(value, str) or not value.strip():
                self.fail(raw.line_of(key), f"contact '{key}' must be text (quote it)")
            else:
                values[key] = value.strip()
        if not values.get("website") and not values.get("phone"):
            self.fail(raw.line, "contact needs at least a website or a phone")
        website = values.get("website")
        if website and not re.match(r"^https://[^\s<>\"]+$", website):
            self.fail(raw.line_of("website"), "website must be an https:// address")
        if "phone" in values and not re.match(r"^[+0-9][0-9 ()\-]{1,30}$", values["phone"]):
            self.fail(raw.line_of("phone"), "phone must be digits, spaces, '+', '-' or brackets")
        return Contact(**values)

    def _flags(self) -> ReferralFlags | None:
        raw = self.raw
        missing = [k for k in REFERRAL_FLAG_KEYS if k not in raw]
        if missing:
            self.fail(raw.line, "referral flags missing: " + ", ".join(missing))
            return None
        police = raw["police_involvement"]
        if police not in {p.value for p in Police}:
            self.fail(
                raw.line_of("police_involvement"),
                "police_involvement must be none, possible, mandatory_reporting or unknown",
            )
            return None
        cost = raw["cost"]
        if cost not in {c.value for c in Cost}:
            self.fail(raw.line_of("cost"), "cost must be free, sliding, paid or unknown")
            return None
        tristates: dict[str, bool | None] = {}
        for key in (
            "id_required",
            "immigration_status_asked",
            "sex_worker_led",
            "sex_worker_affirming",
            "trans_affirming",
        ):
            value = raw[key]
            if value not in TRISTATE or (
                value is not True and value is not False and value != "unknown"
            ):
                self.fail(raw.line_of(key), f"'{key}' must be true, false or unknown")
                return None
            tristates[key] = TRISTATE[value]
        languages = _str_list(raw["languages"])
        if not languages or not all(LANG_RE.match(code) for code in languages):
            self.fail(raw.line_of("languages"), "languages must be a list of two-letter codes")
            return None
        return ReferralFlags(
            police_involvement=Police(police),
            cost=Cost(cost),
            languages=tuple(languages),
            **tristates,
        )


def _read_regions(path: Path, shown: str, problems: list[Problem]) -> list[Region]:
    data = _read_yaml(path, shown, problems)
    if data is None:
        return []
    items = data.get("regions") if isinstance(data, _Map) else None
    if not isinstance(items, list):
        problems.append(Problem(shown, 1, "expected a top-level 'regions:' list"))
        return []
    regions: list[Region] = []
    for item in items:
        line = getattr(item, "line", 1)
        if not isinstance(item, _Map):
            problems.append(Problem(shown, line, "each region needs a slug and names"))
            continue
        slug = item.get("slug")
        if not isinstance(slug, str) or not REGION_RE.match(slug):
            problems.append(Problem(shown, line, "region slug must be a-z, 0-9 and '-'"))
            continue
        names = {lang: item.get(lang) for lang in LANGUAGES}
        for lang, name in names.items():
            if not isinstance(name, str) or not name.strip():
                problems.append(Problem(shown, line, f"region '{slug}' has no {lang} name"))
        if any(r.slug == slug for r in regions):
            problems.append(Problem(shown, line, f"region '{slug}' is listed twice"))
        regions.append(Region(slug, {k: str(v).strip() for k, v in names.items() if v}))
    for required in (GLOBAL_REGION, EXAMPLE_REGION):
        if not any(r.slug == required for r in regions):
            problems.append(Problem(shown, 1, f"region '{required}' must be listed"))
    return regions


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def content_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if p.name != REGIONS_FILE)


def load_directory(directory: Path | str | None = None) -> tuple[Snapshot | None, list[Problem]]:
    """Read every file in `directory`; a Snapshot only when there is no problem at all."""
    root = Path(directory) if directory is not None else DEFAULT_CONTENT_DIR
    problems: list[Problem] = []
    if not root.is_dir():
        return None, [Problem(str(root), 0, "content directory not found")]
    regions_path = root / REGIONS_FILE
    if regions_path.exists():
        regions = _read_regions(regions_path, _shown(regions_path, root), problems)
    else:
        problems.append(Problem(_shown(regions_path, root), 0, "regions file is missing"))
        regions = []
    region_slugs = {r.slug for r in regions}
    entries: list[Entry] = []
    first_seen: dict[str, str] = {}
    files = content_files(root)
    if not files:
        problems.append(Problem(str(root), 0, "no content files (*.yaml) found"))
    for path in files:
        shown = _shown(path, root)
        data = _read_yaml(path, shown, problems)
        if data is None:
            continue
        items = data.get("entries") if isinstance(data, _Map) else None
        if not isinstance(items, list):
            problems.append(
                Problem(
                    shown, getattr(data, "line", 1) or 1, "expected a top-level 'entries:' list"
                )
            )
            continue
        for key in data:
            if key != "entries":
                problems.append(Problem(shown, data.line_of(key), f"unknown top-level key '{key}'"))
        for item in items:
            if not isinstance(item, _Map):
                problems.append(
                    Problem(shown, getattr(items, "line", 1), "each entry must be a mapping")
                )
                continue
            entry_id = item.get("id")
            if isinstance(entry_id, str):
                here = f"{shown}:{item.line_of('id')}"
                if entry_id in first_seen:
                    problems.append(
                        Problem(
                            shown,
                            item.line_of("id"),
                            f"duplicate id '{entry_id}' (first at {first_seen[entry_id]})",
                        )
                    )
                    continue
                first_seen[entry_id] = here
            entry = _EntryReader(shown, item, region_slugs, problems).read()
            if entry is not None:
                entries.append(entry)
    if problems:
        return None, problems
    return Snapshot(entries=tuple(entries), regions=tuple(regions)), []


def load_or_raise(directory: Path | str | None = None) -> Snapshot:
    snapshot, problems = load_directory(directory)
    if snapshot is None:
        raise ContentError(problems)
    return snapshot


def topics_unused(snapshot: Snapshot, topics: Iterable[str]) -> list[str]:
    used = {t for e in snapshot.entries for t in e.topics}
    return [t for t in topics if t not in used]
