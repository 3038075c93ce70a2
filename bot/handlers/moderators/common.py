"""What every moderator screen shares: buttons, the menu row, and reading a button's values.

A button's values come back from the chat, where anyone can forge them or press one long
after it was shown. Reading them here raises `StaleButton`, which the router answers with
the expired menu; any other exception is a bug, and goes to the normal failure path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot import keyboards, render
from bot.callbacks import Op, topic_at
from bot.handlers.moderators.actions import Act
from bot.i18n import t
from bot.remembered.flows import Flow
from bot.screens import Screen
from bot.services import Services
from knowledge.markup import MarkupError
from moderation.errors import ModerationError, Problem
from moderation.workflow import Moderation, Moderator

LIST_LIMIT = 20

# A button's handler: (services, the moderator, language, their user id, the button's values).
ActionHandler = Callable[[Services, Moderator, str, int, list[str]], Awaitable[Screen]]
# A typed step of a flow: the same, with the flow and the (cleaned) text instead of values.
TextStep = Callable[[Services, Moderator, str, int, Flow, str], Awaitable[Screen]]
# A flow's current step asked again, with why the answer was refused on top.
Reask = Callable[[Services, Flow, str, ModerationError], Screen]


class StaleButton(Exception):
    """The button's data does not fit what it claims to be, or no longer fits the flow it
    belongs to (forged, or pressed out of order): the person gets the expired menu."""


def moderation_of(svc: Services) -> Moderation:
    """The moderation workflow. The router lets nobody in while it is off (no store), so
    None here means a handler was reached some other way: a bug, not a person's mistake."""
    if svc.moderation is None:
        raise RuntimeError("moderation handler reached with moderation off")
    return svc.moderation


def first(values: list[str]) -> str:
    """The button's first value."""
    if not values:
        raise StaleButton
    return values[0]


def number(values: list[str]) -> int:
    """The button's first value as a number (an id, a count of months)."""
    try:
        return int(first(values))
    except ValueError:
        raise StaleButton from None


def topic_value(values: list[str]) -> str:
    """The topic the button's first value numbers."""
    try:
        return topic_at(first(values))
    except (ValueError, IndexError):
        raise StaleButton from None


def button(label: str, action: Act, *values: object) -> tuple[str, Op, tuple[object, ...]]:
    """A moderator button; the action goes on the wire as its short code."""
    return (label, Op.MOD, (action, *[str(v) for v in values]))


def menu_row(lang: str) -> list:
    return [button(t(lang, "mod.btn.menu"), Act.MENU)]


def with_menu(lang: str, text: str, rows: list | None = None) -> Screen:
    return Screen(text, keyboards.buttons([*(rows or []), menu_row(lang)]))


def cancel_row(lang: str) -> list:
    return [button(t(lang, "btn.cancel"), Act.CANCEL)]


def lang_name(code: str, lang: str) -> str:
    """A language's name, in the moderator's language."""
    return render.language_name(code, lang)


def problem_text(lang: str, error: ModerationError) -> str:
    """What was refused and why, in the moderator's language (plain text, not escaped).

    Each problem's code is `moderation_error.<code>` in bot/locales/<lang>.moderation.yaml;
    a code with no text anywhere (a test makes sure there is none) is shown in English.
    """
    return "; ".join(_problem(lang, problem) for problem in error.problems)


def _problem(lang: str, problem: Problem) -> str:
    values = {name: _value(lang, name, value) for name, value in problem.params.items()}
    try:
        return t(lang, f"moderation_error.{problem.code}", **values)
    except KeyError:
        return str(problem)


def _value(lang: str, name: str, value: object) -> object:
    if isinstance(value, MarkupError):
        try:
            return t(lang, f"markup_error.{value.code}", **value.params)
        except KeyError:
            return value.message
    if name == "language" and isinstance(value, str):
        return lang_name(value, lang)
    return value
