"""A content directory read whole: regions, every entry file, translations and the links
between entries, into a Snapshot only when there is no problem at all."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from knowledge.loader.entries import _EntryReader
from knowledge.loader.files import DEFAULT_CONTENT_DIR, REGIONS_FILE, _shown, content_files
from knowledge.loader.regions import _read_regions
from knowledge.loader.translations import _with_translations
from knowledge.loader.yaml_reader import Problem, _Map, _read_yaml
from knowledge.model import Entry, Snapshot


class ContentError(Exception):
    """Content that must not be served; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in content")
        self.problems = problems


def _unexpected(exc: Exception) -> str:
    return (
        f"unexpected value here ({type(exc).__name__}); check that each field has the"
        " shape the format asks for (a word, a date, a list or a mapping)"
    )


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
