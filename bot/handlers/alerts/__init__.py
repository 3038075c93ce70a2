"""⚠️ Peer safety alerts in the chat: report a bad date, the region's alerts, search and
"check a number" (people); vetting (the region's moderators). Domain: moderation/alerts.

What the rest of the bot uses: `on_button` (every Op.ALERT button, bot/app.py),
`on_text` for a typed step of one of `FLOWS`, `start_seen` (/start a_<number>: "seen this
person too"), `entry_row` (the two buttons on the Safety screen and beside results about
bad dates), `moderator_row` (the moderator menu) and `channel.start` (the background work).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import screens
from bot.callbacks import Action, Op
from bot.handlers.alerts import board, report, vetting
from bot.handlers.alerts.common import runtime
from bot.handlers.common import send, services, user_lang, user_region
from bot.i18n import t
from bot.remembered.flows import Flow
from moderation.drafts import clean

SEEN_HEAD = "a_"  # /start a_<alert number>: seen this person too
FLOWS = (report.FLOW, board.SEARCH, board.CHECK, vetting.EDIT, vetting.CHANNEL)
MODERATOR_FLOWS = (vetting.EDIT, vetting.CHANNEL)
REPORT_ACTIONS = {"r", "rs", "c", "t", "d", "k", "ch", "e", "ok", "x"}
MODERATOR_ACTIONS = {
    "mq", "mv", "mr", "me", "ma", "mA", "mf", "mF", "mm", "mx", "mX",
    "ra", "rk", "rz", "rZ", "rn", "mg", "mG", "mc", "ml",
}  # fmt: skip


def entry_row(lang: str) -> list[tuple[str, Op, tuple[object, ...]]]:
    """⚠️ Report a bad date · ⚠️ Alerts."""
    return [
        (t(lang, "alerts.btn.report"), Op.ALERT, ("r",)),
        (t(lang, "alerts.btn.list"), Op.ALERT, ("l",)),
    ]


def moderator_row(lang: str, waiting: int) -> list[tuple[str, Op, tuple[object, ...]]]:
    return [(t(lang, "alerts.mod.btn.menu", count=waiting), Op.ALERT, ("mq",))]


async def waiting(svc, me) -> int:
    """How many reports wait for this moderator (the moderator menu's count)."""
    alerts = runtime(svc)
    return len(await alerts.desk.pending(me.id)) if alerts is not None else 0


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE, action: Action) -> None:
    """An alert button: a person's, or (re-checked) a moderator's."""
    svc = services(context)
    user = update.effective_user
    lang = user_lang(update, context)
    if user is None:
        return
    if runtime(svc) is None or svc.moderation is None:
        await send(update, screens.home(lang, t(lang, "unavailable")))
        return
    svc.bot_username = context.bot.username or svc.bot_username
    name, *values = action.args
    if name in MODERATOR_ACTIONS:
        moderator = await svc.moderator(user.id)
        if moderator is None:
            await send(update, screens.home(lang, t(lang, "expired")))
            return
        await send(update, await vetting.on_button(svc, moderator, lang, user.id, name, values))
    elif name in REPORT_ACTIONS:
        await report.on_button(update, svc, lang, user.id, name, values)
    elif name == "l":
        svc.flows.end(user.id)
        region = board.region_value(svc, values[0]) if values else None
        region = region or (user_region(update, context) if not values else None)
        page = int(values[1]) if len(values) > 1 and values[1].isdigit() else 0
        await send(update, await board.list_screen(svc, lang, region, page))
    elif name in ("s", "n") and values:
        region = board.region_value(svc, values[0]) or ""
        kind = board.SEARCH if name == "s" else board.CHECK
        await send(update, board.ask(svc, lang, user.id, kind, region))
    else:
        await send(update, screens.home(lang, t(lang, "expired")))


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, flow: Flow) -> None:
    """Typed words inside an alert flow."""
    svc = services(context)
    message = update.effective_message
    user = update.effective_user
    lang = user_lang(update, context)
    if message is None or message.text is None or user is None:
        return
    if flow.name in MODERATOR_FLOWS:
        moderator = await svc.moderator(user.id)
        if moderator is None:
            svc.flows.end(user.id)
            await send(update, screens.home(lang, t(lang, "expired")))
            return
        await send(update, await vetting.on_text(svc, moderator, lang, user.id, flow, message.text))
    elif flow.name == report.FLOW:
        text = clean(message.text)
        if not text:
            return
        await report.on_text(update, svc, lang, user.id, flow, text)
    else:
        await board.on_text(update, svc, lang, user.id, flow, message.text)


async def start_seen(update: Update, context: ContextTypes.DEFAULT_TYPE, number: str) -> None:
    """/start a_<alert number>: a report that corroborates that alert, region set."""
    svc = services(context)
    user = update.effective_user
    lang = user_lang(update, context)
    alerts = runtime(svc)
    found = await alerts.desk.alert(int(number)) if alerts and number.isdigit() else None
    if user is None or found is None:
        await send(update, screens.home(lang, t(lang, "alerts.seen_gone")))
        return
    flow = report.start(svc, user.id, seen=found.id, region=found.region)
    await send(update, report._step_screen(svc, lang, flow, t(lang, "alerts.seen_intro")))


__all__ = ["FLOWS", "SEEN_HEAD", "entry_row", "moderator_row", "on_button", "on_text", "start_seen"]
