"""Everything users read, as Telegram HTML: entry cards, lists and menus' text.

All content and interface values pass through escaping here; the markup in bodies is the
only markup that reaches Telegram, and it is produced by knowledge.markup.
"""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

from bot.i18n import t
from knowledge import markup
from knowledge.model import Entry, Kind, ReferralFlags
from knowledge.taxonomy import EXAMPLE_REGION

MAX_MESSAGE = 4096
_TAG = re.compile(r"<[^>]+>")


def esc(value: object) -> str:
    return html.escape(str(value), quote=False)


def visible_length(html_text: str) -> int:
    """Characters Telegram counts after parsing the HTML (tags gone, entities decoded)."""
    return len(html.unescape(_TAG.sub("", html_text)))


def human_date(day: date, lang: str) -> str:
    """A date as people read it in their language ("1 Nov 2026", "1 nov 2026"), not ISO."""
    months = t(lang, "date.months").split()
    return t(lang, "date.format", day=day.day, month=months[day.month - 1], year=day.year)


def language_name(code: str, lang: str) -> str:
    """A language's name in `lang` ("Spanish" in English, "español" in Spanish), from
    `language.name.<code>` in bot/locales/<lang>.languages.yaml; the code if it has none."""
    try:
        return t(lang, f"language.name.{code}")
    except KeyError:
        return code


def _flag_lines(flags: ReferralFlags, lang: str) -> list[str]:
    def tri(name: str, value: bool | None) -> str:
        return t(lang, f"flag.{name}.{'unknown' if value is None else str(value).lower()}")

    lines = [
        t(lang, f"flag.police.{flags.police_involvement.value}"),
        tri("id", flags.id_required),
        tri("immigration", flags.immigration_status_asked),
        t(lang, f"flag.cost.{flags.cost.value}"),
    ]
    for name in ("sex_worker_led", "sex_worker_affirming", "trans_affirming"):
        if getattr(flags, name) is True:
            lines.append(t(lang, f"flag.{name}"))
    if flags.languages:
        names = ", ".join(language_name(code, lang) for code in flags.languages)
        lines.append(t(lang, "flag.languages", languages=names))
    return [esc(line) for line in lines]


def entry_card(entry: Entry, lang: str, today: date) -> str:
    """An entry as one Telegram message: title, body, flags, contact and freshness."""
    shown = entry.shown_in(lang)
    text = entry.texts[shown]
    parts = [f"<b>{esc(text.title)}</b>"]
    if shown != lang:
        note = t(lang, "card.not_translated", language=language_name(shown, lang))
        parts.append(f"<i>{esc(note)}</i>")
    if entry.kind is Kind.RIGHTS and text.jurisdiction:
        parts.append(f"<i>{esc(t(lang, 'card.jurisdiction', jurisdiction=text.jurisdiction))}</i>")
    if EXAMPLE_REGION in entry.regions:
        parts.append(f"<i>{esc(t(lang, 'card.example'))}</i>")
    parts.append(markup.to_html(text.body))
    if entry.flags is not None:
        flag_lines = "\n".join(f"• {line}" for line in _flag_lines(entry.flags, lang))
        parts.append(f"<b>{esc(t(lang, 'card.before_you_go'))}</b>\n{flag_lines}")
    if entry.contact is not None:
        lines = []
        for field in ("website", "phone", "address", "hours"):
            value = getattr(entry.contact, field)
            if value:
                lines.append(esc(t(lang, f"card.{field}", value=value)))
        if lines:
            parts.append(f"<b>{esc(t(lang, 'card.contact'))}</b>\n" + "\n".join(lines))
    freshness = [esc(t(lang, "card.checked", date=human_date(entry.verified, lang)))]
    if entry.is_overdue(today):
        freshness.append(
            esc(t(lang, "card.outdated", date=human_date(entry.review_by, lang)))
        )
    parts.append("<i>" + " ".join(freshness) + "</i>")
    return "\n\n".join(parts)


def card_problems(entries: list[Entry] | tuple[Entry, ...]) -> list[str]:
    """`origin: message` for every card that would not fit one Telegram message.

    Each card is measured as it will look once past its review date, with the "may be
    out of date" line, its longest form: a card must not break on the day it goes stale.
    """
    problems = []
    for entry in entries:
        stale = entry.review_by + timedelta(days=1)
        for lang in entry.texts:
            length = visible_length(entry_card(entry, lang, stale))
            if length > MAX_MESSAGE:
                problems.append(
                    f"{entry.origin}: rendered {lang} card of '{entry.id}' is {length} "
                    f"characters; Telegram allows {MAX_MESSAGE}"
                )
    return problems
