"""Telegram's HTML parse mode, checked as strictly as the Bot API checks it.

`parse_html` turns a message written for `parse_mode=HTML` into the plain text Telegram
would show plus its entities, or raises `HTMLError` where Telegram would answer
"can't parse entities". Offsets here are Python string indices; `Entity.to_api` converts
them to the UTF-16 code units the Bot API uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Tag name -> entity type. span is a spoiler only with class="tg-spoiler" (checked below).
TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}

_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_ATTRIBUTE = re.compile(
    r"\s+([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?"
)
_ENTITY = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9A-Fa-f]{1,6})|(lt|gt|amp|quot));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_LANGUAGE = " language"  # a key no parsed attribute can have


class HTMLError(ValueError):
    """Text that Telegram would refuse with "Bad Request: can't parse entities"."""


@dataclass(frozen=True)
class Entity:
    """One formatting entity over `text[offset:offset + length]` (Python indices)."""

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None
    custom_emoji_id: str | None = None

    def to_api(self, text: str) -> dict[str, object]:
        """The MessageEntity dict, with offsets in UTF-16 code units."""
        start = utf16_len(text[: self.offset])
        data: dict[str, object] = {
            "type": self.type,
            "offset": start,
            "length": utf16_len(text[self.offset : self.offset + self.length]),
        }
        for key in ("url", "language", "custom_emoji_id"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass(frozen=True)
class ParsedText:
    """What a user sees: the text without markup, and where the formatting goes."""

    text: str
    entities: tuple[Entity, ...] = ()

    def links(self) -> list[tuple[str, str]]:
        """(link text, url) for every text link, in order."""
        return [
            (self.text[e.offset : e.offset + e.length], e.url or "")
            for e in self.entities
            if e.type == "text_link"
        ]


@dataclass
class _Open:
    tag: str
    start: int
    source_at: int
    attrs: dict[str, str | None]


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Bot API offsets."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> ParsedText:
    """Parse Telegram HTML into plain text and entities; raise HTMLError if Telegram would."""
    out: list[str] = []
    length = 0
    stack: list[_Open] = []
    entities: list[Entity] = []
    i = 0
    n = len(source)
    while i < n:
        char = source[i]
        if char == "<":
            if source.startswith("</", i):
                i = _close_tag(source, i, stack, entities, length)
            else:
                i, opened = _open_tag(source, i, stack, length)
                stack.append(opened)
        elif char == "&":
            match = _ENTITY.match(source, i)
            if match is None:
                raise HTMLError(f"can't parse entities: bare '&' at character {i} (write &amp;)")
            decoded = _decode_entity(match, i)
            out.append(decoded)
            length += len(decoded)
            i = match.end()
        else:
            end = _next_special(source, i)
            out.append(source[i:end])
            length += end - i
            i = end
    if stack:
        raise HTMLError(
            f"can't parse entities: <{stack[-1].tag}> opened at character "
            f"{stack[-1].source_at} is never closed"
        )
    entities.sort(key=lambda e: (e.offset, -e.length))
    return ParsedText("".join(out), tuple(entities))


def _next_special(source: str, start: int) -> int:
    ends = [p for p in (source.find("<", start), source.find("&", start)) if p >= 0]
    return min(ends) if ends else len(source)


def _decode_entity(match: re.Match[str], at: int) -> str:
    decimal, hexadecimal, name = match.groups()
    if name:
        return _NAMED[name]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise HTMLError(f"can't parse entities: invalid character reference at character {at}")
    return chr(code)


def _open_tag(source: str, at: int, stack: list[_Open], length: int) -> tuple[int, _Open]:
    name_match = _TAG_NAME.match(source, at + 1)
    if name_match is None:
        raise HTMLError(f"can't parse entities: bare '<' at character {at} (write &lt;)")
    tag = name_match.group(0).lower()
    if tag not in TAGS:
        raise HTMLError(f"can't parse entities: unsupported start tag <{tag}> at character {at}")
    attrs: dict[str, str | None] = {}
    i = name_match.end()
    while True:
        attribute = _ATTRIBUTE.match(source, i)
        if attribute is None:
            break
        value = attribute.group(2)
        if value is not None and value[:1] in "\"'":
            value = value[1:-1]
        attrs[attribute.group(1).lower()] = _unescape_attribute(value, at)
        i = attribute.end()
    while i < len(source) and source[i].isspace():
        i += 1
    if not source.startswith(">", i):
        raise HTMLError(f"can't parse entities: malformed start tag <{tag}> at character {at}")
    _check_nesting(tag, attrs, stack, at)
    return i + 1, _Open(tag, length, at, attrs)


def _unescape_attribute(value: str | None, at: int) -> str | None:
    if value is None or "&" not in value:
        return value
    parts: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            match = _ENTITY.match(value, i)
            if match is None:
                raise HTMLError(f"can't parse entities: bare '&' in an attribute at character {at}")
            parts.append(_decode_entity(match, at))
            i = match.end()
        else:
            parts.append(value[i])
            i += 1
    return "".join(parts)


def _check_nesting(tag: str, attrs: dict[str, str | None], stack: list[_Open], at: int) -> None:
    inside = {o.tag for o in stack}
    if stack and stack[-1].tag == "pre" and tag == "code":
        pass  # <pre><code class="language-x"> is how a code block names its language
    elif inside & {"code", "pre"}:
        raise HTMLError(f"can't parse entities: <{tag}> at character {at} inside <code> or <pre>")
    if tag == "a":
        if "a" in inside:
            raise HTMLError(f"can't parse entities: nested links at character {at}")
        if not attrs.get("href"):
            raise HTMLError(f"can't parse entities: <a> without href at character {at}")
    elif tag == "span" and attrs.get("class") != "tg-spoiler":
        raise HTMLError(f'can\'t parse entities: <span> needs class="tg-spoiler" at character {at}')
    elif tag == "blockquote" and "blockquote" in inside:
        raise HTMLError(f"can't parse entities: nested <blockquote> at character {at}")
    elif tag == "tg-emoji" and not attrs.get("emoji-id"):
        raise HTMLError(f"can't parse entities: <tg-emoji> without emoji-id at character {at}")


def _close_tag(
    source: str, at: int, stack: list[_Open], entities: list[Entity], length: int
) -> int:
    end = source.find(">", at)
    if end < 0:
        raise HTMLError(f"can't parse entities: unclosed end tag at character {at}")
    tag = source[at + 2 : end].strip().lower()
    if not stack:
        raise HTMLError(f"can't parse entities: unexpected end tag </{tag}> at character {at}")
    opened = stack.pop()
    if opened.tag != tag:
        raise HTMLError(
            f"can't parse entities: end tag </{tag}> at character {at} does not match "
            f"<{opened.tag}> opened at character {opened.source_at}"
        )
    if opened.tag == "code" and stack and stack[-1].tag == "pre":
        # Telegram folds <pre><code class="language-x"> into one pre entity with a language.
        language = (opened.attrs.get("class") or "").removeprefix("language-")
        stack[-1].attrs[_LANGUAGE] = language or None
        return end + 1
    size = length - opened.start
    if size > 0:
        entities.append(_entity(opened, size))
    return end + 1


def _entity(opened: _Open, size: int) -> Entity:
    kind = TAGS[opened.tag]
    attrs = opened.attrs
    if kind == "text_link":
        return Entity(kind, opened.start, size, url=attrs.get("href"))
    if kind == "custom_emoji":
        return Entity(kind, opened.start, size, custom_emoji_id=attrs.get("emoji-id"))
    if kind == "blockquote" and "expandable" in attrs:
        return Entity("expandable_blockquote", opened.start, size)
    if kind == "pre":
        return Entity(kind, opened.start, size, language=attrs.get(_LANGUAGE))
    return Entity(kind, opened.start, size)
