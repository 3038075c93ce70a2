"""The small, safe markup content is written in, rendered to Telegram HTML or plain text.

Supported: **bold**, _italics_, [text](https://link), [text](entry:entry-id) for another
entry (shown as the text, with a button to that entry under the card), lines starting
with "- " as bullets, blank lines between paragraphs. Everything else is text, and is
escaped.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass

_LINK = re.compile(r"\[([^\[\]\n]+)\]\((https://[^\s()<>\"']+)\)")
_LINK_ATTEMPT = re.compile(r"\[[^\[\]\n]*\]\(")
# A link to another entry: the id's shape only; the loader checks that the entry exists.
_ENTRY_LINK = re.compile(r"\[([^\[\]\n]+)\]\(entry:([a-z0-9][a-z0-9-]{1,46}[a-z0-9])\)")
ENTRY_MARK = "➡️"
_SPECIAL = re.compile(r"\*\*|[_\[]")
BULLET = "•"


# Every markup problem: a stable code and its English text. The bot shows moderators
# these in their language (`markup_error.<code>` in bot/locales/<lang>.moderation.yaml).
MESSAGES = {
    "link_form": "a link must look like [text](https://...) or [text](entry:entry-id)",
    "unclosed": "'{mark}' is opened but never closed on this line",
    "overlap": "bold and italics overlap; close the inner one first",
    "html": "HTML tags are not allowed; use **bold** or _italics_",
}


class MarkupError(ValueError):
    """A problem in a body, with the line (0-based, within the body) it is on: a code
    from MESSAGES, its values, and `message`, the English text."""

    def __init__(self, line: int, code: str, **params: str) -> None:
        self.line = line
        self.code = code
        self.params = params
        self.message = MESSAGES[code].format(**params)
        super().__init__(self.message)


@dataclass(frozen=True, slots=True)
class _Block:
    bullets: bool
    lines: tuple[tuple[int, str], ...]  # (line number in body, text)


def _blocks(src: str) -> list[_Block]:
    blocks: list[_Block] = []
    current: list[tuple[int, str]] = []
    current_bullets = False

    def flush() -> None:
        nonlocal current
        if current:
            blocks.append(_Block(current_bullets, tuple(current)))
        current = []

    for number, raw in enumerate(src.splitlines()):
        line = raw.strip()
        if not line:
            flush()
            continue
        is_bullet = line.startswith("- ")
        if current and is_bullet != current_bullets:
            flush()
        current_bullets = is_bullet
        current.append((number, line[2:].strip() if is_bullet else line))
    flush()
    return blocks


def _is_word(ch: str) -> bool:
    return ch.isalnum()


def _inline(text: str, line: int, *, html_out: bool, allow_links: bool = True) -> str:
    """Render one line's inline markup; raise MarkupError on anything unbalanced.

    Jumps from one markup character to the next and escapes the plain text between them
    in one call: content checks run over every body at start, so this is on the hot path.
    """
    out: list[str] = []
    stack: list[str] = []
    n = len(text)
    plain_from = 0  # start of the plain text not yet copied to `out`
    i = 0
    while (found := _SPECIAL.search(text, i)) is not None:
        at = found.start()
        token = found.group()
        if token == "**":
            _plain(text[plain_from:at], out, html_out)
            _toggle(stack, "b", out, line, html_out)
            i = plain_from = at + 2
            continue
        if token == "_":
            prev = text[at - 1] if at else " "
            nxt = text[at + 1] if at + 1 < n else " "
            closes = "i" in stack and not prev.isspace() and not _is_word(nxt)
            opens = "i" not in stack and not _is_word(prev) and not nxt.isspace() and nxt != "_"
            if closes or opens:
                _plain(text[plain_from:at], out, html_out)
                _toggle(stack, "i", out, line, html_out)
                i = plain_from = at + 1
                continue
        elif allow_links:  # "["
            match = _LINK.match(text, at)
            if match:
                _plain(text[plain_from:at], out, html_out)
                label = _inline(match.group(1), line, html_out=html_out, allow_links=False)
                url = match.group(2)
                if html_out:
                    out.append(f'<a href="{html.escape(url, quote=True)}">{label}</a>')
                else:
                    out.append(f"{label} ({url})")
                i = plain_from = match.end()
                continue
            match = _ENTRY_LINK.match(text, at)
            if match:
                _plain(text[plain_from:at], out, html_out)
                label = _inline(match.group(1), line, html_out=html_out, allow_links=False)
                # The entry itself is a button under the card: the text says where to look.
                out.append(f"{label} ({ENTRY_MARK})")
                i = plain_from = match.end()
                continue
            if _LINK_ATTEMPT.match(text, at):
                raise MarkupError(line, "link_form")
        i = at + 1
    _plain(text[plain_from:], out, html_out)
    if stack:
        what = "**" if stack[-1] == "b" else "_"
        raise MarkupError(line, "unclosed", mark=what)
    return "".join(out)


def _plain(text: str, out: list[str], html_out: bool) -> None:
    if text:
        out.append(html.escape(text, quote=False) if html_out else text)


def _toggle(stack: list[str], tag: str, out: list[str], line: int, html_out: bool) -> None:
    if tag in stack:
        if stack[-1] != tag:
            raise MarkupError(line, "overlap")
        stack.pop()
        if html_out:
            out.append(f"</{tag}>")
    else:
        stack.append(tag)
        if html_out:
            out.append(f"<{tag}>")


def _render(src: str, *, html_out: bool) -> str:
    parts: list[str] = []
    for block in _blocks(src):
        rendered = [_inline(text, number, html_out=html_out) for number, text in block.lines]
        if block.bullets:
            parts.append("\n".join(f"{BULLET} {r}" for r in rendered))
        else:
            parts.append(" ".join(rendered))
    return "\n\n".join(parts)


@functools.lru_cache(maxsize=4096)
def to_html(src: str) -> str:
    """Telegram HTML for a body. Raises MarkupError on broken markup."""
    return _render(src, html_out=True)


@functools.lru_cache(maxsize=4096)
def to_plain(src: str) -> str:
    """Readable plain text for a body (links as 'text (url)')."""
    return _render(src, html_out=False)


def check(src: str) -> list[MarkupError]:
    """Every markup problem in a body, one per offending line."""
    problems: list[MarkupError] = []
    for block in _blocks(src):
        for number, text in block.lines:
            try:
                _inline(text, number, html_out=True)
            except MarkupError as exc:
                problems.append(exc)
    if "<" in src and re.search(r"</?[a-zA-Z][^>]*>", src):
        line = next(n for n, raw in enumerate(src.splitlines()) if re.search(r"</?[a-zA-Z]", raw))
        problems.append(MarkupError(line, "html"))
    return problems


def entry_links(src: str) -> list[tuple[int, str]]:
    """(line within the body, entry id) of every link to another entry, in order."""
    return [
        (number, match.group(2))
        for block in _blocks(src)
        for number, text in block.lines
        for match in _ENTRY_LINK.finditer(text)
    ]


def escape(text: str) -> str:
    """Escape arbitrary text for Telegram HTML."""
    return html.escape(text, quote=False)
