"""Wipe: /wipe and 🧹 delete the conversation; disappearing mode sweeps quiet chats."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import Callable
from typing import Literal

from telegram import Bot, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import ContextTypes

from bot.handlers.common import answer_press, services
from bot.i18n import t
from bot.request import AnswerUnreadable
from bot.services import Services
from bot.transport import GaveUp

log = logging.getLogger("lantern.wipe")
DELETE_BATCH = 100
SWEEP_SECONDS = 10.0


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
