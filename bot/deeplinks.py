"""`/start <payload>` deep links.

- `e_<entry>` or `t_<topic>`, then optional `_<lang>`, `_<region>`: open that card or topic.
- `c_<code>`, then the same options: the same, for a link that must not say what it opens
  (printed discreet cards, see bot/cards.py). The code is the first 8 hex digits of the
  SHA-256 of "entry:<id>" or "topic:<slug>"; `resolve` finds the one entry or topic that
  has it by hashing the knowledge base's ids, so nothing maps codes to ids but the content
  itself. It hides the words from a glance, not from someone who opens the link or hashes
  the public content's ids: a printed card cannot do more than that.
- `z_<settings>`: turn privacy settings on, e.g. `z_d` (discreet mode), `z_v30` (messages
  disappear 30 minutes after the last one), `z_d-v30` (both). Someone can bookmark it to
  turn their settings back on in one tap after Lantern has forgotten them. It carries the
  settings, never the person: everyone with the same settings gets the same link, and it
  says nothing a glance at it would give away.

Telegram allows 1-64 characters of [A-Za-z0-9_-]; ids and slugs use only [a-z0-9-], so
'_' separates the parts unambiguously.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.callbacks import VANISH_CHOICES
from knowledge.ids import LANG, SLUG
from knowledge.taxonomy import ALL_TOPICS

MAX_PAYLOAD = 64
_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SLUG = SLUG  # entries, topics and regions alike; the lookup decides what exists
_LANG = LANG
_SETTINGS = re.compile(r"^(d)?(?:-?v([0-9]{1,3}))?$")
VANISH_MINUTES = tuple(int(m) for m in VANISH_CHOICES if m != "0")
CODE_LENGTH = 8
_CODE = re.compile(rf"^[0-9a-f]{{{CODE_LENGTH}}}$")


@dataclass(frozen=True, slots=True)
class Link:
    kind: str  # "entry", "topic", "code" (an entry or topic, unnamed) or "settings"
    target: str  # an entry id, topic slug or code; for settings, what the link turns on
    lang: str | None = None
    region: str | None = None

    @property
    def discreet(self) -> bool:
        """For a settings link: whether it turns discreet mode on."""
        return self.kind == "settings" and self.target.startswith("d")

    @property
    def vanish_minutes(self) -> int | None:
        """For a settings link: the disappearing mode it turns on, if any."""
        found = _SETTINGS.match(self.target) if self.kind == "settings" else None
        return int(found.group(2)) if found and found.group(2) else None


def settings(discreet: bool, vanish_minutes: int | None) -> Link | None:
    """The link that turns these settings on, or None when there is nothing to turn on."""
    parts = (["d"] if discreet else []) + ([f"v{vanish_minutes}"] if vanish_minutes else [])
    if not parts:
        return None
    if vanish_minutes and vanish_minutes not in VANISH_MINUTES:
        raise ValueError("not a disappearing mode Lantern offers")
    return Link("settings", "-".join(parts))


def short_code(kind: str, target: str) -> str:
    """The code that stands for an entry (`kind` "entry") or a topic ("topic")."""
    return hashlib.sha256(f"{kind}:{target}".encode()).hexdigest()[:CODE_LENGTH]


def coded(link: Link) -> Link:
    """An entry or topic link as the same link by its code, which does not name it."""
    if link.kind not in ("entry", "topic"):
        raise ValueError("only entry and topic links have codes")
    return Link("code", short_code(link.kind, link.target), link.lang, link.region)


def resolve(link: Link | None, entry_ids: Iterable[str]) -> Link | None:
    """A code link as the entry or topic link it stands for; other links as they are.

    None when no entry in `entry_ids` and no topic has the code, or more than one does
    (the cards refuse to print a code that is not unique, so that means the content
    changed since printing)."""
    if link is None or link.kind != "code":
        return link
    code = link.target
    found = [("entry", i) for i in entry_ids if short_code("entry", i) == code]
    found += [("topic", slug) for slug in ALL_TOPICS if short_code("topic", slug) == code]
    if len(found) != 1:
        return None
    kind, target = found[0]
    return Link(kind, target, link.lang, link.region)


_HEADS = {"entry": "e", "topic": "t", "code": "c"}
_KINDS = {head: kind for kind, head in _HEADS.items()}


def encode(link: Link) -> str:
    if link.kind == "settings":
        payload = f"z_{link.target}"
    else:
        parts = [_HEADS[link.kind], link.target]
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
    if head == "z":
        return _settings(rest)
    kind = _KINDS.get(head)
    if kind is None or not rest or not (_CODE if kind == "code" else _SLUG).match(rest[0]):
        return None
    lang = region = None
    for part in rest[1:]:
        if _LANG.match(part) and lang is None and region is None:
            lang = part
        elif part.startswith("r-") and region is None and _SLUG.match(part[2:]):
            region = part[2:]
        else:
            return None
    return Link(kind, rest[0], lang, region)


def _settings(rest: list[str]) -> Link | None:
    if len(rest) != 1:
        return None
    found = _SETTINGS.match(rest[0])
    if found is None or not rest[0]:
        return None
    minutes = int(found.group(2)) if found.group(2) else None
    if minutes is not None and minutes not in VANISH_MINUTES:
        return None
    return settings(bool(found.group(1)), minutes)
