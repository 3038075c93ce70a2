"""Load and validate YAML content into a Snapshot; every problem is `path:line: message`."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from knowledge import ids, markup
from knowledge.ids import did_you_mean
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
    REQUIRED_LANGUAGES,
    RESERVED_TOPICS,
    TOPIC_CATEGORY,
)

DEFAULT_CONTENT_DIR = Path(__file__).parent / "content"
REGIONS_FILE = "regions.yaml"
# How people write (knowledge.words): in the content folder, but not entries.
WORDS_FILE = "words.yaml"
# What a person needs first (knowledge.order): also in the content folder, not entries.
ORDER_FILE = "order.yaml"

ID_RE, REGION_RE, LANG_RE = ids.ENTRY_ID, ids.REGION, ids.LANG
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
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}
WEBSITE_RE = re.compile(r"^https://[^\s<>\"]+$")
PHONE_RE = re.compile(r"^[+0-9][0-9 ()\-]{1,30}$")


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


# Tags a content or import file may spell out (`!!str 2026` to keep a date as text):
# plain data only. Anything else (`!!python/object`, `!!binary`, `!!set`, local tags) is
# refused before it is constructed.
_ALLOWED_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    # "merge" and "value": what a bare `<<` or `=` resolves to; built as plain text below.
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map", "merge", "value")
)


class _Refused(yaml.MarkedYAMLError):
    """YAML that is well formed but not accepted here (aliases, anchors, tags)."""


class _PythonParser(
    yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer
):
    """PyYAML's own parser and composer, for where libyaml is not installed."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)


try:  # libyaml's parser and composer when present: several times faster, same marks
    from yaml.cyaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML without libyaml
    _Parser = _PythonParser  # type: ignore[assignment,misc]


def _check_nodes(root: yaml.Node) -> None:
    """Refuse aliases and foreign tags in a composed document, before anything is built.

    The composer turns an alias into a second reference to its anchor's node, without
    copying it; so a node reached twice is an alias. An alias bomb (a few hundred bytes
    that expand to billions of items once anything walks them) is a handful of nodes
    here, refused at its first repeat: the walk visits each node at most once.
    """
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, root.start_mark.line + 1)]
    while stack:
        node, line = stack.pop()
        if id(node) in seen:
            raise _Refused(None, None, "YAML aliases (*name) are not allowed", _Line(line))
        seen.add(id(node))
        if node.tag not in _ALLOWED_TAGS:
            message = f"the YAML tag {node.tag[:60]!r} is not allowed: plain data only"
            raise _Refused(None, None, message, node.start_mark)
        # Children go on the stack last first, so the walk is in document order and the
        # first alias reported is the first one written.
        if isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                # Where an alias is used: the line of its key (the node's own mark is the
                # anchor's).
                where = key.start_mark.line + 1
                stack.append((value, where))
                stack.append((key, where))
        elif isinstance(node, yaml.SequenceNode):
            where = node.start_mark.line + 1
            stack.extend((child, where) for child in reversed(node.value))


class _Line:
    """A mark that only knows its (1-based) line."""

    def __init__(self, line: int) -> None:
        self.line = line - 1


def _make_loader(problems: list[Problem], path: str) -> type:
    """A safe loader that keeps lines and reports problems into `problems`."""

    class Loader(_Parser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        def __init__(self, stream: str) -> None:
            _Parser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    def construct_mapping(loader: Any, node: yaml.MappingNode) -> _Map:
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

    def construct_sequence(loader: Any, node: yaml.SequenceNode) -> _Seq:
        result = _Seq(loader.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        return result

    def construct_timestamp(loader: Any, node: yaml.ScalarNode) -> Any:
        # An impossible date (2026-13-01) stays text, so it is reported, not crashed on.
        try:
            return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
        except ValueError:
            return loader.construct_scalar(node)

    # Only plain data can be built; every other tag has no constructor (and is refused
    # above before it gets here).
    Loader.yaml_constructors = {
        "tag:yaml.org,2002:null": yaml.constructor.SafeConstructor.construct_yaml_null,
        "tag:yaml.org,2002:bool": yaml.constructor.SafeConstructor.construct_yaml_bool,
        "tag:yaml.org,2002:int": yaml.constructor.SafeConstructor.construct_yaml_int,
        "tag:yaml.org,2002:float": yaml.constructor.SafeConstructor.construct_yaml_float,
        "tag:yaml.org,2002:str": yaml.constructor.SafeConstructor.construct_yaml_str,
        # A bare `<<` or `=` is only text here: merge keys need aliases, which are refused.
        "tag:yaml.org,2002:merge": yaml.constructor.SafeConstructor.construct_yaml_str,
        "tag:yaml.org,2002:value": yaml.constructor.SafeConstructor.construct_yaml_str,
        "tag:yaml.org,2002:timestamp": construct_timestamp,
        "tag:yaml.org,2002:map": construct_mapping,
        "tag:yaml.org,2002:seq": construct_sequence,
        None: yaml.constructor.SafeConstructor.construct_undefined,
    }
    return Loader


def read_yaml(path: Path, shown: str, problems: list[Problem]) -> Any:
    """One YAML file as plain data (mappings remember their lines), or None.

    The one safe way Lantern reads YAML from disk, for content and for `lantern import`:
    at most MAX_FILE_BYTES, UTF-8, no aliases or anchors, no tags beyond plain data.
    Problems are added to `problems` as `path:line: message`; nothing raises.
    """
    try:
        with path.open("rb") as handle:
            # Read one byte past the limit rather than trusting the size on disk.
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            problems.append(Problem(shown, 1, f"file is larger than {MAX_FILE_BYTES} bytes"))
            return None
        raw = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(shown, 1, f"not valid UTF-8 ({exc.reason})"))
        return None
    except OSError as exc:
        problems.append(Problem(shown, 1, f"cannot read file ({exc.strerror})"))
        return None
    loader = _make_loader(problems, shown)(raw)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_nodes(node)
        return loader.construct_document(node)
    except _Refused as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        problems.append(Problem(shown, line, str(exc.problem)))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        # The parser names where the block it could not finish began, when it knows.
        start = exc.context_mark.line + 1 if exc.context_mark else line - 10
        hint = syntax_hint(raw, min(start, line), line)
        problems.append(Problem(shown, line, f"YAML syntax error: {exc.problem or exc}; {hint}"))
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        problems.append(Problem(shown, 1, f"YAML error: {type(exc).__name__}: {exc}"))
    finally:
        loader.dispose()
    return None


_read_yaml = read_yaml

# What usually breaks a hand-written YAML file, looked for on the lines before the one
# where the parser gave up (which can be many lines after the cause).
_TAB_INDENT = re.compile(r"^ *\t")
_NO_SPACE_AFTER_COLON = re.compile(r"^\s*(?:- )?[A-Za-z_][\w-]*:(?![\s/]|$)")
_QUOTED_VALUE = re.compile(r"^\s*(?:- )?(?:[A-Za-z_][\w-]*:\s+)?(?:- )?([\"'])(.*)$")
_FLOW_VALUE = re.compile(r"^\s*(?:- )?[A-Za-z_][\w-]*:\s+([\[{])(.*)$")
USUAL_CAUSES = "a tab, a missing space after ':', or an unclosed quote or bracket"


def _unclosed(quote: str, rest: str) -> bool:
    """Whether a value that opens with `quote` leaves it open at the end of its line."""
    text = rest.replace("\\\\", "").replace('\\"', "") if quote == '"' else rest.replace("''", "")
    return quote not in text


def syntax_hint(raw: str, first: int, last: int) -> str:
    """Where a YAML syntax error reported at line `last` most likely comes from: the first
    line from `first` (where the parser's unfinished block began) to `last` with a tab in
    its indentation, no space after a key's ':', or a quote or bracket left open; else
    the usual causes."""
    lines = raw.splitlines()
    first = max(1, first)
    for number in range(first, min(last, len(lines)) + 1):
        text = lines[number - 1]
        if text.lstrip().startswith("#"):
            continue
        if _TAB_INDENT.match(text):
            return f"check line {number}: it is indented with a tab (indent with spaces)"
        if _NO_SPACE_AFTER_COLON.match(text):
            return f"check line {number}: it needs a space after ':'"
        quoted = _QUOTED_VALUE.match(text)
        if quoted and _unclosed(quoted.group(1), quoted.group(2)):
            return (
                f"check line {number}: it opens a quote ({quoted.group(1)}) and does not close it"
            )
        flow = _FLOW_VALUE.match(text)
        closing = {"[": "]", "{": "}"}
        if flow and closing[flow.group(1)] not in flow.group(2):
            return f"check line {number}: it opens a '{flow.group(1)}' and does not close it"
    where = f"this line and those before it (from line {first})" if first < last else "this line"
    return f"check {where} for {USUAL_CAUSES}"


def _to_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def describe(value: Any) -> str:
    """A value as a message may show it: short, and saying what it is if not text."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:39] + "…"


def _one_of(value: Any, allowed: Iterable[str]) -> str | None:
    """`value` if it is one of the `allowed` words; a list or mapping never is.

    Checked before any set membership, which would raise on an unhashable list.
    """
    return value if isinstance(value, str) and value in set(allowed) else None


def _str_list(value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
        return [v.strip() for v in value]
    return None


class _EntryReader:
    """Turns one raw entry mapping into an Entry, collecting problems as it goes."""

    def __init__(
        self,
        path: str,
        raw: _Map,
        regions: set[str],
        problems: list[Problem],
        links: list[Problem] | None = None,
    ):
        self.links = links if links is not None else []
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
        kind_word = _one_of(kind_raw, (k.value for k in Kind))
        kind = Kind(kind_word) if kind_word is not None else None
        if kind is None:
            self.fail(
                self.at("kind"),
                f"'kind' must be one of tip, rights, referral, not {describe(kind_raw)}",
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
        written = [lang for lang in LANGUAGES if lang in REQUIRED_LANGUAGES or lang in raw]
        texts = {lang: self._text(lang, kind) for lang in written}

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
                maybe = did_you_mean(topic, TOPIC_CATEGORY)
                self.fail(self.at("topics"), f"unknown topic '{topic}'{maybe}")
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
                maybe = did_you_mean(region, sorted(self.regions))
                self.fail(
                    self.at("regions"), f"unknown region '{region}'{maybe} (see {REGIONS_FILE})"
                )
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
            for number, target in markup.entry_links(body):
                self.links.append(Problem(self.path, start + number, target))
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
        if website and not WEBSITE_RE.match(website):
            self.fail(raw.line_of("website"), "website must be an https:// address")
        if "phone" in values and not PHONE_RE.match(values["phone"]):
            self.fail(raw.line_of("phone"), "phone must be digits, spaces, '+', '-' or brackets")
        return Contact(**values)

    def _flags(self) -> ReferralFlags | None:
        raw = self.raw
        missing = [k for k in REFERRAL_FLAG_KEYS if k not in raw]
        if missing:
            self.fail(raw.line, "referral flags missing: " + ", ".join(missing))
            return None
        police = _one_of(raw["police_involvement"], (p.value for p in Police))
        if police is None:
            self.fail(
                raw.line_of("police_involvement"),
                "police_involvement must be none, possible, mandatory_reporting or unknown",
            )
            return None
        cost = _one_of(raw["cost"], (c.value for c in Cost))
        if cost is None:
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
            # Identity and type first: 1 == True, and a list cannot be looked up.
            if value is True or value is False:
                tristates[key] = value
            elif isinstance(value, str) and value == "unknown":
                tristates[key] = None
            else:
                self.fail(raw.line_of(key), f"'{key}' must be true, false or unknown")
                return None
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


def _as_map(raw: Mapping[str, Any], lines: dict[int, str], prefix: str = "") -> _Map:
    """`raw` as a mapping read from YAML, each key on its own made-up line (noted in
    `lines`), so the entry reader's problems can be traced back to their field."""
    result = _Map()
    result.line = len(lines) + 1
    lines[result.line] = prefix.rstrip(".") or "entry"
    for key, value in raw.items():
        line = len(lines) + 1
        lines[line] = prefix + str(key)
        if isinstance(value, Mapping):
            value = _as_map(value, lines, f"{prefix}{key}.")
        elif isinstance(value, list | tuple):
            value = _Seq(value)
        result[key] = value
        result.key_lines[key] = result.value_lines[key] = line
    return result


def read_referral(
    raw: Mapping[str, Any],
) -> tuple[Contact | None, ReferralFlags | None, list[tuple[str, str]]]:
    """A referral's contact and flags from a mapping shaped like a content file's entry
    (`contact:` and the flag keys), by exactly the rules content files follow. For
    referrals written elsewhere (the moderators' chat). Problems are (field, message),
    the field as "cost" or "contact.phone"."""
    lines: dict[int, str] = {}
    problems: list[Problem] = []
    reader = _EntryReader("", _as_map(raw, lines), set(), problems)
    contact = reader._contact()
    flags = reader._flags()
    return contact, flags, [(lines.get(p.line, "entry"), p.message) for p in problems]


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
        names = {
            lang: item.get(lang)
            for lang in LANGUAGES
            if lang in REQUIRED_LANGUAGES or item.get(lang) is not None
        }
        for lang, name in names.items():
            if not isinstance(name, str) or not name.strip():
                problems.append(Problem(shown, line, f"region '{slug}' has no {lang} name"))
        if any(r.slug == slug for r in regions):
            problems.append(Problem(shown, line, f"region '{slug}' is listed twice"))
        regions.append(
            Region(slug, {k: v.strip() for k, v in names.items() if isinstance(v, str) and v})
        )
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
    not_entries = (REGIONS_FILE, WORDS_FILE, ORDER_FILE)
    return sorted(p for p in directory.glob("*.yaml") if p.name not in not_entries)


def _unexpected(exc: Exception) -> str:
    return (
        f"unexpected value here ({type(exc).__name__}); check that each field has the"
        " shape the format asks for (a word, a date, a list or a mapping)"
    )


def check_entry(shown: str, raw: Any, regions: set[str], problems: list[Problem]) -> Entry | None:
    """One entry read by `read_yaml`, checked exactly as in a content file (for `lantern
    import`); problems are added as `shown:line: message`. Links to other entries are
    not checked: the entry is not part of a directory."""
    if not isinstance(raw, _Map):
        problems.append(Problem(shown, getattr(raw, "line", 1) or 1, "not a mapping"))
        return None
    return _EntryReader(shown, raw, regions, problems).read()


def _read_entry(
    shown: str,
    item: _Map,
    region_slugs: set[str],
    first_seen: dict[str, str],
    problems: list[Problem],
    links: list[Problem] | None = None,
) -> Entry | None:
    """One entry; `links` collects its links to other entries (path, line, target)."""
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
            return None
        first_seen[entry_id] = here
    return _EntryReader(shown, item, region_slugs, problems, links).read()


TRANSLATIONS_DIR = "translations"


def _with_translations(
    root: Path,
    entries: list[Entry],
    region_slugs: set[str],
    problems: list[Problem],
    links: list[Problem],
) -> list[Entry]:
    """Entries with the texts of content/translations/<lang>/*.yaml added.

    A translation file lists `id` plus the language's title, body, keywords (and
    jurisdiction for rights entries), checked by the same rules as the content files.
    """
    by_id = {e.id: e for e in entries}
    folder = root / TRANSLATIONS_DIR
    if not folder.is_dir():
        return entries
    for lang_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        lang = lang_dir.name
        if lang not in LANGUAGES or lang in REQUIRED_LANGUAGES:
            problems.append(
                Problem(_shown(lang_dir, root), 0, f"'{lang}' is not a language to translate into")
            )
            continue
        seen: dict[str, str] = {}
        for path in sorted(lang_dir.glob("*.yaml")):
            shown = _shown(path, root)
            data = _read_yaml(path, shown, problems)
            items = data.get("entries") if isinstance(data, _Map) else None
            if not isinstance(items, list):
                if data is not None:
                    problems.append(Problem(shown, 1, "expected a top-level 'entries:' list"))
                continue
            for item in items:
                line = getattr(item, "line", 1)
                entry_id = item.get("id") if isinstance(item, _Map) else None
                entry = by_id.get(entry_id) if isinstance(entry_id, str) else None
                if entry is None:
                    problems.append(Problem(shown, line, f"no entry has the id {entry_id!r}"))
                    continue
                if entry_id in seen:
                    problems.append(
                        Problem(
                            shown,
                            line,
                            f"'{entry_id}' is translated twice (first at {seen[entry_id]})",
                        )
                    )
                    continue
                seen[entry_id] = f"{shown}:{line}"
                block = _Map()
                block.line = line
                for key, value in item.items():
                    if key != "id":
                        block[key] = value
                        block.key_lines[key] = item.key_lines.get(key, line)
                        if key in item.value_lines:
                            block.value_lines[key] = item.value_lines[key]
                wrapper = _Map()
                wrapper.line = line
                wrapper[lang] = block
                wrapper.key_lines[lang] = line
                reader = _EntryReader(shown, wrapper, region_slugs, problems, links)
                text = reader._text(lang, entry.kind)
                if text is not None and reader.ok:
                    by_id[entry_id] = dataclasses.replace(entry, texts={**entry.texts, lang: text})
    return [by_id[e.id] for e in entries]


def missing_translations(snapshot: Snapshot) -> dict[str, list[str]]:
    """For each language beyond the required ones, the entries not translated into it."""
    return {
        lang: [
            e.id
            for e in snapshot.entries
            if lang not in e.texts and EXAMPLE_REGION not in e.regions
        ]
        for lang in LANGUAGES
        if lang not in REQUIRED_LANGUAGES
    }


def load_directory(directory: Path | str | None = None) -> tuple[Snapshot | None, list[Problem]]:
    """Read every file in `directory`; a Snapshot only when there is no problem at all."""
    root = Path(directory) if directory is not None else DEFAULT_CONTENT_DIR
    problems: list[Problem] = []
    if not root.is_dir():
        return None, [Problem(str(root), 0, "content directory not found")]
    regions_path = root / REGIONS_FILE
    if regions_path.exists():
        shown_regions = _shown(regions_path, root)
        try:
            regions = _read_regions(regions_path, shown_regions, problems)
        except Exception as exc:  # a value of a shape no check foresaw: report, not crash
            problems.append(Problem(shown_regions, 1, _unexpected(exc)))
            regions = []
    else:
        problems.append(Problem(_shown(regions_path, root), 0, "regions file is missing"))
        regions = []
    region_slugs = {r.slug for r in regions}
    entries: list[Entry] = []
    links: list[Problem] = []
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
            try:
                entry = _read_entry(shown, item, region_slugs, first_seen, problems, links)
            except Exception as exc:  # a value of a shape no check foresaw: report, not crash
                problems.append(Problem(shown, item.line, _unexpected(exc)))
                continue
            if entry is not None:
                entries.append(entry)
    entries = _with_translations(root, entries, region_slugs, problems, links)
    known = {e.id for e in entries}
    for link in links:
        if link.message not in known:
            problems.append(
                Problem(
                    link.path, link.line, f"links to entry '{link.message}', which does not exist"
                )
            )
    if problems:
        # By file, then line, as an editor goes through them (each file's are found
        # field by field, and a link's only once all entries are read).
        return None, sorted(problems, key=lambda p: (p.path, p.line))
    return Snapshot(entries=tuple(entries), regions=tuple(regions)), []


def load_or_raise(directory: Path | str | None = None) -> Snapshot:
    snapshot, problems = load_directory(directory)
    if snapshot is None:
        raise ContentError(problems)
    return snapshot


def topics_unused(snapshot: Snapshot, topics: Iterable[str]) -> list[str]:
    used = {t for e in snapshot.entries for t in e.topics}
    return [t for t in topics if t not in used]
