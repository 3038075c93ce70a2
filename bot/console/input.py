"""Reading what is typed: lines from stdin (never blocking the event loop), a message
over several lines (a trailing \\ or /multi ... /end), and what each line does: a
button number, 'TEXT or /say, /press, /as, /inline, /pick, /open, /admin, /console, /quit.
`Console` is the whole session, each layer in its module: people, output, actions,
inline, input."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import TextIO

from bot.console.inline import Inline
from bot.console.render import write

QUIT_WORDS = frozenset({"/quit", "quit", "exit", "/exit"})

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


class Console(Inline):
    """What one console session knows: its people, who is speaking, what was shown."""

    async def converse(self, stdin: TextIO) -> None:
        self.interactive = _is_tty(stdin)
        lines = _LineReader(stdin)
        await self.handle("/start", echo=True)
        while True:
            message = await self._read_message(lines)
            if message is None:
                if self.interactive:
                    write(self.out, "\n")
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
                write(self.out, prompt)
            self._at_prompt = True
            line = await lines.readline()
            self._at_prompt = False
            if line is None:
                if multi or parts:
                    write(self.out, "(input ended inside a message; not sent)\n")
                return None
            line = line.rstrip("\r\n")
            if not self.interactive:
                write(self.out, f"{prompt}{line}\n")
            if multi:
                if line.strip().lower() == "/end":
                    return "\n".join(parts), True
                parts.append(line)
                continue
            if not parts and line.strip().lower() == "/multi":
                multi = True
                write(self.out, "(several lines: type them, then /end on a line of its own)\n")
                continue
            if line.endswith("\\"):
                parts.append(line[:-1])
                continue
            parts.append(line)
            return "\n".join(parts), len(parts) > 1

    async def handle(self, text: str, *, echo: bool = False) -> bool:
        """Do what one typed message says; False when the console should end."""
        if echo:
            write(self.out, f"{self.current.prompt}{text}\n")
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
            write(self.out, self.commands_text())
        elif command == "/help":
            await self.send(line)
            write(self.out, self.commands_text())
        else:
            await self.send(line)
        return True

    def commands_text(self) -> str:
        return COMMANDS.replace("{bot}", self.bot_username) + "\n"

    def _inline_mention(self, command: str) -> bool:
        return command in (f"@{self.bot_username.lower()}", "@bot")


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
