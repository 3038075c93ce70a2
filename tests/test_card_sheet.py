"""`lantern cards`: a printable sheet whose QR codes open the right entries."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from tests.conftest import SMALL

ROOT = Path(__file__).parents[1]
BOT = "lantern_test_bot"


def cards(*args: str, out: Path) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANTERN_CONTENT_DIR": str(SMALL)}
    return subprocess.run(
        [sys.executable, "-m", "bot", "cards", *args, "--bot", BOT, "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("no chromium binary; `make test` installs Debian's chromium")
    return found


def render(html: Path, tmp_path: Path, *extra: str) -> None:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--hide-scrollbars",
    ]
    subprocess.run(
        [chromium(), *flags, *extra, html.as_uri()], capture_output=True, timeout=90, check=True
    )


def test_sheet_qr_codes_decode_to_the_deep_links(tmp_path):
    out = tmp_path / "sheet.html"
    result = cards("--entries", "screening-basics,overdose-naloxone", "--lang", "es", out=out)
    assert result.returncode == 0, result.stderr
    html = out.read_text()
    expected = {
        f"https://t.me/{BOT}?start=e_screening-basics_es",
        f"https://t.me/{BOT}?start=e_overdose-naloxone_es",
    }
    assert expected <= set(re.findall(r"https://t\.me/[^\s<\"]+", html))
    assert "<script" not in html.lower()
    shot = tmp_path / "sheet.png"
    render(
        out,
        tmp_path,
        "--force-device-scale-factor=2",
        "--window-size=900,1200",
        f"--screenshot={shot}",
    )
    decoded = {code.text for code in zxingcpp.read_barcodes(Image.open(shot))}
    assert decoded == expected


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_sheet_prints_on_a4_and_letter(tmp_path, paper):
    out = tmp_path / "sheet.html"
    assert cards("--topic", "overdose", out=out).returncode == 0
    # Force the paper size the way a print dialog would.
    forced = tmp_path / f"sheet-{paper}.html"
    forced.write_text(
        out.read_text().replace("</head>", f"<style>@page {{ size: {paper}; }}</style></head>")
    )
    pdf = tmp_path / f"sheet-{paper}.pdf"
    render(forced, tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= 1


def test_unknown_entries_and_topics_are_explained(tmp_path):
    result = cards("--entries", "screening-basics,no-such-entry", out=tmp_path / "x.html")
    assert result.returncode == 2
    assert "no-such-entry" in result.stderr
    result = cards("--topic", "made-up-topic", out=tmp_path / "y.html")
    assert result.returncode == 2 and "made-up-topic" in result.stderr
