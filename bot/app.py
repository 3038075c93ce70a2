"""Builds the Telegram application: the one place where handlers are wired up."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import functools
import logging
import signal
import time
from collections.abc import Awaitable, Sequence
from typing import Any, Literal

from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    LinkPreviewOptions,
    Update,
)
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram._utils.types import ODVInput
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    ExtBot,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import callbacks, gate, heap, logs, reload
from bot.callbacks import Op
from bot.config import Config
from bot.handlers import (
    alerts,
    browse,
    checkin,
    checkin_contacts,
    commands,
    errors,
    groups,
    inline,
    moderators,
    privacy_settings,
    search,
    share_link,
    tips_and_reports,
    wipe,
)
from bot.handlers.alerts import channel as alert_channels
from bot.handlers.common import SERVICES_KEY, InFlow, button, flow_step
from bot.i18n import languages, t
from bot.outgoing import Outgoing
from bot.request import AnswerUnreadable, LanternRequest
from bot.services import Services
from bot.startup import describe
from bot.transport import LanternRateLimiter
from bot.updates import PerChatUpdateProcessor
from knowledge.taxonomy import DEFAULT_LANGUAGE

# Only what the bot serves; Telegram sends nothing else, so there is less to handle or leak.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
PRIVATE_COMMANDS = ("start", "help", "privacy", "wipe", "checkin", "sos")
CONFIG_KEY = "lantern.config"
COMMANDS_RETRY_SECONDS = 60
POLL_PAUSE_MIN = 0.25
POLL_PAUSE_MAX = 2.0
COMMANDS_RETRY_MAX_SECONDS = 3600
log = logging.getLogger("lantern.app")


def parse_updates(result: object, bot: ExtBot) -> tuple[Update, ...]:
    """A getUpdates answer, each update parsed on its own.

    PTB parses the batch as a whole: one malformed update loses every other one, and PTB
    logs the whole raw batch (texts, names, ids). Here a bad update is dropped alone, and
    only its type of error is logged. It is replaced by an empty update with its number,
    so polling moves past it instead of fetching it again forever.
    """
    if not isinstance(result, list):
        log.warning("getUpdates: the answer was not a list; nothing read from it")
        return ()
    updates: list[Update] = []
    for raw in result:
        try:
            update = Update.de_json(raw, bot)
        except Exception as exc:  # any shape a server may send
            log.warning("an update could not be read and was dropped (%s)", type(exc).__name__)
            number = raw.get("update_id") if isinstance(raw, dict) else None
            if isinstance(number, int) and not isinstance(number, bool):
                updates.append(Update(update_id=number))
            continue
        if update is not None and not _complete(update):
            # PTB accepts some updates the Bot API never sends (a message without a chat);
            # handlers would trip over them, so they go the same way.
            log.warning("an update could not be read and was dropped (incomplete)")
            update = Update(update_id=update.update_id)
        if update is not None:
            bot.insert_callback_data(update)
            updates.append(update)
    return tuple(updates)


def _complete(update: Update) -> bool:
    """What the handlers rely on and the Bot API always sends: messages have a chat and a
    numeric id."""
    message = update.effective_message
    if message is None:
        return True
    chat = getattr(message, "chat", None)
    return (
        chat is not None
        and isinstance(getattr(chat, "id", None), int)
        and isinstance(message.message_id, int)
    )


# Methods whose answer is the message sent or edited.
_MESSAGE_METHODS = ("send", "edit")
# What Lantern reads of a message it sent or edited: its id and chat, to delete it later
# (/wipe, check-ins, channel posts). Telegram echoes the whole message back (text, its
# formatting, the keyboard, the bot's own user); turning all of that into objects nobody
# reads was about half the work of an update (bench: the update path).
_MESSAGE_KEYS = ("message_id", "date", "chat", "message_thread_id")
_CHAT_KEYS = ("id", "type")


def _is_message(result: object) -> bool:
    return (
        isinstance(result, dict) and "message_id" in result and isinstance(result.get("chat"), dict)
    )


def _as_read(message: dict[str, Any]) -> dict[str, Any]:
    """The answer for a message sent or edited, with only what Lantern reads of it."""
    kept = {key: message[key] for key in _MESSAGE_KEYS if key in message}
    chat = message["chat"]
    kept["chat"] = {key: chat[key] for key in _CHAT_KEYS if key in chat}
    return kept


async def _readable(method: str, call: Awaitable[Any]) -> Any:
    """The call's result; an answer the library cannot turn into objects (a server that
    departs from the Bot API) becomes AnswerUnreadable: the call *was* carried out, so
    nobody must be told it failed, and its id is already known (Outgoing.answered)."""
    try:
        return await call
    except TelegramError:
        raise
    except Exception as exc:
        raise AnswerUnreadable(
            f"{method}: the answer could not be read ({type(exc).__name__})"
        ) from None


class PollPace:
    """Long polling asks the server to hold an empty answer for `timeout` seconds. A server
    that answers at once anyway would have the bot poll hundreds of times a second, so
    after each such answer the next poll waits, longer each time (up to POLL_PAUSE_MAX),
    and at once again as soon as updates come or the server holds an answer."""

    def __init__(self) -> None:
        self.pause = 0.0

    async def after(self, got_updates: bool, asked: float, took: float) -> None:
        if got_updates or asked <= 0 or took >= asked / 2:
            self.pause = 0.0
            return
        self.pause = min(max(self.pause * 2, POLL_PAUSE_MIN), POLL_PAUSE_MAX)
        await asyncio.sleep(self.pause)


class PrivateApplication(Application):
    """An Application that does not collect the ids of users and chats it sees.

    PTB adds every update's user and chat id to sets meant for persistence, even when no
    persistence is configured, and never empties them. Lantern has no persistence and
    must hold no ids, so the marking is switched off here (tests check the sets stay empty).
    """

    def _mark_for_persistence_update(self, *, update: object = None, job: object = None) -> None:
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}[bot={self.bot!r}]"


class PrivateBot(ExtBot):
    """PTB's bot, minus the token in its repr, plus Lantern's outgoing policy.

    Every message sent or edited passes the policy: the discreet first line for those who
    chose it, and the message id remembered (in memory) so /wipe can delete it.
    """

    __slots__ = ("_outgoing", "_pace")

    def __init__(self, *args: Any, outgoing: Outgoing | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        with self._unfrozen():
            self._outgoing = outgoing
            self._pace = PollPace()

    def __repr__(self) -> str:
        return f"{type(self).__name__}[token=<redacted>]"

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: int | dtm.timedelta | None = None,
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
        api_kwargs: dict[str, Any] | None = None,
    ) -> tuple[Update, ...]:
        """getUpdates as PTB does it, except that updates are parsed one by one."""
        data: dict[str, Any] = {
            "timeout": timeout,
            "offset": offset,
            "limit": limit,
            "allowed_updates": allowed_updates,
        }
        if isinstance(read_timeout, DefaultValue):
            base = self._request[0].read_timeout or 0
        else:
            base = read_timeout or 0
        waiting = timeout.total_seconds() if isinstance(timeout, dtm.timedelta) else timeout or 0
        started = time.monotonic()
        result = await self._post(
            "getUpdates",
            data,
            read_timeout=base + waiting,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
            api_kwargs=api_kwargs,
        )
        updates = parse_updates(result, self)
        await self._pace.after(bool(updates), waiting, time.monotonic() - started)
        return updates

    async def _do_post(self, endpoint: str, data: Any, **kwargs: Any) -> Any:
        result = await super()._do_post(endpoint, data, **kwargs)
        if endpoint.startswith(_MESSAGE_METHODS) and _is_message(result):
            return _as_read(result)
        return result

    async def send_message(self, chat_id: Any, text: str, *args: Any, **kwargs: Any) -> Any:
        if self._outgoing is not None:
            text = self._outgoing.text(chat_id, text)
        message = await _readable(
            "sendMessage", super().send_message(chat_id, text, *args, **kwargs)
        )
        if self._outgoing is not None:
            self._outgoing.sent(message)
        return message

    async def edit_message_text(
        self, text: str, chat_id: Any = None, *args: Any, **kwargs: Any
    ) -> Any:
        if self._outgoing is not None:
            text = self._outgoing.text(chat_id, text)
        message = await _readable(
            "editMessageText", super().edit_message_text(text, chat_id, *args, **kwargs)
        )
        if self._outgoing is not None:
            # The edited message may predate this process (a menu from before a restart):
            # remember it, or /wipe would leave behind whatever it now shows.
            self._outgoing.sent(message)
        return message

    async def send_photo(
        self, chat_id: Any, photo: Any, caption: str | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        if self._outgoing is not None and caption is not None:
            caption = self._outgoing.text(chat_id, caption)
        message = await _readable(
            "sendPhoto", super().send_photo(chat_id, photo, caption, *args, **kwargs)
        )
        if self._outgoing is not None:
            self._outgoing.sent(message)
        return message


async def _starting(application: Application) -> None:
    """Before the first update: open the database, then register the commands."""
    services: Services = application.bot_data[SERVICES_KEY]
    config: Config = application.bot_data[CONFIG_KEY]
    if services.store is None:
        await services.attach_store(config.data_dir)
    # Loading content peaks well above what serving it needs; give the difference back.
    heap.release()
    services.commander = asyncio.create_task(registering_commands(application))
    services.sweeper = asyncio.create_task(wipe.sweeping(application.bot, services))
    alert_channels.start(application.bot, services)  # channel posts, expiry
    services.freshener = asyncio.create_task(services.keeping_fresh())
    if services.content_dir is None:
        services.content_dir = config.content_dir
    services.watcher = asyncio.create_task(reload.watching(application.bot, services))
    with contextlib.suppress(NotImplementedError, RuntimeError):
        asyncio.get_running_loop().add_signal_handler(
            signal.SIGHUP,
            lambda: asyncio.ensure_future(reload.reload_and_report(application.bot, services)),
        )
    try:
        reload.write_pid(config.data_dir)
    except BlockingIOError:
        # Not fatal: this bot serves all the same; only `lantern reload` reaches the other.
        log.warning("another running Lantern holds the PID file of this data directory")
    except OSError as exc:
        log.warning(
            "PID file not written (%s); `lantern reload` will not find this bot", type(exc).__name__
        )


async def _stopping(application: Application) -> None:
    services: Services = application.bot_data[SERVICES_KEY]
    for task in (services.sweeper, services.watcher, services.freshener, services.commander):
        if task is not None:
            task.cancel()
    services.sweeper = services.watcher = services.freshener = services.commander = None
    config: Config = application.bot_data[CONFIG_KEY]
    reload.remove_pid(config.data_dir)  # only if it is this bot's
    await services.close()


async def stop_application(application: Application) -> None:
    """Stop polling if it runs, then the application, with its stop and shutdown hooks.

    For runners that drive the application themselves (the console, webhook mode);
    `run_polling` does the same on its own.
    """
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
        if application.post_stop:
            await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown:
        await application.post_shutdown(application)


async def registering_commands(
    application: Application, first_wait: float = COMMANDS_RETRY_SECONDS
) -> None:
    """The command list is cosmetic: a server that refuses it must not stop the bot.

    Tried at start; on failure one plain line is logged and it is tried again later, with
    longer and longer waits, until it works.
    """
    wait = first_wait
    while True:
        try:
            await register_commands(application)
            return
        except TelegramError as exc:
            log.warning(
                "%s; serving without the command list, trying again in %d s",
                describe(exc, "setMyCommands"),
                wait,
            )
        await asyncio.sleep(wait)
        wait = min(wait * 2, COMMANDS_RETRY_MAX_SECONDS)


async def register_commands(application: Application) -> None:
    """setMyCommands for private chats, once per language (the default in English)."""
    for lang in languages():
        commands_ = [BotCommand(name, t(lang, f"cmd.{name}")) for name in PRIVATE_COMMANDS]
        await application.bot.set_my_commands(
            commands_,
            scope=BotCommandScopeAllPrivateChats(),
            language_code=None if lang == DEFAULT_LANGUAGE else lang,
        )


def add_handlers(application: Application) -> None:
    # New messages only: an edit is not a new question, and is not answered twice.
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    groups_ = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE

    # Groups: answer only commands addressed to Lantern, once, with a private link.
    application.add_handler(
        CommandHandler(list(PRIVATE_COMMANDS), groups.group_command, filters=groups_)
    )

    # Private chats: commands, buttons, typed searches, everything else.
    application.add_handler(CommandHandler("start", commands.start, filters=private))
    application.add_handler(CommandHandler("help", commands.help_command, filters=private))
    application.add_handler(CommandHandler("menu", commands.menu_command, filters=private))
    application.add_handler(CommandHandler("privacy", commands.privacy, filters=private))
    application.add_handler(CommandHandler("wipe", wipe.wipe, filters=private))
    # 🤝 Check-in with a trusted contact; /sos raises its alarm now (else 🆘 Need help now).
    application.add_handler(CommandHandler("checkin", checkin.checkin_command, filters=private))
    application.add_handler(CommandHandler("sos", checkin.sos_command, filters=private))
    # Moderators only; for anyone else it answers exactly like an unknown command.
    application.add_handler(CommandHandler("mod", moderators.mod_command, filters=private))
    application.add_handler(MessageHandler(private & filters.COMMAND, commands.unknown_command))
    # Typed words: a step of the flow the person is in (Share a tip, Report a problem,
    # a moderator's form), else read and answered (crisis, small talk, search).
    typed = private & filters.TEXT & ~filters.COMMAND
    user_flow = InFlow(application, tips_and_reports.USER_FLOWS)
    checkin_flow = InFlow(application, checkin.USER_FLOWS)
    mod_flow = InFlow(application, moderators.MOD_FLOWS)
    application.add_handler(MessageHandler(typed & user_flow, flow_step(tips_and_reports.on_text)))
    application.add_handler(MessageHandler(typed & checkin_flow, flow_step(checkin.on_text)))
    application.add_handler(MessageHandler(typed & mod_flow, flow_step(moderators.on_text)))
    alert_flow = InFlow(application, alerts.FLOWS)  # a report, a search, a moderator's text
    application.add_handler(MessageHandler(typed & alert_flow, flow_step(alerts.on_text)))
    application.add_handler(MessageHandler(typed, search.text_search))
    # A location is kept for a check-in being set up or running (else: not text).
    application.add_handler(MessageHandler(private & filters.LOCATION, checkin.guarded_location))
    application.add_handler(
        MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, search.not_text)
    )

    # Buttons, by family: the op after the version in the callback data (bot/callbacks.py).
    # Each family's handler gets the press answered once and its data decoded and checked
    # (handlers.common.button); data that decodes to nothing gets a fresh menu.
    def buttons(handler, *ops: Op) -> CallbackQueryHandler:
        return CallbackQueryHandler(handler, pattern=callbacks.pattern(*ops))

    application.add_handler(buttons(wipe.wipe_button, Op.WIPE))  # never guarded
    # 🔒 Privacy, before browse: old menus' Privacy buttons (Op.PRIVACY) open it too.
    application.add_handler(buttons(privacy_settings.on_button, Op.SETTINGS, Op.PRIVACY))
    application.add_handler(buttons(button(browse.on_screen), *browse.SCREENS))
    application.add_handler(buttons(button(browse.on_close), Op.CLOSE))  # card below results
    application.add_handler(buttons(button(share_link.on_share), Op.SHARE))  # link + QR code
    application.add_handler(buttons(button(tips_and_reports.on_action), Op.USER))  # tip, report
    application.add_handler(buttons(button(moderators.on_action), Op.MOD))  # moderators only
    application.add_handler(buttons(button(alerts.on_button), Op.ALERT))  # ⚠️ Safety alerts
    application.add_handler(buttons(button(checkin.on_button), Op.CHECKIN))  # 🤝 Check-in
    application.add_handler(CallbackQueryHandler(button(browse.on_stale)))  # anything else
    application.add_handler(InlineQueryHandler(inline.on_inline_query))

    application.add_error_handler(errors.on_error)


def build_application(
    config: Config,
    services: Services,
    *,
    request: BaseRequest | None = None,
    rate_limiter: BaseRateLimiter[Any] | Literal["telegram"] | None = "telegram",
    use_store: bool = True,
) -> Application:
    """The bot, talking to the Bot API at config.api_url, with no persistence at all.

    `request` replaces the HTTP layer (tests use it to answer calls without a network).
    `rate_limiter` is how calls are paced: "telegram" (the default) keeps to Telegram's
    limits with LanternRateLimiter, except over a stubbed HTTP layer, which has none;
    tests that are not about limits pass None to run at full speed.
    """
    if rate_limiter == "telegram":
        rate_limiter = LanternRateLimiter() if request is None else None
    bot = PrivateBot(
        outgoing=services.outgoing,
        token=config.token.reveal(),
        base_url=config.base_url,
        base_file_url=f"{config.api_url}/file/bot",
        request=request
        or LanternRequest(connection_pool_size=16, on_message=services.outgoing.answered),
        get_updates_request=request or LanternRequest(),
        rate_limiter=rate_limiter,
        defaults=Defaults(
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
    )
    # Library log records can quote updates (PTB logs raw answers at DEBUG and a whole
    # unreadable batch at CRITICAL): stripped as they are made, whoever configured logging.
    logs.withhold_library_details()
    processor = PerChatUpdateProcessor()
    application = (
        ApplicationBuilder()
        .application_class(PrivateApplication)
        .bot(bot)
        .concurrent_updates(processor)
        .post_init(_starting if use_store else register_commands)
        # Check-ins live in memory: a graceful stop tells everyone with one that it ended.
        .post_stop(checkin_contacts.on_stop)
        .post_shutdown(_stopping)
        .build()
    )
    application.bot_data[SERVICES_KEY] = services
    application.bot_data[CONFIG_KEY] = config
    # Before an update waits for its chat: remember its id (for /wipe), hold back floods.
    processor.gate = functools.partial(gate.admit, services, bot)
    add_handlers(application)
    return application
