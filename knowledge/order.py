"""What a person needs first (content/order.yaml): entries listed there head every topic
list they are in, and Need help now, in the file's order; the rest follow in the order of
the content files. Writers change the order by editing the list, not code."""

from __future__ import annotations

import functools
from pathlib import Path

from knowledge.loader import DEFAULT_CONTENT_DIR, ORDER_FILE, Problem, read_yaml
from knowledge.model import Snapshot


def parse(data: object, where: str) -> tuple[tuple[str, ...], list[Problem]]:
    if not isinstance(data, dict) or set(data) != {"first"} or not isinstance(data["first"], list):
        return (), [Problem(where, 1, "expected one key, 'first', with a list of entry ids")]
    line = data.line_of("first") if hasattr(data, "line_of") else 1
    found: list[str] = []
    problems = []
    for item in data["first"]:
        if not isinstance(item, str):
            problems.append(Problem(where, line, f"first: {item!r} is not an entry id"))
        elif item in found:
            problems.append(Problem(where, line, f"first: '{item}' is listed twice"))
        else:
            found.append(item)
    return tuple(found), problems


def load(directory: Path | str | None = None) -> tuple[tuple[str, ...], list[Problem]]:
    """The content directory's order.yaml, or nothing: its ids name that content's entries,
    so another folder's list would not fit."""
    root = Path(directory) if directory is not None else DEFAULT_CONTENT_DIR
    path = root / ORDER_FILE
    if not path.exists():
        return (), []
    problems: list[Problem] = []
    data = read_yaml(path, str(path), problems)
    if problems:
        return (), problems
    return parse(data, str(path))


def check(first: tuple[str, ...], snapshot: Snapshot, where: str) -> list[Problem]:
    """Every id listed must be an entry of the content (a typo would silently do nothing)."""
    return [
        Problem(where, 1, f"first: no entry has the id '{entry_id}'")
        for entry_id in first
        if snapshot.get(entry_id) is None
    ]


@functools.cache
def shipped_order() -> tuple[str, ...]:
    found, problems = load(DEFAULT_CONTENT_DIR)
    if problems:
        raise ValueError("\n".join(map(str, problems)))
    return found
