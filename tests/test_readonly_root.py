"""The bot runs on a read-only root filesystem with the data directory its only writable
place, as in `docker run --read-only -v lantern-data:/data`.

A private mount namespace (`unshare -m`, as root) stands in for the container: inside it
the root filesystem is remounted read-only and the data directory is bind-mounted on
itself so that it alone stays writable; the bot runs as root and as the image's numeric
user (10001). Where mount namespaces are not allowed, or that user cannot read this
checkout, the test is skipped and says why.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from bot.i18n import t
from emulator import BotAPIEmulator
from tests.conftest import SMALL

TOKEN = "7000000011:e2e-readonly-token-0123456789abcdefghij"
PROBE = "/lantern-readonly-probe"


def _namespaces_allowed() -> str | None:
    """None if we can make a read-only root here, else the reason we cannot."""
    if shutil.which("unshare") is None:
        return "unshare(1) is not installed"
    if os.geteuid() != 0:
        return "remounting / read-only in a mount namespace needs root"
    try:
        done = subprocess.run(
            ["unshare", "-m", "sh", "-c", "mount --make-rprivate / && mount -o remount,bind,ro /"],
            capture_output=True,
            timeout=20,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unshare failed: {exc}"
    if done.returncode != 0:
        return "mount namespaces are not allowed here: " + done.stderr.decode()[-200:]
    return None


REASON = _namespaces_allowed()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")
# The image's user: no name, no home, no groups.
UID = 10001


def _unprivileged_can_run() -> str | None:
    """None if uid 10001 can read this checkout and the interpreter, else why not."""
    if shutil.which("setpriv") is None:
        return "setpriv(1) is not installed"
    done = subprocess.run(
        [*_as_user(), sys.executable, "-c", "import bot.cli"],
        capture_output=True,
        timeout=60,
    )
    if done.returncode != 0:
        return f"uid {UID} cannot read this checkout or its interpreter (a private parent folder)"
    return None


def _as_user() -> list[str]:
    return ["setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups"]


@pytest.mark.parametrize("user", ["root", "uid-10001"])
async def test_the_bot_serves_and_writes_only_its_data_directory(tmp_path, user):
    if user != "root" and (why := _unprivileged_can_run()) is not None:
        pytest.skip(why)
    # Not under tmp_path: pytest makes that private to root, and the image's user must
    # reach its data directory.
    data = Path(tempfile.mkdtemp(prefix="lantern-ro-data-"))
    data.chmod(0o700)
    outside = Path(tempfile.mkdtemp(prefix="lantern-ro-outside-"))
    outside.chmod(0o777)
    if user != "root":
        os.chown(data, UID, UID)
    run_as = " ".join(shlex.quote(part) for part in _as_user()) + " " if user != "root" else ""
    try:
        await _run_read_only(data, outside, run_as)
        owners = {p.stat().st_uid for p in data.rglob("*")}
        assert owners == {0 if user == "root" else UID}
    finally:
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(outside, ignore_errors=True)


async def _run_read_only(data: Path, outside: Path, run_as: str) -> None:
    script = "; ".join(
        [
            "set -e",
            "mount --make-rprivate /",
            f"mount --bind {shlex.quote(str(data))} {shlex.quote(str(data))}",
            "mount -o remount,bind,ro /",
            # Prove the sandbox holds before trusting the result.
            f"if touch {PROBE} 2>/dev/null; then echo 'root is writable' >&2; exit 3; fi",
            f"if touch {shlex.quote(str(outside / 'probe'))} 2>/dev/null; then "
            "echo 'outside the data directory is writable' >&2; exit 3; fi",
            f"exec {run_as}{shlex.quote(sys.executable)} -m bot run",
        ]
    )
    emu = BotAPIEmulator(TOKEN)
    await emu.start()
    env = {
        **os.environ,
        "LANTERN_BOT_TOKEN": emu.token,
        "LANTERN_API_URL": emu.api_url,
        "LANTERN_DATA_DIR": str(data),
        "HOME": str(data),
        "LANTERN_CONTENT_DIR": str(SMALL),
        "LANTERN_LOG_LEVEL": "INFO",
    }
    process = await asyncio.create_subprocess_exec(
        "unshare",
        "-m",
        "sh",
        "-c",
        script,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    err = b""
    try:
        polled = await emu.wait_until(
            lambda: bool(emu.calls_to("getUpdates")) or process.returncode is not None,
            timeout=60,
        )
        assert polled and process.returncode is None, "the bot did not start"
        user = emu.new_user("Ana")
        await emu.send_text(user, "/start")
        (reply,) = await emu.wait_for_bot_messages(user, timeout=15)
        assert reply.text == t("en", "start")
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 20)
    finally:
        if process.returncode is None:
            process.kill()
            _, err = await process.communicate()
        await emu.stop()
    log = err.decode("utf-8", "replace")
    assert process.returncode == 0, log[-2000:]
    assert "Read-only file system" not in log and "Could not save" not in log, log[-2000:]
    assert not os.path.exists(PROBE) and list(outside.iterdir()) == []
    # Everything it wrote is in the data directory: the database and compiled content;
    # never the moderator key (it comes from the environment, as a secret would).
    written = {p.name for p in data.iterdir()}
    assert {"lantern.sqlite3", "compiled"} <= written
    assert "moderator.key" not in written
    assert list((data / "compiled").glob("content-*.npz"))
    assert emu.violations == []
