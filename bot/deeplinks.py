"""`/start <payload>` deep links: `e_<entry>` or `t_<topic>`, then optional `_<lang>`, `_<region>`.

Telegram allows 1-64 characters of [A-Za-z0-9_-]; ids and slugs use only [a-z0-9-], so
'_' separates the parts unambiguously.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.ids import LANG, SLUG

MAX_PAYLOAD = 64
_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SLUG = SLUG  # entries, topics and regions alike; the lookup decides what exists
_LANG = LANG


@dataclass(frozen=True, slots=True)
class Link:
    kind: str  # "entry" or "topic"
    target: str
    lang: str | None = None
    region: str | None = None


def encode(link: Link) -> str:
    parts = ["e" if link.kind == "entry" else "t", link.target]
    if link.lang:
        parts.append(link.lang)
    if link.region:
        parts.append(f"r-{link.region}")
    payload = "_".join(parts)
    if not _PAYLOAD.match(payload):
        raise ValueError("deep link payload would be invalid or over 64 characters")
    return payload


def decode(payload: str | None) -> Link | None:
    """The link a payload stands for, or None when it is not one of ours."""
    if not payload or not _PAYLOAD.match(payload):
        return None
    head, *rest = payload.split("_")
    if head not in ("e", "t") or not rest or not _SLUG.match(rest[0]):
        return None
    lang = region = None
    for part in rest[1:]:
        if _LANG.match(part) and lang is None and region is None:
            lang = part
        elif part.startswith("r-") and region is None and _SLUG.match(part[2:]):
            region = part[2:]
        else:
            return None
    return Link("entry" if head == "e" else "topic", rest[0], lang, region)
