"""The regions file: each region's slug and its names, in every language it is named in."""

from __future__ import annotations

from pathlib import Path

from knowledge import ids
from knowledge.loader.yaml_reader import Problem, _Map, _read_yaml
from knowledge.model import Region
from knowledge.taxonomy import EXAMPLE_REGION, GLOBAL_REGION, LANGUAGES, REQUIRED_LANGUAGES

REGION_RE = ids.REGION


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
