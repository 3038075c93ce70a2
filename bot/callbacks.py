"""Callback data: a compact, versioned code for every button, validated on the way back in.

Format: "<version>|<op>|<arg>|<arg>...". Anything that does not decode to a known action
with well-formed arguments, including data from an older version of the bot or forged by
a client, decodes to None and the user gets a fresh menu.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from knowledge.ids import ENTRY_ID_MAX, LANG, SLUG
from knowledge.taxonomy import ALL_TOPICS, CATEGORIES

VERSION = "1"
MAX_BYTES = 64
MAX_PAGE = 999
VANISH_CHOICES = ("0", "5", "30", "60")
# Where a card was opened from, besides a topic (a number): typed search, Need help now.
FROM_RESULTS = "s"
FROM_HELP = "n"

_SLUG = SLUG  # entries, topics and regions: what each names is checked by its handler
_LANG = LANG
_NUM = re.compile(r"^[0-9]{1,3}$")
_ACTION = re.compile(r"^[a-zA-Z]{1,3}$")
_VALUE = re.compile(rf"^[a-z0-9-]{{0,{ENTRY_ID_MAX}}}$")


class Op(StrEnum):
    HOME = "h"
    CATEGORY = "c"  # category, page
    TOPIC = "t"  # topic number, page
    # entry id, where the card was opened from: a topic number, FROM_RESULTS, FROM_HELP or
    # "" (a link); then, optionally, the language to show it in (a query's language)
    ENTRY = "e"
    SEARCH_TIPS = "s"  # old menus' Search tips button: how to search
    LANGUAGES = "l"
    SET_LANGUAGE = "L"  # language code
    REGIONS = "r"  # page
    SET_REGION = "R"  # region slug, or "" for all regions
    PRIVACY = "p"  # old menus' Privacy button: now the same screen as SETTINGS
    HELP = "?"
    WIPE = "W"
    HELP_NOW = "!"  # (), or page and language
    RESULTS = "f"  # page and language of the search results the pressed message shows
    CLOSE = "x"  # close this message (a card opened below the results it came from)
    EMERGENCY = "9"
    SHARE = "S"  # "e" or "t", entry id or topic slug
    # (): the Privacy screen; ("d", "1"|"0"): discreet mode on or off; ("v", minutes) for
    # disappearing mode; ("d",) toggled discreet mode (buttons sent before 2026-12).
    SETTINGS = "z"
    USER = "u"  # user flows (share a tip, report a problem): action, then values
    MOD = "M"  # moderator screens: action, then values; the role is re-checked on use
    ALERT = "a"  # safety alerts (bad date reports, alerts, check a number): action, values
    CHECKIN = "k"  # safety check-ins with a trusted contact: action, then values


@dataclass(frozen=True, slots=True)
class Action:
    op: Op
    args: tuple[str, ...] = ()


def _check_args(op: Op, args: tuple[str, ...]) -> bool:
    match op:
        case (
            Op.HOME
            | Op.SEARCH_TIPS
            | Op.LANGUAGES
            | Op.PRIVACY
            | Op.HELP
            | Op.WIPE
            | Op.EMERGENCY
            | Op.CLOSE
        ):
            return args == ()
        case Op.HELP_NOW | Op.RESULTS:
            return (op is Op.HELP_NOW and args == ()) or (
                len(args) == 2 and bool(_NUM.match(args[0])) and bool(_LANG.match(args[1]))
            )
        case Op.SHARE:
            return len(args) == 2 and args[0] in ("e", "t") and bool(_SLUG.match(args[1]))
        case Op.SETTINGS:
            return (
                args == ()
                or args == ("d",)
                or (len(args) == 2 and args[0] == "d" and args[1] in ("0", "1"))
                or (len(args) == 2 and args[0] == "v" and args[1] in VANISH_CHOICES)
            )
        case Op.CATEGORY:
            return len(args) == 2 and args[0] in CATEGORIES and bool(_NUM.match(args[1]))
        case Op.TOPIC:
            return (
                len(args) == 2
                and bool(_NUM.match(args[0]))
                and int(args[0]) < len(ALL_TOPICS)
                and bool(_NUM.match(args[1]))
            )
        case Op.ENTRY:
            return (
                len(args) in (2, 3)
                and bool(_SLUG.match(args[0]))
                and (
                    args[1] in ("", FROM_RESULTS, FROM_HELP)
                    or (bool(_NUM.match(args[1])) and int(args[1]) < len(ALL_TOPICS))
                )
                and (len(args) == 2 or bool(_LANG.match(args[2])))
            )
        case Op.SET_LANGUAGE:
            return len(args) == 1 and bool(_LANG.match(args[0]))
        case Op.REGIONS:
            return len(args) == 1 and bool(_NUM.match(args[0]))
        case Op.SET_REGION:
            return len(args) == 1 and (args[0] == "" or bool(_SLUG.match(args[0])))
        case Op.USER | Op.MOD | Op.ALERT | Op.CHECKIN:
            return (
                1 <= len(args) <= 3
                and bool(_ACTION.match(args[0]))
                and all(_VALUE.match(a) for a in args[1:])
            )
    return False


def pattern(*ops: Op) -> re.Pattern[str]:
    """What the data of these ops' buttons starts with, for routing (bot/app.py); the
    arguments are checked by `decode` in the handler."""
    choices = "|".join(re.escape(op.value) for op in ops)
    return re.compile(rf"^{re.escape(VERSION)}\|(?:{choices})(?:\||$)")


def encode(op: Op, *args: object) -> str:
    """Callback data for a button; raises ValueError if it would be invalid or too long."""
    parts = tuple(str(a) for a in args)
    if not _check_args(op, parts):
        raise ValueError(f"invalid arguments for {op.name}")
    data = "|".join((VERSION, op.value, *parts))
    if len(data.encode()) > MAX_BYTES:
        raise ValueError("callback data over 64 bytes")
    return data


def decode(data: object) -> Action | None:
    """The action a button stands for, or None for stale, malformed or forged data."""
    if not isinstance(data, str) or not data or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split("|")
    if len(parts) < 2 or parts[0] != VERSION:
        return None
    try:
        op = Op(parts[1])
    except ValueError:
        return None
    args = tuple(parts[2:])
    return Action(op, args) if _check_args(op, args) else None


def topic_number(topic: str) -> int:
    return ALL_TOPICS.index(topic)


def topic_at(number: str | int) -> str:
    return ALL_TOPICS[int(number)]


def topic_or_none(value: str) -> str | None:
    """The topic a button's number stands for, or None if it stands for none."""
    if value.isdigit() and int(value) < len(ALL_TOPICS):
        return ALL_TOPICS[int(value)]
    return None
