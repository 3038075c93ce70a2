"""Moderators read why something was refused in their own language.

The domain raises codes (moderation/errors.py, knowledge/markup.py); the texts live in
bot/locales/<lang>.moderation.yaml. These tests find every code raised anywhere, by
reading the source, and check each has a text in every language, with the same values.
"""

from __future__ import annotations

import ast
import string
from datetime import date
from pathlib import Path

from bot import render
from bot.handlers.moderators.common import problem_text
from bot.i18n import catalogue, t
from knowledge import markup
from knowledge.model import Kind
from moderation.drafts import Draft, DraftText, problems
from moderation.errors import MESSAGES, ModerationError, Problem

ROOT = Path(__file__).parents[1]
# Where moderators' problems are raised: the domain and the moderators' chat.
SOURCES = [
    *sorted((ROOT / "moderation").rglob("*.py")),
    *sorted((ROOT / "bot" / "handlers" / "moderators").rglob("*.py")),
]
# Calls whose first argument is a moderation code: the error, its subclass, one problem,
# and drafts.problems' local function `add` (a plain name: `some_set.add(x)` is not one).
CODE_CALLS = {"ModerationError", "IdentityUnavailable", "Problem", "add"}


def _called_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute) and node.func.attr != "add":
        return node.func.attr
    return None


def _raised_codes(paths: list[Path], names: set[str], position: int) -> dict[str, list[str]]:
    """code -> where it is raised; a code that is not a plain string is reported as such."""
    found: dict[str, list[str]] = {}
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _called_name(node) not in names:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if len(node.args) <= position:
                found.setdefault("<no code>", []).append(where)
                continue
            arg = node.args[position]
            if isinstance(arg, ast.Name) and arg.id == "code":
                continue  # passing on a code its caller gave, which this scan checks there
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.setdefault(arg.value, []).append(where)
            else:
                found.setdefault("<not a literal>", []).append(where)
    return found


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_code_raised_is_registered():
    raised = _raised_codes(SOURCES, CODE_CALLS, 0)
    unknown = {code: where for code, where in raised.items() if code not in MESSAGES}
    assert unknown == {}, "codes with no English text in moderation/errors.py"
    assert set(MESSAGES) <= set(raised), "codes nothing raises any more"


def test_every_markup_code_raised_is_registered():
    raised = _raised_codes([ROOT / "knowledge" / "markup.py"], {"MarkupError"}, 1)
    assert set(raised) == set(markup.MESSAGES)


def test_every_code_has_a_text_in_every_language_with_the_same_values():
    for lang, table in catalogue().items():
        for prefix, messages in (
            ("moderation_error.", MESSAGES),
            ("markup_error.", markup.MESSAGES),
        ):
            keys = {k.removeprefix(prefix) for k in table if k.startswith(prefix)}
            assert keys == set(messages), f"{lang}: {prefix}* differs from the codes"
            for code, english in messages.items():
                text = table[prefix + code]
                assert text.strip(), f"{lang}:{prefix}{code}"
                assert _fields(text) == _fields(english), f"{lang}:{prefix}{code}"


def test_str_is_english_for_logs_and_the_command_line():
    assert str(ModerationError("only_admins")) == "only admins can do that"
    error = ModerationError("reason_too_long", limit=300)
    assert (error.code, dict(error.params)) == ("reason_too_long", {"limit": 300})
    assert str(error) == "keep the reason under 300 characters"
    both = ModerationError.several([Problem("no_topic"), Problem("no_region")])
    assert str(both) == "choose at least one topic; choose a region"
    assert [p.code for p in both.problems] == ["no_topic", "no_region"]
    broken = markup.check("**open")[0]
    assert (broken.code, broken.params, broken.line) == ("unclosed", {"mark": "**"}, 0)
    assert broken.message == "'**' is opened but never closed on this line"


def _draft(**texts: DraftText) -> Draft:
    return Draft(Kind.TIP, ("outdoor-work",), ("us",), dict(texts), date(2027, 1, 1))


def test_a_draft_s_problems_read_naturally_in_each_language():
    draft = _draft(es=DraftText("x" * 81, "Esto **no se cierra"))
    error = ModerationError.several(problems(draft, {"us"}, date(2026, 1, 1)))
    assert str(error) == (
        "es title must be 1-80 characters; "
        "es text, line 1: '**' is opened but never closed on this line"
    )
    assert problem_text("en", error) == (
        "the Spanish title must be 1-80 characters; "
        "the Spanish text, line 1: '**' is opened but never closed on this line"
    )
    assert problem_text("es", error) == (
        "el título en español tiene que tener entre 1 y 80 caracteres; "
        "el texto en español, línea 1: '**' se abre pero no se cierra en esta línea"
    )


def test_language_names_are_in_the_reader_s_language():
    assert render.language_name("es", "en") == "Spanish"
    assert render.language_name("en", "es") == "inglés"
    assert render.language_name("es", "es") == "español"
    assert render.language_name("xx", "es") == "xx"  # a code with no name yet
    # The picker shows each language in its own words.
    assert [t(code, "language_name") for code in ("en", "es")] == ["English", "Español"]
    assert t("es", "mod.new.ask_title", language=render.language_name("en", "es")).count(
        "en inglés"
    )
