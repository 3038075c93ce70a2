"""The one safe way Lantern reads YAML from disk: plain data whose mappings remember the
line of each key and value, aliases, anchors and foreign tags refused, and every problem
a `Problem` (`path:line: message`) rather than an exception."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

MAX_FILE_BYTES = 2_000_000


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


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
