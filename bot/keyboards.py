"""Inline keyboards for every screen; every button's data comes from bot.callbacks.

Builders describe a keyboard as rows of plain tuples; `_keyboard` turns a description
into a `Keyboard` once and hands the same object out again: the few keyboards people see
most (the menu, a topic's list, a card's buttons) are sent over and over, and building and
serialising Telegram objects for every reply was most of what a button press cost.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Op, encode, topic_number
from bot.i18n import languages, t
from knowledge.model import Entry, Kind, Region
from knowledge.taxonomy import EXAMPLE_REGION, GLOBAL_REGION

PAGE_SIZE = 8
MAX_BUTTON_TEXT = 60
KIND_MARK = {Kind.TIP: "💡", Kind.RIGHTS: "⚖️", Kind.REFERRAL: "🤝"}


# One button: (label, callback data or URL, whether it is a URL).
Button = tuple[str, str, bool]
KEYBOARD_CACHE = 2048


class Keyboard(InlineKeyboardMarkup):
    """An inline keyboard that is serialised for the Bot API only once (it is immutable)."""

    __slots__ = ("_as_dict",)

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        if not recursive:
            return super().to_dict(recursive=False)
        try:
            cached = self._as_dict
        except AttributeError:
            cached = super().to_dict()
            # Telegram objects are frozen after construction; this cache is not an attribute
            # of the keyboard, only a copy of what it already says.
            object.__setattr__(self, "_as_dict", cached)
        return dict(cached)


def _built(rows: tuple[tuple[Button, ...], ...]) -> Keyboard:
    return Keyboard(
        [
            [
                InlineKeyboardButton(label, url=target)
                if is_url
                else InlineKeyboardButton(label, callback_data=target)
                for label, target, is_url in row
            ]
            for row in rows
        ]
    )


_frozen = functools.lru_cache(maxsize=KEYBOARD_CACHE)(_built)


def _keyboard(rows: Iterable[Iterable[Button]]) -> Keyboard:
    return _frozen(tuple(tuple(row) for row in rows))


def _button(text: str, op: Op, *args: object) -> Button:
    return (text, encode(op, *args), False)


def _link(text: str, url: str) -> Button:
    return (text, url, True)


def _home(lang: str) -> Button:
    return _button(t(lang, "btn.home"), Op.HOME)


def shorten(text: str, limit: int = MAX_BUTTON_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def pages(count: int) -> int:
    return max(1, -(-count // PAGE_SIZE))


def clamp_page(page: int, count: int) -> int:
    return min(max(page, 0), pages(count) - 1)


def _nav(lang: str, page: int, count: int, op: Op, *prefix: object) -> list[Button]:
    row = []
    if page > 0:
        row.append(_button(t(lang, "btn.prev"), op, *prefix, page - 1))
    if page < pages(count) - 1:
        row.append(_button(t(lang, "btn.next"), op, *prefix, page + 1))
    return row


def main_menu(lang: str, discreet_off: bool = False) -> InlineKeyboardMarkup:
    """Eight buttons, 🆘 first. `discreet_off` adds one more, last (so the others keep their
    places), that says discreet mode is off and turns it on in one tap (for /start:
    Lantern cannot know that a setting lapsed for someone it forgot, so it says what
    holds now)."""
    rows = [
        [_button(t(lang, "btn.helpnow"), Op.HELP_NOW)],
        [
            _button(t(lang, "btn.safety"), Op.CATEGORY, "safety", 0),
            _button(t(lang, "btn.rights"), Op.CATEGORY, "rights", 0),
        ],
        [
            _button(t(lang, "btn.services"), Op.CATEGORY, "services", 0),
            _button(t(lang, "btn.share"), Op.USER, "sh"),
        ],
        [
            _button(t(lang, "btn.language"), Op.LANGUAGES),
            _button(t(lang, "btn.privacy"), Op.SETTINGS),
        ],
        [_button(t(lang, "btn.wipe"), Op.WIPE)],
    ]
    if discreet_off:
        rows.append([_button(t(lang, "btn.discreet_turn_on"), Op.SETTINGS, "d", 1)])
    return _keyboard(rows)


def home_only(lang: str) -> InlineKeyboardMarkup:
    return _keyboard([[_home(lang)]])


def category_menu(
    lang: str, category: str, topics: Sequence[tuple[str, int]], page: int
) -> InlineKeyboardMarkup:
    """Topics of a category with their entry counts, one per row, paginated."""
    shown = topics[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = [
        [_button(f"{t(lang, f'topic.{topic}')} ({count})", Op.TOPIC, topic_number(topic), 0)]
        for topic, count in shown
    ]
    nav = _nav(lang, page, len(topics), Op.CATEGORY, category)
    if nav:
        rows.append(nav)
    if category == "safety":  # 🤝 Check-in with a trusted contact (bot/handlers/checkin.py)
        rows.append([_button(t(lang, "ck.btn.menu"), Op.CHECKIN, "m")])
    rows.append([_home(lang)])
    return _keyboard(rows)


def topic_menu(
    lang: str, topic: str, category: str, entries: Sequence[Entry], page: int
) -> InlineKeyboardMarkup:
    number = topic_number(topic)
    shown = entries[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = [
        [_button(shorten(f"{KIND_MARK[e.kind]} {e.text(lang).title}"), Op.ENTRY, e.id, number)]
        for e in shown
    ]
    nav = _nav(lang, page, len(entries), Op.TOPIC, number)
    if nav:
        rows.append(nav)
    rows.append([_button(t(lang, "btn.back"), Op.CATEGORY, category, 0), _home(lang)])
    rows.append([_button(t(lang, "btn.share_link"), Op.SHARE, "t", topic)])
    return _keyboard(rows)


def entry_menu(
    lang: str,
    back: tuple[Op, tuple[object, ...]],
    entry_id: str | None = None,
    related: Sequence[tuple[str, str]] = (),
) -> InlineKeyboardMarkup:
    """A card's buttons, in the same places on every card: Back and Menu, then Share and
    Report; links to related entries after them; 🧹 Wipe always last, on its own, so a
    thumb that learned where Report is never wipes the chat by surprise."""
    rows = [[_button(t(lang, "btn.back"), back[0], *back[1]), _home(lang)]]
    if entry_id is not None:
        rows.append(
            [
                _button(t(lang, "btn.share_link"), Op.SHARE, "e", entry_id),
                _button(t(lang, "btn.report"), Op.USER, "rep", entry_id),
            ]
        )
    for title, target in related:
        rows.append([_button(shorten("➡️ " + title), Op.ENTRY, target, "")])
    rows.append([_button(t(lang, "btn.wipe"), Op.WIPE)])
    return _keyboard(rows)


def cancel_only(lang: str, op: Op = Op.USER) -> InlineKeyboardMarkup:
    return _keyboard([[_button(t(lang, "btn.cancel"), op, "x")]])


def buttons(rows: Sequence[Sequence[tuple[str, Op, tuple[object, ...]]]]) -> InlineKeyboardMarkup:
    """A keyboard from rows of (label, op, args)."""
    return _keyboard([[_button(label, op, *args) for label, op, args in row] for row in rows])


def entry_label(entry: Entry, lang: str, where: str = "") -> str:
    """An entry as a list button: its kind, its title, and where it applies if asked."""
    label = f"{KIND_MARK[entry.kind]} {entry.text(lang).title}"
    return shorten(f"{label} · {where}" if where else label)


def results_menu(
    lang: str,
    entries: Sequence[tuple[Entry, str]],
    *,
    page: int,
    more: bool,
    urgent: bool,
    choose_region: bool,
    switch_to: str | None,
    interface: str,
) -> InlineKeyboardMarkup:
    """Search results: (entry, where it applies) pairs, in `lang`. The cards open below the
    results, so Back (closing the card) shows them again."""
    rows: list[list[Button]] = []
    if urgent:
        rows.append([_button(t(lang, "btn.helpnow"), Op.HELP_NOW, 0, lang)])
    shown_in = () if lang == interface else (lang,)
    for entry, where in entries:
        rows.append([_button(entry_label(entry, lang, where), Op.ENTRY, entry.id, "s", *shown_in)])
    nav = []
    if page > 0:
        nav.append(_button(t(lang, "btn.prev"), Op.RESULTS, page - 1, lang))
    if more:
        nav.append(_button(t(lang, "btn.more"), Op.RESULTS, page + 1, lang))
    if nav:
        rows.append(nav)
    if choose_region:
        rows.append([_button(t(lang, "btn.choose_region"), Op.REGIONS, 0)])
    if switch_to is not None:
        rows.append([_button(t(switch_to, "btn.switch_language"), Op.SET_LANGUAGE, switch_to)])
    rows.append([_home(lang)])
    # Built afresh, never cached: which entries a search found says what was searched.
    return _built(tuple(tuple(row) for row in rows))


def language_menu(lang: str) -> InlineKeyboardMarkup:
    """Each language in its own name, two to a row: six languages fit one phone screen."""
    choices = [
        _button(("✓ " if code == lang else "") + t(code, "language_name"), Op.SET_LANGUAGE, code)
        for code in languages()
    ]
    rows = [choices[i : i + 2] for i in range(0, len(choices), 2)]
    rows.append([_button(t(lang, "btn.region"), Op.REGIONS, 0)])  # the menu's 🌐 has both
    rows.append([_home(lang)])
    return _keyboard(rows)


def choosable_regions(regions: Sequence[Region], show_examples: bool) -> list[Region]:
    return [
        r
        for r in regions
        if r.slug != GLOBAL_REGION and (show_examples or r.slug != EXAMPLE_REGION)
    ]


def region_menu(
    lang: str, regions: Sequence[Region], current: str | None, page: int
) -> InlineKeyboardMarkup:
    shown = regions[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = [
        [_button(("✓ " if r.slug == current else "") + r.name(lang), Op.SET_REGION, r.slug)]
        for r in shown
    ]
    nav = _nav(lang, page, len(regions), Op.REGIONS)
    if nav:
        rows.append(nav)
    rows.append(
        [_button(("✓ " if current is None else "") + t(lang, "region.all"), Op.SET_REGION, "")]
    )
    rows.append([_home(lang)])
    return _keyboard(rows)


def settings_menu(lang: str, discreet: bool, vanish: int | None) -> InlineKeyboardMarkup:
    """The Privacy screen's buttons: each a choice, the current one ticked (the state is in
    the text; no button only shows it)."""

    def ticked(label: str, chosen: bool) -> str:
        return ("✓ " if chosen else "") + label

    discreet_row = [
        _button(ticked(t(lang, "btn.discreet_on"), discreet), Op.SETTINGS, "d", 1),
        _button(ticked(t(lang, "btn.discreet_off"), not discreet), Op.SETTINGS, "d", 0),
    ]
    vanish_row = [
        _button(
            ticked(
                t(lang, "vanish.minutes", minutes=m) if m != "0" else t(lang, "vanish.off"),
                (vanish or 0) == int(m),
            ),
            Op.SETTINGS,
            "v",
            m,
        )
        for m in ("0", "5", "30", "60")
    ]
    return _keyboard(
        [discreet_row, vanish_row, [_button(t(lang, "btn.wipe"), Op.WIPE)], [_home(lang)]]
    )


def private_chat_link(lang: str, bot_username: str) -> InlineKeyboardMarkup:
    return _keyboard([[_link(t(lang, "group.open"), f"https://t.me/{bot_username}")]])
