"""`lantern console`: the echo bot driven by scripted input, through the emulator."""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import re
import subprocess
import sys
from pathlib import Path

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
    assert "(no button 9; the last message has 1 to 3; '9 sends it as text)" in output


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


# ----- several people, multi-line messages, numbers as text, earlier buttons, inline -------


def build_clearing_app(api_url: str, token: str):
    """The echo bot, plus /clear: deletes every message of the chat in one call."""
    from telegram import Update
    from telegram.ext import CommandHandler, ContextTypes

    application = build_echo_app(api_url, token)

    async def clear(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        ids = list(range(1, message.message_id + 1))
        await context.bot.delete_messages(message.chat_id, ids)

    application.add_handler(CommandHandler("clear", clear), group=-1)
    return application


async def console_with(script: str, app_factory=build_echo_app, **kwargs) -> tuple[int, str]:
    out = io.StringIO()
    status = await asyncio.wait_for(
        run_console(app_factory, stdin=io.StringIO(script), stdout=out, **kwargs),
        timeout=30,
    )
    return status, out.getvalue()


async def test_the_prompt_says_who_speaks_and_as_switches_people_and_languages() -> None:
    output = await console("/as 2 es\nhola\n/as Sam\n/as\n/as 1\nhi\n")
    assert "[1 en] > /start\n" in output
    assert "[1 en] > /as 2 es\n" in output
    assert "(person 2 is new here, Telegram language es" in output
    assert "[2 es] > hola\n" in output
    assert "You said: hola" in output
    assert "[3 Sam en] > /as\n" in output
    assert "person 2, Telegram language es\n" in output
    assert "person 3 Sam, Telegram language en  <- speaking" in output
    assert "[1 en] > hi\n" in output


async def test_each_person_has_their_own_chat_and_telegram_language() -> None:
    out = io.StringIO()
    from bot.console import Console
    from emulator import BotAPIEmulator

    async with BotAPIEmulator() as emulator:
        console = Console(emulator, out)
        console.switch("2 es")
        console.switch("Sam de")
        console.switch("2")
        assert console.current.number == 2
        assert console.current.user.language_code == "es"
        assert console.people[3].user.language_code == "de"
        assert console.people[1].user.id != console.people[2].user.id
    assert "Lantern does not speak de" in out.getvalue()


async def test_multi_line_messages_with_backslash_or_multi() -> None:
    output = await console(
        "first line\\\nsecond line\n/multi\none\ntwo\nthree\n/end\n/multi\n988\n/end\n"
    )
    assert "[1 en] > first line\\\n... second line\n" in output
    assert "You said: first line\n  second line\n" in output
    assert "You said: one\n  two\n  three\n" in output
    assert "You said: 988\n" in output  # what /multi sends is never a button number


async def test_a_number_can_be_sent_as_text() -> None:
    output = await console("'988\n/say 016\n988\n")
    assert "You said: 988\n" in output
    assert "You said: 016\n" in output
    assert "(no button 988; the last message has 1 to 3; '988 sends it as text)" in output


async def test_buttons_of_earlier_messages_can_be_pressed_by_number_or_label() -> None:
    output = await console("hello\n/press 2.2\n/press 2.1\n/press website\n/press 9.1\n")
    # Message 2 is the greeting (1 is the /start the console sent for person 1).
    assert "#2 Lantern:\n  Welcome to the echo" in output
    assert "#4 Lantern:\n  You said: hello\n" in output
    assert "#2 Lantern (edited):\n  You picked rights.\n  [1] Back\n" in output
    assert "#2 Lantern (edited):\n  Menu\n" in output
    assert "(this button opens https://example.org/)" in output
    assert "(no message #9 from Lantern in person 1's chat)" in output


async def test_inline_queries_show_results_and_one_can_be_sent() -> None:
    output = await console("/inline naloxone kits\n/pick 2\n@lantern_test_bot other\n/pick 9\n")
    assert "Inline results for “naloxone kits” (/pick N sends one):\n" in output
    assert "  [1] naloxone\n  [2] kits\n" in output
    assert (
        "Person 1 sent, via @lantern_test_bot, in the chat where they typed it:\n  kits\n" in output
    )
    assert "Inline results for “other”" in output
    assert "(/pick 1 to 1)" in output


async def test_deletions_are_told_in_one_line_per_batch() -> None:
    _, output = await console_with("hello\nagain\n/clear\n", build_clearing_app)
    # /start, the greeting, two messages and their answers, and /clear itself.
    assert "(Lantern deleted 7 messages)\n" in output
    assert "deleted one of its messages" not in output
    assert output.count("(Lantern deleted") == 1


async def test_console_commands_are_listed_by_console_and_after_help() -> None:
    output = await console("/console\n")
    assert "Console commands" in output
    for command in ("/press M.N", "/say TEXT", "/multi", "/as N", "/inline", "/pick", "/open"):
        assert command in output


async def test_a_demo_step_that_does_not_show_its_text_fails_with_its_name() -> None:
    from bot.console import DemoStep

    steps = [
        DemoStep("Echo says hello", ("hello",), ((1, "You said: hello"),)),
        DemoStep("Echo says nonsense", ("bye",), ((1, "You said: something else"),)),
    ]
    status, output = await console_with("", demo=steps)
    assert status == 1
    assert "✓ step 1 done" in output
    assert "DEMO FAILED at step 2 (Echo says nonsense): person 1 was not shown" in output


# ----- `lantern console` as a curator runs it ------------------------------------------------


def lantern_console(*args: str, cwd, stdin: str = "", env: dict | None = None):
    """`lantern console ARGS` in `cwd`, with no LANTERN_DATA_DIR unless `env` sets one."""
    base = {"PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    # A content directory chosen for the whole test run is used here too.
    if os.environ.get("LANTERN_CONTENT_DIR"):
        base["LANTERN_CONTENT_DIR"] = os.environ["LANTERN_CONTENT_DIR"]
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**base, **(env or {})},
        input=stdin,
        timeout=120,
    )


def test_the_console_uses_a_scratch_directory_unless_told(tmp_path):
    script = "'988\n/press 2.3\n/as 2 es\nsobredosis\n/inline overdose\n/pick 1\n/open\n/wipe\n"
    result = lantern_console(cwd=tmp_path, stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    words = " ".join(out.split())  # what was wrapped, in one line
    scratch = re.search(r"Data: a scratch directory, (\S+), deleted when you", words)
    assert scratch, out[:600]
    assert not Path(scratch.group(1)).exists()  # gone at the end
    assert not (tmp_path / "data").exists()
    assert list(tmp_path.iterdir()) == []
    # '988 searches; /press 2.3 presses the first message's third button (Rights).
    assert "🔎 “988”" in out
    assert "(no button 988" not in out
    assert "#2 Lantern (edited):" in out
    # Person 2 speaks Spanish; inline results and their link work.
    assert "[2 es] > sobredosis\n" in out
    assert "🔎 “sobredosis”" in out
    assert "Inline results for “overdose” (/pick N sends one):" in out
    assert "via @lantern_test_bot" in out
    assert "Telegram sends /start e_" in words
    # /wipe deletes the whole chat: told in one line.
    assert re.search(r"\(Lantern deleted \d+ messages\)", out)
    assert "deleted one of its messages" not in out
    assert "[spec]" not in out


def test_a_data_directory_given_is_used_and_said(tmp_path):
    data = tmp_path / "kept"
    result = lantern_console(
        cwd=tmp_path, stdin="/admin\n/quit\n", env={"LANTERN_DATA_DIR": str(data)}
    )
    assert result.returncode == 0, result.stderr
    words = " ".join(result.stdout.split())
    assert f"Data: {data} (as you asked)" in words
    assert "run `lantern admin add`" in words
    assert (data / "lantern.sqlite3").exists()


def test_data_dir_flag_comes_before_the_environment(monkeypatch, tmp_path):
    from bot.cli.console import chosen_data_dir

    monkeypatch.delenv("LANTERN_DATA_DIR", raising=False)
    assert chosen_data_dir(argparse.Namespace(lang="en")) is None  # `lantern run`'s console
    assert chosen_data_dir(argparse.Namespace(data_dir=None)) is None
    monkeypatch.setenv("LANTERN_DATA_DIR", str(tmp_path / "env"))
    assert chosen_data_dir(argparse.Namespace(data_dir=None)) == tmp_path / "env"
    flag = argparse.Namespace(data_dir=tmp_path / "flag")
    assert chosen_data_dir(flag) == tmp_path / "flag"


def test_console_lang_offers_only_the_languages_lantern_speaks(tmp_path):
    from bot.i18n import languages

    result = lantern_console("--lang", "de", cwd=tmp_path)
    assert result.returncode == 2
    spoken = ", ".join(languages())
    assert f"--lang: Lantern speaks {spoken}; 'de' is not one of them" in result.stderr


def test_the_demo_walks_a_team_through_a_tip_and_exits_0(tmp_path):
    from bot.console import demo_steps

    result = lantern_console("--demo", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    out = result.stdout
    steps = demo_steps()
    for number, step in enumerate(steps, 1):
        assert f"== Step {number}/{len(steps)}: {step.title}" in out
        assert f"✓ step {number} done" in out
    assert "[2 en] > /open\n" in out
    assert "The tour is done" in out
    assert list(tmp_path.iterdir()) == []
