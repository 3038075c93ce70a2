"""What every handler shares: the services, the person's choices, and sending a screen."""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Awaitable, Callable

from telegram import Message, Update
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import Application, ContextTypes, filters

from bot import screens
from bot.callbacks import Action, decode
from bot.i18n import pick_language, t
from bot.remembered.flows import Flow
from bot.request import AnswerUnreadable, FateUnknown, NotSent, ServerError
from bot.services import Services
from bot.transport import GaveUp

log = logging.getLogger("lantern.handlers")
SERVICES_KEY = "lantern"

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[SERVICES_KEY]


def user_lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    user = update.effective_user
    if user is None:
        return pick_language(None)
    return services(context).language(user.id, user.language_code)


def user_region(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    user = update.effective_user
    if user is None:
        return None
    pref = services(context).prefs.get(user.id)
    return pref.region if pref is not None else None


async def send(update: Update, screen: screens.Screen) -> None:
    """Show a screen: edit the menu in place after a button, else send a new message."""
    query = update.callback_query
    if query is not None and query.message is not None and not screen.below:
        try:
            await query.edit_message_text(screen.text, reply_markup=screen.markup)
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
            # Too old or otherwise not editable: fall through and send a fresh message.
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(screen.text, reply_markup=screen.markup)


def new_incident() -> str:
    return secrets.token_hex(4)


def maybe_answered(exc: BaseException) -> bool:
    """Whether the person may have their answer despite the failure, so that an apology
    on top would be a second, contradicting answer.

    Failures known to have sent nothing (a 5xx, a request that never left, a call given up
    waiting, any refusal) get the apology; an answer that was sent but could not be read,
    or a connection lost after the request went out, do not.
    """
    if isinstance(exc, FateUnknown | AnswerUnreadable | TimedOut):
        return True
    if isinstance(exc, ServerError | NotSent | GaveUp):
        return False
    return isinstance(exc, NetworkError)  # a network failure we cannot place


ButtonHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE, Action], Awaitable[None]]


async def answer_press(update: Update) -> None:
    """The one answer to a button press. Every press is answered once, by whichever
    handler its family has (Telegram refuses a second answer, and it costs a call).
    Whatever goes wrong with it, the spinner stops by itself; the screen matters more."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer()
    except Exception as exc:  # nothing here may stop the screen
        log.info("button not answered: %s", type(exc).__name__)


def button(handler: ButtonHandler) -> Handler:
    """A family of buttons (bot/app.py routes them by their op): the press answered once,
    private chats only (Lantern's menus live nowhere else), the data decoded and checked;
    data that does not decode (stale, forged, another version) gets a fresh menu."""

    @guarded
    @functools.wraps(handler)
    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        await answer_press(update)
        chat = update.effective_chat
        if chat is None or chat.type != chat.PRIVATE:
            return
        action = decode(query.data)
        if action is None:
            lang = user_lang(update, context)
            await send(update, screens.home(lang, t(lang, "expired")))
            return
        await handler(update, context, action)

    return pressed


FlowHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE, Flow], Awaitable[None]]


class InFlow(filters.MessageFilter):
    """Typed words from someone in the middle of one of these flows (a step that waits
    for text): routed to that flow in bot/app.py, before typed words become a search."""

    def __init__(self, application: Application, names: tuple[str, ...]) -> None:
        super().__init__(name=f"InFlow{names}")
        self.application = application
        self.names = names

    def filter(self, message: Message) -> bool:
        svc = self.application.bot_data.get(SERVICES_KEY)
        person = message.from_user
        if svc is None or person is None:
            return False
        flow = svc.flows.get(person.id)
        return flow is not None and flow.name in self.names


def flow_step(handler: FlowHandler) -> Handler:
    """A typed step of a flow (InFlow routed it here): the flow handed over, guarded."""

    @guarded
    @functools.wraps(handler)
    async def step(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        flow = services(context).flows.get(user.id) if user is not None else None
        if flow is not None:
            await handler(update, context, flow)

    return step


def guarded(handler: Handler) -> Handler:
    """Log a failure as type, handler and incident id only, and tell the person kindly."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await handler(update, context)
        except Exception as exc:  # the boundary where failures stop
            log.error(
                "incident=%s handler=%s error=%s",
                new_incident(),
                handler.__name__,
                type(exc).__name__,
            )
            chat = update.effective_chat if isinstance(update, Update) else None
            if chat is None or chat.type != chat.PRIVATE or maybe_answered(exc):
                return
            try:
                lang = user_lang(update, context)
                await chat.send_message(
                    screens.home(lang, t(lang, "error")).text,
                    reply_markup=screens.home(lang).markup,
                )
            except (TelegramError, KeyError, RuntimeError):
                pass

    return wrapper
