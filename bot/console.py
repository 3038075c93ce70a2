"""`lantern console`: the real bot, in a terminal, against the local Bot API emulator.

Nothing leaves the machine: the bot's calls go to an emulator on 127.0.0.1, which plays
the Telegram users whose messages are the lines typed here. Several people can take
turns (`/as 2`), so a team can try inviting, writing, reviewing and publishing a tip;
`--demo` walks through exactly that, checking each step (`run_console(..., demo=True)`).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
import textwrap
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from bot.app import stop_application
from bot.i18n import catalogue, languages, t
from emulator import (
    BotAPIEmulator,
    EmuEvent,
    EmulatorTimeout,
    EmuMessage,
    EmuUser,
    Hostile,
    HTMLError,
    parse_html,
)

if TYPE_CHECKING:
    from telegram.ext import Application

AppFactory = Callable[[str, str], "Application"]
# Makes a one-time invite for a role ("admin" or "moderator") and returns its code.
InviteMaker = Callable[[str], Awaitable[str]]

CONSOLE_TOKEN = "1000000001:console-token-for-the-local-emulator"
WIDTH = 78
INDENT = "  "
QUIT_WORDS = frozenset({"/quit", "quit", "exit", "/exit"})
# Long enough for a slow first search, short enough not to feel stuck.
REPLY_TIMEOUT = 10.0
# How long the bot must stay quiet before the next line is taken: it may answer in parts.
SETTLE = 0.15
# Deletions closer together than this are told as one batch ("Lantern deleted 12 messages").
DELETE_SETTLE = 0.4
# A press whose answer is only its acknowledgement: how long to wait for a message or edit.
PRESS_WAIT = 3.0
_BULLET = re.compile(r"\s*(?:[•\-*]|\d+[.)])\s+")
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?")
_TME = re.compile(r"(?:https?://)?t\.me/(\w+)(?:\?start=([\w-]+))?")
_START_IN_TEXT = re.compile(r"(?<![\w/])/start (inv-[\w-]+)")

BANNER = """\
Lantern console: the bot, talking to a local Telegram emulator.
Nothing leaves this machine; no Telegram account is used.
Type words to search, a number to press a button; /console lists the console's own
commands (several people, multi-line messages, inline mode); /quit or Ctrl-D leaves.
"""

COMMANDS = """\
Console commands (any other line is sent to Lantern as a message):
  N                 press button N of the latest message that has buttons
  /press M.N        press button N of message #M (#M is shown above each one)
  /press WORDS      press the button whose label contains WORDS
  'TEXT, /say TEXT  send TEXT as it is: '988 searches 988, pressing no button
  a line ending \\   the message goes on in the next line
  /multi ... /end   send the lines in between as one message
  /as N [LANG]      be person N (made on first use), Telegram language LANG
  /as NAME [LANG]   the same, by name (/as Sam es); /as alone lists everyone
  /inline WORDS     inline mode: what typing "@bot WORDS" in any chat shows
                    (@{bot} WORDS here too); /pick N sends result N
  /open [LINK]      open a t.me link to Lantern, such as an invite (by default
                    the last one shown)
  /admin [moderator]  make the current person an admin (or moderator) of this
                    console's team: what `lantern admin add` does on a server
  /console          this list; /help shows Lantern's help, then this list
  /quit             leave (also Ctrl-D)
"""


@dataclass
class Person:
    """One simulated Telegram user, numbered as `/as` knows them."""

    number: int
    user: EmuUser
    name: str = ""
    inline_results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.number} {self.name}" if self.name else str(self.number)

    @property
    def prompt(self) -> str:
        return f"[{self.label} {self.user.language_code or '-'}] > "


async def run_console(
    app_factory: AppFactory,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    language_code: str = "en",
    token: str = CONSOLE_TOKEN,
    reply_timeout: float = REPLY_TIMEOUT,
    hostile: Hostile | None = None,
    notes: Sequence[str] = (),
    make_invite: InviteMaker | None = None,
    demo: bool | Sequence[DemoStep] = False,
) -> int:
    """Run the bot from `app_factory(api_url, token)` against an emulator, driven by stdin.

    Sends /start as person 1, then prints each bot message (numbered) with its numbered
    buttons; a number presses a button of the latest message that has buttons, console
    commands (COMMANDS) act, other text is sent as a message. Ends on /quit, quit, exit
    or end of input. `notes` are printed under the banner (where the data lives);
    `make_invite` lets `/admin` make the current person a moderator. With `hostile`, the
    emulator misbehaves that way from the first call on (see emulator/hostile.py). With
    `demo`, runs the scripted tour (demo_steps(), or the steps given) instead of reading
    stdin.

    Returns the exit status: 0, or 1 when a demo step did not show what it should.
    """
    out = stdout or sys.stdout
    emulator = BotAPIEmulator(token)
    if hostile is not None:
        hostile.apply(emulator)
    await emulator.start()
    status = 0
    try:
        _write(out, BANNER)
        for note in notes:
            _write(out, note + "\n")  # unwrapped: a path stays whole, to copy
        _write(out, "\n")
        for warning in emulator.warnings:
            _write(out, _wrap(f"[spec] {warning}", "") + "\n")
        for line in hostile.describe() if hostile is not None else []:
            _write(out, _wrap(f"[hostile] {line}", "") + "\n")
        console = Console(emulator, out, reply_timeout, language_code, make_invite)
        unsubscribe = emulator.subscribe(console.on_event)
        application = app_factory(emulator.api_url, token)
        try:
            await _start(application)
            if demo:
                status = await run_demo(console, None if demo is True else demo)
            else:
                await console.converse(stdin or sys.stdin)
        finally:
            await stop_application(application)
            console.flush_deletions()
            unsubscribe()
    finally:
        await emulator.stop()
    _write(out, "Bye.\n")
    return status


class Console:
    """What one console session knows: its people, who is speaking, what was shown."""

    def __init__(
        self,
        emulator: BotAPIEmulator,
        out: TextIO,
        reply_timeout: float = REPLY_TIMEOUT,
        language_code: str = "en",
        make_invite: InviteMaker | None = None,
    ) -> None:
        self.emulator = emulator
        self.out = out
        self.reply_timeout = reply_timeout
        self.language_code = language_code
        self.make_invite = make_invite
        self.people: dict[int, Person] = {}
        self.current = self._new_person(1, "", language_code)
        # Every bot message and edit shown, as (chat id, its text and button labels).
        self.shown: list[tuple[int, str]] = []
        self.last_link: str | None = None
        self.interactive = False
        self._at_prompt = False
        self._deleted: dict[int, int] = {}
        self._delete_timer: asyncio.TimerHandle | None = None

    # ----- people -----------------------------------------------------------------------

    def _new_person(self, number: int, name: str, language_code: str) -> Person:
        user = self.emulator.new_user(name or f"Person {number}", language_code=language_code)
        person = Person(number, user, name)
        self.people[number] = person
        return person

    def person_of_chat(self, chat_id: int | None) -> Person | None:
        for person in self.people.values():
            if person.user.id == chat_id:
                return person
        return None

    @property
    def bot_username(self) -> str:
        return self.emulator.username

    # ----- what the bot does ------------------------------------------------------------

    def on_event(self, event: EmuEvent) -> None:
        if event.kind in ("violation", "error"):
            self.flush_deletions()
            tag = "[spec]" if event.kind == "violation" else "[api]"
            self._print_async(_wrap(f"{tag} {event.text}", "") + "\n")
            return
        person = self.person_of_chat(event.chat_id)
        if person is None or event.message is None or event.chat_id is None:
            return
        if event.kind == "delete":
            self._deleted[event.chat_id] = self._deleted.get(event.chat_id, 0) + 1
            if self._delete_timer is not None:
                self._delete_timer.cancel()
            with contextlib.suppress(RuntimeError):  # no running loop: flushed at the end
                loop = asyncio.get_running_loop()
                self._delete_timer = loop.call_later(DELETE_SETTLE, self.flush_deletions)
            return
        self.flush_deletions()
        message = event.message
        self.shown.append((event.chat_id, _searchable(message)))
        self._remember_link(message)
        to = "" if person is self.current else f"to person {person.label}"
        self._print_async(render_message(message, edited=event.kind == "edit", to=to))

    def flush_deletions(self) -> None:
        """One line per batch of deletions, per chat."""
        if self._delete_timer is not None:
            self._delete_timer.cancel()
            self._delete_timer = None
        deleted, self._deleted = self._deleted, {}
        for chat_id, count in deleted.items():
            person = self.person_of_chat(chat_id)
            where = (
                ""
                if person is None or person is self.current
                else f" in person {person.label}'s chat"
            )
            noun = "message" if count == 1 else "messages"
            self._print_async(f"(Lantern deleted {count} {noun}{where})\n")

    def _print_async(self, text: str) -> None:
        """Print, keeping the prompt visible when this arrives while the console waits."""
        if self._at_prompt and self.interactive:
            _write(self.out, "\n" + text + self.current.prompt)
        else:
            _write(self.out, text)

    def _remember_link(self, message: EmuMessage) -> None:
        for button in [b for row in message.keyboard() for b in row]:
            if self._deep_link(str(button.get("url", ""))) is not None:
                self.last_link = str(button["url"])
        for match in _TME.finditer(message.text):
            if match.group(1).lower() == self.bot_username.lower() and match.group(2):
                self.last_link = match.group(0)
        for match in _START_IN_TEXT.finditer(message.text):
            self.last_link = match.group(0)

    def _deep_link(self, link: str) -> str | None:
        """The /start command a link to this bot opens with, or None for other links."""
        link = link.strip()
        if link.startswith("/start"):
            return link
        match = _TME.fullmatch(link)
        if match is None or match.group(1).lower() != self.bot_username.lower():
            return None
        return f"/start {match.group(2)}" if match.group(2) else "/start"

    # ----- reading lines ----------------------------------------------------------------

    async def converse(self, stdin: TextIO) -> None:
        self.interactive = _is_tty(stdin)
        lines = _LineReader(stdin)
        await self.handle("/start", echo=True)
        while True:
            message = await self._read_message(lines)
            if message is None:
                if self.interactive:
                    _write(self.out, "\n")
                return
            text, several_lines = message
            if several_lines:
                await self.send(text)  # as typed: never a command or a button number
            elif not await self.handle(text):
                return

    async def _read_message(self, lines: _LineReader) -> tuple[str, bool] | None:
        """The next message, and whether it was typed as several lines (joined by a
        trailing \\ or between /multi and /end); None at end of input."""
        parts: list[str] = []
        multi = False
        while True:
            prompt = self.current.prompt if not parts and not multi else "... "
            if self.interactive:
                _write(self.out, prompt)
            self._at_prompt = True
            line = await lines.readline()
            self._at_prompt = False
            if line is None:
                if multi or parts:
                    _write(self.out, "(input ended inside a message; not sent)\n")
                return None
            line = line.rstrip("\r\n")
            if not self.interactive:
                _write(self.out, f"{prompt}{line}\n")
            if multi:
                if line.strip().lower() == "/end":
                    return "\n".join(parts), True
                parts.append(line)
                continue
            if not parts and line.strip().lower() == "/multi":
                multi = True
                _write(self.out, "(several lines: type them, then /end on a line of its own)\n")
                continue
            if line.endswith("\\"):
                parts.append(line[:-1])
                continue
            parts.append(line)
            return "\n".join(parts), len(parts) > 1

    # ----- acting -----------------------------------------------------------------------

    async def handle(self, text: str, *, echo: bool = False) -> bool:
        """Do what one typed message says; False when the console should end."""
        if echo:
            _write(self.out, f"{self.current.prompt}{text}\n")
        line = text.strip()
        if not line:
            return True
        command, _, rest = line.partition(" ")
        command = command.lower()
        rest = rest.strip()
        if "\n" in line:
            await self.send(line)
        elif line.lower() in QUIT_WORDS:
            return False
        elif line.startswith("'") and len(line) > 1:
            await self.send(line[1:])
        elif command == "/say":
            await self.send(rest) if rest else self._say("(/say TEXT sends TEXT as it is)")
        elif line.isdigit():
            await self.press_latest(int(line))
        elif command == "/press":
            await self.press_command(rest)
        elif command == "/as":
            self.switch(rest)
        elif command == "/inline" or self._inline_mention(command):
            await self.inline(rest)
        elif command == "/pick":
            self.pick(rest)
        elif command == "/open":
            await self.open_link(rest)
        elif command == "/admin":
            await self.admin(rest)
        elif command == "/console":
            _write(self.out, self.commands_text())
        elif command == "/help":
            await self.send(line)
            _write(self.out, self.commands_text())
        else:
            await self.send(line)
        return True

    def commands_text(self) -> str:
        return COMMANDS.replace("{bot}", self.bot_username) + "\n"

    def _say(self, text: str) -> None:
        _write(self.out, _wrap(text, "") + "\n")

    def _inline_mention(self, command: str) -> bool:
        return command in (f"@{self.bot_username.lower()}", "@bot")

    async def send(self, text: str) -> None:
        if not text.strip():
            self._say("(nothing to send)")
            return
        await self.act(self.emulator.send_text(self.current.user, text))

    async def act(self, action: Awaitable[object], *, wait: float | None = None) -> object:
        """Do a user action, then wait until the bot has answered and gone quiet.

        The answer is something the person sees (a message, an edit, a deletion, inline
        results): paced by the bot's rate limiter, it can come a second after the button's
        own acknowledgement. A press whose only answer is that acknowledgement waits
        `wait` seconds for more.
        """
        emulator = self.emulator
        mark = len(emulator.calls)
        try:
            result = await action
        except LookupError as exc:  # e.g. the message was deleted meanwhile
            self._say(f"({exc})")
            return None

        def visible() -> bool:
            return any(_visible(name) for name, _ in emulator.calls[mark:])

        timeout = self.reply_timeout if wait is None else wait
        try:
            if not await emulator.wait_until(visible, timeout=timeout):
                await emulator.wait_for_call(since=mark, timeout=self.reply_timeout - timeout)
            await emulator.idle(timeout=self.reply_timeout, settle=SETTLE)
        except EmulatorTimeout:
            self._say("(no answer from the bot)")
        self.flush_deletions()
        return result

    async def press_latest(self, number: int) -> None:
        with_buttons = [
            m for m in self.emulator.bot_messages(self.current.user) if m.buttons and not m.deleted
        ]
        if not with_buttons:
            self._say("(no buttons to press yet)")
            return
        message = with_buttons[-1]
        count = sum(len(row) for row in message.keyboard())
        if not 1 <= number <= count:
            self._say(
                f"(no button {number}; the last message has 1 to {count}; "
                f"'{number} sends it as text)"
            )
            return
        await self.press(message, number)

    async def press_command(self, rest: str) -> None:
        where = re.fullmatch(r"#?(\d+)\.(\d+)", rest)
        if where:
            await self.press_on(int(where.group(1)), int(where.group(2)))
        elif rest.isdigit():
            await self.press_latest(int(rest))
        elif rest:
            await self.press_label(rest)
        else:
            self._say("(/press M.N presses button N of message #M; /press WORDS by its label)")

    async def press_on(self, message_id: int, number: int) -> None:
        message = next(
            (
                m
                for m in self.emulator.bot_messages(self.current.user)
                if m.message_id == message_id
            ),
            None,
        )
        if message is None or message.deleted:
            self._say(
                f"(no message #{message_id} from Lantern in person {self.current.label}'s chat)"
            )
            return
        count = sum(len(row) for row in message.keyboard())
        if not 1 <= number <= count:
            self._say(
                f"(message #{message_id} has no button {number}"
                + (f"; its buttons are 1 to {count})" if count else ")")
            )
            return
        await self.press(message, number)

    async def press_label(self, words: str) -> None:
        wanted = " ".join(words.lower().split())
        messages = [
            m for m in self.emulator.bot_messages(self.current.user) if m.buttons and not m.deleted
        ]
        for exact in (True, False):
            for message in reversed(messages):
                flat = [b for row in message.keyboard() for b in row]
                for index, button in enumerate(flat, 1):
                    label = " ".join(str(button.get("text", "")).lower().split())
                    if label == wanted or (not exact and wanted in label):
                        await self.press(message, index)
                        return
        self._say(f"(no button says “{words}”)")

    async def press(self, message: EmuMessage, number: int) -> None:
        flat = [button for row in message.keyboard() for button in row]
        button = flat[number - 1]
        if "callback_data" in button:
            query_id = await self.act(
                self.emulator.press(self.current.user, message, button["callback_data"]),
                wait=PRESS_WAIT,
            )
            notice = self.emulator.callback_answers.get(str(query_id), {}).get("text")
            if query_id is not None and notice:
                self.shown.append((self.current.user.id, " ".join(str(notice).split())))
                self._say(f"(Lantern shows a notice: {notice})")
                _write(self.out, "\n")
        elif "url" in button:
            command = self._deep_link(str(button["url"]))
            if command is None:
                self._say(f"(this button opens {button['url']})")
            else:
                await self.open_link(str(button["url"]))
        else:
            self._say("(this kind of button does nothing in the console)")

    def switch(self, rest: str) -> None:
        words = rest.split()
        if not words:
            for person in self.people.values():
                marker = "  <- speaking" if person is self.current else ""
                self._say(
                    f"person {person.label}, Telegram language {person.user.language_code}{marker}"
                )
            return
        language = None
        if len(words) > 1 and _LANGUAGE_CODE.fullmatch(words[-1]):
            language = words.pop()
        who = " ".join(words)
        person: Person | None
        if who.isdigit():
            person = self.people.get(int(who))
            number, name = int(who), ""
        else:
            person = next((p for p in self.people.values() if p.name.lower() == who.lower()), None)
            number, name = max(self.people) + 1, who
        if number < 1:
            self._say("(people are numbered from 1)")
            return
        if person is None:
            person = self._new_person(number, name, language or self.language_code)
            self._say(
                f"(person {person.label} is new here, Telegram language "
                f"{person.user.language_code}: send /start to open Lantern, or /open a link)"
            )
        elif language and language != person.user.language_code:
            person.user.language_code = language
            self._say(f"(person {person.label}'s Telegram language is now {language})")
        if language and language.split("-")[0].split("_")[0] not in languages():
            self._say(f"(Lantern does not speak {language}; it answers in its default language)")
        self.current = person

    async def inline(self, words: str) -> None:
        """Inline mode: the results the bot offers for `@bot words`."""
        person = self.current
        emulator = self.emulator
        query_id = await self.act(emulator.send_inline_query(person.user, words))
        answer = emulator.inline_answers.get(str(query_id)) if query_id else None
        if answer is None:
            self._say("(the bot gave no inline results)")
            return
        results = [r for r in answer.get("results", []) if isinstance(r, dict)]
        person.inline_results = results
        lines = [f"Inline results for “{words}”" + (" (/pick N sends one):" if results else ":")]
        for number, result in enumerate(results, 1):
            lines.append(_wrap(f"[{number}] {result.get('title', result.get('type', ''))}", INDENT))
            if result.get("description"):
                lines.append(_wrap(str(result["description"]), INDENT * 3))
        if not results:
            lines.append(INDENT + "(none)")
        button = answer.get("button")
        if isinstance(button, dict) and button.get("text"):
            opens = button.get("start_parameter")
            suffix = f" (opens Lantern: /start {opens})" if opens else ""
            lines.append(_wrap(f"Above the results: “{button['text']}”{suffix}", INDENT))
        _write(self.out, "\n".join(lines) + "\n\n")

    def pick(self, rest: str) -> None:
        results = self.current.inline_results
        if not results:
            self._say("(no inline results to pick from: /inline WORDS first)")
            return
        if not rest.isdigit() or not 1 <= int(rest) <= len(results):
            self._say(f"(/pick 1 to {len(results)})")
            return
        result = results[int(rest) - 1]
        content = result.get("input_message_content") or {}
        source = str(content.get("message_text", ""))
        if content.get("parse_mode") == "HTML":
            try:
                parsed = parse_html(source)
                text, entities = parsed.text, tuple(parsed.entities)
            except HTMLError as exc:
                self._say(f"[spec] inline result {rest}: {exc}")
                text, entities = source, ()
        else:
            text, entities = source, ()
        chat = self.emulator.private_chat(self.current.user)
        markup = result.get("reply_markup")
        message = EmuMessage(0, chat, "user", 0, text=text, html=source, entities=entities)
        message.reply_markup = markup if isinstance(markup, dict) else None
        self._remember_link(message)
        header = (
            f"Person {self.current.label} sent, via @{self.bot_username}, "
            "in the chat where they typed it:"
        )
        rendered = render_message(message, header=header)
        _write(self.out, rendered)
        if self.last_link and any("url" in b for row in message.keyboard() for b in row):
            self._say(
                "(whoever taps its button opens Lantern: /open follows the link as the "
                "current person)"
            )
            _write(self.out, "\n")

    async def open_link(self, rest: str) -> None:
        link = rest or self.last_link
        if not link:
            self._say("(no link to Lantern shown yet: /open https://t.me/...?start=...)")
            return
        command = self._deep_link(link)
        if command is None:
            self._say(f"(that is not a link to this bot, @{self.bot_username})")
            return
        self._say(f"(person {self.current.label} opens {link}: Telegram sends {command})")
        await self.send(command)

    async def admin(self, rest: str) -> None:
        role = rest.lower() or "admin"
        if role not in ("admin", "moderator"):
            self._say("(/admin makes an admin; /admin moderator a moderator)")
            return
        if self.make_invite is None:
            self._say(
                "(/admin works on the console's scratch data only; for this data directory, "
                "run `lantern admin add` and /open the link it prints)"
            )
            return
        try:
            code = await self.make_invite(role)
        except Exception as exc:  # the store or key: say what, and go on
            self._say(f"(could not make an invite: {exc})")
            return
        self._say(
            f"(the operator's one-time {role} invite, as `lantern admin add` prints it on a "
            f"server: person {self.current.label} opens it)"
        )
        await self.send(f"/start {code}")


# ----- the demo ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoStep:
    """What the tour types, and the texts each person must have been shown meanwhile."""

    title: str
    lines: tuple[str, ...]
    # (person, text): the text, or one of several (the flows may change wording).
    expect: tuple[tuple[int, str | tuple[str, ...]], ...]
    # After the lines: answers screens as they come; returns a problem, or None.
    then: Callable[[Console], Awaitable[str | None]] | None = None


DEMO_TITLE = "Night van: free naloxone"
DEMO_BODY = (
    "The outreach van parks by the station on Friday nights, 10pm to 2am.",
    "Ask for the kit: no name, no ID, no questions.",
)


def plain(html: str) -> str:
    """A locale string as users read it (markup removed), whitespace run together."""
    try:
        text = parse_html(html).text
    except HTMLError:
        text = html
    return " ".join(text.split())


def demo_steps(lang: str = "en") -> list[DemoStep]:
    """The tour, with button labels and expected texts from the locale files."""

    def s(key: str, **values: object) -> str:
        return t(lang, key, **values)

    queue = s("mod.btn.queue", count=1)
    join = s("mod.join.ask_name")
    invite_text = plain(s("mod.invite.link", role=s("mod.role.moderator"), link=""))
    return [
        DemoStep(
            "A user, person 3, opens Lantern, taps 🆘 and searches",
            ("/as 3", "/start", f"/press {s('btn.helpnow')}", "overdose"),
            ((3, s("btn.helpnow")), (3, plain(s("helpnow.title"))), (3, "“overdose”")),
        ),
        DemoStep(
            "The operator makes person 1 an admin (`lantern admin add` on a server)",
            ("/as 1", "/admin", "Ada"),
            (
                (1, plain(join)),
                (1, plain(s("mod.join.done", role=s("mod.role.admin"), name="Ada"))),
            ),
        ),
        DemoStep(
            "Person 1 invites a moderator from the moderator menu",
            ("/mod", f"/press {s('mod.btn.team')}", f"/press {s('mod.btn.invite_mod')}"),
            ((1, invite_text),),
        ),
        DemoStep(
            "Person 2 opens the invite link and joins",
            ("/as 2", "/open", "Sam"),
            (
                (2, plain(join)),
                (2, plain(s("mod.join.done", role=s("mod.role.moderator"), name="Sam"))),
            ),
        ),
        DemoStep(
            "Person 2 writes a local tip (the region is the first one offered)",
            ("/mod", f"/press {s('mod.btn.new')}"),
            (
                (2, plain(s("mod.new.preview"))),
                (2, DEMO_BODY[1]),
                (2, plain(s("mod.new.submitted"))),
            ),
            then=lambda console: write_tip(console, lang),
        ),
        DemoStep(
            "The two-person rule: person 2 cannot approve their own tip",
            ("/mod", f"/press {queue}", f"/press {DEMO_TITLE}"),
            (
                (
                    2,
                    (
                        plain(s("mod.problem", problem=s("moderation_error.own_tip"))),
                        *_locale_start(lang, "mod.queue.waiting"),
                    ),
                ),
            ),
            # Where the author is offered Approve at all, the tour tries it.
            then=lambda console: press_if_offered(console, s("mod.btn.approve")),
        ),
        DemoStep(
            "Person 1 reviews it and approves: it is live at once",
            (
                "/as 1",
                "/mod",
                f"/press {queue}",
                f"/press {DEMO_TITLE}",
                f"/press {s('mod.btn.approve')}",
            ),
            ((1, plain(s("mod.approved"))),),
        ),
        DemoStep(
            "Person 3 finds the tip by searching",
            ("/as 3", "night van naloxone", f"/press {DEMO_TITLE}"),
            ((3, DEMO_TITLE), (3, DEMO_BODY[1])),
        ),
    ]


def _locale_start(lang: str, *keys: str) -> list[str]:
    """What each existing string starts with, up to its first placeholder, as users read it
    (to recognise a screen whatever its numbers and names)."""
    table = catalogue()
    found = []
    for key in keys:
        raw = table.get(lang, {}).get(key) or table["en"].get(key)
        if raw:
            found.append(plain(raw.split("{")[0]))
    return [start for start in found if start]


async def write_tip(console: Console, lang: str) -> str | None:
    """Answer the new-tip wizard screen by screen, the way a moderator would: first region,
    the overdose topic, a safety tip in `lang`, DEMO_TITLE and DEMO_BODY, six months, no
    search words, Submit. Screens are recognised by their locale strings, not their order."""
    from knowledge.taxonomy import TOPICS

    def labels_of(*keys: str, **values: object) -> list[str]:
        found = []
        for key in keys:
            with contextlib.suppress(KeyError):
                found.append(" ".join(t(lang, key, **values).split()))
        return found

    safety = TOPICS["safety"]
    topic = labels_of(f"topic.{'overdose' if 'overdose' in safety else safety[0]}")[0]
    language = " ".join(t(lang, "language_name").split())
    # Buttons to press wherever they show up (a chosen one is marked ✅, so not again).
    buttons = [
        labels_of("mod.new.submit"),
        labels_of("mod.new.months", months=6),
        labels_of("mod.w.kind.tip", "mod.new.kind.tip"),
        [language],
    ]
    asks = [
        (_locale_start(lang, "mod.w.ask.title", "mod.new.ask_title"), DEMO_TITLE),
        (_locale_start(lang, "mod.w.ask.body", "mod.new.ask_body"), "\\\n".join(DEMO_BODY)),
        (_locale_start(lang, "mod.w.ask.keywords"), ""),
    ]
    regions = _locale_start(lang, "mod.w.region", "mod.new.region")
    skip = labels_of("mod.w.skip")
    done = labels_of("btn.done")
    previous = ""
    for _ in range(30):
        messages = [m for m in console.emulator.bot_messages(console.current.user) if not m.deleted]
        if not messages:
            return "the tip wizard did not answer"
        message = messages[-1]
        text = " ".join(message.text.split())
        labels = [
            " ".join(str(b.get("text", "")).split()) for row in message.keyboard() for b in row
        ]
        screen = text + "|" + "|".join(labels)
        if screen == previous:
            return f"the tip wizard did not move on from “{text[:120]}”"
        previous = screen
        if any(start in text for start in _locale_start(lang, "mod.new.submitted")):
            return None
        typed: str | None = None
        for wanted in buttons:
            if any(label in labels for label in wanted):
                typed = f"/press {next(label for label in wanted if label in labels)}"
                break
        if typed is None and topic in labels and f"✅ {topic}" not in labels:
            typed = f"/press {topic}"
        elif typed is None and f"✅ {topic}" in labels and done and done[0] in labels:
            typed = f"/press {done[0]}"
        if typed is None:
            for starts, answer in asks:
                if any(start in text for start in starts):
                    typed = answer or (f"/press {skip[0]}" if skip else "naloxone, van, kit")
                    break
        if typed is None and any(start in text for start in regions):
            typed = "1"
        if typed is None:
            return f"the tip wizard showed a screen the tour does not know: “{text[:120]}”"
        await type_line(console, typed)
    return "the tip wizard took more than 30 answers"


async def press_if_offered(console: Console, label: str) -> str | None:
    """Press `label` if the speaker's latest message has it; never a problem if not."""
    messages = [m for m in console.emulator.bot_messages(console.current.user) if not m.deleted]
    wanted = " ".join(label.split())
    if messages and any(
        " ".join(str(b.get("text", "")).split()) == wanted
        for row in messages[-1].keyboard()
        for b in row
    ):
        await type_line(console, f"/press {label}")
    return None


async def type_line(console: Console, text: str) -> None:
    """Show `text` at the prompt, as typed (a \\ and newline go on the next line), and do it."""
    for index, line in enumerate(text.split("\n")):
        prompt = console.current.prompt if index == 0 else "... "
        _write(console.out, f"{prompt}{line}\n")
    await console.handle(text.replace("\\\n", "\n"))


async def run_demo(console: Console, steps: Sequence[DemoStep] | None = None) -> int:
    """Type each step's lines, then check its expected texts; 0, or 1 at the first miss."""
    steps = list(steps) if steps is not None else demo_steps()
    out = console.out
    _write(out, f"A tour in {len(steps)} steps: each types into the console as shown.\n\n")
    for number, step in enumerate(steps, 1):
        heading = f"== Step {number}/{len(steps)}: {step.title}"
        _write(out, heading + "\n\n")
        mark = len(console.shown)
        for text in step.lines:
            await type_line(console, text)
        problem = await step.then(console) if step.then is not None else None
        console.flush_deletions()
        if problem:
            _write(out, f"\nDEMO FAILED at step {number} ({step.title}): {problem}.\n")
            return 1
        seen = console.shown[mark:]
        for person, wanted in step.expect:
            chat = console.people[person].user.id if person in console.people else None
            texts = [
                " ".join(w.split()) for w in ((wanted,) if isinstance(wanted, str) else wanted)
            ]
            if not any(c == chat and w in shown for c, shown in seen for w in texts):
                either = " or ".join(f"“{w}”" for w in texts)
                _write(
                    out,
                    f"\nDEMO FAILED at step {number} ({step.title}): person {person} was "
                    f"not shown {either}.\n",
                )
                return 1
        _write(out, f"   ✓ step {number} done\n\n")
    _write(out, f"The tour is done: all {len(steps)} steps showed what they should.\n")
    return 0


# ----- rendering --------------------------------------------------------------------------


def _visible(method: str) -> bool:
    """Whether a Bot API call changes what the person sees."""
    if method == "sendChatAction":
        return False
    return method.startswith(("send", "edit", "delete", "copy", "forward")) or method in (
        "answerInlineQuery",
    )


def _searchable(message: EmuMessage) -> str:
    """A message's text and button labels, whitespace run together (for the demo's checks)."""
    labels = [str(b.get("text", "")) for row in message.keyboard() for b in row]
    return " ".join(" ".join([message.text, *labels]).split())


def render_message(
    message: EmuMessage, *, edited: bool = False, to: str = "", header: str = ""
) -> str:
    """A bot message as terminal text: "#id Lantern:", the wrapped body with links as
    "text <url>", numbered buttons. `to` names whose chat it is when not the speaker's."""
    if not header:
        header = f"#{message.message_id} Lantern" + (" (edited)" if edited else "")
        header += f" {to}:" if to else ":"
    lines = [header]
    kind = "" if message.kind == "text" else f"[{message.kind}] "
    for paragraph in (kind + plain_with_links(message)).split("\n"):
        lines.append(_wrap(paragraph, INDENT) if paragraph.strip() else "")
    number = 0
    for row in message.keyboard():
        labels = []
        for button in row:
            number += 1
            suffix = " (link)" if "url" in button else ""
            labels.append(f"[{number}] {button.get('text', '')}{suffix}")
        joined = INDENT + "   ".join(labels)
        lines.extend([joined] if len(joined) <= WIDTH else [INDENT + label for label in labels])
    return "\n".join(lines).rstrip() + "\n\n"


def plain_with_links(message: EmuMessage) -> str:
    """The message text with each link's address after it, as "text <url>"."""
    text = message.text
    links = [e for e in message.entities if e.type == "text_link" and e.url]
    for entity in sorted(links, key=lambda e: e.offset + e.length, reverse=True):
        end = entity.offset + entity.length
        if text[entity.offset : end].strip() != entity.url:
            text = f"{text[:end]} <{entity.url}>{text[end:]}"
    return text


async def _start(application: Application) -> None:
    """Start the way Application.run_polling does, without taking over the event loop."""
    await application.initialize()
    if application.post_init:
        await application.post_init(application)
    if application.updater is None:
        raise RuntimeError("the console needs an Application with an Updater")
    await application.updater.start_polling(poll_interval=0.0)
    await application.start()


def _wrap(text: str, indent: str) -> str:
    bullet = _BULLET.match(text)
    hanging = " " * len(bullet.group(0)) if bullet else INDENT if not indent else ""
    return textwrap.fill(
        text,
        width=WIDTH,
        initial_indent=indent,
        subsequent_indent=indent + hanging,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _write(out: TextIO, text: str) -> None:
    out.write(text)
    out.flush()


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _LineReader:
    """Lines from a blocking stream, read in a daemon thread so the event loop never waits.

    A daemon thread, not the default executor: a read blocked on a terminal must not keep
    the process alive after the console has ended.
    """

    def __init__(self, stream: TextIO) -> None:
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        thread = threading.Thread(
            target=self._pump, args=(stream, loop), name="console-stdin", daemon=True
        )
        thread.start()

    def _pump(self, stream: TextIO, loop: asyncio.AbstractEventLoop) -> None:
        try:
            for line in iter(stream.readline, ""):
                loop.call_soon_threadsafe(self._queue.put_nowait, line)
        except (OSError, ValueError):
            pass  # the stream was closed under us: treat as end of input
        finally:
            with contextlib.suppress(RuntimeError):  # the loop may be closed by now
                loop.call_soon_threadsafe(self._queue.put_nowait, None)

    async def readline(self) -> str | None:
        """The next line, or None at end of input."""
        return await self._queue.get()
