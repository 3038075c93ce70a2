"""The official Bot API description (telegram-bot-api-spec JSON) and checks against it.

The spec lives outside the repository (see `locate_spec`); it is read, never copied.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from emulator.models import UploadedFile

SPEC_ENV = "LANTERN_BOTAPI_SPEC"
PRIMITIVES = frozenset({"Integer", "Float", "String", "Boolean"})
_ARRAY = "Array of "
_DISCRIMINATORS = ("type", "status", "source")
_LITERAL = re.compile(r"""(?:must be|always) ["“]?([a-z0-9_]+)["”]?""")

# Fields that hold plain strings in form-encoded calls, for guessing types without the spec.
STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_query_id",
        "inline_message_id",
        "name",
        "description",
        "short_description",
        "language_code",
        "url",
        "next_offset",
        "secret_token",
        "business_connection_id",
        "message_effect_id",
        "file_id",
        "photo",
        "document",
    }
)


def default_spec_path() -> Path:
    """<repo>/../shared/botapi/api.json, or $LANTERN_BOTAPI_SPEC when set."""
    env = os.environ.get(SPEC_ENV, "").strip()
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[1]
    for ancestor in repo.parents:
        candidate = ancestor / "shared" / "botapi" / "api.json"
        if candidate.is_file():
            return candidate
    return repo.parent / "shared" / "botapi" / "api.json"


def describe(value: object) -> str:
    """A JSON-ish type name for error messages (never the value itself)."""
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    if isinstance(value, dict):
        return "Object"
    if isinstance(value, UploadedFile):
        return "InputFile"
    return "null" if value is None else type(value).__name__


def guess_decode(name: str, value: str) -> Any:
    """Decode a form value without the spec: JSON unless the field is known to be a string."""
    if name in STRING_FIELDS:
        return value
    return _maybe_json(value)


def _maybe_json(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


class BotAPISpec:
    """Methods and types of the Bot API, with validation of calls and values."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.version = str(data.get("version", "unknown version"))
        self._methods = {name.lower(): m for name, m in data.get("methods", {}).items()}
        self._types: Mapping[str, Any] = data.get("types", {})
        self._literals = {
            name: literal
            for name, spec in self._types.items()
            if (literal := self._literal_of(spec)) is not None
        }

    @classmethod
    def load(cls, path: str | Path) -> BotAPISpec:
        """Read the spec file (cached per path and modification time)."""
        resolved = Path(path).resolve()
        return _load(resolved, resolved.stat().st_mtime_ns)

    def method_name(self, name: str) -> str | None:
        """The canonical name of a method (Telegram ignores case), or None if unknown."""
        method = self._methods.get(name.lower())
        return method["name"] if method else None

    def methods(self) -> list[str]:
        return sorted(m["name"] for m in self._methods.values())

    def fields(self, method: str) -> dict[str, Mapping[str, Any]]:
        spec = self._methods.get(method.lower(), {})
        return {f["name"]: f for f in spec.get("fields", [])}

    def field_types(self, method: str, name: str) -> list[str] | None:
        spec = self.fields(method).get(name)
        return list(spec["types"]) if spec else None

    def decode(self, method: str, name: str, value: Any, *, form: bool) -> Any:
        """Turn a transported value into its JSON value, using the declared types.

        Form fields carry every non-string value as a JSON string (PTB's way); a JSON body
        may still carry objects as JSON strings, which Telegram accepts too.
        """
        if not isinstance(value, str):
            return value
        types = self.field_types(method, name)
        if types is None:
            return guess_decode(name, value) if form else value
        stringish = {"String", "InputFile"}
        if (form and set(types) <= stringish) or (not form and "String" in types):
            return value
        return _maybe_json(value)

    def check_call(self, method: str, params: Mapping[str, Any]) -> list[str]:
        """Problems with a call: missing, unknown and mistyped parameters."""
        fields = self.fields(method)
        problems = [
            f"missing required parameter '{name}'"
            for name, spec in fields.items()
            if spec.get("required") and name not in params
        ]
        for name, value in params.items():
            spec = fields.get(name)
            if spec is None:
                problems.append(f"unknown parameter '{name}'")
            else:
                problems.extend(self.check_value(value, spec["types"], name))
        return problems

    def check_value(
        self, value: Any, types: Iterable[str], where: str, label: str | None = None
    ) -> list[str]:
        """Problems with `value` as any one of `types` (a union); [] if it fits one."""
        types = list(types)
        candidates = [t for t in types if self._shape_fits(value, t)]
        if not candidates:
            expected = label or " or ".join(types)
            return [f"'{where}' must be {expected}, not {describe(value)}"]
        best: list[str] | None = None
        for type_name in candidates:
            problems = self._check_one(value, type_name, where)
            if not problems:
                return []
            if best is None or len(problems) < len(best):
                best = problems
        return best or []

    def _check_one(self, value: Any, type_name: str, where: str) -> list[str]:
        if type_name.startswith(_ARRAY):
            inner = type_name.removeprefix(_ARRAY)
            problems: list[str] = []
            for index, item in enumerate(value):
                problems.extend(self.check_value(item, [inner], f"{where}[{index}]"))
            return problems
        if type_name in PRIMITIVES or type_name == "InputFile":
            return []  # _shape_fits has checked it
        spec = self._types.get(type_name)
        if spec is None:
            return []
        if "subtypes" in spec:
            return self._check_abstract(value, type_name, spec["subtypes"], where)
        return self._check_object(value, type_name, spec, where)

    def _check_object(
        self, value: Mapping[str, Any], type_name: str, spec: Mapping[str, Any], where: str
    ) -> list[str]:
        fields = {f["name"]: f for f in spec.get("fields", [])}
        problems = [
            f"'{where}' ({type_name}) lacks required field '{name}'"
            for name, field in fields.items()
            if field.get("required") and name not in value
        ]
        literal = self._literals.get(type_name)
        if literal is not None:
            key, expected = literal
            if key in value and value[key] != expected:
                problems.append(f"'{where}.{key}' must be '{expected}' for {type_name}")
        for name, item in value.items():
            field = fields.get(name)
            if field is None:
                problems.append(f"'{where}' has unknown field '{name}' for {type_name}")
            else:
                problems.extend(self.check_value(item, field["types"], f"{where}.{name}"))
        return problems

    def _check_abstract(
        self, value: Any, type_name: str, subtypes: list[str], where: str
    ) -> list[str]:
        candidates = subtypes
        if isinstance(value, dict):
            tagged = [s for s in subtypes if s in self._literals]
            matching = [
                s for s in tagged if value.get(self._literals[s][0]) == self._literals[s][1]
            ]
            if matching:
                candidates = matching
            elif tagged and len(tagged) == len(subtypes):
                key = self._literals[tagged[0]][0]
                return [f"'{where}.{key}' is not a known kind of {type_name}"]
        return self.check_value(value, candidates, where, label=type_name)

    def _shape_fits(self, value: Any, type_name: str, depth: int = 0) -> bool:
        if type_name.startswith(_ARRAY):
            return isinstance(value, list)
        if type_name == "Integer":
            return isinstance(value, int) and not isinstance(value, bool)
        if type_name == "Float":
            return isinstance(value, int | float) and not isinstance(value, bool)
        if type_name == "String":
            return isinstance(value, str)
        if type_name == "Boolean":
            return isinstance(value, bool)
        if type_name == "InputFile":
            return isinstance(value, UploadedFile)
        spec = self._types.get(type_name)
        if spec is not None and "subtypes" in spec and depth < 4:
            return any(self._shape_fits(value, s, depth + 1) for s in spec["subtypes"])
        return isinstance(value, dict)

    @staticmethod
    def _literal_of(spec: Mapping[str, Any]) -> tuple[str, str] | None:
        for field in spec.get("fields", []):
            if field["name"] in _DISCRIMINATORS and field.get("required"):
                match = _LITERAL.search(field.get("description", ""))
                if match and match.group(1) != "one":
                    return field["name"], match.group(1)
        return None


@lru_cache(maxsize=4)
def _load(path: Path, mtime_ns: int) -> BotAPISpec:
    with path.open(encoding="utf-8") as handle:
        return BotAPISpec(json.load(handle))
