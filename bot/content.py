"""Loading content for the bot: the knowledge checks plus 'does every card fit Telegram'.

`lantern run` also keeps the result compiled in the data directory (knowledge.compiled),
so the next start with the same content and the same code reads it back instead of
parsing and checking every YAML file again.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from bot import i18n, render
from knowledge import (
    compiled,
    dump,
    loader,
    markup,
    model,
    normalize,
    order,
    search,
    taxonomy,
    words,
)
from knowledge.base import KnowledgeBase
from knowledge.loader import DEFAULT_CONTENT_DIR, REGIONS_FILE, content_files, load_directory
from knowledge.loader.directory import FileReader
from knowledge.model import Snapshot

log = logging.getLogger("lantern.content")

COMPILED_DIR = "compiled"


def _with_submodules(*modules: ModuleType) -> tuple[ModuleType, ...]:
    """The modules, a package counting as itself and every module in it."""
    found: list[ModuleType] = []
    for module in modules:
        found.append(module)
        path = getattr(module, "__path__", None)
        if path is not None:
            names = sorted(info.name for info in pkgutil.walk_packages(path, f"{module.__name__}."))
            found.extend(importlib.import_module(name) for name in names)
    return tuple(found)


# The code that decides whether content is valid, how cards render and how the index is
# built: a change to any of it must not be answered from an older compiled file. The
# loader and the search index are packages: each of their modules counts.
_JUDGES = _with_submodules(
    loader, markup, model, taxonomy, normalize, search, compiled, dump, render, i18n
)


def load_snapshot(
    directory: Path | str | None, *, map_files: FileReader | None = None
) -> tuple[Snapshot | None, list[str]]:
    """A snapshot safe to serve, or None and every problem as `path:line: message`.

    Nothing here depends on the date: cards are measured in their longest form.
    `map_files`: how the content files are read (knowledge.loader.load_directory).
    """
    snapshot, problems = load_directory(directory, map_files=map_files)
    _, word_problems = words.load(directory)
    first, order_problems = order.load(directory)
    if snapshot is not None and not order_problems:
        root = Path(directory) if directory is not None else DEFAULT_CONTENT_DIR
        order_problems = order.check(first, snapshot, str(root / loader.ORDER_FILE))
    if snapshot is None or word_problems or order_problems:
        return None, [str(p) for p in (*problems, *word_problems, *order_problems)]
    too_long = render.card_problems(snapshot.entries)
    if too_long:
        return None, too_long
    return snapshot, []


def load_knowledge(
    directory: Path | str | None,
    *,
    show_examples: bool = False,
    compiled_in: Path | None = None,
    save: bool = True,
    apart: bool = False,
) -> tuple[KnowledgeBase | None, list[str]]:
    """The knowledge base to serve, or None and every problem.

    With `compiled_in` (a directory), content compiled there by an earlier start is used
    when the content and the code are unchanged, and (with `save`) a fresh compile is
    saved there. With `apart` as well, a fresh compile runs in a process of its own
    (bot.compiler), and this process reads what it saved, as on a restart.
    """
    root = Path(directory) if directory is not None else DEFAULT_CONTENT_DIR
    how_people_write, word_problems = words.load(root)
    first, order_problems = order.load(root)
    if word_problems or order_problems:
        return None, [str(p) for p in (*word_problems, *order_problems)]
    key = _key_or_none(root) if compiled_in is not None else None
    if compiled_in is None or key is None:
        return _parsed(root, show_examples, how_people_write, first, None, None)

    def from_compiled() -> tuple[KnowledgeBase | None, list[str]] | None:
        try:
            found = compiled.load(compiled_in, key, origin=_Origins(root).shown)
        except compiled.CompiledError as exc:
            log.warning("Ignoring compiled content (%s); reading the YAML files again.", exc)
            return None
        if found is None:
            return None
        snapshot, index = found
        unknown = order.check(first, snapshot, str(root / loader.ORDER_FILE))
        if unknown:
            return None, [str(p) for p in unknown]
        kb = KnowledgeBase(
            snapshot, show_examples=show_examples, index=index, words=how_people_write, first=first
        )
        return kb, []

    served = from_compiled()
    if served is not None:
        return served
    if save and apart:
        from bot import compiler

        problems = compiler.compile_apart(root, compiled_in, key)
        if problems:
            return None, problems
        if problems is not None and (served := from_compiled()) is not None:
            return served
    return _parsed(root, show_examples, how_people_write, first, compiled_in if save else None, key)


def _parsed(
    root: Path,
    show_examples: bool,
    how_people_write: words.Words,
    first: tuple[str, ...],
    save_in: Path | None,
    key: str | None,
) -> tuple[KnowledgeBase | None, list[str]]:
    """The content parsed and checked here; saved compiled in `save_in` under `key`."""
    snapshot, problems = load_snapshot(root)
    if snapshot is None:
        return None, problems
    kb = KnowledgeBase(snapshot, show_examples=show_examples, words=how_people_write, first=first)
    # Saved only if the files did not change while they were being read.
    if save_in is not None and key is not None and key == _key_or_none(root):
        try:
            compiled.save(save_in, key, snapshot, kb.index, origin=_Origins(root).stored)
        except OSError as exc:
            log.warning(
                "Could not save compiled content in the data directory (%s); "
                "the next start will read the YAML files again.",
                exc.strerror or type(exc).__name__,
            )
    return kb, []


def compile_to(
    root: Path, compiled_in: Path, key: str, *, map_files: FileReader | None = None
) -> list[str] | None:
    """Parse and check the content, and save it compiled under `key` (bot.compiler's part).

    Returns the problems that refuse the content, [] once it is saved, or None when the
    files changed while they were read (nothing is saved). Raises OSError when the file
    cannot be written.
    """
    how_people_write, word_problems = words.load(root)
    first, order_problems = order.load(root)
    if word_problems or order_problems:
        return [str(p) for p in (*word_problems, *order_problems)]
    snapshot, problems = load_snapshot(root, map_files=map_files)
    if snapshot is None:
        return problems
    kb = KnowledgeBase(snapshot, words=how_people_write, first=first)
    if key != _key_or_none(root):
        return None
    compiled.save(compiled_in, key, snapshot, kb.index, origin=_Origins(root).stored)
    return []


def compiled_for(root: Path, compiled_in: Path) -> Path | None:
    """The compiled file a start would read for this content, if there is one."""
    key = _key_or_none(root)
    if key is None:
        return None
    path = compiled.path_for(compiled_in, key)
    return path if path.is_file() else None


def content_key(root: Path) -> str:
    """What the compiled content depends on: every content file, the code, the locales."""
    return compiled.key_of(_key_parts(root))


def _key_or_none(root: Path) -> str | None:
    try:
        return content_key(root)
    except OSError:
        return None  # the loader reports unreadable files in its own words


class _Origins:
    """Entry origins (`path:line`, the path as problems show it: relative to the working
    directory) stored by file name alone, and shown again for this start's directories.

    So the compiled content depends on the content and the code only: the same files
    started from another folder, or copied elsewhere, read the same compiled file.
    """

    def __init__(self, root: Path) -> None:
        self._names: dict[str, str] = {}
        self._paths: dict[str, str] = {}
        for path in content_files(root):
            shown = loader._shown(path, root)  # as the loader names it in origins
            self._names[shown] = path.name
            self._paths[path.name] = shown

    def stored(self, origin: str) -> str:
        path, colon, line = origin.rpartition(":")
        name = self._names.get(path)
        return f"{name}{colon}{line}" if name is not None and colon else origin

    def shown(self, origin: str) -> str:
        name, colon, line = origin.rpartition(":")
        path = self._paths.get(name)
        return f"{path}{colon}{line}" if path is not None and colon else origin


def _key_parts(root: Path) -> Iterator[tuple[str, bytes]]:
    # The content (by file name and bytes) and the code, nothing else: not the working
    # directory nor where the content lies (origins are stored by file name, see _Origins).
    for path in [root / REGIONS_FILE, *content_files(root)]:
        yield f"content:{path.name}", path.read_bytes() if path.exists() else b"<missing>"
    for module in _JUDGES:
        source = Path(str(module.__file__))
        yield f"code:{module.__name__}", source.read_bytes()
    yield f"code:{__name__}", Path(__file__).read_bytes()
    for path in sorted(i18n.LOCALES_DIR.glob("*.yaml")):
        yield f"locale:{path.name}", path.read_bytes()
