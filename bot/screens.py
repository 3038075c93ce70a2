"""Each screen of the bot as (HTML text, keyboard), independent of how it was reached."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import keyboards, render
from bot.callbacks import FROM_HELP, FROM_RESULTS, VERSION, Op, encode, topic_number
from bot.i18n import t
from knowledge import markup
from knowledge.base import KnowledgeBase
from knowledge.model import Entry
from knowledge.taxonomy import TOPIC_CATEGORY, TOPICS


@dataclass(frozen=True, slots=True)
class Screen:
    text: str
    markup: InlineKeyboardMarkup
    # After a button: shown below the pressed message instead of replacing it (a card
    # opened from search results leaves the results where they are).
    below: bool = False


def home(lang: str, notice: str | None = None) -> Screen:
    text = t(lang, "menu") if notice is None else f"{notice}\n\n{t(lang, 'menu')}"
    return Screen(text, keyboards.main_menu(lang))


def welcome(lang: str, discreet_off: bool = False) -> Screen:
    """/start: the greeting and the menu; `discreet_off` offers discreet mode in one tap."""
    return Screen(t(lang, "start"), keyboards.main_menu(lang, discreet_off))


# Safety alerts (bot/handlers/alerts/) are reached from the Safety screen, from cards
# about bad dates and from search results about them, never from the main menu.
ALERTS_TOPIC = "alerts"


def with_alerts(lang: str, markup: InlineKeyboardMarkup) -> InlineKeyboardMarkup:
    """⚠️ Report a bad date · ⚠️ Alerts, on top of a keyboard (under 🆘 Need help now,
    which stays first wherever it is)."""
    row = (
        InlineKeyboardButton(t(lang, "alerts.btn.report"), callback_data=encode(Op.ALERT, "r")),
        InlineKeyboardButton(t(lang, "alerts.btn.list"), callback_data=encode(Op.ALERT, "l")),
    )
    rows = list(markup.inline_keyboard)
    first = rows[0][0].callback_data if rows and rows[0] else None
    at = 1 if isinstance(first, str) and first.startswith(f"{VERSION}|{Op.HELP_NOW.value}") else 0
    return InlineKeyboardMarkup((*rows[:at], row, *rows[at:]))


def category(kb: KnowledgeBase, lang: str, region: str | None, name: str, page: int) -> Screen:
    counts = [(topic, len(kb.topic(topic, region))) for topic in TOPICS[name]]
    topics = [(topic, n) for topic, n in counts if n > 0] or counts
    page = keyboards.clamp_page(page, len(topics))
    text = t(lang, "category.pick", category=render.esc(t(lang, f"category.{name}")))
    if keyboards.pages(len(topics)) > 1:
        text += "\n" + t(lang, "page", page=page + 1, pages=keyboards.pages(len(topics)))
    markup = keyboards.category_menu(lang, name, topics, page)
    return Screen(text, with_alerts(lang, markup) if name == "safety" else markup)


def topic(kb: KnowledgeBase, lang: str, region: str | None, slug: str, page: int) -> Screen:
    entries = kb.topic(slug, region)
    name = render.esc(t(lang, f"topic.{slug}"))
    page = keyboards.clamp_page(page, len(entries))
    if entries:
        text = t(lang, "topic.pick", topic=name, count=len(entries))
        if keyboards.pages(len(entries)) > 1:
            text += "\n" + t(lang, "page", page=page + 1, pages=keyboards.pages(len(entries)))
    else:
        text = t(lang, "topic.empty", topic=name)
    return Screen(text, keyboards.topic_menu(lang, slug, TOPIC_CATEGORY[slug], entries, page))


def entry(
    kb: KnowledgeBase,
    lang: str,
    region: str | None,
    entry_id: str,
    from_topic: str | None,
    today: date,
    *,
    origin: str = "",
) -> Screen | None:
    """A card. Back returns where it was opened from: the topic list, Need help now, or
    the search results above it (the card closes); from a link, the card's first topic."""
    found = kb.get(entry_id, region)
    if found is None:
        return None
    back: tuple[Op, tuple[object, ...]]
    if origin == FROM_RESULTS:
        back = (Op.CLOSE, ())
    elif origin == FROM_HELP:
        back = (Op.HELP_NOW, (0, lang))
    else:
        topic = from_topic if from_topic in found.topics else found.topics[0]
        back = (Op.TOPIC, (topic_number(topic), 0))
    markup = keyboards.entry_menu(lang, back, found.id, related(kb, found, lang, region))
    if ALERTS_TOPIC in found.topics:
        markup = with_alerts(lang, markup)
    return Screen(render.entry_card(found, lang, today), markup, below=origin == FROM_RESULTS)


def related(
    kb: KnowledgeBase, entry: Entry, lang: str, region: str | None
) -> list[tuple[str, str]]:
    """(title, id) of the entries this card's text links to, that this person can see."""
    found: dict[str, str] = {}
    for _, target in markup.entry_links(entry.text(lang).body):
        linked = kb.get(target, region)
        if linked is not None and linked.id != entry.id:
            found.setdefault(linked.id, linked.text(lang).title)
    return [(title, target) for target, title in found.items()]


def languages(lang: str) -> Screen:
    return Screen(t(lang, "language.pick"), keyboards.language_menu(lang))


def regions(kb: KnowledgeBase, lang: str, current: str | None, page: int) -> Screen:
    choosable = keyboards.choosable_regions(kb.snapshot.regions, kb.show_examples)
    page = keyboards.clamp_page(page, len(choosable))
    found = kb.snapshot.region(current) if current else None
    name = found.name(lang) if found else t(lang, "region.none")
    return Screen(
        t(lang, "region.pick", region=render.esc(name)),
        keyboards.region_menu(lang, choosable, current, page),
    )


def simple(lang: str, key: str) -> Screen:
    """Help and how to search: fixed text with a way home (and help with 🆘 Need help now,
    which its text points to)."""
    if key == "help":
        return Screen(
            t(lang, key),
            keyboards.buttons(
                [[(t(lang, "btn.helpnow"), Op.HELP_NOW, ())], [(t(lang, "btn.home"), Op.HOME, ())]]
            ),
        )
    return Screen(t(lang, key), keyboards.home_only(lang))
