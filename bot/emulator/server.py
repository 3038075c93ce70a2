"""A local Telegram Bot API over real HTTP, in memory, checking every call it receives.

The real PTB Application talks to it exactly as it would to api.telegram.org (set its
base_url to f"{emulator.api_url}/bot"); tests and the console play the users' side
through the Python API (`new_user`, `send_text`, `press`, `wait_for_bot_messages`, ...).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import logging
import re
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from aiohttp import web

from bot.emulator.faults import Fault, FaultPlan
from bot.emulator.html import Entity, HTMLError
from bot.emulator.models import APIError, EmuChat, EmuMessage, EmuUser, UploadedFile
from bot.emulator.rules import check_rules, parse_text
from bot.emulator.spec import BotAPISpec, default_spec_path, guess_decode

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456:TEST"
DEFAULT_USERNAME = "lantern_test_bot"
# Sent to every private chat unless a test asks otherwise; no update type filtering applies.
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,})?")
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"

Handler = Callable[[dict[str, Any]], Awaitable[Any]]
EventKind = Literal["message", "edit", "delete", "violation", "error"]


class EmulatorTimeout(TimeoutError):
    """A wait helper gave up; the message says what it saw."""


@dataclass(frozen=True)
class EmuEvent:
    """Something listeners hear about: a bot message sent, edited or deleted, or a problem."""

    kind: EventKind
    chat_id: int | None = None
    message: EmuMessage | None = None
    text: str = ""


class _Signal:
    """Wakes every waiter whenever the emulator's state changes."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=max(timeout, 0))


class BotAPIEmulator:
    """The Bot API for one bot, served on 127.0.0.1, with users and chats under test control.

    `calls` lists every (method, params) received, `violations` every breach of the Bot API
    contract ("method: problem"; tests assert it stays empty), `errors` every refused call,
    violations included (e.g. "message is not modified" is an error but not a violation).
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        spec_path: str | Path | None = None,
        username: str = DEFAULT_USERNAME,
        first_name: str = "Lantern",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        prefix = token.split(":", 1)[0]
        if ":" not in token or not prefix.isdigit():
            raise ValueError("a bot token looks like <digits>:<secret>")
        self._token = token
        self.bot_id = int(prefix)
        self.username = username
        self.first_name = first_name
        self._host = host
        self._port = port
        self.spec_path = Path(spec_path) if spec_path is not None else default_spec_path()
        self.spec: BotAPISpec | None = None
        self.warnings: list[str] = []
        self._load_spec()

        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.violations: list[str] = []
        self.errors: list[str] = []
        self.fault_plan: FaultPlan | None = None
        self.faults: list[tuple[str, Fault]] = []

        self.users: dict[int, EmuUser] = {}
        self.chats: dict[int, EmuChat] = {}
        self._messages: dict[int, list[EmuMessage]] = {}
        self._events: dict[int, list[EmuMessage]] = {}
        self._cursors: dict[int, int] = {}
        self._user_ids = itertools.count(100_000_001)
        self._group_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)

        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._allowed_updates: list[str] | None = None
        self.delivered: list[int] = []
        self.dropped_updates: list[int] = []

        self.webhook_url = ""
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.profile: dict[str, dict[str, str]] = {
            "name": {},
            "description": {},
            "short_description": {},
        }
        self.callback_queries: dict[str, EmuMessage | None] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.inline_queries: set[str] = set()
        self.inline_answers: dict[str, dict[str, Any]] = {}
        self.deleted: list[tuple[int, int]] = []
        self.files: dict[str, UploadedFile] = {}

        self._listeners: list[Callable[[EmuEvent], None]] = []
        self._signal = _Signal()
        self._in_flight = 0
        self._last_activity = 0.0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None
        self._handlers: dict[str, Handler] = self._handler_table()

    def __repr__(self) -> str:
        where = self.api_url if self._bound_port else "not started"
        return f"BotAPIEmulator({where}, token=<redacted>)"

    # ----- lifecycle -------------------------------------------------------------------

    def _load_spec(self) -> None:
        try:
            self.spec = BotAPISpec.load(self.spec_path)
        except (OSError, ValueError) as exc:
            message = (
                f"Bot API spec not found or unreadable at {self.spec_path} "
                f"({type(exc).__name__}); the emulator checks only Lantern's own rules "
                "and the methods it implements"
            )
            self.warnings.append(message)
            log.warning("%s", message)

    @property
    def spec_missing(self) -> bool:
        return self.spec is None

    @property
    def token(self) -> str:
        return self._token

    @property
    def api_url(self) -> str:
        """http://127.0.0.1:<port>; PTB's base_url is this plus "/bot"."""
        if self._bound_port is None:
            raise RuntimeError("the emulator is not started")
        return f"http://{self._host}:{self._bound_port}"

    @property
    def base_url(self) -> str:
        return f"{self.api_url}/bot"

    async def start(self) -> None:
        """Serve on a free port of 127.0.0.1 (or the port given)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        # No access log: request lines carry the token.
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        self._bound_port = sock.getsockname()[1]
        self._closing = False
        await web.SockSite(self._runner, sock, shutdown_timeout=1.0).start()

    async def stop(self) -> None:
        """Answer pending long polls and shut the server down."""
        self._closing = True
        self._signal.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotAPIEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def subscribe(self, listener: Callable[[EmuEvent], None]) -> Callable[[], None]:
        """Call `listener` on every bot message, edit, deletion, violation and error.

        Returns a function that unsubscribes.
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    # ----- the users' side -------------------------------------------------------------

    def new_user(
        self,
        first_name: str = "Test",
        *,
        language_code: str | None = "en",
        username: str | None = None,
        last_name: str | None = None,
    ) -> EmuUser:
        """A user, with their private chat with the bot (chat id == user id)."""
        user = EmuUser(
            next(self._user_ids),
            first_name,
            username=username,
            language_code=language_code,
            last_name=last_name,
        )
        self.users[user.id] = user
        self._add_chat(
            EmuChat(user.id, "private", first_name=first_name, username=username, user=user)
        )
        return user

    def new_group(self, title: str = "Group", *, supergroup: bool = False) -> EmuChat:
        """A group chat the bot is a member of (negative id)."""
        number = next(self._group_ids)
        if supergroup:
            chat = EmuChat(-1_000_000_000_000 - number, "supergroup", title=title)
        else:
            chat = EmuChat(-4_000_000_000 - number, "group", title=title)
        return self._add_chat(chat)

    def private_chat(self, user: EmuUser) -> EmuChat:
        return self.chats[user.id]

    async def send_text(
        self, user: EmuUser, text: str, chat: EmuChat | int | None = None
    ) -> EmuMessage:
        """`user` sends `text` (a leading /command gets its bot_command entity)."""
        target = self._chat_of(chat if chat is not None else user.id)
        entities: tuple[Entity, ...] = ()
        command = _COMMAND.match(text)
        if command and (len(text) == command.end() or text[command.end()].isspace()):
            entities = (Entity("bot_command", 0, command.end()),)
        message = self._store(
            EmuMessage(
                self._next_message_id(target.id),
                target,
                "user",
                int(time.time()),
                text=text,
                html=text,
                entities=entities,
                from_user=user,
            )
        )
        self._enqueue({"message": message.to_api(self.bot_user())})
        return message

    async def press(self, user: EmuUser, message: EmuMessage | int, text_or_data: str) -> str:
        """`user` presses a callback button (by label or callback_data) on a bot message.

        Uses the message as it stands now. Returns the callback query id; raises LookupError
        when the message or button does not exist, ValueError for a button without data.
        """
        if isinstance(message, int):
            found = self._find(user.id, message)
        else:
            found = self._find(message.chat_id, message.message_id)
        if found is None or found.deleted or found.sender != "bot":
            raise LookupError("no such bot message to press a button on")
        button = found.find_button(text_or_data)
        if button is None:
            labels = [label for row in found.buttons for label, _ in row]
            raise LookupError(f"no button {text_or_data!r}; buttons are {labels}")
        if "callback_data" not in button:
            raise ValueError(f"button {button.get('text')!r} sends no callback data")
        query_id = f"cq{next(self._query_ids)}"
        self.callback_queries[query_id] = found
        self._enqueue(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user.to_api(),
                    "message": found.to_api(self.bot_user()),
                    "chat_instance": f"ci{found.chat_id}",
                    "data": button["callback_data"],
                }
            }
        )
        return query_id

    async def send_inline_query(
        self, user: EmuUser, query: str, *, offset: str = "", chat_type: str = "sender"
    ) -> str:
        """`user` types "@bot query" somewhere; returns the inline query id."""
        query_id = f"iq{next(self._query_ids)}"
        self.inline_queries.add(query_id)
        self._enqueue(
            {
                "inline_query": {
                    "id": query_id,
                    "from": user.to_api(),
                    "query": query,
                    "offset": offset,
                    "chat_type": chat_type,
                }
            }
        )
        return query_id

    async def push_update(self, update: Mapping[str, Any]) -> int:
        """Enqueue any raw update; its update_id is filled in and returned."""
        return self._enqueue(dict(update))

    # ----- inspection and waiting ------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def messages(self, chat: EmuChat | EmuUser | int) -> list[EmuMessage]:
        """Every message of the chat, the users' too, deleted ones flagged."""
        return list(self._messages.get(self._chat_id(chat), []))

    def bot_messages(self, chat: EmuChat | EmuUser | int) -> list[EmuMessage]:
        """The bot's messages in the chat that are not deleted, as they stand."""
        return [m for m in self.messages(chat) if m.sender == "bot" and not m.deleted]

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    def cursor(self, chat: EmuChat | EmuUser | int) -> int:
        """A position in the chat's stream of bot messages and edits, for `since=`."""
        return len(self._events.get(self._chat_id(chat), []))

    async def wait_for_bot_messages(
        self,
        chat: EmuChat | EmuUser | int,
        n: int = 1,
        timeout: float = 5.0,
        *,
        since: int | None = None,
    ) -> list[EmuMessage]:
        """The next `n` bot messages or edits in the chat, as snapshots.

        Counts from the end of the previous wait on this chat, or from `since` (a
        `cursor()`); extra arrivals are left for the next wait.
        """
        chat_id = self._chat_id(chat)
        start = self._cursors.get(chat_id, 0) if since is None else since
        events = self._events.setdefault(chat_id, [])
        if not await self._wait_until(lambda: len(events) >= start + n, timeout):
            got = len(events) - start
            raise EmulatorTimeout(
                f"waited {timeout}s for {n} bot message(s) or edit(s) in chat {chat_id}, "
                f"got {got}; errors so far: {self.errors[-3:]}"
            )
        self._cursors[chat_id] = start + n
        return events[start : start + n]

    async def wait_for_call(
        self, method: str | None = None, *, since: int = 0, timeout: float = 5.0
    ) -> tuple[str, dict[str, Any]]:
        """The first call at index >= `since` (a len(calls)) to `method`.

        With no method, the first call that is not getUpdates.
        """

        def matches(name: str) -> bool:
            return name == method if method else name != "getUpdates"

        def found() -> bool:
            return any(matches(name) for name, _ in self.calls[since:])

        if not await self._wait_until(found, timeout):
            raise EmulatorTimeout(f"waited {timeout}s for a call to {method or 'any method'}")
        return next(call for call in self.calls[since:] if matches(call[0]))

    async def idle(self, timeout: float = 5.0, settle: float = 0.05) -> None:
        """Wait until the bot has taken every update and nothing has moved for `settle` s.

        "Taken" means fetched and confirmed by the next getUpdates; with PTB's default
        sequential processing, `settle` covers the time a handler needs before its first
        call. To prove a handler sent nothing, follow with an update whose answer you await.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            now = loop.time()
            busy = bool(self._updates) or self._in_flight > 0
            quiet_for = now - self._last_activity
            if not busy and quiet_for >= settle:
                return
            if now >= deadline:
                raise EmulatorTimeout(
                    f"not idle after {timeout}s: {len(self._updates)} update(s) not taken, "
                    f"{self._in_flight} call(s) in flight"
                )
            wait = deadline - now if busy else min(settle - quiet_for, deadline - now)
            await self._signal.wait(wait)

    async def _wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            await self._signal.wait(remaining)
        return True

    # ----- HTTP ------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self._token:
            self._record_error("?", "Unauthorized (wrong bot token)")
            return _answer_error(401, "Unauthorized")
        requested = request.match_info["method"]
        method = self._method_name(requested)
        polling = method == "getUpdates"
        self._activity(+1 if not polling else 0)
        try:
            return await self._serve(request, requested, method)
        finally:
            self._activity(-1 if not polling else 0)

    async def _serve(
        self, request: web.Request, requested: str, method: str | None
    ) -> web.StreamResponse:
        try:
            params = await self._read_params(request, method or requested)
        except ValueError as exc:
            self.calls.append((method or requested, {}))
            return self._refuse(method or requested, f"can't parse request: {exc}")
        self.calls.append((method or requested, params))
        params, _attachments, attachment_problems = _split_attachments(params)
        self._signal.notify()
        if method is None:
            self._violation(requested, "unknown method")
            return _answer_error(404, "Not Found: method not found")

        fault = self.fault_plan(method, params) if self.fault_plan else None
        if fault is not None:
            self.faults.append((method, fault))
            early = await self._fault_before(fault)
            if early is not None:
                return early

        problems = self._check(method, params) + attachment_problems
        if problems:
            for problem in problems:
                self._violation(method, problem)
            return _answer_error(400, f"Bad Request: {problems[0]}")
        try:
            result = await self._handlers.get(method, self._generic)(params)
        except APIError as exc:
            self._record_error(method, exc.description)
            response = _answer_error(exc.code, exc.description)
        else:
            response = web.json_response(
                {"ok": True, "result": result}, dumps=partial(json.dumps, ensure_ascii=False)
            )
        if fault is not None and fault.kind == "drop":
            if request.transport is not None:
                request.transport.close()
            self._signal.notify()
        return response

    async def _fault_before(self, fault: Fault) -> web.Response | None:
        if fault.kind == "retry_after":
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {fault.retry_after}",
                    "parameters": {"retry_after": fault.retry_after},
                },
                status=429,
            )
        if fault.kind == "server_error":
            return _answer_error(fault.status, "Internal Server Error")
        if fault.kind == "slow":
            await asyncio.sleep(fault.delay)
        return None

    def _refuse(self, method: str, problem: str) -> web.Response:
        self._violation(method, problem)
        return _answer_error(400, f"Bad Request: {problem}")

    async def _read_params(self, request: web.Request, method: str) -> dict[str, Any]:
        raw: dict[str, Any] = dict(request.query)
        form = True
        if request.content_type == "application/json":
            form = False
            if request.can_read_body:
                try:
                    body = json.loads(await request.text() or "{}")
                except ValueError as exc:
                    raise ValueError("body is not valid JSON") from exc
                if not isinstance(body, dict):
                    raise ValueError("JSON body must be an object")
                raw.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            posted = await request.post()
            for key, value in posted.items():
                if isinstance(value, web.FileField):
                    raw[key] = UploadedFile(
                        value.filename or key, value.file.read(), value.content_type
                    )
                else:
                    raw[key] = value
        decoded = {}
        for key, value in raw.items():
            if self.spec is not None:
                decoded[key] = self.spec.decode(method, key, value, form=form)
            elif isinstance(value, str) and form:
                decoded[key] = guess_decode(key, value)
            else:
                decoded[key] = value
        return decoded

    def _method_name(self, requested: str) -> str | None:
        if self.spec is not None:
            return self.spec.method_name(requested)
        lowered = requested.lower()
        return next((name for name in self._handlers if name.lower() == lowered), None)

    def _check(self, method: str, params: dict[str, Any]) -> list[str]:
        problems = self.spec.check_call(method, params) if self.spec is not None else []
        return problems + check_rules(method, params)

    async def _download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self._token:
            return _answer_error(401, "Unauthorized")
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        uploaded = self.files.get(file_id)
        if uploaded is None:
            return _answer_error(404, "Not Found")
        return web.Response(body=uploaded.data, content_type=uploaded.content_type)

    # ----- bookkeeping -----------------------------------------------------------------

    def _activity(self, delta: int) -> None:
        self._in_flight += delta
        self._last_activity = asyncio.get_running_loop().time()
        self._signal.notify()

    def _emit(self, event: EmuEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    def _violation(self, method: str, problem: str) -> None:
        line = f"{method}: {problem}"
        self.violations.append(line)
        self.errors.append(line)
        self._emit(EmuEvent("violation", text=line))

    def _record_error(self, method: str, description: str) -> None:
        line = f"{method}: {description}"
        self.errors.append(line)
        self._emit(EmuEvent("error", text=line))

    def _add_chat(self, chat: EmuChat) -> EmuChat:
        self.chats[chat.id] = chat
        self._messages[chat.id] = []
        self._events[chat.id] = []
        return chat

    def _chat_id(self, chat: EmuChat | EmuUser | int) -> int:
        return chat if isinstance(chat, int) else chat.id

    def _chat_of(self, chat: EmuChat | int) -> EmuChat:
        found = self.chats.get(self._chat_id(chat))
        if found is None:
            raise LookupError("no such chat in the emulator")
        return found

    def _next_message_id(self, chat_id: int) -> int:
        return len(self._messages[chat_id]) + 1

    def _store(self, message: EmuMessage) -> EmuMessage:
        self._messages[message.chat_id].append(message)
        return message

    def _find(self, chat_id: int, message_id: int) -> EmuMessage | None:
        for message in self._messages.get(chat_id, []):
            if message.message_id == message_id:
                return message
        return None

    def _bot_event(self, kind: EventKind, message: EmuMessage) -> None:
        snapshot = message.snapshot()
        if kind in ("message", "edit"):
            self._events[message.chat_id].append(snapshot)
        self._emit(EmuEvent(kind, message.chat_id, snapshot))
        self._signal.notify()

    def _enqueue(self, update: dict[str, Any]) -> int:
        update = copy.deepcopy(update)
        update["update_id"] = self._next_update_id
        self._next_update_id += 1
        self._updates.append(update)
        self._signal.notify()
        return update["update_id"]

    # ----- methods ---------------------------------------------------------------------

    def _handler_table(self) -> dict[str, Handler]:
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "logOut": self._generic,
            "close": self._generic,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyName": partial(self._set_profile, "name"),
            "getMyName": partial(self._get_profile, "name"),
            "setMyDescription": partial(self._set_profile, "description"),
            "getMyDescription": partial(self._get_profile, "description"),
            "setMyShortDescription": partial(self._set_profile, "short_description"),
            "getMyShortDescription": partial(self._get_profile, "short_description"),
            "sendMessage": self._send_message,
            "sendPhoto": partial(self._send_media, "photo"),
            "sendDocument": partial(self._send_media, "document"),
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "getFile": self._get_file,
            "sendChatAction": self._send_chat_action,
        }

    async def _generic(self, params: dict[str, Any]) -> Any:
        return True

    async def _get_me(self, params: dict[str, Any]) -> Any:
        return {
            **self.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: dict[str, Any]) -> Any:
        if self.webhook_url:
            raise APIError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        if isinstance(offset, int) and offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif isinstance(offset, int) and offset < 0:
            self._updates = self._updates[offset:]
        limit = params.get("limit", 100)
        limit = min(max(limit if isinstance(limit, int) else 100, 1), 100)
        if "allowed_updates" in params and isinstance(params["allowed_updates"], list):
            self._allowed_updates = params["allowed_updates"]
        timeout = params.get("timeout", 0)
        timeout = timeout if isinstance(timeout, int | float) else 0
        self._signal.notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self._deliverable(limit)
            if batch or self._closing or loop.time() >= deadline:
                break
            await self._signal.wait(deadline - loop.time())
        self.delivered.extend(u["update_id"] for u in batch)
        return batch

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        allowed = self._allowed_updates
        kept: list[dict[str, Any]] = []
        for update in self._updates:
            kind = next((k for k in update if k != "update_id"), "")
            wanted = kind in allowed if allowed else kind not in DEFAULT_EXCLUDED_UPDATES
            if wanted:
                kept.append(update)
            else:
                self.dropped_updates.append(update["update_id"])
        self._updates = kept
        return copy.deepcopy(kept[:limit])

    async def _set_webhook(self, params: dict[str, Any]) -> Any:
        self.webhook_url = str(params.get("url", ""))
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _delete_webhook(self, params: dict[str, Any]) -> Any:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._signal.notify()
        return True

    async def _get_webhook_info(self, params: dict[str, Any]) -> Any:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    @staticmethod
    def _scope_key(params: Mapping[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def _set_my_commands(self, params: dict[str, Any]) -> Any:
        self.commands[self._scope_key(params)] = list(params.get("commands", []))
        return True

    async def _get_my_commands(self, params: dict[str, Any]) -> Any:
        return self.commands.get(self._scope_key(params), [])

    async def _delete_my_commands(self, params: dict[str, Any]) -> Any:
        self.commands.pop(self._scope_key(params), None)
        return True

    def commands_for(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """The commands stored by setMyCommands for a scope and language."""
        return self.commands.get(
            self._scope_key({"scope": scope, "language_code": language_code}), []
        )

    async def _set_profile(self, key: str, params: dict[str, Any]) -> Any:
        lang = str(params.get("language_code") or "")
        value = params.get(key) or ""
        if value:
            self.profile[key][lang] = str(value)
        else:
            self.profile[key].pop(lang, None)
        return True

    async def _get_profile(self, key: str, params: dict[str, Any]) -> Any:
        lang = str(params.get("language_code") or "")
        return {key: self.profile[key].get(lang, self.profile[key].get("", ""))}

    def _target_chat(self, params: Mapping[str, Any]) -> EmuChat:
        chat_id = params.get("chat_id")
        chat: EmuChat | None = None
        if isinstance(chat_id, int):
            chat = self.chats.get(chat_id)
        elif isinstance(chat_id, str) and chat_id.startswith("@"):
            chat = next((c for c in self.chats.values() if c.username == chat_id[1:]), None)
        elif isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            chat = self.chats.get(int(chat_id))
        if chat is None:
            raise APIError(400, "Bad Request: chat not found")
        if chat.user is not None and chat.user.blocked_bot:
            raise APIError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _check_reply(self, chat: EmuChat, params: Mapping[str, Any]) -> None:
        reply = params.get("reply_parameters")
        if not isinstance(reply, dict) or reply.get("allow_sending_without_reply"):
            return
        target = self._find(chat.id, reply.get("message_id", 0))
        if target is None or target.deleted:
            raise APIError(400, "Bad Request: message to be replied not found")

    @staticmethod
    def _parse(text: str, params: Mapping[str, Any], entities_key: str) -> Any:
        try:
            return parse_text(text, params.get("parse_mode"), params.get(entities_key))
        except HTMLError as exc:  # only reachable when the checks let it through
            raise APIError(400, f"Bad Request: {exc}") from exc

    async def _send_message(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        self._check_reply(chat, params)
        text = str(params["text"])
        parsed = self._parse(text, params, "entities")
        message = self._store(
            EmuMessage(
                self._next_message_id(chat.id),
                chat,
                "bot",
                int(time.time()),
                text=parsed.text,
                html=text,
                parse_mode=params.get("parse_mode"),
                entities=parsed.entities,
                reply_markup=params.get("reply_markup"),
            )
        )
        self._bot_event("message", message)
        return message.to_api(self.bot_user())

    async def _send_media(self, kind: Literal["photo", "document"], params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        self._check_reply(chat, params)
        source = params.get(kind)
        file_id = self._file_id_for(source)
        caption = str(params.get("caption") or "")
        parsed = self._parse(caption, params, "caption_entities")
        uploaded = self.files.get(file_id)
        size = len(uploaded.data) if uploaded else 0
        if kind == "photo":
            extra: dict[str, Any] = {
                "photo": [
                    {
                        "file_id": file_id,
                        "file_unique_id": f"u{file_id}",
                        "width": 800,
                        "height": 600,
                        "file_size": size,
                    }
                ]
            }
        else:
            extra = {
                "document": {
                    "file_id": file_id,
                    "file_unique_id": f"u{file_id}",
                    "file_name": uploaded.filename if uploaded else "file",
                    "mime_type": uploaded.content_type if uploaded else "application/octet-stream",
                    "file_size": size,
                }
            }
        message = self._store(
            EmuMessage(
                self._next_message_id(chat.id),
                chat,
                "bot",
                int(time.time()),
                text=parsed.text,
                html=caption,
                parse_mode=params.get("parse_mode"),
                entities=parsed.entities,
                reply_markup=params.get("reply_markup"),
                kind=kind,
                file=source,
                file_id=file_id,
                extra=extra,
            )
        )
        self._bot_event("message", message)
        return message.to_api(self.bot_user())

    def _file_id_for(self, source: Any) -> str:
        if isinstance(source, UploadedFile):
            file_id = f"file{next(self._file_ids)}"
            self.files[file_id] = source
            return file_id
        if isinstance(source, str) and source.startswith("attach://"):
            raise APIError(400, "Bad Request: attach:// is only for media groups")
        return str(source)

    def _editable(self, params: Mapping[str, Any]) -> EmuMessage | None:
        """The bot message an edit targets, or None for inline messages (not tracked)."""
        if "inline_message_id" in params:
            return None
        chat = self._target_chat(params)
        message = self._find(chat.id, params.get("message_id", 0))
        if message is None or message.deleted:
            raise APIError(400, "Bad Request: message to edit not found")
        if message.sender != "bot":
            raise APIError(400, "Bad Request: message can't be edited")
        return message

    def _apply_edit(
        self,
        message: EmuMessage,
        *,
        text: str,
        html: str,
        parse_mode: Any,
        entities: tuple[Entity, ...],
        reply_markup: Any,
    ) -> Any:
        if (text, entities, reply_markup) == (
            message.text,
            message.entities,
            message.reply_markup,
        ):
            raise APIError(400, _NOT_MODIFIED)
        message.text, message.html, message.entities = text, html, entities
        message.parse_mode = parse_mode
        message.reply_markup = reply_markup
        message.edited = True
        message.edit_date = int(time.time())
        self._bot_event("edit", message)
        return message.to_api(self.bot_user())

    async def _edit_message_text(self, params: dict[str, Any]) -> Any:
        message = self._editable(params)
        text = str(params["text"])
        parsed = self._parse(text, params, "entities")
        if message is None:
            return True
        if message.kind != "text":
            raise APIError(400, "Bad Request: there is no text in the message to edit")
        return self._apply_edit(
            message,
            text=parsed.text,
            html=text,
            parse_mode=params.get("parse_mode"),
            entities=parsed.entities,
            reply_markup=params.get("reply_markup"),
        )

    async def _edit_message_caption(self, params: dict[str, Any]) -> Any:
        message = self._editable(params)
        caption = str(params.get("caption") or "")
        parsed = self._parse(caption, params, "caption_entities")
        if message is None:
            return True
        if message.kind == "text":
            raise APIError(400, "Bad Request: there is no caption in the message to edit")
        return self._apply_edit(
            message,
            text=parsed.text,
            html=caption,
            parse_mode=params.get("parse_mode"),
            entities=parsed.entities,
            reply_markup=params.get("reply_markup"),
        )

    async def _edit_message_reply_markup(self, params: dict[str, Any]) -> Any:
        message = self._editable(params)
        if message is None:
            return True
        return self._apply_edit(
            message,
            text=message.text,
            html=message.html,
            parse_mode=message.parse_mode,
            entities=message.entities,
            reply_markup=params.get("reply_markup"),
        )

    def _delete(self, message: EmuMessage) -> None:
        message.deleted = True
        self.deleted.append((message.chat_id, message.message_id))
        self._bot_event("delete", message)

    async def _delete_message(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        message = self._find(chat.id, params.get("message_id", 0))
        if message is None or message.deleted:
            raise APIError(400, "Bad Request: message to delete not found")
        self._delete(message)
        return True

    async def _delete_messages(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        for message_id in params.get("message_ids", []):
            message = self._find(chat.id, message_id)
            # Telegram skips ids it cannot find in this chat, silently.
            if message is not None and not message.deleted:
                self._delete(message)
        return True

    async def _answer_callback_query(self, params: dict[str, Any]) -> Any:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self.callback_queries or query_id in self.callback_answers:
            raise APIError(400, _QUERY_INVALID)
        self.callback_answers[query_id] = params
        self._signal.notify()
        return True

    async def _answer_inline_query(self, params: dict[str, Any]) -> Any:
        query_id = str(params.get("inline_query_id"))
        if query_id not in self.inline_queries or query_id in self.inline_answers:
            raise APIError(400, _QUERY_INVALID)
        self.inline_answers[query_id] = params
        self._signal.notify()
        return True

    async def _get_file(self, params: dict[str, Any]) -> Any:
        file_id = str(params.get("file_id"))
        uploaded = self.files.get(file_id)
        if uploaded is None:
            raise APIError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(uploaded.data),
            "file_path": f"files/{file_id}",
        }

    async def _send_chat_action(self, params: dict[str, Any]) -> Any:
        self._target_chat(params)
        return True


def _answer_error(code: int, description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": code, "description": description}, status=code
    )


def _split_attachments(
    params: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, UploadedFile], list[str]]:
    """Separate files sent as attach://<name> from the parameters proper."""
    referenced = set(_attach_names(params))
    attachments = {
        name: value
        for name, value in params.items()
        if name in referenced and isinstance(value, UploadedFile)
    }
    rest = {name: value for name, value in params.items() if name not in attachments}
    problems = [
        f"attach://{name} refers to no uploaded file"
        for name in sorted(referenced)
        if name not in attachments
    ]
    return rest, attachments, problems


def _attach_names(value: Any) -> list[str]:
    if isinstance(value, str) and value.startswith("attach://"):
        return [value.removeprefix("attach://")]
    if isinstance(value, Mapping):
        return [n for item in value.values() for n in _attach_names(item)]
    if isinstance(value, list):
        return [n for item in value for n in _attach_names(item)]
    return []
