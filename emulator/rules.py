"""Limits Telegram enforces that the spec only states in prose; checked even without it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from emulator.html import Entity, HTMLError, ParsedText, parse_html

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
MAX_INLINE_RESULTS = 50
MAX_RESULT_ID = 64
MAX_DELETE = 100
MAX_COMMANDS = 100
PROFILE_LIMITS = {
    "setMyName": ("name", 64),
    "setMyDescription": ("description", 512),
    "setMyShortDescription": ("short_description", 120),
}
# Every InlineKeyboardButton field except these is an action; a button has exactly one.
BUTTON_DECORATIONS = frozenset({"text", "icon_custom_emoji_id", "style"})
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_TEXT_METHODS = ("sendMessage", "editMessageText")


def parse_text(text: str, parse_mode: str | None, entities: Any = None) -> ParsedText:
    """What the user will see for `text`; raises HTMLError for invalid HTML.

    Markdown modes are not parsed: the text is taken as is, which over-counts its length.
    """
    if parse_mode and parse_mode.lower() == "html":
        return parse_html(text)
    return ParsedText(text, tuple(_given_entities(text, entities)))


def _given_entities(text: str, entities: Any) -> Iterator[Entity]:
    if not isinstance(entities, list):
        return
    for item in entities:
        if isinstance(item, dict) and isinstance(item.get("offset"), int):
            # Bot API offsets are UTF-16 units; close enough for display in the emulator.
            yield Entity(
                str(item.get("type", "")),
                item["offset"],
                int(item.get("length", 0)),
                url=item.get("url"),
                language=item.get("language"),
                custom_emoji_id=item.get("custom_emoji_id"),
            )


def check_rules(method: str, params: Mapping[str, Any]) -> list[str]:
    """Problems with a call under Telegram's documented limits."""
    problems: list[str] = []
    if method in _TEXT_METHODS and "text" in params:
        problems += check_text(params["text"], params.get("parse_mode"), "text", 1, MAX_TEXT)
    if "caption" in params:
        problems += check_text(
            params["caption"], params.get("parse_mode"), "caption", 0, MAX_CAPTION
        )
    for where, markup in _inline_keyboards(params, ""):
        problems += check_keyboard(markup, where)
    if method == "answerCallbackQuery":
        problems += _check_callback_answer(params)
    elif method == "answerInlineQuery":
        problems += _check_inline_results(params.get("results"))
    elif method == "deleteMessages":
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_DELETE:
            problems.append(f"message_ids must list 1-{MAX_DELETE} message ids")
    elif method == "setMyCommands":
        problems += _check_commands(params.get("commands"))
    elif method in PROFILE_LIMITS:
        key, limit = PROFILE_LIMITS[method]
        value = params.get(key, "")
        if isinstance(value, str) and len(value) > limit:
            problems.append(f"{key} is {len(value)} characters (at most {limit})")
    return problems


def check_text(text: Any, parse_mode: Any, name: str, least: int, most: int) -> list[str]:
    """Length (after entity parsing) and markup of a message text or caption."""
    if not isinstance(text, str):
        return [f"{name} must be a string"]
    if parse_mode is not None and not isinstance(parse_mode, str):
        return ["parse_mode must be a string"]
    if parse_mode and parse_mode.lower() not in ("html", "markdown", "markdownv2"):
        return [f"unsupported parse_mode '{parse_mode}'"]
    try:
        plain = parse_text(text, parse_mode).text
    except HTMLError as exc:
        return [f"{name}: {exc}"]
    if least and not plain.strip():
        return [f"{name} is empty after entity parsing"]
    if len(plain) > most:
        return [f"{name} is {len(plain)} characters after entity parsing (at most {most})"]
    return []


def check_keyboard(markup: Mapping[str, Any], where: str) -> list[str]:
    """Each inline button: a label, exactly one action, callback_data of 1-64 bytes."""
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        return [f"{where}inline_keyboard must be an array of arrays of buttons"]
    problems: list[str] = []
    for r, row in enumerate(rows):
        for c, button in enumerate(row):
            at = f"{where}inline_keyboard[{r}][{c}]"
            if not isinstance(button, dict):
                problems.append(f"{at} is not a button object")
                continue
            if not isinstance(button.get("text"), str) or not button["text"]:
                problems.append(f"{at} has no text")
            actions = sorted(k for k in button if k not in BUTTON_DECORATIONS)
            if len(actions) != 1:
                shown = ", ".join(actions) or "none"
                problems.append(f"{at} must have exactly one action field, has {shown}")
            if "callback_data" in button:
                problems += _check_callback_data(button["callback_data"], at)
    return problems


def _check_callback_data(data: Any, at: str) -> list[str]:
    if not isinstance(data, str):
        return [f"{at}.callback_data must be a string"]
    size = len(data.encode("utf-8"))
    if not 1 <= size <= MAX_CALLBACK_DATA:
        return [f"{at}.callback_data is {size} bytes (must be 1-{MAX_CALLBACK_DATA})"]
    return []


def _inline_keyboards(value: Any, where: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if isinstance(value, Mapping):
        if "inline_keyboard" in value:
            yield where, value
            return
        for key, item in value.items():
            yield from _inline_keyboards(item, f"{where}{key}.")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _inline_keyboards(item, f"{where.rstrip('.')}[{index}].")


def _check_callback_answer(params: Mapping[str, Any]) -> list[str]:
    text = params.get("text")
    if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER:
        return [f"text is {len(text)} characters (at most {MAX_CALLBACK_ANSWER})"]
    return []


def _check_inline_results(results: Any) -> list[str]:
    if not isinstance(results, list):
        return ["results must be an array"]
    problems: list[str] = []
    if len(results) > MAX_INLINE_RESULTS:
        problems.append(f"{len(results)} results (at most {MAX_INLINE_RESULTS})")
    seen: set[str] = set()
    for index, result in enumerate(results):
        if not isinstance(result, dict):
            continue
        result_id = result.get("id")
        if isinstance(result_id, str):
            size = len(result_id.encode("utf-8"))
            if not 1 <= size <= MAX_RESULT_ID:
                problems.append(f"results[{index}].id is {size} bytes (must be 1-64)")
            if result_id in seen:
                problems.append(f"results[{index}].id is a duplicate")
            seen.add(result_id)
        content = result.get("input_message_content")
        if isinstance(content, dict) and "message_text" in content:
            problems += check_text(
                content["message_text"],
                content.get("parse_mode"),
                f"results[{index}].input_message_content.message_text",
                1,
                MAX_TEXT,
            )
        if "caption" in result:
            problems += check_text(
                result["caption"],
                result.get("parse_mode"),
                f"results[{index}].caption",
                0,
                MAX_CAPTION,
            )
    return problems


def _check_commands(commands: Any) -> list[str]:
    if not isinstance(commands, list):
        return ["commands must be an array of BotCommand"]
    problems: list[str] = []
    if len(commands) > MAX_COMMANDS:
        problems.append(f"{len(commands)} commands (at most {MAX_COMMANDS})")
    for index, command in enumerate(commands):
        if not isinstance(command, dict):
            problems.append(f"commands[{index}] is not a BotCommand")
            continue
        name = command.get("command")
        if not isinstance(name, str) or not _COMMAND.fullmatch(name):
            problems.append(f"commands[{index}].command must be 1-32 of a-z, 0-9 and _")
        description = command.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            problems.append(f"commands[{index}].description must be 1-256 characters")
    return problems
