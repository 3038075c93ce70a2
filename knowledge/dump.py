"""Entries back into the content format of knowledge/content/ (the loader's inverse)."""

from __future__ import annotations

import dataclasses

import yaml

from knowledge.model import Entry, Kind


def _tristate(value: bool | None) -> bool | str:
    return "unknown" if value is None else value


def entry_record(entry: Entry) -> dict:
    """The YAML mapping that `knowledge.loader` reads back as the same entry."""
    record: dict = {
        "id": entry.id,
        "kind": entry.kind.value,
        "topics": list(entry.topics),
        "regions": list(entry.regions),
        "source": entry.source,
        "verified": entry.verified,
        "review_by": entry.review_by,
    }
    if entry.kind is Kind.REFERRAL and entry.flags is not None:
        flags = entry.flags
        if entry.contact is not None:
            contact = dataclasses.asdict(entry.contact)
            record["contact"] = {k: v for k, v in contact.items() if v is not None}
        record.update(
            police_involvement=flags.police_involvement.value,
            id_required=_tristate(flags.id_required),
            immigration_status_asked=_tristate(flags.immigration_status_asked),
            cost=flags.cost.value,
            sex_worker_led=_tristate(flags.sex_worker_led),
            sex_worker_affirming=_tristate(flags.sex_worker_affirming),
            trans_affirming=_tristate(flags.trans_affirming),
            languages=list(flags.languages),
        )
    for lang, text in entry.texts.items():
        block: dict = {"title": text.title, "body": text.body, "keywords": list(text.keywords)}
        if text.jurisdiction is not None:
            block["jurisdiction"] = text.jurisdiction
        record[lang] = block
    return record


class _NoAliases(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Content files never use anchors and aliases (the loader refuses them), even where
    the same object (a shared date, say) appears twice."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # Bodies of several lines read best, and diff best, as literal blocks.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style=style)


_NoAliases.add_representer(str, _text)
_NoAliases.add_multi_representer(str, _text)


def dump_yaml(data: object) -> str:
    """YAML in the content format: unicode as is, keys in order, no aliases."""
    return yaml.dump(data, Dumper=_NoAliases, allow_unicode=True, sort_keys=False, width=100)
