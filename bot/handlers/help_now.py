"""🆘 Need help now: the crisis options for the person's region, and emergency numbers."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import keyboards, render
from bot.callbacks import Op
from bot.handlers.common import send, services, user_lang, user_region
from bot.i18n import t
from bot.screens import Screen
from bot.services import Services
from knowledge.model import Entry, Kind, Police
from knowledge.taxonomy import GLOBAL_REGION

HELP_TOPICS = ("overdose", "violence-response", "crisis-support")
HELP_LIMIT = 8
_POLICE_ORDER = {
    Police.NONE: 0,
    Police.UNKNOWN: 1,
    Police.POSSIBLE: 2,
    Police.MANDATORY_REPORTING: 3,
}


def help_entries(svc: Services, region: str | None) -> list[Entry]:
    """Crisis options for the person's region, non-police ones first."""
    found: dict[str, Entry] = {}
    for topic in HELP_TOPICS:
        for entry in svc.kb.topic(topic, region):
            if region is None and GLOBAL_REGION not in entry.regions:
                continue  # without a region, only what applies everywhere
            found.setdefault(entry.id, entry)

    def rank(entry: Entry) -> tuple[int, int, int, str]:
        # Services without police, then what to do right now, then the rest.
        if entry.kind is Kind.REFERRAL and entry.flags is not None:
            police = _POLICE_ORDER[entry.flags.police_involvement]
            group = 0 if police == 0 else 2
        else:
            police, group = 0, 1
        topic = min(HELP_TOPICS.index(x) for x in entry.topics if x in HELP_TOPICS)
        return (group, police, topic, entry.id)

    return sorted(found.values(), key=rank)[:HELP_LIMIT]


def help_now_screen(svc: Services, lang: str, region: str | None) -> Screen:
    rows = [
        [
            (
                keyboards.shorten(f"{keyboards.KIND_MARK[e.kind]} {e.text(lang).title}"),
                Op.ENTRY,
                (e.id, ""),
            )
        ]
        for e in help_entries(svc, region)
    ]
    rows.append([(t(lang, "helpnow.emergency"), Op.EMERGENCY, ())])
    rows.append([(t(lang, "btn.home"), Op.HOME, ())])
    text = t(lang, "helpnow.title")
    if region is None:
        text += "\n" + render.esc(t(lang, "helpnow.more"))
    return Screen(text, keyboards.buttons(rows))


def emergency_screen(lang: str) -> Screen:
    rows = [[(t(lang, "btn.back"), Op.HELP_NOW, ())], [(t(lang, "btn.home"), Op.HOME, ())]]
    return Screen(t(lang, "helpnow.emergency_text"), keyboards.buttons(rows))


async def on_help_now(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = user_lang(update, context)
    await send(update, help_now_screen(services(context), lang, user_region(update, context)))
