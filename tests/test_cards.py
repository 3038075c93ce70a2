"""`lantern cards`: printable pocket cards with QR codes to the bot's deep links."""

from __future__ import annotations

import argparse
import math
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest

from bot import cards, deeplinks
from bot.cards import Card, add_arguments, card_text, describe, payload, render_sheet, url
from bot.config import Config, Secret
from bot.getme import BotAnswer
from bot.i18n import LOCALES_DIR, catalogue, t
from knowledge.taxonomy import LANGUAGES
from tests.conftest import SMALL

BOT = "lantern_test_bot"
ROOT = Path(__file__).parents[1]


def link(payload_: str, bot: str = BOT) -> str:
    return f"https://t.me/{bot}?start={payload_}"


class _Cards(HTMLParser):
    """Each card of a sheet as {"title", "desc", "link", "href", "foot"}; texts unescaped."""

    FIELDS: ClassVar[dict[str, str]] = {
        "h2": "title",
        "desc": "desc",
        "link": "link",
        "foot": "foot",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cards: list[dict[str, str]] = []
        self.tags: list[str] = []
        self.field: str | None = None
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        if tag == "li" and "card" in classes:
            self.cards.append({})
        if tag == "a" and self.cards:
            self.cards[-1]["href"] = found.get("href") or ""
        if tag == "wbr":
            return
        self.tags.append(tag)
        if self.field is None and self.cards:
            for key in [tag, *classes]:
                if key in self.FIELDS:
                    self.field, self.depth = self.FIELDS[key], len(self.tags)
                    self.cards[-1][self.field] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "wbr":
            return
        if self.field is not None and len(self.tags) == self.depth:
            self.field = None
        self.tags.pop()

    def handle_data(self, data: str) -> None:
        if self.field is not None:
            self.cards[-1][self.field] += data


def parse_cards(html_text: str) -> list[dict[str, str]]:
    parser = _Cards()
    parser.feed(html_text)
    return parser.cards


@pytest.fixture(autouse=True)
def no_username_from_env(monkeypatch):
    monkeypatch.delenv(cards.USERNAME_ENV, raising=False)


def run(tmp_path: Path, capsys, *argv: str, config: Config | None = None):
    """Runs `lantern cards ARGV --out tmp/cards.html`: (exit code, stderr, html or None)."""
    parser = argparse.ArgumentParser(prog="lantern cards")
    add_arguments(parser)
    out = tmp_path / "cards.html"
    args = parser.parse_args([*argv, "--out", str(out)])
    code = cards.main(args, config or Config(content_dir=SMALL))
    err = capsys.readouterr().err
    return code, err, out.read_text(encoding="utf-8") if out.exists() else None


# ------------------------------------------------------------------------------ unit


def test_payloads_are_the_bots_deep_links():
    entry = deeplinks.Link("entry", "screening-basics", "en", "us")
    assert payload(entry) == "e_screening-basics_en_r-us"
    assert payload(deeplinks.Link("topic", "overdose", "es")) == "t_overdose_es"
    assert url(BOT, entry) == link("e_screening-basics_en_r-us")
    assert deeplinks.decode(payload(entry)) == entry


def test_region_is_left_out_when_the_payload_would_be_too_long():
    long = deeplinks.Link("entry", "a" * 48, "es", "a-region-with-a-long-name")
    got = payload(long)
    assert got == f"e_{'a' * 48}_es"
    assert len(got) <= deeplinks.MAX_PAYLOAD
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", got)
    assert deeplinks.decode(got) == deeplinks.Link("entry", "a" * 48, "es", None)
    assert cards.region_left_out(long)
    assert not cards.region_left_out(deeplinks.Link("entry", "x1", "es", "us"))


def test_description_is_plain_first_sentences_cut_on_a_word():
    body = "Take your time. **Trust your gut** and _check_ the list.\n\n- Share details"
    assert describe(body) == "Take your time. Trust your gut and check the list."
    assert describe("See [the guide](https://example.org/x) first. Then more.") == (
        "See the guide first. Then more."
    )
    assert describe("- Share with a buddy\n- Meet in public") == (
        "Share with a buddy. Meet in public."
    )
    long = describe("word " * 40 + "end.")
    assert long.endswith("…") and len(long) <= cards.DESCRIPTION_LIMIT
    assert "  " not in long and not long.endswith(" …")
    assert describe("Signs of an overdose:\n\n- blue lips") == "Signs of an overdose…"


def test_entries_sheet(tmp_path, capsys):
    code, err, sheet = run(
        tmp_path, capsys, "--entries", "screening-basics, overdose-naloxone", "--bot", BOT
    )
    assert code == 0, err
    assert parse_cards(sheet) == [
        {
            "title": "Screening a new client",
            "desc": "Take your time. Trust your gut and check the bad date list.",
            "href": link("e_screening-basics_en"),
            "link": link("e_screening-basics_en"),
            "foot": card_text("en", "footer"),
        },
        {
            "title": "Overdose signs and naloxone",
            "desc": (
                "Blue lips, no response, slow breathing. Give naloxone (narcan) and stay with them."
            ),
            "href": link("e_overdose-naloxone_en"),
            "link": link("e_overdose-naloxone_en"),
            "foot": card_text("en", "footer"),
        },
    ]
    assert sheet.count("<svg") == 2


def test_sheet_is_self_contained():
    sheet = render_sheet(
        [Card("T", "D", deeplinks.Link("entry", "screening-basics", "en"))], BOT, "en"
    )
    lowered = sheet.lower()
    for forbidden in ("<script", "src=", "url(", "<link", "@import", "javascript:"):
        assert forbidden not in lowered
    assert re.findall(r'href="([^"]*)"', sheet) == [link("e_screening-basics_en")]
    assert re.findall(r"@page\s*\{([^}]*)\}", sheet) == [" margin: 10mm; "]  # no paper size
    assert "break-inside: avoid" in sheet


def test_everything_is_escaped(tmp_path, capsys):
    content = tmp_path / "content"
    shutil.copytree(SMALL, content)
    entries = content / "entries.yaml"
    title = '<script>alert("x")</script> & <b>bold</b>'
    text = entries.read_text(encoding="utf-8")
    entries.write_text(
        text.replace("title: Screening a new client", f"title: '{title}'", 1), encoding="utf-8"
    )
    code, err, sheet = run(
        tmp_path, capsys, "--entries", "screening-basics", "--bot", BOT,
        config=Config(content_dir=content),
    )  # fmt: skip
    assert code == 0, err
    assert "<script" not in sheet and "<b>" not in sheet
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;" in sheet
    assert parse_cards(sheet)[0]["title"] == title

    card = Card('<img src=x onerror="y">', "a < b & c", deeplinks.Link("entry", "x1", "en"))
    rendered = render_sheet([card], 'bot"><script>', "en")
    assert "<img" not in rendered and "<script" not in rendered
    assert parse_cards(rendered)[0]["desc"] == "a < b & c"


def test_unknown_ids_are_all_listed(tmp_path, capsys):
    code, err, sheet = run(
        tmp_path, capsys, "--entries", "screening-basic,nope,example-clinic", "--bot", BOT
    )
    assert code == 2 and sheet is None
    assert "unknown entry id 'screening-basic' (did you mean screening-basics?)" in err
    assert "unknown entry id 'nope'" in err
    assert "'example-clinic' is a demo entry; set LANTERN_SHOW_EXAMPLES=1" in err


def test_entries_hidden_in_the_region_are_errors(tmp_path, capsys):
    code, err, _ = run(tmp_path, capsys, "--entries", "uk-peer-group", "--region", "us")
    assert code == 2
    assert "'uk-peer-group' is not shown to people in region 'us' (it is for: uk)" in err


def test_unknown_topic_and_region(tmp_path, capsys):
    code, err, sheet = run(tmp_path, capsys, "--topic", "overdoes", "--region", "mars")
    assert code == 2 and sheet is None
    assert "unknown topic 'overdoes' (did you mean overdose?)" in err
    assert "unknown region 'mars'; regions are: es, example, global, uk, us" in err


def test_missing_bot_username_says_to_pass_bot(tmp_path, capsys):
    code, err, sheet = run(tmp_path, capsys, "--entries", "screening-basics")
    assert code == 2 and sheet is None
    assert "pass --bot USERNAME" in err


def test_bot_username_from_env_then_getme(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(cards.USERNAME_ENV, "@env_named_bot")
    code, _, sheet = run(tmp_path, capsys, "--topic", "overdose")
    assert code == 0
    assert parse_cards(sheet)[0]["href"] == link("t_overdose_en", "env_named_bot")

    monkeypatch.delenv(cards.USERNAME_ENV)
    asked: list[Config] = []

    async def get_me(config: Config):
        asked.append(config)
        if len(asked) == 1:
            return BotAnswer(username="from_getme_bot")
        return BotAnswer(problem="getMe: no usable answer from the Bot API (NetworkError)")

    monkeypatch.setattr("bot.getme.bot_username", get_me)
    with_token = Config(content_dir=SMALL, token=Secret("123:secret"))
    code, _, sheet = run(tmp_path, capsys, "--topic", "overdose", config=with_token)
    assert code == 0
    assert parse_cards(sheet)[0]["href"] == link("t_overdose_en", "from_getme_bot")
    (tmp_path / "cards.html").unlink()
    code, err, _ = run(tmp_path, capsys, "--topic", "overdose", config=with_token)
    assert code == 2 and "getMe" in err and "--bot" in err and "secret" not in err


def test_invalid_bot_username(tmp_path, capsys):
    code, err, _ = run(tmp_path, capsys, "--entries", "screening-basics", "--bot", "no spaces")
    assert code == 2 and "not a Telegram bot username" in err


def test_topic_gives_a_topic_card_then_its_entries(tmp_path, capsys):
    code, err, sheet = run(
        tmp_path, capsys, "--topic", "phone-search", "--region", "us", "--bot", BOT
    )
    assert code == 0, err
    found = parse_cards(sheet)
    assert [c["title"] for c in found] == [
        t("en", "topic.phone-search"),
        "Can police search my phone?",
    ]
    assert [c["href"] for c in found] == [
        link("t_phone-search_en_r-us"),
        link("e_rights-phone-us_en_r-us"),
    ]
    assert found[0]["desc"] == card_text("en", "about.rights")


def test_topic_with_nothing_for_the_region_warns(tmp_path, capsys):
    code, err, sheet = run(
        tmp_path, capsys, "--topic", "peer-support", "--region", "us", "--bot", BOT
    )
    assert code == 0
    assert len(parse_cards(sheet)) == 1
    assert "no entries to show yet in region 'us'" in err


def test_spanish_cards(tmp_path, capsys):
    code, err, sheet = run(tmp_path, capsys, "--topic", "overdose", "--lang", "es", "--bot", BOT)
    assert code == 0, err
    assert '<html lang="es">' in sheet
    assert card_text("es", "sheet.title") in sheet
    assert parse_cards(sheet) == [
        {
            "title": "Sobredosis",
            "desc": "Consejos de seguridad entre pares, todos en un solo lugar.",
            "href": link("t_overdose_es"),
            "link": link("t_overdose_es"),
            "foot": "Anónimo. Lantern no guarda nada sobre ti.",
        },
        {
            "title": "Señales de sobredosis y naloxona",
            "desc": "Labios azules, no responde, respira lento. Da naloxona y quédate a su lado.",
            "href": link("e_overdose-naloxone_es"),
            "link": link("e_overdose-naloxone_es"),
            "foot": "Anónimo. Lantern no guarda nada sobre ti.",
        },
    ]


def test_every_language_has_every_card_string():
    """The cards' strings are a language's `<lang>.cards.yaml`, like any other area."""
    keys = {k for k in catalogue()["en"] if k.startswith("pocket_card.")}
    assert {"pocket_card.footer", "pocket_card.sheet.title", "pocket_card.qr.label"} <= keys
    for lang in LANGUAGES:
        assert (LOCALES_DIR / f"{lang}.cards.yaml").is_file(), lang
        strings = {k: v for k, v in catalogue()[lang].items() if k.startswith("pocket_card.")}
        assert set(strings) == keys, lang
        assert all(value.strip() for value in strings.values()), lang
    assert card_text("es", "footer") != card_text("en", "footer")


def test_wired_into_the_lantern_command(tmp_path):
    out = tmp_path / "cli.html"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "cards", "--entries", "overdose-naloxone",
         "--bot", BOT, "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANTERN_CONTENT_DIR": str(SMALL)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Wrote 1 card(s)" in result.stdout
    assert link("e_overdose-naloxone_en") in out.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------- render

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=2",
]
PAGE_POINTS = {"A4": (595, 842), "letter": (612, 792)}


def chromium_binary() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no chromium binary found; `make test` installs Debian's chromium")


def chromium(binary: str, tmp_path: Path, name: str, page: Path, *flags: str) -> None:
    profile = tmp_path / f"profile-{name}"
    result = subprocess.run(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *flags, page.as_uri()],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]


def pdf_pages(path: Path) -> list[tuple[float, float]]:
    """(width, height) in points of each page object (counted by /Type /Page, not /Pages)."""
    data = path.read_bytes()
    pages = re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert len(boxes) == len(pages)
    return [(float(w), float(h)) for w, h in boxes]


@pytest.mark.parametrize(
    ("argv", "expected", "pages"),
    [
        (
            # Nine cards: five rows fit an A4 page, four a Letter page.
            ["--entries", ",".join(["screening-basics", "overdose-naloxone",
                                    "rights-phone-us"] * 3), "--region", "us"],
            ["e_screening-basics_en_r-us", "e_overdose-naloxone_en_r-us",
             "e_rights-phone-us_en_r-us"] * 3,
            {"A4": 1, "letter": 2},
        ),
        (
            ["--topic", "overdose", "--lang", "es"],
            ["t_overdose_es", "e_overdose-naloxone_es"],
            {"A4": 1, "letter": 1},
        ),
    ],
    ids=["entries", "topic-es"],
)  # fmt: skip
def test_sheet_renders_scans_and_prints(tmp_path, capsys, argv, expected, pages):
    import zxingcpp
    from PIL import Image

    binary = chromium_binary()
    code, err, sheet = run(tmp_path, capsys, *argv, "--bot", BOT)
    assert code == 0, err
    page = tmp_path / "cards.html"

    rows = math.ceil(len(expected) / 2)
    height = 260 + rows * 205  # heading, margins, and 54 mm (204 px) per row of cards
    shot = tmp_path / "screen.png"
    chromium(
        binary, tmp_path, "screen", page, f"--window-size=900,{height}", f"--screenshot={shot}"
    )
    with Image.open(shot) as image:
        found = zxingcpp.read_barcodes(image.convert("L"))
    assert sorted(qr.text for qr in found) == sorted(link(p) for p in expected)

    for size, count in pages.items():
        sized = tmp_path / f"cards-{size}.html"
        sized.write_text(
            sheet.replace("</head>", f"<style>@page {{ size: {size}; }}</style></head>", 1),
            encoding="utf-8",
        )
        pdf = tmp_path / f"cards-{size}.pdf"
        chromium(binary, tmp_path, size, sized, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
        assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
        boxes = pdf_pages(pdf)
        assert len(boxes) == count, size
        width, height_pt = PAGE_POINTS[size]
        assert all(abs(w - width) < 2 and abs(h - height_pt) < 2 for w, h in boxes), boxes
