"""A content directory read whole: regions, every entry file, translations and the links
between entries, into a Snapshot only when there is no problem at all."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
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


def _duplicate(shown: str, line: int, entry_id: str, first_seen: dict[str, str]) -> Problem:
    return Problem(shown, line, f"duplicate id '{entry_id}' (first at {first_seen[entry_id]})")


@dataclass(slots=True)
class _Item:
    """What one item of a file's `entries:` list gave, before ids are checked across files."""

    shown: str
    line: int  # of its id
    entry_id: str | None
    entry: Entry | None
    problems: list[Problem]
    links: list[Problem]


def read_file(path: Path, root: Path, region_slugs: frozenset[str]) -> list[_Item]:
    """Every item of one content file, each with its own problems; the file's own problems
    (unreadable, no `entries:` list, unknown keys) come as items without an id.

    Files are independent until their ids are compared (`load_directory`), so they can
    be read in worker processes (see `load_directory`'s `map_files`).
    """
    shown = _shown(path, root)
    problems: list[Problem] = []
    items: list[_Item] = []

    def own(problem_list: list[Problem]) -> None:
        if problem_list:
            items.append(_Item(shown, 0, None, None, list(problem_list), []))
            problem_list.clear()

    data = _read_yaml(path, shown, problems)
    if data is None:
        own(problems)
        return items
    found = data.get("entries") if isinstance(data, _Map) else None
    if not isinstance(found, list):
        problems.append(
            Problem(shown, getattr(data, "line", 1) or 1, "expected a top-level 'entries:' list")
        )
        own(problems)
        return items
    for key in data:
        if key != "entries":
            problems.append(Problem(shown, data.line_of(key), f"unknown top-level key '{key}'"))
    own(problems)
    slugs = set(region_slugs)
    for item in found:
        if not isinstance(item, _Map):
            own([Problem(shown, getattr(found, "line", 1), "each entry must be a mapping")])
            continue
        entry_id = item.get("id")
        mine: list[Problem] = []
        links: list[Problem] = []
        try:
            entry = _EntryReader(shown, item, slugs, mine, links).read()
        except Exception as exc:  # a value of a shape no check foresaw: report, not crash
            mine.append(Problem(shown, item.line, _unexpected(exc)))
            entry = None
        named = entry_id if isinstance(entry_id, str) else None
        items.append(_Item(shown, item.line_of("id"), named, entry, mine, links))
    return items


FileReader = Callable[[list[Path], Path, frozenset[str]], Iterable[list[_Item]]]


def _one_by_one(files: list[Path], root: Path, slugs: frozenset[str]) -> Iterable[list[_Item]]:
    return (read_file(path, root, slugs) for path in files)


def load_directory(
    directory: Path | str | None = None, *, map_files: FileReader | None = None
) -> tuple[Snapshot | None, list[Problem]]:
    """Read every file in `directory`; a Snapshot only when there is no problem at all.

    `map_files` reads the content files (`read_file` on each, results in file order),
    say in worker processes; by default one after another, here.
    """
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
    region_slugs = frozenset(r.slug for r in regions)
    entries: list[Entry] = []
    links: list[Problem] = []
    first_seen: dict[str, str] = {}
    files = content_files(root)
    if not files:
        problems.append(Problem(str(root), 0, "no content files (*.yaml) found"))
    # Ids are compared across files in file order, as if each file were read in turn: a
    # duplicate is reported against the first, and nothing else of it counts.
    for items in (map_files or _one_by_one)(files, root, region_slugs):
        for item in items:
            if item.entry_id is not None:
                if item.entry_id in first_seen:
                    problems.append(_duplicate(item.shown, item.line, item.entry_id, first_seen))
                    continue
                first_seen[item.entry_id] = f"{item.shown}:{item.line}"
            problems.extend(item.problems)
            links.extend(item.links)
            if item.entry is not None:
                entries.append(item.entry)
    entries = _with_translations(root, entries, set(region_slugs), problems, links)
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
