"""`lantern console`: the echo bot driven by scripted input, through the emulator."""

from __future__ import annotations

import asyncio
import io
import os

from bot.console import render_message, run_console
from emulator import EmuChat, EmuMessage
from emulator.html import parse_html
from tests.test_emulator import build_echo_app


async def console(script: str) -> str:
    """Run the console over the echo bot with `script` as input; return what it printed."""
    out = io.StringIO()
    await asyncio.wait_for(
        run_console(build_echo_app, stdin=io.StringIO(script), stdout=out),
        timeout=15,
    )
    return out.getvalue()


async def test_buttons_are_numbered_and_a_number_presses_one() -> None:
    output = await console("2\n")
    assert "nothing leaves this machine" in output.lower()
    assert "Welcome to the echo <https://example.org/echo> bot." in output
    assert "  [1] Safety   [2] Rights\n  [3] Website (link)\n" in output
    after = output.split("> 2\n", 1)[1]
    assert "Lantern (edited):\n  You picked rights.\n  [1] Back\n" in after
    assert output.rstrip().endswith("Bye.")


async def test_text_is_sent_and_numbers_follow_the_latest_buttons() -> None:
    output = await console("hello there\n1\n1\n9\n")
    assert "Lantern:\n  You said: hello there\n" in output
    assert "You picked safety." in output
    assert "Lantern (edited):\n  Menu\n" in output  # "1" on the edited message is Back
    assert "(no button 9; the last message has 1 to 3)" in output


async def test_quit_ends_before_the_rest_of_the_input() -> None:
    output = await console("/quit\nhello\n")
    assert "You said" not in output
    assert output.rstrip().endswith("Bye.")


async def test_end_of_input_ends_cleanly() -> None:
    read, write = os.pipe()
    os.close(write)
    with os.fdopen(read) as stdin:
        out = io.StringIO()
        await asyncio.wait_for(run_console(build_echo_app, stdin=stdin, stdout=out), timeout=15)
    assert "Welcome to the echo" in out.getvalue()
    assert out.getvalue().rstrip().endswith("Bye.")


async def test_violations_are_shown_to_curators() -> None:
    output = await console("/broken\n")
    assert "[spec] sendMessage: text: can't parse entities" in output


def test_render_wraps_to_80_columns() -> None:
    chat = EmuChat(1, "private", first_name="You")
    long = "• " + "word " * 40
    parsed = parse_html(long)
    message = EmuMessage(1, chat, "bot", 0, text=parsed.text, html=long)
    rendered = render_message(message)
    lines = rendered.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert lines[1].startswith("  • word") and lines[2].startswith("    word")
