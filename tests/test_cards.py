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
from bot.i18n import LOCALES_DIR, catalogue, languages, t
from knowledge.normalize import has_han
from tests.conftest import SMALL

BOT = "lantern_test_bot"
ROOT = Path(__file__).parents[1]


def link(payload_: str, bot: str = BOT) -> str:
    return f"https://t.me/{bot}?start={payload_}"


def printed(payload_: str, bot: str = BOT) -> str:
    """The link as a card prints it: without "https://"."""
    return link(payload_, bot).removeprefix("https://")


def coded(kind: str, target: str, lang: str | None = None, region: str | None = None) -> str:
    """The payload of a discreet card's link."""
    return deeplinks.encode(deeplinks.coded(deeplinks.Link(kind, target, lang, region)))


class _Cards(HTMLParser):
    """Each card of a sheet as {"title", "desc", "phone", "link", "href", "foot"}, the
    fields it has; texts unescaped."""

    FIELDS: ClassVar[dict[str, str]] = {
        "h2": "title",
        "desc": "desc",
        "phone": "phone",
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
        tmp_path, capsys, "--entries", "screening-basics, overdose-naloxone", "--bot", BOT,
        "--plain",
    )  # fmt: skip
    assert code == 0, err
    assert parse_cards(sheet) == [
        {
            "title": "Screening a new client",
            "desc": "Take your time. Trust your gut and check the bad date list.",
            "href": link("e_screening-basics_en"),
            "link": printed("e_screening-basics_en"),
            "foot": card_text("en", "footer"),
        },
        {
            "title": "Overdose signs and naloxone",
            "desc": (
                "Blue lips, no response, slow breathing. Give naloxone (narcan) and stay with them."
            ),
            "href": link("e_overdose-naloxone_en"),
            "link": printed("e_overdose-naloxone_en"),
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
        tmp_path, capsys, "--entries", "screening-basics", "--bot", BOT, "--plain",
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
    code, _, sheet = run(tmp_path, capsys, "--topic", "overdose", "--plain")
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
    code, _, sheet = run(tmp_path, capsys, "--topic", "overdose", "--plain", config=with_token)
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
        tmp_path, capsys, "--topic", "phone-search", "--region", "us", "--bot", BOT, "--plain"
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
    assert found[0]["desc"] == "Can police search my phone?"  # what the topic holds


def test_topic_with_nothing_for_the_region_warns(tmp_path, capsys):
    code, err, sheet = run(
        tmp_path, capsys, "--topic", "peer-support", "--region", "us", "--bot", BOT
    )
    assert code == 0
    assert len(parse_cards(sheet)) == 1
    assert "no entries to show yet in region 'us'" in err


def test_spanish_cards(tmp_path, capsys):
    code, err, sheet = run(
        tmp_path, capsys, "--topic", "overdose", "--lang", "es", "--bot", BOT, "--plain"
    )
    assert code == 0, err
    assert '<html lang="es">' in sheet
    assert card_text("es", "sheet.title") in sheet
    assert parse_cards(sheet) == [
        {
            "title": "Sobredosis",
            "desc": "Señales de sobredosis y naloxona",
            "href": link("t_overdose_es"),
            "link": printed("t_overdose_es"),
            "foot": "Anónimo. Lantern no guarda nada sobre ti.",
        },
        {
            "title": "Señales de sobredosis y naloxona",
            "desc": "Labios azules, no responde, respira lento. Da naloxona y quédate a su lado.",
            "href": link("e_overdose-naloxone_es"),
            "link": printed("e_overdose-naloxone_es"),
            "foot": "Anónimo. Lantern no guarda nada sobre ti.",
        },
    ]
    code, err, sheet = run(tmp_path, capsys, "--topic", "overdose", "--lang", "es", "--bot", BOT)
    assert code == 0, err
    assert [c["title"] for c in parse_cards(sheet)] == ["Notas", "Notas"]


def test_every_language_has_every_card_string():
    """The cards' strings are a language's `<lang>.cards.yaml`, like any other area."""
    keys = {k for k in catalogue()["en"] if k.startswith("pocket_card.")}
    assert {"pocket_card.footer", "pocket_card.sheet.title", "pocket_card.qr.label"} <= keys
    for lang in languages():
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
    assert "Wrote 1 discreet card(s)" in result.stdout
    assert link(coded("entry", "overdose-naloxone", "en")) in out.read_text(encoding="utf-8")


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
                                    "rights-phone-us"] * 3), "--region", "us", "--plain"],
            ["e_screening-basics_en_r-us", "e_overdose-naloxone_en_r-us",
             "e_rights-phone-us_en_r-us"] * 3,
            {"A4": 1, "letter": 2},
        ),
        (
            ["--topic", "overdose", "--lang", "es"],
            [coded("topic", "overdose", "es"), coded("entry", "overdose-naloxone", "es")],
            {"A4": 1, "letter": 1},
        ),
        (
            # Twelve discreet cards: on screen two A4 pages; in print, two of either paper.
            ["--entries", ",".join(["screening-basics", "overdose-naloxone"] * 6)],
            [coded("entry", "screening-basics", "en"),
             coded("entry", "overdose-naloxone", "en")] * 6,
            {"A4": 2, "letter": 2},
        ),
    ],
    ids=["entries-plain", "topic-es-discreet", "two-pages"],
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


# -------------------------------------------------------------------- discreet cards


def test_cards_are_discreet_by_default(tmp_path, capsys):
    """A card found in a wallet says "Notes", a QR code and a link that names nothing."""
    code, err, sheet = run(tmp_path, capsys, "--topic", "screening", "--region", "us", "--bot", BOT)
    assert code == 0, err
    found = parse_cards(sheet)
    assert [c["title"] for c in found] == [card_text("en", "discreet.title")] * 2 == ["Notes"] * 2
    assert all("desc" not in c and "foot" not in c for c in found)
    assert [c["href"] for c in found] == [
        link(coded("topic", "screening", "en", "us")),
        link(coded("entry", "screening-basics", "en", "us")),
    ]
    lowered = sheet.lower()
    for said in ("screening", "client", "trust your gut", "bad date", "filtr"):
        assert said not in lowered, said
    assert t("en", "topic.screening").lower() not in lowered


def test_discreet_flag_is_the_default_and_plain_turns_it_off(tmp_path, capsys):
    _, _, default = run(tmp_path, capsys, "--entries", "screening-basics", "--bot", BOT)
    (tmp_path / "cards.html").unlink()
    _, _, discreet = run(
        tmp_path, capsys, "--entries", "screening-basics", "--bot", BOT, "--discreet"
    )
    assert default == discreet and "Screening a new client" not in default
    (tmp_path / "cards.html").unlink()
    _, _, plain = run(tmp_path, capsys, "--entries", "screening-basics", "--bot", BOT, "--plain")
    assert parse_cards(plain)[0]["title"] == "Screening a new client"
    assert "Notes" not in plain

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    with pytest.raises(SystemExit):
        parser.parse_args(["--entries", "x1", "--plain", "--discreet", "--out", "x.html"])
    assert "--plain" in parser.format_help() and "--discreet" in parser.format_help()


def test_spanish_discreet_cards_say_notas(tmp_path, capsys):
    code, err, sheet = run(
        tmp_path, capsys, "--entries", "screening-basics", "--lang", "es", "--bot", BOT
    )
    assert code == 0, err
    assert parse_cards(sheet)[0]["title"] == "Notas"
    assert "Cómo filtrar" not in sheet and "filtr" not in sheet.lower()


async def test_a_discreet_cards_link_opens_its_entry_in_the_bot(small_snapshot):
    """The code on a printed card is resolved by /start against the knowledge base."""
    from bot.services import Services
    from knowledge.base import KnowledgeBase
    from tests.conftest import TODAY
    from tests.fakes import feed, message_update, recorded_app

    services = Services(KnowledgeBase(small_snapshot), today=lambda: TODAY)
    async with recorded_app(services) as (app, request):
        await feed(app, message_update(f"/start {coded('entry', 'screening-basics', 'es')}"))
        assert request.last()["text"].startswith("<b>Cómo filtrar a un cliente nuevo</b>")
        await feed(app, message_update(f"/start {coded('topic', 'overdose')}"))
        assert "Overdose" in request.last()["text"] or "Sobredosis" in request.last()["text"]
        await feed(app, message_update("/start c_00000000_en"))
        assert request.last()["text"].startswith(t("es", "start.link_out_of_date"))


def test_referral_cards_print_the_phone_and_hours(tmp_path, capsys):
    """A crisis line's card works without Telegram: its number and hours are printed,
    on discreet cards too (with no name), and only the number, not what it is for."""
    content = tmp_path / "content"
    shutil.copytree(SMALL, content)
    entries = content / "entries.yaml"
    text = entries.read_text(encoding="utf-8")
    entries.write_text(
        text.replace('phone: "+1 555 0100"', 'phone: "+1 555 0100"\n      hours: "24/7"', 1),
        encoding="utf-8",
    )
    config = Config(content_dir=content, show_examples=True)
    for flags, title in (((), "Notes"), (("--plain",), "Example: walk-in clinic")):
        code, err, sheet = run(
            tmp_path, capsys, "--entries", "example-clinic,screening-basics", "--bot", BOT,
            *flags, config=config,
        )  # fmt: skip
        assert code == 0, err
        clinic, tip = parse_cards(sheet)
        assert clinic["title"] == title
        assert clinic["phone"] == "Tel. +1 555 0100 · 24/7"
        assert "phone" not in tip  # a tip has no number to print
        (tmp_path / "cards.html").unlink()


def test_shipped_crisis_line_cards_carry_their_numbers():
    from bot.content import load_knowledge
    from knowledge.loader import DEFAULT_CONTENT_DIR

    kb, problems = load_knowledge(DEFAULT_CONTENT_DIR)
    if kb is None:
        pytest.skip(f"the shipped content does not load right now: {problems[:1]}")
    crisis = [
        e for e in kb.snapshot.entries
        if e.kind.value == "referral" and "crisis-support" in e.topics
        and e.contact and e.contact.phone
    ]  # fmt: skip
    assert crisis
    for entry in crisis:
        region = next(r for r in entry.regions)
        (card,) = cards.plan_cards(kb, lang="es", region=region, entries=[entry.id])
        html_text = render_sheet([card], BOT, "es")
        assert f"Tel. {entry.contact.phone}" in html_text
        if entry.contact.hours:
            assert entry.contact.hours in html_text
        assert entry.text("es").title not in html_text and entry.id not in html_text


# ------------------------------------------------------------------- card text, links


def test_descriptions_end_at_a_sentence_or_a_word():
    skip = cards.says_nothing("en")
    assert describe(
        "You know your situation best. Leaving suddenly can be dangerous.", skip=skip
    ) == ("Leaving suddenly can be dangerous.")
    assert describe("You know your situation best.", skip=skip) == ""
    assert cards.says_nothing("es") >= {"nadie conoce tu situación mejor que tú."}
    # an abbreviation ends no sentence; a bracket is not left open
    assert (
        describe(
            "Drinks, food, vapes or drugs can be spiked with sedatives (GHB, benzos, ketamine,"
            " scopolamine, known as burundanga) or with extra alcohol."
        )
        == "Drinks, food, vapes or drugs can be spiked with sedatives…"
    )
    assert describe("The court ruled (Riley v. California) that police need a warrant.") == (
        "The court ruled (Riley v. California) that police need a warrant."
    )
    assert cards.sentences("Muchos clubes en EE. UU. llaman así. Y más.") == [
        "Muchos clubes en EE. UU. llaman así.",
        "Y más.",
    ]
    # a label alone says nothing: the next sentence follows it, cut after a word
    label = describe(
        "- **Seizure.** Police can take your phone if they arrest you or believe it holds"
        " evidence, and can keep it for months.\n- **Other.** More."
    )
    assert (
        label
        == "Seizure. Police can take your phone if they arrest you or believe it holds evidence…"
    )
    # an opener to a list that is not shown ends the description
    assert describe("Working outside has risks. Small habits help:\n- a buddy") == (
        "Working outside has risks."
    )


def test_shipped_descriptions_never_end_mid_word():
    from bot.content import load_knowledge
    from knowledge.loader import DEFAULT_CONTENT_DIR

    kb, _ = load_knowledge(DEFAULT_CONTENT_DIR, show_examples=True)
    if kb is None:
        pytest.skip("the shipped content does not load right now")
    for entry in kb.snapshot.entries:
        for lang, text in entry.texts.items():
            said = describe(text.body, skip=cards.says_nothing(lang))
            assert len(said) <= cards.DESCRIPTION_LIMIT, (entry.id, lang)
            if not said:
                continue
            assert said[-1] in '.!?…"”»)。！？', (entry.id, lang, said)
            words = " ".join(text.body.split())
            # Chinese has no spaces between words: any character is a place to stop.
            if said.endswith("…") and not has_han(said):
                last = re.sub(r"^\W+|\W+$", "", said[:-1].split()[-1])
                plain = re.sub(r"[*_`]", "", words)
                assert re.search(rf"\b{re.escape(last)}\b", plain), (entry.id, lang, said)
            assert said.casefold() not in cards.says_nothing(lang)


def test_printed_links_break_only_before_the_payload():
    bot = "b" * 32  # the longest bot username Telegram allows
    short = url("lantern_bot", deeplinks.Link("entry", "screening-basics", "en", "us"))
    assert cards.printed_link(short) == ["t.me/lantern_bot?start=e_screening-basics_en_r-us"]
    longest = url(bot, deeplinks.Link("entry", "a" * 40, "es", "a-region"))
    head, tail = cards.printed_link(longest)
    assert head == f"t.me/{bot}?start=" and tail == payload(
        deeplinks.Link("entry", "a" * 40, "es", "a-region")
    )
    rendered = cards._link_html(longest)
    assert rendered.count("<wbr>") == 1
    assert re.findall(r'<span class="nw">([^<]*)</span>', rendered) == [head, tail]


def test_the_longest_shipped_link_fits_the_card():
    """Every link of the shipped content, with a long bot name and the longest region, is
    printed at a size where each of its lines fits the 78 mm inside a card."""
    from bot.content import load_knowledge
    from knowledge.loader import DEFAULT_CONTENT_DIR

    kb, _ = load_knowledge(DEFAULT_CONTENT_DIR, show_examples=True)
    if kb is None:
        pytest.skip("the shipped content does not load right now")
    region = max((r.slug for r in kb.snapshot.regions), key=len)
    links = [deeplinks.Link("entry", e.id, "es", region) for e in kb.snapshot.entries]
    links += [deeplinks.Link("topic", slug, "es", region) for slug in cards.ALL_TOPICS]
    for bot in ("lantern_bot", "b" * 32):
        for one in links:
            for shown in (one, deeplinks.coded(one)):
                pieces = cards.printed_link(url(bot, shown))
                size = cards.link_font_pt(max(map(len, pieces)))
                assert size >= 5.5, (bot, shown)
                for piece in pieces:
                    width = len(piece) * cards.MONO_ADVANCE_EM * size * cards.PT_MM
                    assert width <= cards.LINK_WIDTH_MM, (bot, shown)
                if shown.kind == "code" and bot == "lantern_bot":
                    assert len(pieces) == 1  # a discreet link, with a short name: one line
