"""What users send moderators: a shared tip, or a report about an entry.

Stored with no user id, name, chat id or time finer than the day; counted per person
only in memory, under a daily-rotating hash, to stop floods.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot import keyboards, screens
from bot.callbacks import Action, Op, topic_number, topic_or_none
from bot.handlers.common import send, services, user_lang
from bot.i18n import t
from bot.remembered.flows import Flow
from bot.screens import Screen
from bot.services import STORE_FAILURES
from knowledge.taxonomy import CATEGORIES, TOPICS
from moderation.workflow import MAX_NOTE, MAX_SHARED, REPORT_REASONS, ModerationError

USER_FLOWS = ("share", "report")
log = logging.getLogger("lantern.tips_and_reports")


def _category_buttons(lang: str) -> list:
    return [[(t(lang, f"category.{c}"), Op.USER, ("sc", c))] for c in CATEGORIES]


async def on_action(update: Update, context: ContextTypes.DEFAULT_TYPE, action: Action) -> None:
    """A button of the share or report flows."""
    svc = services(context)
    user = update.effective_user
    lang = user_lang(update, context)
    if user is None:
        return
    if svc.moderation is None:
        await send(update, screens.home(lang, t(lang, "unavailable")))
        return
    name, *values = action.args
    cancel_row = [(t(lang, "btn.cancel"), Op.USER, ("x",))]
    if name == "x":
        svc.flows.end(user.id)
        await send(update, screens.home(lang))
    elif name == "sh":
        svc.flows.end(user.id)
        rows = [*_category_buttons(lang), cancel_row]
        await send(update, Screen(t(lang, "share.pick_topic"), keyboards.buttons(rows)))
    elif name == "sc" and values and values[0] in CATEGORIES:
        rows = [
            [(t(lang, f"topic.{topic}"), Op.USER, ("st", str(topic_number(topic))))]
            for topic in TOPICS[values[0]]
        ]
        await send(
            update, Screen(t(lang, "share.pick_topic"), keyboards.buttons([*rows, cancel_row]))
        )
    elif name == "st" and values:
        topic = topic_or_none(values[0])
        if topic is None:
            await send(update, screens.home(lang, t(lang, "expired")))
            return
        choosable = keyboards.choosable_regions(svc.kb.snapshot.regions, svc.kb.show_examples)
        rows = [
            [(t(lang, "share.region_any"), Op.USER, ("sr", str(topic_number(topic)), "global"))]
        ]
        rows += [
            [(r.name(lang), Op.USER, ("sr", str(topic_number(topic)), r.slug))] for r in choosable
        ]
        await send(
            update, Screen(t(lang, "share.pick_region"), keyboards.buttons([*rows, cancel_row]))
        )
    elif name == "sr" and len(values) == 2:
        topic = topic_or_none(values[0])
        if topic is None or values[1] not in svc.region_slugs():
            await send(update, screens.home(lang, t(lang, "expired")))
            return
        svc.flows.start(user.id, "share", "text", topic=topic, region=values[1])
        await send(update, Screen(t(lang, "share.ask_text"), keyboards.cancel_only(lang)))
    elif name == "rep" and values:
        if svc.kb.get(values[0]) is None:
            await send(update, screens.home(lang, t(lang, "expired")))
            return
        rows = [
            [(t(lang, f"report.{reason}"), Op.USER, ("rr", values[0], str(i)))]
            for i, reason in enumerate(REPORT_REASONS)
        ]
        await send(update, Screen(t(lang, "report.pick"), keyboards.buttons([*rows, cancel_row])))
    elif name == "rr" and len(values) == 2 and values[1] in {"0", "1", "2", "3"}:
        entry_id, reason = values[0], REPORT_REASONS[int(values[1])]
        if svc.kb.get(entry_id) is None:
            await send(update, screens.home(lang, t(lang, "expired")))
        elif reason == "other":
            svc.flows.start(user.id, "report", "text", entry_id=entry_id)
            await send(update, Screen(t(lang, "report.ask_note"), keyboards.cancel_only(lang)))
        elif not svc.submissions.allow(user.id):
            await send(update, screens.home(lang, t(lang, "share.limit")))
        else:
            try:
                await svc.moderation.add_report(entry_id, reason)
            except STORE_FAILURES as exc:
                log.error("report not saved: %s", type(exc).__name__)
                await send(update, screens.home(lang, t(lang, "share.not_saved")))
                return
            await send(update, screens.home(lang, t(lang, "report.thanks")))
    else:
        await send(update, screens.home(lang, t(lang, "expired")))


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, flow: Flow) -> None:
    """The words a user types inside the share or report flow."""
    svc = services(context)
    message = update.effective_message
    user = update.effective_user
    lang = user_lang(update, context)
    if message is None or message.text is None or user is None or svc.moderation is None:
        return
    limit = MAX_SHARED if flow.name == "share" else MAX_NOTE
    if len(message.text) > limit:
        await send(update, Screen(t(lang, "share.too_long"), keyboards.cancel_only(lang)))
        return
    svc.flows.end(user.id)
    if not svc.submissions.allow(user.id):
        await send(update, screens.home(lang, t(lang, "share.limit")))
        return
    try:
        if flow.name == "share":
            await svc.moderation.add_shared_tip(
                flow.data["topic"], flow.data["region"], message.text
            )
            await send(update, screens.home(lang, t(lang, "share.thanks")))
        else:
            await svc.moderation.add_report(flow.data["entry_id"], "other", message.text)
            await send(update, screens.home(lang, t(lang, "report.thanks")))
    except ModerationError:
        await send(update, screens.home(lang, t(lang, "expired")))
    except STORE_FAILURES as exc:
        # The moderators' database is unreadable or full: say so plainly, keep nothing.
        log.error("submission not saved: %s", type(exc).__name__)
        await send(update, screens.home(lang, t(lang, "share.not_saved")))
