"""`lantern cards`: a printable sheet of pocket cards, each with a QR code to a deep link.

For outreach bags and clinic walls. The sheet is one self-contained HTML file: inline CSS
and SVG, no scripts, no external files, nothing fetched. Cards are credit-card size
(85 x 54 mm) in two columns, which fit both A4 and Letter with 10 mm page margins, so the
same file prints on either paper at 100% scale.

Cards are discreet unless asked otherwise (`--plain`). A card lives in a wallet or a phone
case, where police, a client or a controlling partner may find it, and whoever prints it
cannot know which topics would out the person carrying it: "Screening a new client",
"Signs of control", a sexual health clinic and a violence helpline all can. A discreet card
says "Notes", a QR code and a link whose payload is an opaque code (bot/deeplinks.py), and
for a referral with a phone, the number and hours, which a crisis card must carry for when
there is no Telegram. A plain card adds the title and a one-line description, for clinic
walls and for the worker's own reference.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import math
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import segno

from bot import deeplinks, getme
from bot.config import BOT_USERNAME, BOT_USERNAME_ENV, Config
from bot.content import load_knowledge
from bot.i18n import t
from knowledge.base import KnowledgeBase
from knowledge.ids import did_you_mean
from knowledge.markup import BULLET, to_plain
from knowledge.model import Entry, Kind
from knowledge.normalize import has_han
from knowledge.taxonomy import (
    ALL_TOPICS,
    DEFAULT_LANGUAGE,
    EXAMPLE_REGION,
    LANGUAGES,
    TOPIC_CATEGORY,
)

DESCRIPTION_LIMIT = 90
# The printed link: the card's width inside its padding, and the advance of one character
# of the monospace fonts the sheet names (0.6 em, a little more for safety).
LINK_WIDTH_MM = 77.0
MONO_ADVANCE_EM = 0.61
LINK_MAX_PT = 7.5
LINK_MIN_PT = 6.0  # below this, the link goes on two lines, broken before the payload
PT_MM = 25.4 / 72
USERNAME_ENV = BOT_USERNAME_ENV
_USERNAME = BOT_USERNAME


def card_text(lang: str, key: str, **values: str) -> str:
    """A string printed on the cards or the sheet: `pocket_card.<key>` in
    bot/locales/<lang>.cards.yaml (`about.<category>` describes a topic's card)."""
    return t(lang, f"pocket_card.{key}", **values)


class CardsError(Exception):
    """What is wrong with the request, one line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True, slots=True)
class Card:
    title: str
    description: str
    link: deeplinks.Link
    phone: str = ""
    hours: str = ""
    discreet: bool = False


# ---------------------------------------------------------------------------- links


def payload(link: deeplinks.Link) -> str:
    """The /start payload for a link; the region is left out when it would not fit."""
    try:
        return deeplinks.encode(link)
    except ValueError:
        if not link.region:
            raise
    return deeplinks.encode(deeplinks.Link(link.kind, link.target, link.lang, None))


def region_left_out(link: deeplinks.Link) -> bool:
    return bool(link.region) and f"_r-{link.region}" not in payload(link)


def url(bot_username: str, link: deeplinks.Link) -> str:
    return f"https://t.me/{bot_username}?start={payload(link)}"


def printed_link(link_url: str) -> list[str]:
    """The link as printed: without "https://" (Telegram and browsers take it as typed),
    in the pieces it may be broken into: one line, or the part up to "?start=" and the
    payload, so a line never breaks inside an id, a word or a code."""
    text = link_url.removeprefix("https://")
    head, sep, tail = text.partition("?start=")
    if not sep or link_font_pt(len(text)) >= LINK_MIN_PT:
        return [text]
    return [head + sep, tail]


def link_font_pt(chars: int) -> float:
    """The largest font size, up to LINK_MAX_PT, at which `chars` characters of the
    monospace font fit on one line of the card."""
    fits = LINK_WIDTH_MM / (max(chars, 1) * MONO_ADVANCE_EM * PT_MM)
    return min(LINK_MAX_PT, math.floor(fits * 100) / 100)  # printed with two decimals


# ----------------------------------------------------------------------- what to print

_URL_IN_TEXT = re.compile(r"\s*\(https://[^\s()]+\)")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)]*(?=\s|$)|[。！？][」』”）]*")
# Chinese ends a sentence with 。！？ and starts the next without a space.
_CJK_END = "。！？"
_COLONS = (":", "：")
# After a sentence's end comes the end of the text, or a capital, digit or opening mark.
_SENTENCE_START = re.compile(r"\s+[\"'“‘«¿¡(]*[A-ZÁÉÍÓÚÑÜ0-9]")
# "v." (Riley v. California), "EE. UU.", "e.g.", "Dr.": a full stop that ends no sentence.
_ABBREVIATION = re.compile(
    r"(?:^|[\s(])(?:[A-Za-z]|[A-Za-z]+\.[A-Za-z]+|EE|vs|Dr|Dra|Mr|Mrs|Ms|St|Sr|Sra)\.$"
)
LABEL_WORDS = 3  # a sentence shorter than this is a label ("Seizure."), not a description


def shorten(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """`text` cut on a word boundary to at most `limit` characters, with "…" when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.-–—") + "…"


def shorten_cleanly(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """`shorten`, and when cut, cut before a bracket or quotation the cut would leave open."""
    cut = shorten(text, limit)
    if len(" ".join(text.split())) <= limit:
        return cut
    body = cut[:-1]
    for opener, closer in (("(", ")"), ("«", "»"), ("“", "”"), ("„", "”"), ("（", "）")):
        if body.count(opener) > body.count(closer):
            body = body[: body.rfind(opener)]
    if body.count('"') % 2:
        body = body[: body.rfind('"')]
    words = body.rstrip(" ,;:.-–—").split()
    while len(words) > 3 and len(words[-1]) <= 3 and words[-1].isalpha() and words[-1].islower():
        words.pop()  # "…evidence, and…" reads as if something was lost: end on a word that says
    body = " ".join(words).rstrip(" ,;:.-–—")
    return body + "…" if body else cut


def sentences(text: str) -> list[str]:
    """`text` split into sentences; abbreviations ("Riley v. California") end none."""
    found: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        cjk = text[match.start()] in _CJK_END
        if end < len(text) and not cjk and not _SENTENCE_START.match(text, end):
            continue
        if text[end - 1] == "." and _ABBREVIATION.search(text[start:end]):
            continue
        found.append(text[start:end].strip())
        start = end
    rest = text[start:].strip()
    return [*found, rest] if rest else found


def says_nothing(lang: str) -> set[str]:
    """Openers that tell the reader nothing on a card ("You know your situation best."):
    one a line in `pocket_card.says_nothing`, compared without case."""
    return {line.strip().casefold() for line in card_text(lang, "says_nothing").splitlines()}


def describe(body: str, limit: int = DESCRIPTION_LIMIT, *, skip: set[str] | None = None) -> str:
    """A plain one-line description of a body: whole sentences that fit, never a cut word.

    Sentences in `skip` (see `says_nothing`) are left out. Sentences are kept while the
    whole fits, so a short opener ("Take your time.") is not all a card says; when what
    fits is only a label ("Seizure."), or no whole sentence fits, the next sentence is cut
    after a word, with "…", before any bracket it would leave open.
    """
    paragraphs = [p for p in to_plain(body).split("\n\n") if p.strip()]
    if not paragraphs:
        return ""
    lines = [line.strip().removeprefix(BULLET).strip() for line in paragraphs[0].splitlines()]
    if len(lines) > 1:  # a bullet list: each item reads as a sentence
        lines = [
            line if line[-1] in ".!?…:。！？：" else line + ("。" if has_han(line) else ".")
            for line in lines
            if line
        ]
    text = _URL_IN_TEXT.sub("", " ".join(lines))
    found = [s for s in sentences(" ".join(text.split())) if s.casefold() not in (skip or ())]
    if not found:
        return ""
    kept: list[str] = []
    for sentence in found:
        if len(" ".join([*kept, sentence])) > limit or (kept and sentence.endswith(_COLONS)):
            break  # an opener to a list ("Signs:") ends a description, unless it is all
        kept.append(sentence)
    if len(found) > len(kept) and len(" ".join(kept).split()) < LABEL_WORDS:
        kept.append(found[len(kept)])  # a label alone says nothing: add the next, cut
    text = " ".join(kept)
    if text.endswith(_COLONS):  # an opener to a list that is not shown
        text = text[:-1].rstrip() + "…"
    return shorten_cleanly(text, limit)


def topic_title(lang: str, slug: str) -> str:
    try:
        return t(lang, f"topic.{slug}")
    except KeyError:
        return slug


_suggest = did_you_mean


def topic_description(lang: str, titles: Sequence[str], category: str) -> str:
    """A topic card's description: the titles of its first entries, whole, while they fit;
    what the category is about when the topic has none."""
    if not titles:
        return card_text(lang, f"about.{category}")
    kept: list[str] = []
    for title in titles:
        if len(" · ".join([*kept, title])) > DESCRIPTION_LIMIT:
            break
        kept.append(title)
    return " · ".join(kept) if kept else shorten_cleanly(titles[0])


def _contact(entry: Entry) -> tuple[str, str]:
    """A referral's phone number and hours, printed so the card works without Telegram."""
    contact = entry.contact
    if entry.kind is not Kind.REFERRAL or contact is None or not contact.phone:
        return "", ""
    return contact.phone, contact.hours or ""


def _discreet_link(kb: KnowledgeBase, link: deeplinks.Link) -> deeplinks.Link:
    coded = deeplinks.coded(link)
    if deeplinks.resolve(coded, kb.snapshot.by_id) != link:
        raise CardsError(
            [
                f"the code for '{link.target}' is shared with another entry or topic;"
                " rename one of them, or print with --plain"
            ]
        )
    return coded


def plan_cards(
    kb: KnowledgeBase,
    *,
    lang: str,
    region: str | None = None,
    entries: Sequence[str] = (),
    topic: str | None = None,
    discreet: bool = True,
) -> list[Card]:
    """The cards to print, in order; raises CardsError listing every unknown name.

    Discreet cards (the default) carry no title or description of what they open, and
    their links an opaque code; see the module's docstring."""
    problems: list[str] = []
    if region is not None and kb.snapshot.region(region) is None:
        known = sorted(r.slug for r in kb.snapshot.regions)
        problems.append(f"unknown region '{region}'; regions are: {', '.join(known)}")
        region = None  # still check the rest, so every problem is reported at once
    cards: list[Card] = []
    if topic is not None:
        if topic not in ALL_TOPICS:
            problems.append(f"unknown topic '{topic}'{_suggest(topic, ALL_TOPICS)}")
        else:
            found = kb.topic(topic, region)
            about = topic_description(
                lang, [e.text(lang).title for e in found], TOPIC_CATEGORY[topic]
            )
            cards.append(
                Card(topic_title(lang, topic), about, deeplinks.Link("topic", topic, lang, region))
            )
            entries = [entry.id for entry in found]
    skip = says_nothing(lang)
    for entry_id in entries:
        entry = kb.get(entry_id, region)
        if entry is None:
            problems.append(_why_missing(kb, entry_id, region))
            continue
        text = entry.text(lang)
        link = deeplinks.Link("entry", entry.id, lang, region)
        phone, hours = _contact(entry)
        cards.append(Card(text.title, describe(text.body, skip=skip), link, phone, hours))
    if problems:
        raise CardsError(problems)
    if discreet:
        neutral = card_text(lang, "discreet.title")
        cards = [
            Card(neutral, "", _discreet_link(kb, c.link), c.phone, c.hours, discreet=True)
            for c in cards
        ]
    return cards


def _why_missing(kb: KnowledgeBase, entry_id: str, region: str | None) -> str:
    entry = kb.snapshot.get(entry_id)
    if entry is None:
        known = [e.id for e in kb.snapshot.entries]
        return f"unknown entry id '{entry_id}'{_suggest(entry_id, known)}"
    if EXAMPLE_REGION in entry.regions and not kb.show_examples:
        return f"entry '{entry_id}' is a demo entry; set LANTERN_SHOW_EXAMPLES=1 to print it"
    return (
        f"entry '{entry_id}' is not shown to people in region '{region}'"
        f" (it is for: {', '.join(entry.regions)})"
    )


# --------------------------------------------------------------------------- the sheet

_CSS = """
@page { margin: 10mm; }
* { box-sizing: border-box; }
html { color: #000; background: #fff; }
body {
  margin: 0;
  font-family: "Liberation Sans", Arial, Helvetica, "DejaVu Sans", sans-serif;
}
.head { font-size: 10.5pt; line-height: 1.4; margin: 0 0 6mm; }
.head h1 { font-size: 15pt; margin: 0 0 1mm; }
.head p { margin: 0; }
.cards {
  display: grid;
  grid-template-columns: repeat(2, 85mm);
  grid-auto-rows: 54mm;
  gap: 0;
  justify-content: center;
  margin: 0;
  padding: 0;
  list-style: none;
}
.card {
  width: 85mm;
  height: 54mm;
  padding: 3.5mm;
  overflow: hidden;
  break-inside: avoid;
  page-break-inside: avoid;
  outline: 0.3mm dashed #666;
  outline-offset: -0.15mm;
  display: grid;
  grid-template-columns: minmax(0, 1fr) 32mm;
  grid-template-rows: minmax(32mm, 1fr) auto auto;
  column-gap: 3mm;
  row-gap: 1.2mm;
}
.text { overflow: hidden; }
.card h2 {
  font-size: 10.5pt;
  line-height: 1.2;
  margin: 0 0 1.5mm;
  display: -webkit-box;
  -webkit-box-orient: vertical;
  -webkit-line-clamp: 4;
  overflow: hidden;
}
.card p { margin: 0; }
.phone { font-size: 9.5pt; line-height: 1.3; font-weight: bold; margin: 0 0 1.5mm; }
.phone .hours { font-weight: normal; }
.desc {
  font-size: 8pt;
  line-height: 1.3;
  display: -webkit-box;
  -webkit-box-orient: vertical;
  -webkit-line-clamp: 4;
  overflow: hidden;
}
.qr { width: 32mm; height: 32mm; }
.qr svg { display: block; width: 100%; height: 100%; }
.link {
  grid-column: 1 / -1;
  align-self: end;
  font-family: "Liberation Mono", "DejaVu Sans Mono", monospace;
  line-height: 1.2;
}
.link a { color: inherit; text-decoration: none; }
.nw { white-space: nowrap; }
.foot { grid-column: 1 / -1; font-size: 6.5pt; line-height: 1.2; }
@media screen {
  html { background: #e9e9e9; }
  body { padding: 24px 12px; }
  .head { width: 210mm; margin: 0 auto 6mm; }
  .page {
    background: #fff;
    width: 210mm;
    min-height: 297mm;
    margin: 0 auto 8mm;
    padding: 10mm;
    box-shadow: 0 1px 6px rgba(0, 0, 0, 0.25);
  }
}
@media print {
  .head { display: none; }
}
"""


def qr_svg(link: str) -> str:
    """The QR code for `link` as inline SVG, with its 4-module quiet zone, sized by CSS."""
    code = segno.make_qr(link, error="m")
    return code.svg_inline(scale=1, border=4, omitsize=True, dark="#000", svgclass=None)


def _link_html(link: str) -> str:
    """The printed link: one line, or two broken only before the payload (`printed_link`),
    in the largest size at which its longest line fits the card."""
    pieces = printed_link(link)
    size = link_font_pt(max(len(p) for p in pieces))
    text = "<wbr>".join(f'<span class="nw">{html.escape(p)}</span>' for p in pieces)
    return (
        f'<p class="link" style="font-size: {size:.2f}pt">'
        f'<a href="{html.escape(link)}">{text}</a></p>'
    )


# What fits in the text column (43 mm wide, about 36 mm high above the link), estimated
# on the generous side, so a description is clamped after a whole line, never cut through.
_TITLE_CHARS, _TITLE_MM = 19, 4.5  # characters a line and line height of the title
_PHONE_CHARS, _PHONE_MM = 22, 4.3
_DESC_CHARS, _DESC_MM = 28, 3.7
_TEXT_MM = 35.0


def _lines(text: str, per_line: int) -> int:
    return max(1, math.ceil(len(text) / per_line)) if text else 0


def desc_lines(card: Card, link: str) -> int:
    """How many lines of description fit under the card's title and phone number."""
    phone = f"Tel. {card.phone} · {card.hours}" if card.phone else ""
    used = min(4, _lines(card.title, _TITLE_CHARS)) * _TITLE_MM + 1.5
    used += _lines(phone, _PHONE_CHARS) * _PHONE_MM + (1.5 if phone else 0)
    room = _TEXT_MM - used - (3.5 if len(printed_link(link)) > 1 else 0)
    return max(0, min(4, int(room // _DESC_MM)))


def _card_html(card: Card, link: str, lang: str) -> str:
    e = html.escape
    phone = ""
    if card.phone:
        hours = f' <span class="hours">· {e(card.hours)}</span>' if card.hours else ""
        phone = f'<p class="phone">{e(card_text(lang, "phone", phone=card.phone))}{hours}</p>'
    lines = desc_lines(card, link)
    desc = ""
    if card.description and lines:
        # Shortened here, after a word, so the browser's clamp (which cuts letters) never has to.
        said = shorten_cleanly(card.description, min(DESCRIPTION_LIMIT, lines * _DESC_CHARS))
        desc = f'<p class="desc" style="-webkit-line-clamp: {lines}">{e(said)}</p>'

    foot = "" if card.discreet else f'<p class="foot">{e(card_text(lang, "footer"))}</p>'
    return (
        f'<li class="card{" discreet" if card.discreet else ""}">'
        f'<div class="text"><h2>{e(card.title)}</h2>{phone}{desc}</div>'
        f'<div class="qr" role="img" aria-label="{e(card_text(lang, "qr.label", link=link))}">'
        f"{qr_svg(link)}</div>"
        f"{_link_html(link)}{foot}"
        "</li>"
    )


CARDS_PER_PAGE = 10  # five rows of two fill an A4 page; the screen shows A4 pages


def render_sheet(cards: Sequence[Card], bot_username: str, lang: str) -> str:
    """The whole printable sheet as one HTML document; every text is escaped.

    On screen the cards are shown as A4 pages of ten. In print the pages are not forced:
    A4 takes ten cards a page anyway, and Letter takes eight."""
    e = html.escape
    pages = [cards[i : i + CARDS_PER_PAGE] for i in range(0, len(cards), CARDS_PER_PAGE)]
    sections = "\n".join(
        '<section class="page"><ul class="cards">\n'
        + "\n".join(_card_html(c, url(bot_username, c.link), lang) for c in page)
        + "\n</ul></section>"
        for page in pages
    )
    title = card_text(lang, "sheet.title")
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{e(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        '<main class="sheet">\n'
        f'<header class="head"><h1>{e(title)}</h1><p>{e(card_text(lang, "sheet.hint"))}</p>'
        "</header>\n"
        f"{sections}\n</main>\n</body>\n</html>\n"
    )


# ------------------------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--entries", metavar="ID,...", help="entry ids, comma-separated")
    what.add_argument("--topic", metavar="SLUG", help="a topic card plus one card per entry")
    parser.add_argument(
        "--lang", default=DEFAULT_LANGUAGE, choices=LANGUAGES, help="language of cards and links"
    )
    parser.add_argument("--region", default=None, help="region slug, also put in the links")
    layout = parser.add_mutually_exclusive_group()
    layout.add_argument(
        "--discreet",
        dest="discreet",
        action="store_true",
        default=True,
        help="cards say 'Notes', with no title or description, and links that name nothing"
        " (the default: a card in a wallet must not out the person carrying it)",
    )
    layout.add_argument(
        "--plain",
        dest="discreet",
        action="store_false",
        help="print each card's title and description, and links with the entry's id"
        " (for clinic walls and the worker's own reference)",
    )
    parser.add_argument(
        "--bot",
        metavar="USERNAME",
        help=f"the bot's username (default: ${USERNAME_ENV}, else asked with getMe)",
    )
    parser.add_argument(
        "--out", required=True, type=Path, metavar="FILE.html", help="where to write the sheet"
    )


def main(args: argparse.Namespace, config: Config) -> int:
    def fail(*lines: str) -> int:
        for line in lines:
            print(f"lantern cards: {line}", file=sys.stderr)
        return 2

    entries: list[str] = []
    if args.entries is not None:
        entries = [part.strip() for part in args.entries.split(",") if part.strip()]
        if not entries:
            return fail("--entries needs at least one entry id")
    # Config reads the same variable for the `lantern` command; a Config built in code
    # (tests, the console) may leave it out.
    username = args.bot or config.bot_username or os.environ.get(USERNAME_ENV, "")
    username = username.strip().removeprefix("@")
    if username and not _USERNAME.match(username):
        return fail(f"'{username}' is not a Telegram bot username")
    out = Path(args.out)
    if not out.parent.is_dir():
        return fail(f"cannot write {out}: {out.parent} is not a directory")

    kb, problems = load_knowledge(config.content_dir, show_examples=config.show_examples)
    if kb is None:
        print("\n".join(problems), file=sys.stderr)
        return fail(f"{len(problems)} problem(s) in the content; no cards written")
    try:
        cards = plan_cards(
            kb,
            lang=args.lang,
            region=args.region,
            entries=entries,
            topic=args.topic,
            discreet=getattr(args, "discreet", True),
        )
    except CardsError as exc:
        return fail(*exc.problems)

    problem = ""
    if not username:
        answer = asyncio.run(getme.bot_username(config))
        username, problem = answer.username, answer.problem
    if not username:
        asked = f" ({problem})" if config.token and problem else ""
        return fail(
            f"cannot tell the bot's username{asked}; pass --bot USERNAME or set {USERNAME_ENV}"
        )

    for card in cards:
        if region_left_out(card.link):
            print(
                f"lantern cards: note: the link for '{card.link.target}' leaves out the region;"
                " with it, the link would be too long for Telegram",
                file=sys.stderr,
            )
    if args.topic is not None and len(cards) == 1:
        print(
            f"lantern cards: note: topic '{args.topic}' has no entries to show yet"
            + (f" in region '{args.region}'" if args.region else ""),
            file=sys.stderr,
        )
    try:
        out.write_text(render_sheet(cards, username, args.lang), encoding="utf-8")
    except OSError as exc:
        return fail(f"cannot write {out}: {exc.strerror or exc}")
    kind = "discreet" if getattr(args, "discreet", True) else "plain"
    print(f"Wrote {len(cards)} {kind} card(s) to {out}. Print at 100% scale on A4 or Letter.")
    return 0
