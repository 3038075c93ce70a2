"""Where content lives: the content folder, the files in it that are not entries, and
how a file is named in problems and origins."""

from __future__ import annotations

from pathlib import Path

DEFAULT_CONTENT_DIR = Path(__file__).parent.parent / "content"
REGIONS_FILE = "regions.yaml"
# How people write (knowledge.words): in the content folder, but not entries.
WORDS_FILE = "words.yaml"
# What a person needs first (knowledge.order): also in the content folder, not entries.
ORDER_FILE = "order.yaml"
# Translations of entries: content/translations/<lang>/*.yaml.
TRANSLATIONS_DIR = "translations"


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def content_files(directory: Path) -> list[Path]:
    not_entries = (REGIONS_FILE, WORDS_FILE, ORDER_FILE)
    return sorted(p for p in directory.glob("*.yaml") if p.name not in not_entries)
