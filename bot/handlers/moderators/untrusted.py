"""Showing content someone else wrote to a moderator who must decide on it.

A link's text can itself look like an address ("https://clinic.org") while the link
opens another one. Wherever a moderator decides on content someone else wrote, links
are spelled out, text then real target, and every target's host is listed under the
card: a reviewer can only "check every link" if they can see where each one goes.
"""

from __future__ import annotations

import html
import re
from datetime import date

from bot import render
from bot.i18n import t
from bot.render import MAX_MESSAGE, esc, visible_length
from knowledge.model import Entry
from moderation.drafts import host_of, links
from moderation.limits import defang

# knowledge.markup writes links exactly like this (address quote-escaped, text escaped,
# never nested), so this finds every link of a rendered card and nothing else.
_ANCHOR = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.S)
_ROOM = MAX_MESSAGE - 300  # for the lines above the card and the list of hosts


def _spelled_out(card: str) -> str:
    """The card with each link written as 'text → target' in <code> (not tappable)."""
    full = _ANCHOR.sub(lambda m: f"{m.group(2)} → <code>{m.group(1)}</code>", card)
    if visible_length(full) <= _ROOM:
        return full
    # Too long for one message with whole addresses: the host is what tells a clinic
    # from a tracker, and the full addresses are in the list below.
    return _ANCHOR.sub(
        lambda m: f"{m.group(2)} → <code>{esc(host_of(html.unescape(m.group(1))))}</code>", card
    )


def hosts_note(lang: str, bodies: list[str]) -> str:
    """'Links go to: a.org, b.net' for every body (all languages), or '' if none."""
    hosts = sorted({host_of(link.url) or link.url for body in bodies for link in links(body)})
    if not hosts:
        return ""
    listed = ", ".join(f"<code>{esc(host)}</code>" for host in hosts)
    return "\n\n" + t(lang, "mod.links.targets", hosts=listed)


def untrusted(text: str, *, block: bool = False) -> str:
    """Anonymous text for moderators' eyes: defanged, and inside <code>/<pre>, where
    Telegram makes no link, mention or e-mail address tappable whatever slips through."""
    tag = "pre" if block else "code"
    return f"<{tag}>{esc(defang(text))}</{tag}>"


def review_card(entry: Entry, lang: str, today: date) -> str:
    """An entry as a reviewer must see it: links spelled out, every target host listed."""
    card = _spelled_out(render.entry_card(entry, lang, today))
    return card + hosts_note(lang, [text.body for text in entry.texts.values()])
