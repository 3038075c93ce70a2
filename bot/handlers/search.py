"""Typed words in a private chat, outside any flow: read, then answered.

Before any search the words are read (knowledge.words): a crisis opens Need help now or
puts it first; a greeting, thanks or "menu" gets the menu with a kind word; a query in
another language than the interface is answered in the query's language, with one tap to
switch. The results message shows the words it answers, so More and Previous read them
back from the message itself: nothing about the search is kept anywhere else.
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import ContextTypes

from bot import render, screens
from bot.handlers import help_now
from bot.handlers.common import guarded, send, services, user_lang, user_region
from bot.i18n import languages, t
from bot.keyboards import results_menu
from bot.screens import Screen
from bot.services import Services
from knowledge.base import KnowledgeBase
from knowledge.model import Entry, Kind
from knowledge.normalize import MAX_QUERY_CHARS, query_tokens
from knowledge.taxonomy import GLOBAL_REGION

PAGE = 6
MAX_RESULTS = 30
QUERY_MARK = "🔎"
_MENTION = re.compile(r"(?<!\w)@\w+")
# The words a results message answers: its first line, between the first “ and the last ”.
_SHOWN = re.compile(rf"^{QUERY_MARK} “(.*)”$")


def cleaned(text: str, bot_username: str | None) -> str:
    """The words a person typed, as searched: the bot's own @name out (inline habits),
    whitespace folded to single spaces (the query fits on the results' first line)."""
    if bot_username:
        name = bot_username.lower()
        text = _MENTION.sub(lambda m: " " if m.group()[1:].lower() == name else m.group(), text)
    return " ".join(text.split())[:MAX_QUERY_CHARS]


def _where(kb: KnowledgeBase, entry: Entry, lang: str) -> str:
    """Where an entry applies, for a person who has not chosen a region: law is one
    jurisdiction's, and services are somewhere; what applies everywhere says nothing."""
    if GLOBAL_REGION in entry.regions:
        return ""
    if entry.kind is Kind.RIGHTS and entry.text(lang).jurisdiction:
        return str(entry.text(lang).jurisdiction)
    names = []
    for slug in entry.regions:
        region = kb.snapshot.region(slug)
        names.append(region.name(lang) if region else slug)
    return ", ".join(names)


def answer(svc: Services, ui: str, region: str | None, query: str, page: int = 0) -> Screen:
    """What a typed message gets, shown in the query's language when it is clear."""
    kb = svc.kb
    if not query_tokens(query):
        return Screen(t(ui, "search.too_short"), screens.home(ui).markup)
    reading = kb.read(query, ui)
    lang = reading.language if reading.language in languages() else ui
    if reading.small_talk is not None:
        return screens.home(lang, t(lang, f"talk.{reading.small_talk}"))
    if reading.urgent == "alone":
        return help_now.help_now_screen(svc, lang, region)
    hits = kb.search(query, lang=lang, region=region, limit=MAX_RESULTS)
    if not hits:
        if reading.urgent == "now":
            return help_now.help_now_screen(svc, lang, region)
        return Screen(t(lang, "search.nothing"), screens.home(lang).markup)
    pages = -(-len(hits) // PAGE)
    page = min(max(page, 0), pages - 1)
    shown = hits[page * PAGE : (page + 1) * PAGE]
    places = [(hit.entry, _where(kb, hit.entry, lang) if region is None else "") for hit in shown]
    lines = [
        f"{QUERY_MARK} “{render.esc(query)}”",
        t(
            lang,
            "search.results_page",
            first=page * PAGE + 1,
            last=page * PAGE + len(shown),
            total=len(hits),
        ),
    ]
    if reading.urgent == "now":
        lines.insert(1, t(lang, "search.urgent"))
    choose = region is None and any(where for _, where in places)
    if choose:
        lines.append(t(lang, "search.choose_region"))
    markup = results_menu(
        lang,
        places,
        page=page,
        more=page < pages - 1,
        urgent=reading.urgent == "now",
        choose_region=choose,
        switch_to=lang if lang != ui else None,
        interface=ui,
    )
    # Only when the words were about a bad date (an alerts entry leads): otherwise the row
    # would push every result down for queries that merely mention a client.
    if screens.ALERTS_TOPIC in shown[0].entry.topics:
        markup = screens.with_alerts(lang, markup)
    return Screen("\n".join(lines), markup)


def shown_query(text: str | None) -> str | None:
    """The words a results message answers, read back from its first line."""
    if not text:
        return None
    found = _SHOWN.match(text.split("\n", 1)[0])
    return found.group(1) if found else None


def page_of_results(
    update: Update, svc: Services, lang: str, region: str | None, page: int
) -> Screen | None:
    """More / Previous under search results: the same words, read back from the pressed
    message, another page (None when the message shows no words: a fresh menu)."""
    query = update.callback_query
    message = query.message if query is not None else None
    words = shown_query(getattr(message, "text", None))
    if words is None:
        return None
    # The interface language stays the person's; the results stay in the query's.
    return answer(svc, lang, region, words, page)


def _username(context: ContextTypes.DEFAULT_TYPE) -> str | None:
    try:
        return context.bot.username
    except RuntimeError:  # not initialised (no getMe answer yet): nothing to take out
        return None


@guarded
async def text_search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Typed words outside any flow (flows are routed first, in bot/app.py): answered."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    lang = user_lang(update, context)
    svc = services(context)
    query = cleaned(message.text, svc.bot_username or _username(context))
    await send(update, answer(svc, lang, user_region(update, context), query))


@guarded
async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Photos, stickers, voice and the like: Lantern reads only text."""
    lang = user_lang(update, context)
    await send(update, screens.home(lang, t(lang, "nontext")))

