"""What users send moderators: a shared tip, or a report about an entry.

Share a tip: topic, where it applies, the words, then a check of exactly what will be
sent. Report a problem: a reason, a few optional words, then the same check, and back to
the card. Words typed while a step waits for a button are kept as the draft, and said to
be kept; words that read as a crisis get 🆘 Need help now beside them ("help" alone gets
Need help now instead). Before sending, words that look like a phone number, a plate, an
e-mail or a @username get a warning (moderation/identifying.py).

All of it lives in the person's flow (bot/remembered/flows.py: memory only, forgotten
when it ends or after a quiet quarter of an hour). What is sent is stored with no user
id, name, chat id or time finer than the day; counted per person only in memory, under a
daily-rotating hash, to stop floods.
"""

from __future__ import annotations

import logging
import secrets

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot import keyboards, screens
from bot.callbacks import Action, Op, encode, topic_number, topic_or_none
from bot.handlers import search
from bot.handlers.common import send, services, user_lang, user_region
from bot.i18n import t
from bot.remembered.flows import Flow
from bot.render import esc
from bot.screens import Screen
from bot.services import STORE_FAILURES, Services
from knowledge.taxonomy import CATEGORIES, TOPIC_CATEGORY, TOPICS
from moderation.drafts import clean
from moderation.identifying import identifying_details
from moderation.workflow import MAX_NOTE, MAX_SHARED, REPORT_REASONS, ModerationError

SHARE, REPORT = "share", "report"
USER_FLOWS = (SHARE, REPORT)
# Steps. Share a tip: TOPIC and REGION wait for a button, TEXT for the words. Report a
# problem: REASON waits for a button, DETAIL for optional words. CONFIRM shows what will
# be sent, in both.
TOPIC, REGION, TEXT, REASON, DETAIL, CONFIRM = (
    "topic",
    "region",
    "text",
    "reason",
    "detail",
    "confirm",
)
BUTTON_STEPS = (TOPIC, REGION, REASON)
REASON_NEEDS_WORDS = "other"  # "Something else" says nothing by itself
log = logging.getLogger("lantern.tips_and_reports")

Rows = list[list[tuple[str, Op, tuple[object, ...]]]]


def _markup(rows: Rows) -> InlineKeyboardMarkup:
    """A keyboard built afresh, not from the shared cache of keyboards.buttons: Send
    buttons carry a one-off code, and would only push the menus out of it."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, callback_data=encode(op, *args))
                for label, op, args in row
            ]
            for row in rows
        ]
    )


def _with_help_now(lang: str, screen: Screen) -> Screen:
    """🆘 Need help now on top, for words that read as a crisis."""
    button = InlineKeyboardButton(t(lang, "btn.helpnow"), callback_data=encode(Op.HELP_NOW))
    keyboard = ((button,), *screen.markup.inline_keyboard)
    return Screen(screen.text, InlineKeyboardMarkup(keyboard))


def _noticed(notice: str, text: str) -> str:
    return f"{notice}\n\n{text}" if notice else text


def _cancel_row(lang: str, entry_id: str | None = None) -> list[tuple[str, Op, tuple[object, ...]]]:
    return [(t(lang, "btn.cancel"), Op.USER, ("x", entry_id) if entry_id else ("x",))]


def _back_to_card(lang: str, entry_id: str, notice: str) -> Screen:
    """After a report, sent or not: the card one tap away, and the menu."""
    rows: Rows = [
        [(t(lang, "report.back_to_card"), Op.ENTRY, (entry_id, ""))],
        [(t(lang, "btn.home"), Op.HOME, ())],
    ]
    return Screen(notice, _markup(rows))


def _quoted(text: str) -> str:
    return f"<blockquote>{esc(clean(text))}</blockquote>"


def _warning(lang: str, text: str) -> str | None:
    """The heads-up about what looks like a phone number, plate, e-mail or @name."""
    kinds = identifying_details(text)
    if not kinds:
        return None
    names = [t(lang, f"identifying.{kind}") for kind in kinds]
    listed = (
        names[0]
        if len(names) == 1
        else t(lang, "identifying.and", first=", ".join(names[:-1]), last=names[-1])
    )
    return t(lang, "identifying.warning", what=listed)


def _send_rows(lang: str, flow: Flow, warned: bool, entry_id: str | None) -> Rows:
    """Send (a fresh code for this very screen, so an older screen's Send cannot send
    something else), Edit and Cancel."""
    flow.data["nonce"] = secrets.token_hex(3)
    send_label = t(lang, "tips.send_anyway" if warned else "tips.send")
    return [
        [(send_label, Op.USER, ("ok", flow.data["nonce"]))],
        [(t(lang, "tips.edit"), Op.USER, ("ed",))],
        _cancel_row(lang, entry_id),
    ]


# ----- the screen of each step, rebuilt from the flow ----------------------------------


def _topics_screen(lang: str, flow: Flow, notice: str = "") -> Screen:
    category = flow.data.get("category")
    if category in CATEGORIES:
        rows: Rows = [
            [(t(lang, f"topic.{topic}"), Op.USER, ("st", str(topic_number(topic))))]
            for topic in TOPICS[category]
        ]
    else:
        rows = [[(t(lang, f"category.{c}"), Op.USER, ("sc", c))] for c in CATEGORIES]
    return Screen(
        _noticed(notice, t(lang, "share.pick_topic")), _markup([*rows, _cancel_row(lang)])
    )


def _regions_screen(svc: Services, lang: str, flow: Flow, notice: str = "") -> Screen:
    number = str(topic_number(flow.data["topic"]))
    choosable = keyboards.choosable_regions(svc.kb.snapshot.regions, svc.kb.show_examples)
    rows: Rows = [[(t(lang, "share.region_any"), Op.USER, ("sr", number, "global"))]]
    rows += [[(r.name(lang), Op.USER, ("sr", number, r.slug))] for r in choosable]
    return Screen(
        _noticed(notice, t(lang, "share.pick_region")), _markup([*rows, _cancel_row(lang)])
    )


def _region_name(svc: Services, lang: str, slug: str) -> str:
    region = svc.kb.snapshot.region(slug) if slug != "global" else None
    return region.name(lang) if region is not None else t(lang, "share.region_any")


def _share_confirm_screen(svc: Services, lang: str, flow: Flow) -> Screen:
    draft = flow.data["draft"]
    warning = _warning(lang, draft)
    lines = [
        t(lang, "tips.will_send"),
        t(lang, "share.confirm_topic", topic=esc(t(lang, f"topic.{flow.data['topic']}"))),
        t(lang, "share.confirm_region", region=esc(_region_name(svc, lang, flow.data["region"]))),
        t(lang, "share.confirm_text"),
        _quoted(draft),
        t(lang, "tips.nothing_about_you"),
    ]
    if warning:
        lines.append(warning)
    rows = _send_rows(lang, flow, warning is not None, None)
    return Screen("\n".join(lines), _markup(rows))


def _title(svc: Services, lang: str, entry_id: str) -> str | None:
    entry = svc.kb.get(entry_id)
    return entry.text(lang).title if entry is not None else None


def _reasons_screen(lang: str, flow: Flow, title: str, notice: str = "") -> Screen:
    entry_id = flow.data["entry_id"]
    rows: Rows = [
        [(t(lang, f"report.{reason}"), Op.USER, ("rr", entry_id, str(i)))]
        for i, reason in enumerate(REPORT_REASONS)
    ]
    text = _noticed(notice, t(lang, "report.pick_on", title=esc(title)))
    return Screen(text, _markup([*rows, _cancel_row(lang, entry_id)]))


def _report_lines(lang: str, flow: Flow, title: str) -> list[str]:
    return [
        t(lang, "report.confirm_entry", title=esc(title)),
        t(lang, "report.confirm_reason", reason=esc(t(lang, f"report.{flow.data['reason']}"))),
    ]


def _detail_screen(lang: str, flow: Flow, title: str, notice: str = "") -> Screen:
    """After the reason: a few words, if the person likes (for "Something else", needed)."""
    entry_id = flow.data["entry_id"]
    lines = [notice, ""] if notice else []
    lines += [t(lang, "report.title"), *_report_lines(lang, flow, title), ""]
    if flow.data["reason"] == REASON_NEEDS_WORDS:
        lines.append(t(lang, "report.ask_note"))
        rows: Rows = [_cancel_row(lang, entry_id)]
    else:
        lines.append(t(lang, "report.ask_detail"))
        flow.data["nonce"] = secrets.token_hex(3)
        rows = [
            [(t(lang, "report.send_without"), Op.USER, ("ok", flow.data["nonce"]))],
            _cancel_row(lang, entry_id),
        ]
    return Screen("\n".join(lines), _markup(rows))


def _report_confirm_screen(lang: str, flow: Flow, title: str) -> Screen:
    draft = flow.data["draft"]
    warning = _warning(lang, draft)
    lines = [
        t(lang, "tips.will_send"),
        *_report_lines(lang, flow, title),
        t(lang, "report.confirm_note"),
        _quoted(draft),
        t(lang, "tips.nothing_about_you"),
    ]
    if warning:
        lines.append(warning)
    rows = _send_rows(lang, flow, warning is not None, flow.data["entry_id"])
    return Screen("\n".join(lines), _markup(rows))


def _step_screen(svc: Services, lang: str, flow: Flow, notice: str = "") -> Screen | None:
    """The screen of the step the flow is at (None if its entry has gone). Only the
    screen shown last can send: a Send on any earlier one is out of date."""
    flow.data.pop("nonce", None)
    if flow.name == SHARE:
        if flow.step == TOPIC:
            return _topics_screen(lang, flow, notice)
        if flow.step == REGION:
            return _regions_screen(svc, lang, flow, notice)
        if flow.step == CONFIRM:
            confirm = _share_confirm_screen(svc, lang, flow)
            return Screen(_noticed(notice, confirm.text), confirm.markup)
        return Screen(_noticed(notice, t(lang, "share.ask_text")), keyboards.cancel_only(lang))
    title = _title(svc, lang, flow.data["entry_id"])
    if title is None:
        return None
    if flow.step == REASON:
        return _reasons_screen(lang, flow, title, notice)
    if flow.step == CONFIRM:
        confirm = _report_confirm_screen(lang, flow, title)
        return Screen(_noticed(notice, confirm.text), confirm.markup)
    return _detail_screen(lang, flow, title, notice)


async def _show(update: Update, svc: Services, lang: str, flow: Flow, notice: str = "") -> None:
    """The screen of the flow's step, after a button."""
    screen = _step_screen(svc, lang, flow, notice)
    if screen is None:  # the entry being reported has gone
        if update.effective_user is not None:
            svc.flows.end(update.effective_user.id)
        screen = screens.home(lang, t(lang, "expired"))
    await send(update, screen)


# ----- buttons -------------------------------------------------------------------------


def _share_flow(svc: Services, user_id: int) -> Flow:
    """The person's Share a tip flow, carried on (a draft typed early is kept), or new."""
    flow = svc.flows.get(user_id)
    if flow is None or flow.name != SHARE:
        flow = svc.flows.start(user_id, SHARE, TOPIC)
    return flow


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
    flow = svc.flows.get(user.id)
    if name == "x":
        svc.flows.end(user.id)
        entry_id = values[0] if values else None
        if entry_id and svc.kb.get(entry_id) is not None:
            await send(update, _back_to_card(lang, entry_id, t(lang, "tips.cancelled")))
        else:
            await send(update, screens.home(lang, t(lang, "tips.cancelled")))
    elif name == "sh":
        flow = svc.flows.start(user.id, SHARE, TOPIC)
        await _show(update, svc, lang, flow)
    elif name == "sc" and values and values[0] in CATEGORIES:
        flow = _share_flow(svc, user.id)
        flow.step, flow.data["category"] = TOPIC, values[0]
        await _show(update, svc, lang, flow)
    elif name == "st" and values and topic_or_none(values[0]) is not None:
        flow = _share_flow(svc, user.id)
        topic = topic_or_none(values[0])
        flow.step, flow.data["topic"] = REGION, topic
        flow.data["category"] = TOPIC_CATEGORY[topic]
        await _show(update, svc, lang, flow)
    elif (
        name == "sr"
        and len(values) == 2
        and topic_or_none(values[0]) is not None
        and values[1] in svc.region_slugs()
    ):
        flow = _share_flow(svc, user.id)
        flow.data.update(topic=topic_or_none(values[0]), region=values[1])
        flow.step = CONFIRM if flow.data.get("draft") else TEXT
        await _show(update, svc, lang, flow)
    elif name == "rep" and values and svc.kb.get(values[0]) is not None:
        flow = svc.flows.start(user.id, REPORT, REASON, entry_id=values[0])
        await _show(update, svc, lang, flow)
    elif (
        name == "rr"
        and len(values) == 2
        and values[1] in {str(i) for i in range(len(REPORT_REASONS))}
        and svc.kb.get(values[0]) is not None
    ):
        if flow is None or flow.name != REPORT or flow.data.get("entry_id") != values[0]:
            flow = svc.flows.start(user.id, REPORT, REASON, entry_id=values[0])
        flow.data["reason"] = REPORT_REASONS[int(values[1])]
        flow.step = CONFIRM if flow.data.get("draft") else DETAIL
        await _show(update, svc, lang, flow)
    elif name == "ed" and flow is not None and flow.name in USER_FLOWS and flow.step == CONFIRM:
        draft = flow.data.pop("draft", "")
        flow.step = TEXT if flow.name == SHARE else DETAIL
        await _show(update, svc, lang, flow, t(lang, "tips.edit_hint", draft=esc(clean(draft))))
    elif name == "ok" and values and flow is not None and flow.name in USER_FLOWS:
        if flow.data.get("nonce") != values[0]:
            # Send on an older screen of this flow: show where the person is now.
            await _show(update, svc, lang, flow, t(lang, "tips.stale"))
            return
        await _submit(update, svc, user.id, lang, flow)
    elif name in ("ok", "ed"):
        # A Send or Edit from a flow that has ended or expired: nothing of it is left.
        await send(update, screens.home(lang, t(lang, "flow.expired")))
    else:
        await send(update, screens.home(lang, t(lang, "expired")))


async def _submit(update: Update, svc: Services, user_id: int, lang: str, flow: Flow) -> None:
    """Send what the confirmation showed; the flow, and the draft in it, end here."""
    svc.flows.end(user_id)
    entry_id = flow.data.get("entry_id")
    ready = flow.step == CONFIRM or (flow.step == DETAIL and flow.data.get("reason"))
    if not ready:  # cannot happen: only those screens carry a Send
        await send(update, screens.home(lang, t(lang, "flow.expired")))
        return

    def after(key: str) -> Screen:
        if flow.name == REPORT and entry_id and svc.kb.get(entry_id) is not None:
            return _back_to_card(lang, entry_id, t(lang, key))
        return screens.home(lang, t(lang, key))

    if not svc.submissions.allow(user_id):
        await send(update, after("share.limit"))
        return
    try:
        if flow.name == SHARE:
            await svc.moderation.add_shared_tip(
                flow.data["topic"], flow.data["region"], flow.data["draft"]
            )
            await send(update, after("share.thanks"))
        else:
            await svc.moderation.add_report(entry_id, flow.data["reason"], flow.data.get("draft"))
            await send(update, after("report.thanks"))
    except (ModerationError, KeyError):
        await send(update, screens.home(lang, t(lang, "expired")))
    except STORE_FAILURES as exc:
        # The moderators' database is unreadable or full: say so plainly, keep nothing.
        log.error("submission not saved: %s", type(exc).__name__)
        await send(update, after("share.not_saved"))


# ----- typed words ---------------------------------------------------------------------


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, flow: Flow) -> None:
    """The words a user types inside the share or report flow: the draft, shown back to
    be checked; typed while a step waits for a button, kept for later (or, if they read
    as a crisis, answered as one)."""
    svc = services(context)
    message = update.effective_message
    user = update.effective_user
    lang = user_lang(update, context)
    if message is None or message.text is None or user is None or svc.moderation is None:
        return
    limit = MAX_SHARED if flow.name == SHARE else MAX_NOTE
    urgent = svc.kb.read(message.text, lang).urgent
    if urgent == "alone":
        # "help", alone, is not a tip or a note: Need help now, and the flow ends.
        svc.flows.end(user.id)
        region = user_region(update, context)
        await send(update, search.answer(svc, lang, region, search.cleaned(message.text, None)))
        return
    if len(message.text) > limit:
        key = "share.too_long" if flow.name == SHARE else "report.too_long"
        screen = _step_screen(svc, lang, flow, t(lang, key))
    elif not clean(message.text):
        screen = _step_screen(svc, lang, flow, t(lang, "tips.empty"))
    else:
        flow.data["draft"] = message.text
        if flow.step in BUTTON_STEPS:
            key = {TOPIC: "share.kept_topic", REGION: "share.kept_region"}.get(
                flow.step, "report.kept_reason"
            )
            screen = _step_screen(svc, lang, flow, t(lang, key))
        else:
            flow.step = CONFIRM
            screen = _step_screen(svc, lang, flow)
    if screen is None:  # the entry being reported has gone
        svc.flows.end(user.id)
        screen = screens.home(lang, t(lang, "expired"))
    elif urgent == "now":
        # Words that read as a crisis are kept as written, with help one tap away.
        screen = _with_help_now(lang, screen)
    await send(update, screen)
