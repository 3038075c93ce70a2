"""Safety for the person holding the phone: wipe, disappearing and discreet modes, help now,
and flood control."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import Callable
from typing import Literal

from telegram import Bot, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot import keyboards, render
from bot.callbacks import Action, Op, decode
from bot.handlers.common import answer_press, send, services, user_lang, user_region
from bot.i18n import t
from bot.request import AnswerUnreadable
from bot.screens import Screen
from bot.services import Services
from bot.transport import GaveUp
from bot.updates import INLINE, OTHER, WIPE
from knowledge.model import Entry, Kind, Police
from knowledge.taxonomy import GLOBAL_REGION

log = logging.getLogger("lantern.safety")
DELETE_BATCH = 100
SWEEP_SECONDS = 10.0
HELP_TOPICS = ("overdose", "violence-response", "crisis-support")
HELP_LIMIT = 8
_POLICE_ORDER = {
    Police.NONE: 0,
    Police.UNKNOWN: 1,
    Police.POSSIBLE: 2,
    Police.MANDATORY_REPORTING: 3,
}


# ----- wipe ------------------------------------------------------------------------------


# When Telegram refuses deleteMessages (a server without it: 404, 400, ok:false, 5xx), ids
# go one at a time with deleteMessage instead. At most this many per wipe, newest first
# (what is on the screen goes first): each is a call from the budget every person's button
# answers share, so one long chat must not hold everyone up. What is left, the person is
# told about.
ONE_BY_ONE_LIMIT = 200
# One-by-one gives up after this many failures in a row that say nothing about the
# message itself (the network, the server): the rest would only fail the same way.
FAILURES_IN_A_ROW = 3
# A refusal that may pass (5xx, lost connection) is remembered this long before the batch
# method is tried again; any other refusal, for the life of the process.
RETRY_BATCH_SECONDS = 600.0

# What Telegram says of ids that are no longer there: nothing is left to delete.
_GONE = ("message to delete not found", "messages to delete not found", "message_id_invalid")
# What it says of messages that are there but may not be deleted (too old): left behind.
_STUCK = ("can't be deleted", "cannot be deleted", "message_delete_forbidden")

Outcome = Literal["done", "gone", "stuck", "limited", "passing", "refused", "blocked"]


class _BatchDeletes:
    """Whether deleteMessages is worth trying, for this application (one per process).

    A server that refused it once would refuse it again: asking every time would cost a
    failed call (and its retries) before every one-by-one wipe.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.refused_until = float("-inf")

    def usable(self) -> bool:
        return self.clock() >= self.refused_until

    def refuse(self, outcome: Outcome) -> None:
        seconds = RETRY_BATCH_SECONDS if outcome == "passing" else float("inf")
        if self.usable():
            log.warning(
                "deleteMessages is not available here; deleting one message at a time%s",
                " for a while" if outcome == "passing" else "",
            )
        self.refused_until = self.clock() + seconds


# Keyed by the application's Services (by identity, dropped with it): tests run many
# applications in one process, and one server's refusal must not follow another's bot.
_batch_deletes: dict[int, _BatchDeletes] = {}


def batch_deletes(svc: Services) -> _BatchDeletes:
    key = id(svc)
    found = _batch_deletes.get(key)
    if found is None:
        found = _batch_deletes[key] = _BatchDeletes()
        weakref.finalize(svc, _batch_deletes.pop, key, None)
    return found


def _outcome(exc: Exception) -> Outcome:
    """What a failed delete means for the ids it named (only the error's words are read,
    and they are Telegram's, never the person's)."""
    if isinstance(exc, Forbidden):
        return "blocked"  # the person blocked the bot: nothing can be deleted, nor said
    if isinstance(exc, AnswerUnreadable):
        return "done"  # a 2xx in an odd shape: the server carried the call out
    words = str(exc).lower()
    if isinstance(exc, BadRequest) and any(w in words for w in _GONE):
        return "gone"
    if isinstance(exc, BadRequest) and any(w in words for w in _STUCK):
        return "stuck"
    if isinstance(exc, RetryAfter | GaveUp):
        # A rate limit on this chat, longer than a call may wait: says nothing about the
        # method, and nothing about anyone else's wipe.
        return "limited"
    if isinstance(exc, NetworkError):
        return "passing"  # 5xx, a lost connection: already retried by transport
    # 404 (PTB calls it InvalidToken), any other 400, ok:false, an answer that cannot be
    # read: the method is not there, or not as the Bot API describes it.
    return "refused"


async def _delete_batch(bot: Bot, chat_id: int, batch: list[int]) -> Outcome:
    try:
        await bot.delete_messages(chat_id, batch)
    except Exception as exc:  # any answer at all: sorted below, never raised to the person
        outcome = _outcome(exc)
        if outcome != "done":
            log.info("wipe batch not deleted: %s", type(exc).__name__)
        return outcome
    return "done"


async def _delete_one_by_one(bot: Bot, chat_id: int, ids: list[int]) -> tuple[int, bool]:
    """Delete ids with deleteMessage, newest first; how many are left, and whether the chat
    can still be written to."""
    left = max(0, len(ids) - ONE_BY_ONE_LIMIT)
    todo = sorted(ids, reverse=True)[:ONE_BY_ONE_LIMIT]
    in_a_row = 0
    for i, message_id in enumerate(todo):
        try:
            await bot.delete_message(chat_id, message_id)
        except Exception as exc:  # sorted below
            outcome = _outcome(exc)
        else:
            outcome = "done"
        if outcome in ("done", "gone"):
            in_a_row = 0
            continue
        left += 1
        in_a_row = in_a_row + 1 if outcome in ("passing", "limited") else 0
        if outcome in ("refused", "blocked") or in_a_row >= FAILURES_IN_A_ROW:
            log.info("wipe: one-by-one stopped (%s)", outcome)
            return left + len(todo) - i - 1, outcome != "blocked"
    return left, True


async def wipe_chat(
    bot: Bot,
    svc: Services,
    chat_id: int,
    also: tuple[int, ...] = (),
    *,
    tell: bool = False,
    language_code: str | None = None,
) -> int:
    """Delete every message of the chat the bot still can; returns how many were asked.

    Batches go with deleteMessages; where a server refuses that method, one by one with
    deleteMessage (bounded), and the process remembers not to ask for batches again.

    If anything could not be deleted, or some of the chat's ids could not be kept (memory
    budget full, or a very long chat), `tell` says so once, in one message, since only
    deleting the chat in Telegram removes the rest. Without `tell` (disappearing mode,
    nobody asked) the chat is marked for the next /wipe to say it: a message appearing in
    a chat set to disappear would be worse.
    """
    taken = svc.trail.take(chat_id)
    ids = sorted(set(taken.ids) | set(also))
    batches = batch_deletes(svc)
    one_by_one: list[int] = []
    left = 0
    for start in range(0, len(ids), DELETE_BATCH):
        batch = ids[start : start + DELETE_BATCH]
        if not batches.usable():
            one_by_one.extend(batch)
            continue
        outcome = await _delete_batch(bot, chat_id, batch)
        if outcome == "blocked":
            return len(ids)  # nothing can be deleted, and nobody can be told
        if outcome == "limited":
            # Not now: keep the ids for the next /wipe (or disappearing round), and say so.
            for message_id in batch:
                svc.trail.add(chat_id, message_id)
            left += len(batch)
        elif outcome in ("passing", "refused"):
            batches.refuse(outcome)
            one_by_one.extend(batch)
        elif outcome == "stuck":
            left += len(batch)  # there, but Telegram will not delete them: say so
        # "gone": already deleted (by the person, or too old to matter): nothing is kept.
    writable = True
    if one_by_one:
        not_deleted, writable = await _delete_one_by_one(bot, chat_id, one_by_one)
        left += not_deleted
    if left:
        log.info("wipe: some messages could not be deleted")
    if not (taken.lost or left) or not writable:
        return len(ids)
    if not tell:
        svc.trail.mark_lost(chat_id)
        return len(ids)
    lang = svc.language(chat_id, language_code, touch=False)  # private: chat is the user
    # One notice whatever the reason; the one that says the most about what happened.
    with contextlib.suppress(Exception):  # the chat stays as it is: no apology on top
        await bot.send_message(chat_id, t(lang, "wipe.left" if left else "wipe.lost"))
    return len(ids)


async def wipe_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """🧹 on the menu and every card: answered, then the same as /wipe (not `guarded`
    either: nothing is ever sent for it but the one notice wipe_chat may give)."""
    await answer_press(update)
    await wipe(update, context)


async def wipe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/wipe or the Wipe button: the conversation vanishes, with nothing left behind.

    Not `guarded`: whatever fails, nothing is sent into the chat the person wants empty,
    and nothing here needs the database. A 🧹 press is answered by `wipe_button`.
    """
    try:
        svc = services(context)
        chat = update.effective_chat
        if chat is None or chat.type != chat.PRIVATE:
            return
        also = tuple(m.message_id for m in (update.effective_message,) if m is not None)
        svc.flows.end(chat.id)
        user = update.effective_user
        code = user.language_code if user is not None else None
        await wipe_chat(context.bot, svc, chat.id, also, tell=True, language_code=code)
    except Exception as exc:  # the boundary: log the type only, never answer
        log.error("wipe failed: %s", type(exc).__name__)


async def sweep(bot: Bot, svc: Services) -> None:
    """Disappearing mode: wipe the chats whose quiet time has run out."""
    for chat_id in svc.vanisher.due():
        await wipe_chat(bot, svc, chat_id)


async def sweeping(bot: Bot, svc: Services) -> None:
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        try:
            await sweep(bot, svc)
        except Exception as exc:  # keep sweeping whatever one round hit
            log.error("sweep failed: %s", type(exc).__name__)


# ----- settings --------------------------------------------------------------------------


def settings_screen(svc: Services, user_id: int, lang: str, notice: str = "") -> Screen:
    pref = svc.prefs.peek(user_id)
    discreet = bool(pref and pref.discreet)
    vanish = pref.vanish_minutes if pref else None
    text = t(lang, "settings.title")
    if notice:
        text = f"{notice}\n\n{text}"
    return Screen(text, keyboards.settings_menu(lang, discreet, vanish))


async def on_settings(update: Update, context: ContextTypes.DEFAULT_TYPE, action: Action) -> None:
    svc = services(context)
    user = update.effective_user
    chat = update.effective_chat
    lang = user_lang(update, context)
    if user is None or chat is None:
        return
    notice = ""
    if action.args == ("d",):
        pref = svc.prefs.peek(user.id)
        now_on = not (pref and pref.discreet)
        if svc.prefs.set(user.id, discreet=now_on).kept:
            state = t(lang, "state.on" if now_on else "state.off")
            notice = t(lang, "settings.discreet_set", state=state)
        else:
            notice = t(lang, "settings.not_kept")
    elif len(action.args) == 2:
        minutes = int(action.args[1]) or None
        kept = svc.prefs.set(user.id, vanish_minutes=minutes).kept
        if minutes and kept:
            svc.vanisher.touch(chat.id, minutes)
            state = t(lang, "vanish.minutes", minutes=minutes)
        else:
            # Not remembered, so not armed: later messages could not push the timer back.
            svc.vanisher.cancel(chat.id)
            state = t(lang, "vanish.off")
        notice = t(lang, "settings.vanish_set", state=state)
        if not kept:
            notice = t(lang, "settings.not_kept")
    await send(update, settings_screen(svc, user.id, lang, notice))


# ----- need help now ---------------------------------------------------------------------


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


# ----- before any handler: remember ids, hold back floods -------------------------------


def _is_wipe(update: Update) -> bool:
    chat = update.effective_chat
    if chat is None or chat.type != chat.PRIVATE:
        return False  # /wipe acts in private chats only; elsewhere it is any other command
    message = update.message
    if message is not None and message.text:
        # split() of a text that is all whitespace to Python (U+3000, U+2028...) is empty.
        words = message.text.split(maxsplit=1)
        return bool(words) and words[0].split("@")[0].lower() == "/wipe"
    if update.callback_query is not None:
        action = decode(update.callback_query.data)
        return action is not None and action.op is Op.WIPE
    return False


def _remember_ids(svc: Services, update: Update) -> None:
    """Ids /wipe must delete: a private message, and the menu a button press belongs to
    (after a restart that menu was sent by an earlier process, and is edited from now on)."""
    message = update.message
    if message is not None and message.chat.type == message.chat.PRIVATE:
        svc.outgoing.seen(message.chat.id, message.message_id)
    query = update.callback_query
    if query is not None and query.message is not None:
        pressed = query.message
        if pressed.chat.type == pressed.chat.PRIVATE:
            svc.outgoing.seen(pressed.chat.id, pressed.message_id)


async def admit(svc: Services, bot: Bot, update: object) -> str | None:
    """Before an update waits for its turn: remember ids (for /wipe), hold back floods.

    Returns the update's kind for its chat's line (bot.updates), or None to drop it. Every
    person is under flood control, in private chats, groups and inline mode alike: a burst
    gets one polite notice (in a private chat), then silence until they slow down. /wipe is
    never refused; repeated ones are coalesced in the line. A failure here admits the
    update rather than lose it.
    """
    if not isinstance(update, Update):
        return OTHER
    try:
        _remember_ids(svc, update)
        if _is_wipe(update):
            return WIPE
        kind = INLINE if update.inline_query is not None else OTHER
        user = update.effective_user
        if user is None:
            return kind
        verdict = svc.flood.check(user.id)
        chat = update.effective_chat
        if verdict == "ok" and chat is not None and chat.type != chat.PRIVATE:
            # In a group, answers go out at the group's rate, whoever asks: no more in.
            return kind if svc.group_flood.check(chat.id) == "ok" else None
        if verdict == "ok":
            return kind
        if verdict == "warn" and chat is not None and chat.type == chat.PRIVATE:
            lang = svc.language(user.id, user.language_code, touch=False)
            with contextlib.suppress(TelegramError):
                await bot.send_message(chat.id, t(lang, "flood.notice"))
        return None
    except Exception as exc:  # the gate must never lose an update
        log.error("gate failed: %s", type(exc).__name__)
        return OTHER
