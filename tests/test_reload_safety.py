"""Reload never fails silently, and `lantern reload` signals only a running Lantern bot.

- Content with a value of the wrong shape (`kind: [tip]`), or anything unexpected while
  reloading, keeps the old content and tells the admins in their chat.
- The PID file is trusted only while the running bot holds its lock: a stale file naming an
  unrelated process gets a clear message, no signal, and is left alone.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bot import reload
from bot.content import load_knowledge
from bot.reload import PID_FILE, NoRunningBot, reload_and_report, running_bot, watching
from bot.services import Services
from tests.conftest import SMALL, TODAY

ROOT = Path(__file__).resolve().parent.parent
ADMIN = 4242


class RecordingBot:
    """Stands in for telegram.Bot: records what the admins are sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def send_message(self, chat_id: int, text: str, **_: Any) -> None:
        self.sent.append((chat_id, text))


def services_for(tmp_path: Path) -> Services:
    content = tmp_path / "content"
    shutil.copytree(SMALL, content)
    kb, problems = load_knowledge(content)
    assert kb is not None, problems
    services = Services(kb, today=lambda: TODAY, content_dir=content)
    services.remember_admin_chat(ADMIN)
    return services


def break_kind(content: Path) -> None:
    entries = content / "entries.yaml"
    text = entries.read_text()
    assert "kind: tip" in text
    entries.write_text(text.replace("kind: tip", "kind: [tip]", 1))


async def test_kind_as_a_list_keeps_the_old_content_and_tells_admins(tmp_path):
    services = services_for(tmp_path)
    bot = RecordingBot()
    break_kind(services.content_dir)
    problems = await reload_and_report(bot, services)  # type: ignore[arg-type]
    assert len(problems) == 1
    message = "entries.yaml:3: 'kind' must be one of tip, rights, referral, not a list"
    assert problems[0].endswith(message)
    ((chat, text),) = bot.sent
    assert chat == ADMIN
    assert "New content was not loaded" in text and message in text
    assert services.kb.get("screening-basics") is not None


async def test_anything_unexpected_while_reloading_tells_admins(tmp_path, caplog):
    services = services_for(tmp_path)
    bot = RecordingBot()

    async def broken() -> list[str]:
        raise TypeError("unhashable type: '_Seq' (Marcus Whitfield)")

    services.reload_content = broken  # type: ignore[method-assign]
    with caplog.at_level(logging.DEBUG):
        problems = await reload_and_report(bot, services)  # type: ignore[arg-type]
    assert problems == [reload.unexpected_problem(TypeError())]
    ((chat, text),) = bot.sent
    assert chat == ADMIN and "unexpected TypeError" in text and "lantern validate" in text
    # The log says what kind of failure, never the exception's text.
    assert "reload failed: TypeError" in caplog.text
    assert "Marcus" not in caplog.text and "Marcus" not in text


async def test_the_watcher_tells_admins_about_kind_as_a_list(tmp_path):
    services = services_for(tmp_path)
    bot = RecordingBot()
    task = asyncio.create_task(watching(bot, services, interval=0.05))  # type: ignore[arg-type]
    try:
        await asyncio.sleep(0.1)
        break_kind(services.content_dir)
        for _ in range(200):
            if bot.sent:
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    ((chat, text),) = bot.sent
    assert chat == ADMIN and "entries.yaml:3:" in text and "not a list" in text


async def test_one_admin_failing_does_not_silence_the_others(tmp_path):
    services = services_for(tmp_path)
    services.remember_admin_chat(ADMIN + 1)

    class Flaky(RecordingBot):
        async def send_message(self, chat_id: int, text: str, **_: Any) -> None:
            if chat_id == ADMIN:
                raise RuntimeError("boom")
            await super().send_message(chat_id, text)

    bot = Flaky()
    break_kind(services.content_dir)
    assert await reload_and_report(bot, services)  # type: ignore[arg-type]
    assert [chat for chat, _ in bot.sent] == [ADMIN + 1]


# ----- the PID file and `lantern reload` ---------------------------------------------------


def lantern_reload(data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LANTERN_DATA_DIR": str(data_dir)}
    env.pop("LANTERN_BOT_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", "reload"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def test_a_stale_pid_file_naming_another_process_signals_nothing(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    unrelated = subprocess.Popen(["sleep", "300"])
    try:
        (data / PID_FILE).write_text(f"{unrelated.pid}\n")
        result = lantern_reload(data)
        time.sleep(0.2)  # had a SIGHUP been sent, sleep would be gone by now
        assert unrelated.poll() is None, "the unrelated process was signalled"
        assert result.returncode == 1
        assert "is left over from a bot that is no longer running" in result.stderr
        assert f"names process {unrelated.pid}" in result.stderr
        assert "Nothing was signalled" in result.stderr
        assert "Traceback" not in result.stderr
        # Not ours to remove.
        assert (data / PID_FILE).read_text() == f"{unrelated.pid}\n"
    finally:
        unrelated.kill()
        unrelated.wait()


def test_no_pid_file_is_a_clear_message(tmp_path):
    result = lantern_reload(tmp_path)
    assert result.returncode == 1
    assert "no running bot found" in result.stderr and "Traceback" not in result.stderr


HOLDER = """
import sys, time
from pathlib import Path
from bot.reload import write_pid
try:
    write_pid(Path(sys.argv[1]))
except BlockingIOError:
    print("held by another", flush=True)
    sys.exit(3)
print("holding", flush=True)
time.sleep(300)
"""


def test_the_lock_tells_a_running_bot_from_a_stale_file(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        assert running_bot(tmp_path) == holder.pid
        # A second bot with the same data directory neither takes nor rewrites the file.
        second = subprocess.run(
            [sys.executable, "-c", HOLDER, str(tmp_path)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
        assert second.returncode == 3
        assert (tmp_path / PID_FILE).read_text() == f"{holder.pid}\n"
    finally:
        holder.kill()  # as kill -9 would: the file stays, the lock goes
        holder.wait()
    assert (tmp_path / PID_FILE).exists()
    with pytest.raises(NoRunningBot, match="left over"):
        running_bot(tmp_path)


def test_write_pid_and_remove_pid_in_this_process(tmp_path):
    path = reload.write_pid(tmp_path)
    try:
        assert path.read_text() == f"{os.getpid()}\n"
        assert running_bot(tmp_path) == os.getpid()
        # Written again (a restart in the same process): still ours, still one lock.
        reload.write_pid(tmp_path)
        assert running_bot(tmp_path) == os.getpid()
    finally:
        reload.remove_pid(tmp_path)
    assert not path.exists()
    with pytest.raises(NoRunningBot, match="no running bot found"):
        running_bot(tmp_path)
    # Someone else's file is left alone.
    path.write_text("12345\n")
    reload.remove_pid(tmp_path)
    assert path.read_text() == "12345\n"
