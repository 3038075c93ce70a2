"""A bot message as terminal text: wrapped to the console's width, links as "text <url>",
numbered buttons; and the two ways the console writes (`wrap`, `write`)."""

from __future__ import annotations

import re
import textwrap
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from emulator import EmuMessage

WIDTH = 78
INDENT = "  "
_BULLET = re.compile(r"\s*(?:[•\-*]|\d+[.)])\s+")


def render_message(
    message: EmuMessage, *, edited: bool = False, to: str = "", header: str = ""
) -> str:
    """A bot message as terminal text: "#id Lantern:", the wrapped body with links as
    "text <url>", numbered buttons. `to` names whose chat it is when not the speaker's."""
    if not header:
        header = f"#{message.message_id} Lantern" + (" (edited)" if edited else "")
        header += f" {to}:" if to else ":"
    lines = [header]
    kind = "" if message.kind == "text" else f"[{message.kind}] "
    for paragraph in (kind + plain_with_links(message)).split("\n"):
        lines.append(wrap(paragraph, INDENT) if paragraph.strip() else "")
    number = 0
    for row in message.keyboard():
        labels = []
        for button in row:
            number += 1
            suffix = " (link)" if "url" in button else ""
            labels.append(f"[{number}] {button.get('text', '')}{suffix}")
        joined = INDENT + "   ".join(labels)
        lines.extend([joined] if len(joined) <= WIDTH else [INDENT + label for label in labels])
    return "\n".join(lines).rstrip() + "\n\n"


def plain_with_links(message: EmuMessage) -> str:
    """The message text with each link's address after it, as "text <url>"."""
    text = message.text
    links = [e for e in message.entities if e.type == "text_link" and e.url]
    for entity in sorted(links, key=lambda e: e.offset + e.length, reverse=True):
        end = entity.offset + entity.length
        if text[entity.offset : end].strip() != entity.url:
            text = f"{text[:end]} <{entity.url}>{text[end:]}"
    return text


def wrap(text: str, indent: str) -> str:
    """`text` filled to WIDTH after `indent`; a bulleted or numbered line hangs under its
    first word, a plain one by INDENT."""
    bullet = _BULLET.match(text)
    hanging = " " * len(bullet.group(0)) if bullet else INDENT if not indent else ""
    return textwrap.fill(
        text,
        width=WIDTH,
        initial_indent=indent,
        subsequent_indent=indent + hanging,
        break_long_words=False,
        break_on_hyphens=False,
    )


def write(out: TextIO, text: str) -> None:
    """Write and flush at once: the console talks while the bot works."""
    out.write(text)
    out.flush()
