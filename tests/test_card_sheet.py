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

from bot import deeplinks
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


def coded(entry_id: str, lang: str) -> str:
    return deeplinks.encode(deeplinks.coded(deeplinks.Link("entry", entry_id, lang)))


@pytest.mark.parametrize("layout", ["--plain", "--discreet"])
def test_sheet_qr_codes_decode_to_the_deep_links(tmp_path, layout):
    out = tmp_path / "sheet.html"
    result = cards(
        "--entries", "screening-basics,overdose-naloxone", "--lang", "es", layout, out=out
    )
    assert result.returncode == 0, result.stderr
    html = out.read_text()
    ids = ("screening-basics", "overdose-naloxone")
    payloads = [f"e_{i}_es" if layout == "--plain" else coded(i, "es") for i in ids]
    expected = {f"https://t.me/{BOT}?start={p}" for p in payloads}
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


# Measures each printed link after layout: how many lines each unbreakable piece takes,
# and whether the link is wider than its card. The sheet itself has no script; the test
# adds this one to its copy.
_MEASURE = """<script>
addEventListener("load", () => {
  const found = [...document.querySelectorAll(".link")].map((p) => {
    const spans = [...p.querySelectorAll(".nw")];
    const lines = spans.map((s) => new Set([...s.getClientRects()].map((r) => r.top)).size);
    const card = p.closest(".card").getBoundingClientRect();
    const box = p.getBoundingClientRect();
    const right = Math.max(...spans.map((s) => s.getBoundingClientRect().right));
    return { lines, inside: right <= card.right + 0.5 && box.left >= card.left - 0.5 };
  });
  document.body.setAttribute("data-measured", JSON.stringify(found));
});
</script>"""


def test_the_longest_link_never_wraps_inside_a_token(tmp_path):
    """The longest link the shipped content makes, with the longest bot name Telegram
    allows, printed plain and discreet: each piece stays on one line, inside the card."""
    import json

    from bot.content import load_knowledge
    from knowledge.loader import DEFAULT_CONTENT_DIR

    kb, _ = load_knowledge(DEFAULT_CONTENT_DIR)
    if kb is None:
        pytest.skip("the shipped content does not load right now")
    longest = max(kb.snapshot.entries, key=lambda e: len(e.id))
    region = max((r.slug for r in kb.snapshot.regions if r.slug in longest.regions), key=len)
    out = tmp_path / "sheet.html"
    bot = "lantern_" + "b" * 24  # 32 characters
    for layout in ("--plain", "--discreet"):
        env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}
        result = subprocess.run(
            [sys.executable, "-m", "bot", "cards", "--entries", f"{longest.id},{longest.id}",
             "--region", region, "--lang", "es", layout, "--bot", bot, "--out", str(out)],
            capture_output=True, text=True, cwd=ROOT, env=env, timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        page = tmp_path / f"measure{layout}.html"
        page.write_text(out.read_text().replace("</body>", _MEASURE + "</body>"))
        dom = subprocess.run(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000",
             "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=90, check=True,
        ).stdout  # fmt: skip
        measured = json.loads(
            re.search(r'data-measured="([^"]*)"', dom).group(1).replace("&quot;", '"')
        )
        assert len(measured) == 2, layout
        for link in measured:
            assert all(lines == 1 for lines in link["lines"]), (layout, link)
            assert link["inside"], (layout, link)
