"""Limits against flooding, and showing untrusted text safely to moderators."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime


class DailyLimiter:
    """At most `per_day` actions per person per day, remembered only in memory.

    People are counted under a keyed hash whose key is replaced every day, so yesterday's
    counts cannot be linked to today's, and nothing survives a restart.
    """

    def __init__(
        self,
        per_day: int,
        *,
        max_people: int = 50_000,
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
    ) -> None:
        self.per_day = per_day
        self.max_people = max_people
        self._today = today
        self._day: date | None = None
        self._salt = b""
        self._counts: dict[bytes, int] = {}

    def _rotate(self) -> None:
        day = self._today()
        if day != self._day:
            self._day = day
            self._salt = secrets.token_bytes(32)
            self._counts = {}

    def allow(self, user_id: int) -> bool:
        """Count one action; False once the day's allowance is used up."""
        self._rotate()
        key = hmac.new(self._salt, str(user_id).encode(), hashlib.sha256).digest()[:16]
        count = self._counts.get(key, 0)
        if count >= self.per_day:
            return False
        if key not in self._counts and len(self._counts) >= self.max_people:
            return False  # a flood of new senders: refuse rather than grow without bound
        self._counts[key] = count + 1
        return True

    def __len__(self) -> int:
        self._rotate()
        return len(self._counts)


# Everything Telegram turns into something tappable in plain text: links with any scheme,
# e-mail addresses, bare domains (with or without a path or query), bare IPv4 addresses and
# @mentions. Dots include the ideographic and full-width ones that browsers read as dots.
# Each kind has its own pass, so one match can never swallow half of another
# ('@name' glued to 'x.org'); each pattern starts only where a run of its characters
# starts and never backtracks (possessive quantifiers), so hostile input costs linear time.
_DOT = "[.\u3002\uff0e\uff61]"
_SCHEME_END = re.compile(r"(?:(https?)|(ftps?)|(hxxps?|fxps?))$", re.I)
_MAX_SCHEME = 32
_EMAIL = re.compile(rf"(?<![\w.+-])[\w.+-]++@[\w-]++(?:{_DOT}[\w-]++)++")
_HOST = re.compile(rf"(?<![\w-])[\w-]++(?:{_DOT}[\w-]++)++")
# Any @ before a word character, wherever it stands: a mention, or the @ of an address
# glued to other text ('cd@name'), which Telegram may still link.
_MENTION = re.compile(r"(?<!\[)@(?=\w)")
_IPV4 = re.compile(rf"\d{{1,3}}(?:{_DOT}\d{{1,3}}){{3}}")
# A label that could be a top-level domain: starts with two letters, or is punycode.
_TLD = re.compile(r"[^\W\d_]{2}|xn--", re.I)
# Already-bracketed dots and at signs stay as they are, so defanging twice changes nothing.
_ANY_DOT = re.compile(rf"(?<!\[){_DOT}(?!\])")
_ANY_AT = re.compile(r"(?<!\[)@(?!\])")
_ZWJ = "\u200d"
_EMOJI_PARTS = {"So", "Sk", "Mn", "Me"}  # emoji, skin tones, variation selectors


def _visible(text: str) -> str:
    """The text as Telegram's link detector reads it: compatibility forms folded and
    invisible format characters removed, so 'h\u200bttps://' cannot hide a scheme.

    A zero-width joiner between two symbols is kept: it joins emoji (👩\u200d🦰).
    """
    text = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    for i, ch in enumerate(text):
        if unicodedata.category(ch) == "Cf":
            after = text[i + 1] if i + 1 < len(text) else ""
            joins_emoji = (
                ch == _ZWJ
                and bool(out)
                and unicodedata.category(out[-1]) in _EMOJI_PARTS
                and unicodedata.category(after or "a") == "So"
            )
            if not joins_emoji:
                continue
        out.append(ch)
    return "".join(out)


def _scheme(scheme: str) -> str:
    """'https' -> 'hxxps://', 'ftp' -> 'fxp://', 'tg' -> 'tg[:]//'. The scheme may be
    glued to what comes before it ('3.50https'), as Telegram still finds it there."""
    found = _SCHEME_END.search(scheme)
    if found is None:
        return scheme + "[:]//"
    if found.group(1):
        return scheme[: found.start()] + "hxxp" + found.group(1)[4:] + "://"
    if found.group(2):
        return scheme[: found.start()] + "fxp" + found.group(2)[3:] + "://"
    return scheme + "://"  # already defanged


def _schemes(text: str) -> str:
    out: list[str] = []
    copied = 0
    for match in re.finditer("://", text):
        at = start = match.start()
        if at < copied:
            continue
        # Look back over the scheme's characters, but only so far: linear time.
        while start > copied and at - start < _MAX_SCHEME and _is_scheme_char(text[start - 1]):
            start -= 1
        out.append(text[copied:start])
        out.append(_scheme(text[start:at]))
        copied = match.end()
    out.append(text[copied:])
    return "".join(out)


def _is_scheme_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "+.-")


def _brackets(match: re.Match[str]) -> str:
    return _ANY_AT.sub("[@]", _ANY_DOT.sub("[.]", match.group(0)))


def _host(match: re.Match[str]) -> str:
    token = match.group(0)
    if any(_TLD.match(label) for label in _ANY_DOT.split(token)[1:]) or _IPV4.search(token):
        return _brackets(match)
    return token  # '3.50', 'v1.2.3': a dotted number, not an address


def defang(text: str) -> str:
    """Anonymous text with nothing Telegram would make tappable.

    'https://x.org' -> 'hxxps://x[.]org', 'x.org' -> 'x[.]org', 'a@x.org' -> 'a[@]x[.]org',
    '@name' -> '[@]name'. Still readable, so a moderator can judge and copy it by hand.
    """
    text = _schemes(_visible(text))
    text = _EMAIL.sub(_brackets, text)
    text = _HOST.sub(_host, text)
    return _MENTION.sub("[@]", text)
