"""`lantern cards`: a printable sheet of pocket cards, each with a QR code to a deep link.

For outreach bags and clinic walls. The sheet is one self-contained HTML file: inline CSS
and SVG, no scripts, no external files, nothing fetched. Cards are credit-card size
(85 x 54 mm) in two columns, which fit both A4 and Letter with 10 mm page margins, so the
same file prints on either paper at 100% scale.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import html
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import segno

from bot import deeplinks, getme
from bot.config import Config
from bot.content import load_knowledge
from bot.i18n import t
from knowledge.base import KnowledgeBase
from knowledge.markup import BULLET, to_plain
from knowledge.taxonomy import (
    ALL_TOPICS,
    DEFAULT_LANGUAGE,
    EXAMPLE_REGION,
    LANGUAGES,
    TOPIC_CATEGORY,
)

DESCRIPTION_LIMIT = 90
USERNAME_ENV = "LANTERN_BOT_USERNAME"
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")


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


# ----------------------------------------------------------------------- what to print

_URL_IN_TEXT = re.compile(r"\s*\(https://[^\s()]+\)")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)]*(?=\s|$)")


def shorten(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """`text` cut on a word boundary to at most `limit` characters, with "…" when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.-–—") + "…"


def describe(body: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """A plain one-line description of a body: its first sentence, shortened.

    Sentences that follow are kept while the whole still fits, so a short opener
    ("Take your time.") is not all a card says.
    """
    paragraphs = [p for p in to_plain(body).split("\n\n") if p.strip()]
    if not paragraphs:
        return ""
    lines = [line.strip().removeprefix(BULLET).strip() for line in paragraphs[0].splitlines()]
    if len(lines) > 1:  # a bullet list: each item reads as a sentence
        lines = [line if line[-1] in ".!?…:" else line + "." for line in lines if line]
    text = _URL_IN_TEXT.sub("", " ".join(lines))
    text = " ".join(text.split())
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    if ends:
        fitting = [end for end in ends if end <= limit]
        text = text[: fitting[-1] if fitting else ends[0]]
    if text.endswith(":"):  # an opener to a list that is not shown
        text = text[:-1].rstrip() + "…"
    return shorten(text, limit)


def topic_title(lang: str, slug: str) -> str:
    try:
        return t(lang, f"topic.{slug}")
    except KeyError:
        return slug


def _suggest(word: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, known, n=3, cutoff=0.6)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def plan_cards(
    kb: KnowledgeBase,
    *,
    lang: str,
    region: str | None = None,
    entries: Sequence[str] = (),
    topic: str | None = None,
) -> list[Card]:
    """The cards to print, in order; raises CardsError listing every unknown name."""
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
            about = card_text(lang, f"about.{TOPIC_CATEGORY[topic]}")
            cards.append(
                Card(topic_title(lang, topic), about, deeplinks.Link("topic", topic, lang, region))
            )
            entries = [entry.id for entry in kb.topic(topic, region)]
    for entry_id in entries:
        entry = kb.get(entry_id, region)
        if entry is None:
            problems.append(_why_missing(kb, entry_id, region))
            continue
        text = entry.text(lang)
        link = deeplinks.Link("entry", entry.id, lang, region)
        cards.append(Card(text.title, describe(text.body), link))
    if problems:
        raise CardsError(problems)
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
  grid-template-rows: 32mm auto auto;
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
  font: 7pt/1.2 "Liberation Mono", "DejaVu Sans Mono", monospace;
  overflow-wrap: anywhere;
}
.link a { color: inherit; text-decoration: none; }
.nw { white-space: nowrap; }
.foot { grid-column: 1 / -1; font-size: 6.5pt; line-height: 1.2; }
@media screen {
  html { background: #e9e9e9; }
  body { padding: 24px 12px; }
  .sheet {
    background: #fff;
    width: 210mm;
    margin: 0 auto;
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


def _breakable(link: str) -> str:
    """The link as text that wraps only after '?' or '_', never at a hyphen of an id."""
    pieces = re.split(r"(?<=[?_])", link)
    return "<wbr>".join(f'<span class="nw">{html.escape(p)}</span>' for p in pieces if p)


def _card_html(card: Card, link: str, lang: str) -> str:
    e = html.escape
    return (
        '<li class="card">'
        f'<div class="text"><h2>{e(card.title)}</h2><p class="desc">{e(card.description)}</p></div>'
        f'<div class="qr" role="img" aria-label="{e(card_text(lang, "qr.label", link=link))}">'
        f"{qr_svg(link)}</div>"
        f'<p class="link"><a href="{e(link)}">{_breakable(link)}</a></p>'
        f'<p class="foot">{e(card_text(lang, "footer"))}</p>'
        "</li>"
    )


def render_sheet(cards: Sequence[Card], bot_username: str, lang: str) -> str:
    """The whole printable sheet as one HTML document; every text is escaped."""
    e = html.escape
    items = "\n".join(_card_html(c, url(bot_username, c.link), lang) for c in cards)
    title = card_text(lang, "sheet.title")
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{e(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        '<main class="sheet">\n'
        f'<header class="head"><h1>{e(title)}</h1><p>{e(card_text(lang, "sheet.hint"))}</p>'
        "</header>\n"
        f'<ul class="cards">\n{items}\n</ul>\n</main>\n</body>\n</html>\n'
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
    username = (args.bot or os.environ.get(USERNAME_ENV, "")).strip().removeprefix("@")
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
            kb, lang=args.lang, region=args.region, entries=entries, topic=args.topic
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
    print(f"Wrote {len(cards)} card(s) to {out}. Print at 100% scale on A4 or Letter.")
    return 0
