"""🤝 Check-in, the person's side: /checkin, setting one up, "Still OK?", the PIN, /sos.

A check-in runs for a set time; if the person does not say they are safe by then (plus a
short grace), their contacts are alerted with the plan they wrote and their last
location (bot/handlers/checkin_contacts.py). Everything about it is kept in memory only
(bot/remembered/checkins.py) and forgotten when it ends.
"""

from __future__ import annotations

import contextlib
import functools
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import screens
from bot.callbacks import Action, Op, encode
from bot.checkin.plan import DURATIONS, NOTE_CHARS, PinCheck, State, minutes_from
from bot.handlers import checkin_contacts as contacts_
from bot.handlers import help_now, search
from bot.handlers.common import guarded, send, services, user_lang, user_region
from bot.i18n import t
from bot.remembered.flows import Flow
from bot.screens import Screen
from bot.services import Services

log = logging.getLogger("lantern.checkin")
FLOW = "ck"
USER_FLOWS = (FLOW,)

Row = contacts_.Row
keyboard = contacts_.keyboard
still_ok_rows = contacts_.still_ok_rows


def _home_row(lang: str) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(t(lang, "btn.home"), callback_data=encode(Op.HOME))]


def _with_home(rows: list[Row], lang: str) -> InlineKeyboardMarkup:
    markup = keyboard(rows)
    return InlineKeyboardMarkup([*markup.inline_keyboard, _home_row(lang)])


# ----- screens ----------------------------------------------------------------------------


def menu_screen(svc: Services, person: int, lang: str, notice: str = "") -> Screen:
    """/checkin: what it is, the contacts, start one (or the one running)."""
    running = svc.checkins.active(person)
    if running is not None and running.state is not State.ARMING and not running.silent:
        return running_screen(svc, running.chat, lang, notice)
    pairs = svc.checkins.contacts(person)
    lines = [t(lang, "ck.intro")]
    if pairs:
        names = ", ".join(t(lang, "ck.contact_n", n=p.slot) for p in pairs)
        lines.append(t(lang, "ck.contacts_are", names=names))
    else:
        lines.append(t(lang, "ck.no_contacts"))
    rows: list[Row] = []
    if pairs:
        rows.append([(t(lang, "ck.btn.start"), "go", ())])
    rows.append([(t(lang, "ck.btn.add"), "new", ())])
    if pairs:
        rows.append([(t(lang, "ck.btn.contacts"), "ls", ())])
    rows.append([(t(lang, "ck.btn.how"), "hw", ())])
    text = "\n\n".join(lines)
    return Screen(f"{notice}\n\n{text}" if notice else text, _with_home(rows, lang))


def contacts_screen(svc: Services, person: int, lang: str) -> Screen:
    pairs = svc.checkins.contacts(person)
    rows: list[Row] = [
        [(t(lang, "ck.btn.unpair", name=t(lang, "ck.contact_n", n=p.slot)), "up", (p.handle,))]
        for p in pairs
    ]
    rows.append([(t(lang, "btn.back"), "m", ())])
    return Screen(t(lang, "ck.contacts_list"), keyboard(rows))


def durations_screen(lang: str) -> Screen:
    rows: list[Row] = [
        [(t(lang, "ck.minutes", n=m), "d", (m,)) for m in DURATIONS[:2]],
        [(t(lang, "ck.minutes", n=m), "d", (m,)) for m in DURATIONS[2:]],
        [(t(lang, "ck.btn.custom"), "dc", ())],
        [(t(lang, "btn.back"), "m", ())],
    ]
    return Screen(t(lang, "ck.pick_duration"), keyboard(rows))


def arming_screen(svc: Services, person: int, lang: str, notice: str = "") -> Screen | None:
    draft = svc.checkins.active(person)
    if draft is None or draft.state is not State.ARMING:
        return None
    lines = [t(lang, "ck.arming", minutes=draft.minutes)]
    lines.append(t(lang, "ck.note_saved" if draft.note else "ck.note_none"))
    lines.append(t(lang, "ck.location_saved" if draft.location else "ck.location_none"))
    pin = "ck.pin_duress" if draft.duress else "ck.pin_set" if draft.pin else "ck.pin_none"
    lines.append(t(lang, pin))
    rows: list[Row] = [[(t(lang, "ck.btn.go"), "st", ())]]
    if draft.pin is None:
        rows.append([(t(lang, "ck.btn.pin"), "pin", ())])
    rows.append([(t(lang, "ck.btn.cancel"), "x", ())])
    text = "\n".join(lines)
    return Screen(f"{notice}\n\n{text}" if notice else text, keyboard(rows))


def done_screen(lang: str) -> Screen:
    """A check-in ended safely, or so it looks: the duress PIN shows exactly this too."""
    return screens.home(lang, t(lang, "ck.safe_done"))


def running_screen(svc: Services, person: int, lang: str, notice: str = "") -> Screen:
    checkin = svc.checkins.active(person)
    assert checkin is not None
    if checkin.state is State.ALARM and not checkin.silent:
        text = t(lang, "ck.alarm_on")
        rows: list[Row] = [[(t(lang, "ck.btn.safe"), "ok", (checkin.ident,))]]
    else:
        left = max(0, round((checkin.due - svc.checkins.clock()) / 60))
        text = t(lang, "ck.running", minutes=left)
        rows = still_ok_rows(lang, checkin.ident)
    return Screen(f"{notice}\n\n{text}" if notice else text, keyboard(rows))


# ----- commands ---------------------------------------------------------------------------


@guarded
async def checkin_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/checkin: the check-in menu, or the check-in that is running."""
    chat = update.effective_chat
    if chat is None:
        return
    svc = services(context)
    svc.flows.end(chat.id)
    await send(update, menu_screen(svc, chat.id, user_lang(update, context)))


@guarded
async def sos_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/sos: the alarm now, if a check-in runs; 🆘 Need help now either way."""
    chat = update.effective_chat
    if chat is None:
        return
    svc = services(context)
    lang = user_lang(update, context)
    checkin = svc.checkins.active(chat.id)
    if checkin is not None and checkin.state is not State.ARMING:
        _ensure_timer(context)
        await contacts_.raise_alarm(context.bot, svc, checkin)
        return
    screen = help_now.help_now_screen(svc, lang, user_region(update, context))
    await send(update, Screen(f"{t(lang, 'ck.sos_none')}\n\n{screen.text}", screen.markup))


def _ensure_timer(context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    scheduler = svc.checkins.scheduler
    scheduler.fire = functools.partial(contacts_.fire, context.bot, svc)
    scheduler.start()


# ----- buttons ----------------------------------------------------------------------------


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE, action: Action) -> None:
    """🤝 Check-in buttons, the person's and their contacts' (answered by `button`)."""
    chat = update.effective_chat
    if chat is None:
        return
    svc = services(context)
    lang = user_lang(update, context)
    verb, args = action.args[0], action.args[1:]
    person = chat.id
    if verb in contacts_.CONTACT_VERBS:
        await contacts_.on_contact_button(update, context, verb, args, lang)
        return
    screen: Screen | None = None
    match verb:
        case "m":
            svc.flows.end(person)
            screen = menu_screen(svc, person, lang)
        case "hw":
            screen = Screen(t(lang, "ck.how"), keyboard([[(t(lang, "btn.back"), "m", ())]]))
        case "ls":
            screen = contacts_screen(svc, person, lang)
        case "up" if args:
            await contacts_.unpair(context.bot, svc, person, args[0], lang, by_person=True)
            screen = contacts_screen(svc, person, lang)
        case "new":
            svc.flows.start(person, FLOW, "nick")
            rows: list[Row] = [[(t(lang, "ck.btn.let_choose"), "nn", ())]]
            rows.append([(t(lang, "btn.back"), "m", ())])
            screen = Screen(t(lang, "ck.ask_my_nick"), keyboard(rows))
        case "nn":
            svc.flows.end(person)
            screen = invite_screen(svc, person, lang, context.bot.username, "")
        case "go":
            if not svc.checkins.contacts(person):
                screen = menu_screen(svc, person, lang)
            else:
                screen = durations_screen(lang)
        case "d" if args and args[0].isdigit() and int(args[0]) in DURATIONS:
            screen = _draft(svc, person, lang, int(args[0]))
        case "dc":
            svc.flows.start(person, FLOW, "min")
            screen = Screen(
                t(lang, "ck.ask_minutes"), keyboard([[(t(lang, "btn.back"), "go", ())]])
            )
        case "pin":
            if arming_screen(svc, person, lang) is not None:
                svc.flows.start(person, FLOW, "pin")
                screen = Screen(
                    t(lang, "ck.ask_pin"), keyboard([[(t(lang, "btn.back"), "ar", ())]])
                )
        case "ar":
            svc.flows.start(person, FLOW, "note")
            screen = arming_screen(svc, person, lang)
        case "sd":
            svc.flows.start(person, FLOW, "note")
            screen = arming_screen(svc, person, lang)
        case "x":
            draft = svc.checkins.active(person)
            if draft is not None and draft.state is State.ARMING:
                await contacts_.end(context.bot, svc, draft, "cancel")
            svc.flows.end(person)
            screen = menu_screen(svc, person, lang, t(lang, "ck.cancelled"))
        case "st":
            screen = await _start(update, context, person, lang)
        case "ok" if args:
            screen = await _safe_pressed(context, svc, person, lang, args[0])
        case "e" if len(args) == 2 and args[1].isdigit():
            checkin = svc.checkins.by_ident(args[0])
            if checkin is not None and checkin.chat == person and checkin.state is State.RUNNING:
                with contextlib.suppress(ValueError):
                    checkin.extend(int(args[1]), svc.checkins.clock())
                    svc.checkins.schedule(checkin)
                    svc.checkins.scheduler.wake()
                screen = running_screen(svc, person, lang, t(lang, "ck.extended", n=args[1]))
        case "sos" if args:
            checkin = svc.checkins.by_ident(args[0])
            if checkin is not None and checkin.chat == person:
                _ensure_timer(context)
                await contacts_.raise_alarm(context.bot, svc, checkin)
                return
    if screen is None:
        screen = menu_screen(svc, person, lang, t(lang, "ck.over"))
    await send(update, screen)


def invite_screen(
    svc: Services, person: int, lang: str, bot_username: str | None, nick: str
) -> Screen:
    token = svc.checkins.invite(person, lang, nick)
    back = keyboard([[(t(lang, "btn.back"), "m", ())]])
    if token is None or not bot_username:
        return Screen(t(lang, "ck.invite_refused"), back)
    link = f"https://t.me/{bot_username}?start={contacts_.INVITE_HEAD}{token}"
    return Screen(t(lang, "ck.invite", link=link), back)


def _draft(svc: Services, person: int, lang: str, minutes: int) -> Screen:
    draft = svc.checkins.draft(person, lang, minutes)
    if draft is None:
        running = svc.checkins.active(person)
        if running is not None:
            return running_screen(svc, person, lang)
        return menu_screen(svc, person, lang, t(lang, "ck.full"))
    svc.flows.start(person, FLOW, "note")
    screen = arming_screen(svc, person, lang, t(lang, "ck.ask_note"))
    assert screen is not None
    return screen


async def _start(
    update: Update, context: ContextTypes.DEFAULT_TYPE, person: int, lang: str
) -> Screen | None:
    svc = services(context)
    draft = svc.checkins.active(person)
    if draft is None or draft.state is not State.ARMING:
        return None
    svc.flows.end(person)
    draft.arm(svc.checkins.clock())
    svc.checkins.touch(person)
    svc.checkins.schedule(draft)
    _ensure_timer(context)
    return running_screen(svc, person, lang, t(lang, "ck.started"))


async def _safe_pressed(
    context: ContextTypes.DEFAULT_TYPE, svc: Services, person: int, lang: str, ident: str
) -> Screen | None:
    checkin = svc.checkins.by_ident(ident)
    if checkin is None or checkin.chat != person:
        return None
    if checkin.pin is not None:
        svc.flows.start(person, FLOW, "safe")
        return Screen(
            t(lang, "ck.ask_safe_pin"), keyboard([[(t(lang, "ck.btn.sos"), "sos", (ident,))]])
        )
    await contacts_.end(context.bot, svc, checkin, "safe")
    return done_screen(lang)


# ----- typed steps ------------------------------------------------------------------------


async def _delete_now(context: ContextTypes.DEFAULT_TYPE, update: Update) -> None:
    """A typed PIN is deleted at once."""
    message = update.effective_message
    if message is None:
        return
    try:
        await context.bot.delete_message(message.chat.id, message.message_id)
    except TelegramError as exc:
        log.info("typed PIN not deleted: %s", type(exc).__name__)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, flow: Flow) -> None:
    """Typed words in a check-in step: a nickname, minutes, the plan, a PIN."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or not message.text:
        return
    svc = services(context)
    lang = user_lang(update, context)
    person, text = chat.id, message.text
    screen: Screen | None = None
    match flow.step:
        case "nick":
            svc.flows.end(person)
            screen = invite_screen(svc, person, lang, context.bot.username, text.strip())
        case "fnick":
            await contacts_.finish_pairing(update, context, flow, text, lang)
            return
        case "min":
            minutes = minutes_from(text)
            if minutes is None:
                screen = Screen(
                    t(lang, "ck.bad_minutes"), keyboard([[(t(lang, "btn.back"), "go", ())]])
                )
            else:
                screen = _draft(svc, person, lang, minutes)
        case "note":
            draft = svc.checkins.active(person)
            if draft is None or draft.state is not State.ARMING:
                svc.flows.end(person)
                await search.text_search(update, context)
                return
            if len(text) > NOTE_CHARS:
                screen = arming_screen(svc, person, lang, t(lang, "ck.note_long", n=NOTE_CHARS))
            else:
                draft.note = text
                draft.traces.append((person, message.message_id))
                screen = arming_screen(svc, person, lang)
        case "pin" | "duress":
            await _delete_now(context, update)
            screen = _pin_typed(svc, person, lang, text, duress=flow.step == "duress")
        case "safe":
            await _delete_now(context, update)
            await _safe_pin_typed(context, svc, person, lang, text)
            return
    if screen is None:
        svc.flows.end(person)
        screen = menu_screen(svc, person, lang, t(lang, "ck.over"))
    await send(update, screen)


def _pin_typed(svc: Services, person: int, lang: str, text: str, *, duress: bool) -> Screen | None:
    draft = svc.checkins.active(person)
    if draft is None or draft.state is not State.ARMING:
        return None
    if not draft.set_pin(text.strip(), svc.checkins.pin_salt, duress=duress):
        return Screen(t(lang, "ck.bad_pin"), keyboard([[(t(lang, "btn.back"), "ar", ())]]))
    if duress:
        svc.flows.start(person, FLOW, "note")
        return arming_screen(svc, person, lang, t(lang, "ck.duress_set"))
    svc.flows.start(person, FLOW, "duress")
    return Screen(t(lang, "ck.ask_duress"), keyboard([[(t(lang, "ck.btn.skip"), "sd", ())]]))


async def _safe_pin_typed(
    context: ContextTypes.DEFAULT_TYPE, svc: Services, person: int, lang: str, text: str
) -> None:
    checkin = svc.checkins.active(person)
    chat_send = functools.partial(context.bot.send_message, person)
    if checkin is None or checkin.state is State.ARMING:
        svc.flows.end(person)
        return
    verdict = checkin.check_pin(text, svc.checkins.pin_salt)
    if verdict is PinCheck.WRONG:
        await chat_send(t(lang, "ck.wrong_pin"))
        return
    svc.flows.end(person)
    if verdict is PinCheck.DURESS:
        _ensure_timer(context)
        await contacts_.raise_alarm(context.bot, svc, checkin, silent=True)
    else:
        await contacts_.end(context.bot, svc, checkin, "safe")
    done = done_screen(lang)  # the same either way, to whoever holds the phone
    await chat_send(done.text, reply_markup=done.markup)


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A location (or the start of a live location): kept for the check-in, if one is
    being set up or runs; otherwise answered as any other non-text message."""
    message, chat = update.effective_message, update.effective_chat
    svc = services(context)
    checkin = svc.checkins.active(chat.id) if chat is not None else None
    if message is None or chat is None or message.location is None or checkin is None:
        await search.not_text(update, context)
        return
    lang = user_lang(update, context)
    checkin.location = (message.location.latitude, message.location.longitude)
    checkin.traces.append((chat.id, message.message_id))
    notice = t(lang, "ck.location_got")
    if checkin.state is State.ARMING:
        screen = arming_screen(svc, chat.id, lang, notice)
    else:
        screen = running_screen(svc, chat.id, lang, notice)
    if screen is not None:
        await send(update, screen)


guarded_location = guarded(on_location)
