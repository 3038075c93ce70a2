"""A service's own steps in the wizard: what a person needs to know before going (police,
ID, immigration status, cost, who runs it, who it welcomes, languages), how to reach it,
and where the facts come from. Each answer is checked when it is given, by the content
files' rules (moderation.referrals)."""

from __future__ import annotations

from collections.abc import Callable

from bot import keyboards
from bot.handlers.moderators.actions import Act
from bot.handlers.moderators.common import StaleButton, button, first, lang_name
from bot.i18n import t
from bot.remembered.flows import Flow
from bot.render import esc
from bot.screens import Screen
from moderation.errors import ModerationError
from moderation.referrals import (
    COST,
    POLICE,
    SERVICE_LANGUAGES,
    TRISTATE,
    TRISTATE_FLAGS,
    answer_of,
    check_contact,
    check_source,
    flag_value,
)

# The card's own words for each answer, so the moderator picks what users will read.
_CARD_WORDS = {"id_required": "id", "immigration_status_asked": "immigration"}


def _options(flag: str, lang: str) -> list[tuple[str, str]]:
    """(answer, label) for a flag's buttons."""
    if flag == "police_involvement":
        return [(p, t(lang, f"flag.police.{p}")) for p in POLICE]
    if flag == "cost":
        return [(c, t(lang, f"flag.cost.{c}")) for c in COST]
    if flag in _CARD_WORDS:
        card = {"yes": "true", "no": "false", "unknown": "unknown"}
        return [(a, t(lang, f"flag.{_CARD_WORDS[flag]}.{card[a]}")) for a in TRISTATE]
    return [(answer, t(lang, f"mod.w.{answer}")) for answer in TRISTATE]


NavRow = Callable[..., list]
# A flag and its answer go on the wire as numbers: their places here.
FLAGS = ("police_involvement", "cost", *TRISTATE_FLAGS)
ANSWERS = {
    "police_involvement": POLICE,
    "cost": COST,
    **{flag: tuple(TRISTATE) for flag in TRISTATE_FLAGS},
}


def step_screen(flow: Flow, lang: str, head: str, nav_row: NavRow) -> Screen:
    part, _, code = flow.step.partition(":")
    flags = flow.data["flags"]
    if part == "languages":
        chosen = flags.get("languages", [])
        choices = [
            button(("✅ " if c in chosen else "") + lang_name(c, lang), Act.TIP_SERVICE_LANGUAGE, c)
            for c in SERVICE_LANGUAGES
        ]
        rows = [choices[i : i + 3] for i in range(0, len(choices), 3)]
        rows.append([button(t(lang, "btn.done"), Act.TIP_SERVICE_LANGUAGE, "done")])
        text = f"{head}\n{t(lang, 'mod.w.ask.languages')}"
        return Screen(text, keyboards.buttons([*rows, *nav_row(flow, lang)]))
    if part in ("contact", "source"):
        key = f"mod.w.ask.contact.{code}" if part == "contact" else "mod.w.ask.source"
        text = f"{head}\n{t(lang, key)}"
        current = (
            flow.data["contact"].get(code, "") if part == "contact" else flow.data.get("source")
        )
        if current:
            text += f"\n\n{t(lang, 'mod.new.current')}\n<code>{esc(current)}</code>"
        rows = nav_row(flow, lang, keep=bool(current), skip=part == "contact")
        return Screen(text, keyboards.buttons(rows))
    current = answer_of(part, flags[part]) if part in flags else None
    rows = [
        [button(("✅ " if answer == current else "") + label, Act.TIP_FLAG, FLAGS.index(part), n)]
        for n, (answer, label) in enumerate(_options(part, lang))
    ]
    text = f"{head}\n{t(lang, f'mod.w.ask.{part}')}"
    return Screen(text, keyboards.buttons([*rows, *nav_row(flow, lang)]))


def flag_at(values: list) -> str:
    """The flag a button's first value numbers."""
    try:
        return FLAGS[int(first(values))]
    except (ValueError, IndexError):
        raise StaleButton from None


def set_flag(flow: Flow, values: list) -> None:
    """A flag's button (flag number, answer number): its answer, as a content file
    writes it."""
    flag = flag_at(values)
    try:
        answer = ANSWERS[flag][int(values[1])]
    except (ValueError, IndexError):
        raise StaleButton from None
    flow.data["flags"][flag] = flag_value(flag, answer)


def toggle_language(flow: Flow, values: list) -> bool:
    """A language's button: adds or removes it. True when it was Done."""
    flags = flow.data["flags"]
    code = first(values)
    flow.step = "languages"
    if code == "done":
        if not flags.get("languages"):
            raise ModerationError("referral_flags")
        return True
    if code not in SERVICE_LANGUAGES:
        raise StaleButton
    chosen = list(flags.get("languages", []))
    flags["languages"] = [c for c in chosen if c != code] if code in chosen else [*chosen, code]
    return False


def typed(flow: Flow, part: str, code: str, text: str) -> None:
    """A typed contact field or source, checked now (raises with the reason)."""
    if part == "source":
        flow.data["source"] = check_source(text)
    else:
        flow.data["contact"][code] = check_contact(code, text)
