"""🆘 Need help now: the crisis options for the person's region, and emergency numbers."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import keyboards, render
from bot.callbacks import FROM_HELP, Op
from bot.handlers.common import send, services, user_lang, user_region
from bot.i18n import t
from bot.screens import Screen
from bot.services import Services
from knowledge.model import Entry, Kind, Police
from knowledge.taxonomy import GLOBAL_REGION

HELP_TOPICS = ("violence-response", "overdose", "crisis-support")
# Buttons for what to do on the first page: the screen fits a phone; More shows the rest.
FIRST_PAGE = 4
PAGE = 8
_POLICE_ORDER = {
    Police.NONE: 0,
    Police.UNKNOWN: 1,
    Police.POSSIBLE: 2,
    Police.MANDATORY_REPORTING: 3,
}


def crisis_services(svc: Services, region: str | None) -> list[Entry]:
    """The region's crisis lines and services, every one of them: those without police
    first, then in the order the content lists them."""
    if region is None:
        return []
    found = {}
    for topic in HELP_TOPICS:
        for entry in svc.kb.topic(topic, region):
            if entry.kind is Kind.REFERRAL and region in entry.regions:
                found.setdefault(entry.id, entry)

    def rank(entry: Entry) -> tuple[int, int]:
        police = _POLICE_ORDER[entry.flags.police_involvement] if entry.flags else 1
        return (police, svc.kb.position(entry))

    return sorted(found.values(), key=rank)


def what_to_do(svc: Services, region: str | None) -> list[Entry]:
    """What to do right now, before what helps later, in the content's order: writers put
    what is needed in the moment first (knowledge/content/safety.yaml, "Right now")."""
    found: dict[str, Entry] = {}
    for topic in HELP_TOPICS:
        for entry in svc.kb.topic(topic, region):
            if entry.kind is not Kind.REFERRAL:
                if region is None and GLOBAL_REGION not in entry.regions:
                    continue  # without a region, only what applies everywhere
                found.setdefault(entry.id, entry)
    return sorted(found.values(), key=lambda e: (e.kind is not Kind.TIP, svc.kb.position(e)))


def _service_line(entry: Entry, lang: str) -> str:
    """One crisis line as text: its name, its number (phones make it a tap), its hours,
    and whether police may come."""
    title = render.esc(entry.text(lang).title)
    contact = entry.contact
    parts = [f"<b>{title}</b>"]
    if contact is not None and contact.phone:
        parts.append(f"☎️ {render.esc(contact.phone)}")
    if contact is not None and contact.hours:
        parts.append(render.esc(contact.hours))
    police = entry.flags.police_involvement.value if entry.flags else "unknown"
    note = render.esc(t(lang, f"helpnow.police.{police}"))
    return "• " + " · ".join(parts) + f"\n  <i>{note}</i>"


def help_now_screen(svc: Services, lang: str, region: str | None, page: int = 0) -> Screen:
    """🆘: the region's crisis lines in the text, what to do right now as buttons, the
    rest (and each service's full card) one tap away under More."""
    services_ = crisis_services(svc, region)
    steps = what_to_do(svc, region)
    text = [t(lang, "helpnow.title")]
    if services_:
        where = svc.kb.snapshot.region(region) if region else None
        name = where.name(lang) if where else ""
        text.append(t(lang, "helpnow.lines", region=render.esc(name)))
        text.extend(_service_line(e, lang) for e in services_)
    elif region is None:
        text.append(render.esc(t(lang, "helpnow.pick_region")))
    else:
        text.append(render.esc(t(lang, "helpnow.no_lines")))
    later = steps[FIRST_PAGE:] + services_
    pages = 1 + -(-len(later) // PAGE)
    page = min(max(page, 0), pages - 1)
    if page == 0:
        shown = steps[:FIRST_PAGE]
    else:
        shown = later[(page - 1) * PAGE : page * PAGE]
        text = [t(lang, "helpnow.more_title")]
    rows: list[list[tuple[str, Op, tuple[object, ...]]]] = [
        [(keyboards.entry_label(e, lang), Op.ENTRY, (e.id, FROM_HELP, lang))] for e in shown
    ]
    nav = []
    if page > 0:
        nav.append((t(lang, "btn.prev"), Op.HELP_NOW, (page - 1, lang)))
    if page < pages - 1:
        nav.append((t(lang, "btn.more"), Op.HELP_NOW, (page + 1, lang)))
    if nav:
        rows.append(nav)
    rows.append([(t(lang, "helpnow.emergency"), Op.EMERGENCY, ())])
    if region is None:
        rows.append([(t(lang, "btn.choose_region"), Op.REGIONS, (0,))])
    rows.append([(t(lang, "btn.home"), Op.HOME, ())])
    return Screen("\n".join(text), keyboards.buttons(rows))


def emergency_screen(lang: str) -> Screen:
    rows = [[(t(lang, "btn.back"), Op.HELP_NOW, ())], [(t(lang, "btn.home"), Op.HOME, ())]]
    return Screen(t(lang, "helpnow.emergency_text"), keyboards.buttons(rows))


async def on_help_now(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = user_lang(update, context)
    await send(update, help_now_screen(services(context), lang, user_region(update, context)))
