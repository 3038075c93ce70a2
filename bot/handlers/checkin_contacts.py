"""🤝 Check-in, the contacts' side: pairing by link, the alarm, the end, and a restart.

A contact is paired through a single-use link (`/start k_<token>`, a random token, never
an id) and gets a test message at once, so a contact who cannot be reached is found
now and not at alarm time. When a check-in is missed (or the person asks for help), every
contact gets the nickname, the times, the plan and the last location, with "I'm handling
it" and "Resolved: safe"; those who have not answered are asked again a few times; one
who blocked Lantern is skipped. When it ends, the alerts and the messages that carried
the plan are deleted and everything about it is forgotten.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, ContextTypes

from bot import screens
from bot.callbacks import Op, encode
from bot.checkin.plan import EXTENSIONS, HARD_CAP, REPEATS, CheckIn, State, Timer
from bot.checkin.scheduler import Due
from bot.handlers.common import SERVICES_KEY, send, services
from bot.i18n import t
from bot.remembered.checkins import NICK_CHARS, Invite, Pair
from bot.remembered.flows import Flow
from bot.render import esc
from bot.screens import Screen
from bot.services import Services

log = logging.getLogger("lantern.checkin")
INVITE_HEAD = "k_"  # /start k_<token>
CONTACT_VERBS = ("h", "r", "cu")
STOP_SECONDS = 20.0  # at a graceful stop, the time given to telling everyone
FLOW = "ck"

Row = list[tuple[str, str, tuple[object, ...]]]


def keyboard(rows: list[Row]) -> InlineKeyboardMarkup:
    """Built afresh each time (not cached: some buttons carry a check-in's handle)."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, callback_data=encode(Op.CHECKIN, action, *args))
                for label, action, args in row
            ]
            for row in rows
        ]
    )


def still_ok_rows(lang: str, ident: str) -> list[Row]:
    return [
        [(t(lang, "ck.btn.safe"), "ok", (ident,))],
        [(t(lang, "ck.btn.more", n=m), "e", (ident, m)) for m in EXTENSIONS],
        [(t(lang, "ck.btn.sos"), "sos", (ident,))],
    ]


def span(lang: str, seconds: float) -> str:
    minutes = max(0, round(seconds / 60))
    if minutes < 60:
        return t(lang, "ck.span_min", m=minutes)
    return t(lang, "ck.span_h", h=minutes // 60, m=minutes % 60)


# ----- pairing ----------------------------------------------------------------------------


async def start_invite(update: Update, context: ContextTypes.DEFAULT_TYPE, token: str) -> None:
    """`/start k_<token>`: a friend opens the link a person sent them."""
    chat = update.effective_chat
    if chat is None:
        return
    svc = services(context)
    lang = svc.language(
        chat.id, update.effective_user.language_code if update.effective_user else None
    )
    invite = svc.checkins.redeem(token, chat.id)
    if invite == "self":
        await send(update, screens.home(lang, t(lang, "ck.invite_self")))
        return
    if invite is None:
        await send(update, screens.home(lang, t(lang, "ck.invite_invalid")))
        return
    if invite.nick:
        await _paired(update, context, invite, invite.nick, lang)
        return
    svc.flows.start(chat.id, FLOW, "fnick", invite=invite)
    await send(update, Screen(t(lang, "ck.ask_friend_nick"), screens.home(lang).markup))


async def finish_pairing(
    update: Update, context: ContextTypes.DEFAULT_TYPE, flow: Flow, text: str, lang: str
) -> None:
    """The friend typed the nickname they know the person by."""
    nick = " ".join(text.split())[:NICK_CHARS]
    if not nick:
        await send(update, Screen(t(lang, "ck.ask_friend_nick"), screens.home(lang).markup))
        return
    chat = update.effective_chat
    if chat is not None:
        services(context).flows.end(chat.id)
    await _paired(update, context, flow.data["invite"], nick, lang)


async def _paired(
    update: Update, context: ContextTypes.DEFAULT_TYPE, invite: Invite, nick: str, lang: str
) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    svc = services(context)
    made = svc.checkins.pair(invite, chat.id, nick, lang)
    if isinstance(made, str):
        await send(update, screens.home(lang, t(lang, f"ck.pair_{made}")))
        return
    # The test message: a contact who cannot be reached is found now, not at alarm time.
    try:
        await context.bot.send_message(
            chat.id,
            t(lang, "ck.test", nick=esc(made.nick)),
            reply_markup=keyboard([[(t(lang, "ck.btn.leave"), "cu", (made.handle,))]]),
        )
        reached = True
    except TelegramError as exc:
        log.info("check-in test message not sent: %s", type(exc).__name__)
        svc.checkins.unpair(made.handle)
        reached = False
    key = "ck.paired" if reached else "ck.pair_unreachable"
    with contextlib.suppress(TelegramError):
        await context.bot.send_message(invite.person, t(invite.lang, key, n=made.slot))


async def unpair(
    bot: Bot, svc: Services, chat: int, handle: str, lang: str, *, by_person: bool
) -> bool:
    """Either side ends a pairing; the other side is told."""
    found = svc.checkins.pair_by_handle(handle)
    if found is None or (found.person if by_person else found.contact) != chat:
        return False
    svc.checkins.unpair(handle)
    with contextlib.suppress(TelegramError):
        if by_person:
            await bot.send_message(
                found.contact, t(found.contact_lang, "ck.removed", nick=esc(found.nick))
            )
        else:
            person_lang = svc.language(found.person, touch=False)
            await bot.send_message(found.person, t(person_lang, "ck.contact_left", n=found.slot))
    return True


# ----- contacts' buttons ------------------------------------------------------------------


def _pair_of(svc: Services, checkin: CheckIn, contact: int) -> Pair | None:
    return next((p for p in svc.checkins.contacts(checkin.chat) if p.contact == contact), None)


async def on_contact_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, verb: str, args: tuple[str, ...], lang: str
) -> None:
    chat = update.effective_chat
    if chat is None or not args:
        return
    svc = services(context)
    bot = context.bot
    if verb == "cu":
        left = await unpair(bot, svc, chat.id, args[0], lang, by_person=False)
        await send(update, screens.home(lang, t(lang, "ck.you_left" if left else "ck.over")))
        return
    checkin = svc.checkins.by_ident(args[0])
    found = None if checkin is None else _pair_of(svc, checkin, chat.id)
    if checkin is None or found is None or checkin.state is not State.ALARM:
        await send(update, screens.home(lang, t(lang, "ck.alert_over")))
        return
    if verb == "r":
        await end(bot, svc, checkin, "resolved", by=chat.id)
        return
    if not checkin.handle(chat.id):
        await bot.send_message(chat.id, t(lang, "ck.already_handled", nick=esc(found.nick)))
        return
    svc.checkins.repeat(checkin)  # no more reminders: someone is on it
    await bot.send_message(chat.id, t(lang, "ck.you_handle", nick=esc(found.nick)))
    for other in svc.checkins.contacts(checkin.chat):
        if other.contact != chat.id and other.contact in checkin.alerted:
            with contextlib.suppress(TelegramError):
                await bot.send_message(
                    other.contact,
                    t(other.contact_lang, "ck.other_handles", nick=esc(other.nick)),
                )
    if not checkin.silent:
        with contextlib.suppress(TelegramError):
            await bot.send_message(checkin.chat, t(checkin.lang, "ck.handled", n=found.slot))


# ----- the alarm --------------------------------------------------------------------------


async def fire(bot: Bot, svc: Services, due: Due) -> None:
    """A timer came due (bot/checkin/scheduler.py)."""
    checkin = svc.checkins.by_ident(str(due.key))
    if checkin is None:
        return
    match due.kind:
        case Timer.WARN if checkin.state is State.RUNNING:
            checkin.warned = True
            lang = checkin.lang
            with contextlib.suppress(TelegramError):
                await bot.send_message(
                    checkin.chat,
                    t(lang, "ck.still_ok", left=span(lang, checkin.due - svc.checkins.clock())),
                    reply_markup=keyboard(still_ok_rows(lang, checkin.ident)),
                )
        case Timer.ALARM if checkin.state is State.RUNNING:
            await raise_alarm(bot, svc, checkin)
        case Timer.REPEAT if checkin.state is State.ALARM:
            await alert_round(bot, svc, checkin)
        case Timer.CAP:
            await end(bot, svc, checkin, "cap")


async def raise_alarm(bot: Bot, svc: Services, checkin: CheckIn, *, silent: bool = False) -> None:
    """Alert every contact now: missed, Help now, /sos, or the duress PIN (`silent`: the
    person's chat is told nothing, so it looks like a normal end)."""
    if not checkin.alarm(silent=silent):
        return
    svc.checkins.schedule(checkin)
    reached = await alert_round(bot, svc, checkin)
    if silent:
        return
    key = "ck.alarm_raised" if reached else "ck.nobody_reached"
    markup = InlineKeyboardMarkup(
        [
            *keyboard([[(t(checkin.lang, "ck.btn.safe"), "ok", (checkin.ident,))]]).inline_keyboard,
            [
                InlineKeyboardButton(
                    t(checkin.lang, "btn.helpnow"), callback_data=encode(Op.HELP_NOW)
                )
            ],
        ]
    )
    with contextlib.suppress(TelegramError):
        await bot.send_message(checkin.chat, t(checkin.lang, key, n=reached), reply_markup=markup)


def alert_text(svc: Services, checkin: CheckIn, pair: Pair) -> str:
    lang = pair.contact_lang
    now = svc.checkins.clock()
    nick = esc(pair.nick)
    started = span(lang, now - checkin.started)
    if now < checkin.due:
        lines = [t(lang, "ck.alert_sos", nick=nick, started=started)]
    else:
        lines = [t(lang, "ck.alert", nick=nick, started=started, due=span(lang, now - checkin.due))]
    if checkin.rounds > 1:
        lines.insert(0, t(lang, "ck.alert_again", n=checkin.rounds, of=REPEATS + 1))
    if checkin.note:
        lines.append(t(lang, "ck.alert_note", note=esc(checkin.note)))
    else:
        lines.append(t(lang, "ck.alert_no_note"))
    if checkin.location is not None:
        lat, lon = checkin.location
        url = f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=17/{lat:.5f}/{lon:.5f}"
        lines.append(t(lang, "ck.alert_location", url=esc(url), where=f"{lat:.5f}, {lon:.5f}"))
    lines.append(t(lang, "ck.alert_what"))
    return "\n\n".join(lines)


async def alert_round(bot: Bot, svc: Services, checkin: CheckIn) -> int:
    """One alert to each contact who has not answered; how many it reached."""
    checkin.rounds += 1
    pairs = svc.checkins.contacts(checkin.chat)
    waiting = set(checkin.still_to_answer([p.contact for p in pairs]))
    reached = 0
    for found in pairs:
        if found.contact not in waiting:
            continue
        lang = found.contact_lang
        buttons = keyboard(
            [
                [(t(lang, "ck.btn.handling"), "h", (checkin.ident,))],
                [(t(lang, "ck.btn.resolved"), "r", (checkin.ident,))],
            ]
        )
        try:
            sent = await bot.send_message(
                found.contact, alert_text(svc, checkin, found), reply_markup=buttons
            )
        except Forbidden:
            checkin.unreachable.add(found.contact)  # blocked Lantern: on to the next
            continue
        except TelegramError as exc:
            log.info("check-in alert not sent: %s", type(exc).__name__)
            continue  # tried again at the next round
        if svc.checkins.by_ident(checkin.ident) is not checkin:
            await _delete(bot, found.contact, [sent.message_id])  # it ended meanwhile
            return reached
        checkin.alerted.setdefault(found.contact, []).append(sent.message_id)
        reached += 1
    svc.checkins.repeat(checkin)
    return reached


# ----- the end ----------------------------------------------------------------------------


async def _delete(bot: Bot, chat: int, ids: list[int]) -> None:
    if not ids:
        return
    try:
        await bot.delete_messages(chat, ids)
        return
    except TelegramError:
        pass
    for message_id in ids[:20]:
        with contextlib.suppress(TelegramError):
            await bot.delete_message(chat, message_id)


async def end(bot: Bot, svc: Services, checkin: CheckIn, reason: str, *, by: int = 0) -> None:
    """The check-in is over (safe, resolved, cap, stop, cancel): forget it, delete the
    messages that carried the plan in both chats, and say so."""
    person, lang, silent = checkin.chat, checkin.lang, checkin.silent
    was_running = checkin.state is not State.ARMING
    traces = list(checkin.traces)
    alerted = {chat: list(ids) for chat, ids in checkin.alerted.items()}
    pairs = svc.checkins.contacts(person)
    svc.checkins.forget(checkin)
    flow = svc.flows.get(person)
    if flow is not None and flow.name == FLOW:
        svc.flows.end(person)
    by_chat: dict[int, list[int]] = {}
    for chat, message_id in traces:
        by_chat.setdefault(chat, []).append(message_id)
    for chat, ids in [*by_chat.items(), *alerted.items()]:
        await _delete(bot, chat, ids)
    if not was_running:
        return
    tell_person = {"resolved": "ck.resolved", "cap": "ck.capped", "stop": "ck.stopped"}
    if reason in tell_person and not silent:
        with contextlib.suppress(TelegramError):
            await bot.send_message(person, t(lang, tell_person[reason]))
    tell_contacts = {
        "safe": "ck.ended_safe",
        "resolved": "ck.ended_resolved",
        "cap": "ck.ended_cap",
        "stop": "ck.ended_stop",
    }
    for found in pairs:
        if reason != "stop" and found.contact not in alerted:
            continue  # never alerted: nothing to take back
        with contextlib.suppress(TelegramError):
            await bot.send_message(
                found.contact,
                t(found.contact_lang, tell_contacts[reason], nick=esc(found.nick)),
            )
    if reason == "cap":
        log.info("a check-in ended at its cap (%d h after it was due)", HARD_CAP // 3600)


async def on_stop(application: Application) -> None:
    """A graceful stop: everyone with a check-in (and their contacts) is told it was
    cancelled and to start it again; then it is all forgotten."""
    svc: Services | None = application.bot_data.get(SERVICES_KEY)
    if svc is None:
        return
    await svc.checkins.scheduler.stop()
    checkins = svc.checkins.all_active()
    if not checkins:
        return
    log.info("stopping: %d check-in(s) cancelled, people told", len(checkins))
    gate = asyncio.Semaphore(16)

    async def one(checkin: CheckIn) -> None:
        async with gate:
            await end(application.bot, svc, checkin, "stop")

    tasks = [asyncio.ensure_future(one(c)) for c in checkins]
    _done, pending = await asyncio.wait(tasks, timeout=STOP_SECONDS)
    for task in pending:
        task.cancel()
    for checkin in svc.checkins.all_active():
        svc.checkins.forget(checkin)
    if pending:
        log.warning("stopping: %d check-in(s) could not be told in time", len(pending))
