"""Translations beyond the required languages, laid over the entries they translate, and
which entries each such language still lacks."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from knowledge.loader.entries import _EntryReader
from knowledge.loader.files import TRANSLATIONS_DIR, _shown
from knowledge.loader.yaml_reader import Problem, _Map, _read_yaml
from knowledge.model import Entry, Snapshot
from knowledge.taxonomy import EXAMPLE_REGION, LANGUAGES, REQUIRED_LANGUAGES


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
