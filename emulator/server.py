"""A local Telegram Bot API over real HTTP, in memory, checking every call it receives.

The real PTB Application talks to it exactly as it would to api.telegram.org (set its
base_url to f"{emulator.api_url}/bot"); tests and the console play the users' side
through the Python API (`new_user`, `send_text`, `press`, `wait_for_bot_messages`, ...).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
import struct
import time
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web

from emulator.faults import Fault, FaultPlan
from emulator.html import Entity
from emulator.methods import REQUIRED_WITHOUT_SPEC, BotMethods, Handler
from emulator.models import APIError, EmuChat, EmuMessage, EmuUser, UploadedFile
from emulator.rules import check_rules
from emulator.spec import BotAPISpec, default_spec_path, guess_decode
from emulator.state import EmuEvent, MalformedKind

log = logging.getLogger("lantern.emulator")

DEFAULT_TOKEN = "123456:TEST"
DEFAULT_USERNAME = "lantern_test_bot"
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,})?")
# What telegram-test-api answers (HTTP 500) for a method it lacks: no "ok", no "description".
_UNSUPPORTED = (
    "API method '{method}' is not supported. Are you sure you're using Telegram Bot API "
    "correctly? Check out the list of methods supported by `telegram-test-api` package or "
    "look at official documentation: https://core.telegram.org/bots/api#available-methods"
)


ChatRef = EmuChat | EmuUser | int  # a chat, or the user whose private chat it is, or an id


class EmulatorTimeout(TimeoutError):
    """A wait helper gave up; the message says what it saw."""


class BotAPIEmulator(BotMethods):
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
        super().__init__(int(prefix), username, first_name)
        self._token = token
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

        self._cursors: dict[int, int] = {}
        self._in_flight = 0
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
        # handler_cancellation: a long poll whose client went away stops waiting at once.
        self._runner = web.AppRunner(
            app,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=1.0,
            handler_cancellation=True,
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        self._bound_port = sock.getsockname()[1]
        self._closing = False
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        """Answer pending long polls and shut the server down."""
        self._closing = True
        self.signal.notify()
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

    def new_channel(self, title: str = "Channel", *, bot_can_post: bool = True) -> EmuChat:
        """A channel with the bot as an admin that may post (or not: sends get 403)."""
        number = next(self._group_ids)
        chat = EmuChat(-1_002_000_000_000 - number, "channel", title=title)
        chat.bot_can_post = bot_can_post
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
        self._user_update(user, {"message": message.to_api(self.bot_user())})
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
        self._user_update(
            user,
            {
                "callback_query": {
                    "id": query_id,
                    "from": user.to_api(),
                    "message": found.to_api(self.bot_user()),
                    "chat_instance": f"ci{found.chat_id}",
                    "data": button["callback_data"],
                }
            },
        )
        return query_id

    async def send_inline_query(
        self, user: EmuUser, query: str, *, offset: str = "", chat_type: str = "sender"
    ) -> str:
        """`user` types "@bot query" somewhere; returns the inline query id."""
        query_id = f"iq{next(self._query_ids)}"
        self.inline_queries.add(query_id)
        self._user_update(
            user,
            {
                "inline_query": {
                    "id": query_id,
                    "from": user.to_api(),
                    "query": query,
                    "offset": offset,
                    "chat_type": chat_type,
                }
            },
        )
        return query_id

    async def push_update(self, update: Mapping[str, Any]) -> int:
        """Enqueue any raw update; its update_id is filled in and returned."""
        return self._enqueue(dict(update))

    async def push_malformed(
        self, user: EmuUser, kind: MalformedKind = "message", text: str = "no date here"
    ) -> int:
        """Enqueue an update PTB cannot parse, from `user`; returns its update_id.

        "message": `user` sends `text` in their private chat, described without the
        required `date` (the message exists and takes a message id, as on a server that
        mis-describes it). "callback_query": a button press without the required
        `chat_instance`, carrying `text` as its data. Enqueue good updates around it to
        make a batch with one bad update among good ones.
        """
        return self._enqueue(self._malformed(user, kind, text))

    def _malformed(self, user: EmuUser, kind: MalformedKind, text: str) -> dict[str, Any]:
        if kind == "callback_query":
            query_id = f"cq{next(self._query_ids)}"
            return {"callback_query": {"id": query_id, "from": user.to_api(), "data": text}}
        chat = self._chat_of(user.id)
        message = self._store(
            EmuMessage(
                self._next_message_id(chat.id),
                chat,
                "user",
                int(time.time()),
                text=text,
                html=text,
                from_user=user,
            )
        )
        body = message.to_api(self.bot_user())
        del body["date"]
        return {"message": body}

    def _user_update(self, user: EmuUser, update: dict[str, Any]) -> int:
        """Enqueue what a user action makes, after a malformed update if `malformed_beside`."""
        if self.malformed_beside is not None:
            self._enqueue(self._malformed(user, self.malformed_beside, "no date here"))
        return self._enqueue(update)

    # ----- inspection and waiting ------------------------------------------------------

    def messages(self, chat_id: ChatRef) -> list[EmuMessage]:
        """Every message of the chat, the users' too, deleted ones flagged."""
        return list(self._messages.get(self._chat_id(chat_id), []))

    def bot_messages(self, chat_id: ChatRef) -> list[EmuMessage]:
        """The bot's messages in the chat that are not deleted, as they stand."""
        return [m for m in self.messages(chat_id) if m.sender == "bot" and not m.deleted]

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    def cursor(self, chat_id: ChatRef) -> int:
        """A position in the chat's stream of bot messages and edits, for `since=`."""
        return len(self._events.get(self._chat_id(chat_id), []))

    async def wait_for_bot_messages(
        self,
        chat_id: ChatRef,
        n: int = 1,
        timeout: float = 5.0,
        *,
        since: int | None = None,
    ) -> list[EmuMessage]:
        """The next `n` bot messages or edits in the chat, as snapshots.

        Counts from the end of the previous wait on this chat, or from `since` (a
        `cursor()`); extra arrivals are left for the next wait.
        """
        key = self._chat_id(chat_id)
        start = self._cursors.get(key, 0) if since is None else since
        events = self._events.setdefault(key, [])
        if not await self.wait_until(lambda: len(events) >= start + n, timeout):
            got = len(events) - start
            raise EmulatorTimeout(
                f"waited {timeout}s for {n} bot message(s) or edit(s) in chat {key}, "
                f"got {got}; errors so far: {self.errors[-3:]}"
            )
        self._cursors[key] = start + n
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

        if not await self.wait_until(found, timeout):
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
            await self.signal.wait(wait)

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Wait until `predicate()` holds (checked on every state change); False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            await self.signal.wait(remaining)
        return True

    # ----- HTTP ------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self._token:
            self._record_error("?", "Unauthorized (wrong bot token)")
            return _answer_error(401, "Unauthorized")
        requested = request.match_info["method"]
        method = self._method_name(requested)
        # A poll is not a call in flight (it may wait for long); getUpdates itself says
        # when the bot takes updates (see _get_updates).
        if method == "getUpdates":
            return await self._serve(request, requested, method)
        self._activity(+1)
        try:
            return await self._serve(request, requested, method)
        finally:
            self._activity(-1)

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
        self.signal.notify()
        if method is None:
            known = "in the Bot API" if self.spec is not None else "implemented (no spec loaded)"
            self._violation(requested, f"unknown method: not {known}")
            return _answer_error(404, "Not Found: method not found")

        fault = self.fault_plan(method, params) if self.fault_plan else None
        if fault is not None:
            self.faults.append((method, fault))
            self.signal.notify()
            early = await self._fault_before(request, method, fault)
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
        except Exception as exc:  # an emulator bug must fail the test, not hang it
            self._violation(method, f"emulator failed on this call: {exc!r}")
            response = _answer_error(500, "Internal Server Error")
        else:
            response = web.json_response(
                {"ok": True, "result": result}, dumps=partial(json.dumps, ensure_ascii=False)
            )
        if fault is not None and fault.kind == "drop":
            if request.transport is not None:
                request.transport.close()
            self.signal.notify()
        elif fault is not None and fault.kind == "garbled":
            response = _garble(response)
        return response

    async def _fault_before(
        self, request: web.Request, method: str, fault: Fault
    ) -> web.Response | None:
        """The answer of a fault that stops the call before it is carried out, if any."""
        if fault.kind == "drop_before":
            _reset(request)
            # aiohttp writes this into a closed transport, which is a no-op.
            return web.Response(status=500)
        if fault.kind == "ok_false":
            return web.json_response(
                {"ok": False, "error_code": fault.status, "description": fault.description}
            )
        if fault.kind == "not_found":
            return _answer_error(404, "Not Found")
        if fault.kind == "unsupported":
            return web.json_response({"message": _UNSUPPORTED.format(method=method)}, status=500)
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
        if self.spec is not None:
            problems = self.spec.check_call(method, params)
        else:
            required = REQUIRED_WITHOUT_SPEC.get(method, ())
            problems = [f"missing required parameter '{n}'" for n in required if n not in params]
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
        self._touch()

    def _violation(self, method: str, problem: str) -> None:
        line = f"{method}: {problem}"
        self.violations.append(line)
        self.errors.append(line)
        self._emit(EmuEvent("violation", text=line))
        self.signal.notify()

    def _record_error(self, method: str, description: str) -> None:
        line = f"{method}: {description}"
        self.errors.append(line)
        self._emit(EmuEvent("error", text=line))
        self.signal.notify()


def _answer_error(code: int, description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": code, "description": description}, status=code
    )


def _garble(response: web.Response) -> web.Response:
    """The same answer with its JSON cut in half: status 200, and nothing a client can parse."""
    body = response.body if isinstance(response.body, bytes) else b""
    return web.Response(
        body=body[: max(len(body) // 2, 1)], status=200, content_type="application/json"
    )


def _reset(request: web.Request) -> None:
    """Abort the connection with a TCP reset, the way a middlebox kills it mid-request."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        # Linger 0: close() sends RST at once instead of a polite FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


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
