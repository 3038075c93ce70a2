"""The Bot API emulator: a real PTB Application over real HTTP, and the checkers alone."""

from __future__ import annotations

import asyncio
import html
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.error import BadRequest, EndPointNotFound, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from emulator import (
    BotAPIEmulator,
    BotAPISpec,
    EmulatorTimeout,
    Fault,
    HTMLError,
    default_spec_path,
    fail_first,
    parse_html,
)
from emulator.rules import check_rules

TOKEN = "123456:TEST-emulator-token"
HAVE_SPEC = default_spec_path().is_file()
needs_spec = pytest.mark.skipif(not HAVE_SPEC, reason="Bot API spec not available")


# ----- a tiny echo bot, the way Lantern's handlers are written ------------------------------


def menu() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Safety", callback_data="topic:safety"),
                InlineKeyboardButton("Rights", callback_data="topic:rights"),
            ],
            [InlineKeyboardButton("Website", url="https://example.org/")],
        ]
    )


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: a greeting with a menu."""
    assert update.effective_message is not None
    await update.effective_message.reply_html(
        '<b>Welcome</b> to the <a href="https://example.org/echo">echo</a> bot.',
        reply_markup=menu(),
    )


async def broken(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/broken: sends HTML Telegram would refuse."""
    assert update.effective_message is not None
    await update.effective_message.reply_html("<b>unclosed")


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button press: answer it, then turn the menu into the chosen topic."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    if query.data == "back":
        await query.edit_message_text("Menu", reply_markup=menu())
        return
    topic = query.data.split(":", 1)[1]
    back = InlineKeyboardMarkup([[InlineKeyboardButton("Back", callback_data="back")]])
    await query.edit_message_text(
        f"You picked <i>{topic}</i>.", parse_mode="HTML", reply_markup=back
    )


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any other text: said back, escaped."""
    message = update.effective_message
    assert message is not None and message.text is not None
    await message.reply_html(f"You said: {html.escape(message.text)}")


async def inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Inline mode: one article per word of the query."""
    query = update.inline_query
    assert query is not None
    results = [
        InlineQueryResultArticle(str(i), word, InputTextMessageContent(word))
        for i, word in enumerate(query.query.split() or ["empty"])
    ]
    await query.answer(results)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Keeps the error for the test to look at."""
    context.bot_data["errors"].append(context.error)
    context.bot_data["error_seen"].set()


def build_echo_app(api_url: str, token: str) -> Application:
    """The echo bot, talking to the Bot API at api_url (the console's app_factory shape)."""
    application = ApplicationBuilder().token(token).base_url(f"{api_url}/bot").build()
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("start", start, filters=private))
    application.add_handler(CommandHandler("broken", broken, filters=private))
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, echo))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(InlineQueryHandler(inline))
    application.add_error_handler(on_error)
    application.bot_data.update(errors=[], error_seen=asyncio.Event())
    return application


@pytest.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator(TOKEN) as emulator:
        yield emulator


@pytest.fixture
async def app(emu: BotAPIEmulator) -> AsyncIterator[Application]:
    application = build_echo_app(emu.api_url, emu.token)
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0.0)
    yield application
    await application.updater.stop()
    await application.stop()
    await application.shutdown()


# ----- conversations --------------------------------------------------------------------------


async def test_start_replies_with_buttons(emu: BotAPIEmulator, app: Application) -> None:
    user = emu.new_user("Ana", language_code="es")
    await emu.send_text(user, "/start")
    [reply] = await emu.wait_for_bot_messages(user.id)
    assert reply.text == "Welcome to the echo bot."
    assert reply.html.startswith("<b>Welcome</b>")
    assert reply.buttons == [
        [("Safety", "topic:safety"), ("Rights", "topic:rights")],
        [("Website", "https://example.org/")],
    ]
    assert [e.type for e in reply.entities] == ["bold", "text_link"]
    assert emu.calls[0][0] == "getMe"
    assert [m.sender for m in emu.messages(user.id)] == ["user", "bot"]
    assert emu.violations == []


async def test_pressing_a_button_edits_the_message(emu: BotAPIEmulator, app: Application) -> None:
    user = emu.new_user("Ana")
    await emu.send_text(user, "/start")
    [menu_message] = await emu.wait_for_bot_messages(user.id)

    query_id = await emu.press(user, menu_message, "Rights")
    [edited] = await emu.wait_for_bot_messages(user.id)
    assert edited.message_id == menu_message.message_id
    assert edited.edited
    assert edited.text == "You picked rights."
    assert edited.buttons == [[("Back", "back")]]
    assert query_id in emu.callback_answers

    # By callback_data, on the message as it now stands.
    await emu.press(user, menu_message, "back")
    [back] = await emu.wait_for_bot_messages(user.id)
    assert back.text == "Menu"
    assert emu.violations == []


async def test_press_needs_an_existing_button(emu: BotAPIEmulator, app: Application) -> None:
    user = emu.new_user()
    await emu.send_text(user, "/start")
    [reply] = await emu.wait_for_bot_messages(user.id)
    with pytest.raises(LookupError, match="Nope"):
        await emu.press(user, reply, "Nope")
    with pytest.raises(ValueError, match="Website"):
        await emu.press(user, reply, "Website")


async def test_text_is_echoed_and_no_update_is_delivered_twice(
    emu: BotAPIEmulator, app: Application
) -> None:
    user = emu.new_user()
    for word in ("one", "two", "<three>"):
        await emu.send_text(user, word)
    replies = await emu.wait_for_bot_messages(user.id, n=3)
    assert [r.text for r in replies] == [
        "You said: one",
        "You said: two",
        "You said: <three>",
    ]
    assert len(emu.delivered) == len(set(emu.delivered)) == 3


async def test_group_message_ignored(emu: BotAPIEmulator, app: Application) -> None:
    user = emu.new_user()
    group = emu.new_group("Outreach team")
    await emu.send_text(user, "hello all", chat=group)
    await emu.idle()
    assert emu.bot_messages(group.id) == []
    # Updates are handled in order, so once a later one is answered the group's is done.
    await emu.send_text(user, "probe")
    await emu.wait_for_bot_messages(user.id)
    assert emu.bot_messages(group.id) == []
    assert [m.sender for m in emu.messages(group.id)] == ["user"]


async def test_command_addressed_to_the_bot(emu: BotAPIEmulator, app: Application) -> None:
    user = emu.new_user()
    sent = await emu.send_text(user, f"/start@{emu.username} payload")
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bot_command", 0, len(f"/start@{emu.username}"))
    ]
    [reply] = await emu.wait_for_bot_messages(user.id)
    assert reply.text.startswith("Welcome")


async def test_inline_query_answers_are_stored(emu: BotAPIEmulator, app: Application) -> None:
    user = emu.new_user()
    query_id = await emu.send_inline_query(user, "condoms lube")
    assert await emu.wait_until(lambda: query_id in emu.inline_answers)
    titles = [r["title"] for r in emu.inline_answers[query_id]["results"]]
    assert titles == ["condoms", "lube"]
    assert emu.violations == []


async def test_wait_for_bot_messages_times_out(emu: BotAPIEmulator) -> None:
    user = emu.new_user()
    with pytest.raises(EmulatorTimeout, match="got 0"):
        await emu.wait_for_bot_messages(user.id, timeout=0.05)


# ----- violations -----------------------------------------------------------------------------


@needs_spec
async def test_unknown_parameter(emu: BotAPIEmulator, app: Application) -> None:
    user = emu.new_user()
    with pytest.raises(BadRequest, match="colour"):
        await app.bot.send_message(user.id, "hi", api_kwargs={"colour": "red"})
    assert emu.violations == ["sendMessage: unknown parameter 'colour'"]
    assert emu.bot_messages(user.id) == []


@needs_spec
async def test_unknown_field_inside_a_button(emu: BotAPIEmulator, app: Application) -> None:
    user = emu.new_user()
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a", "colour": "red"}]]}
    with pytest.raises(BadRequest):
        await app.bot.send_message(user.id, "hi", api_kwargs={"reply_markup": json.dumps(markup)})
    assert any("unknown field 'colour'" in v for v in emu.violations)


async def test_callback_data_over_64_bytes(emu: BotAPIEmulator, app: Application) -> None:
    user = emu.new_user()
    fits = "é" * 32  # 64 bytes
    await app.bot.send_message(
        user.id, "ok", reply_markup=InlineKeyboardMarkup.from_button(_button(fits))
    )
    assert emu.violations == []
    too_long = "é" * 32 + "x"  # 33 characters, 65 bytes
    with pytest.raises(BadRequest, match="65 bytes"):
        await app.bot.send_message(
            user.id, "no", reply_markup=InlineKeyboardMarkup.from_button(_button(too_long))
        )
    assert len(emu.violations) == 1
    assert "callback_data is 65 bytes" in emu.violations[0]


def _button(data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton("Go", callback_data=data)


async def test_text_over_4096_characters(emu: BotAPIEmulator, app: Application) -> None:
    user = emu.new_user()
    await app.bot.send_message(user.id, "x" * 4096)
    # Markup does not count: 4096 characters after entity parsing.
    await app.bot.send_message(user.id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert emu.violations == []
    with pytest.raises(BadRequest, match="4097"):
        await app.bot.send_message(user.id, "x" * 4097)
    assert emu.violations == [
        "sendMessage: text is 4097 characters after entity parsing (at most 4096)"
    ]


async def test_broken_html_from_a_handler(emu: BotAPIEmulator, app: Application) -> None:
    user = emu.new_user()
    await emu.send_text(user, "/broken")
    assert await emu.wait_until(lambda: bool(emu.violations))
    assert emu.violations[0].startswith("sendMessage: text: can't parse entities")
    await asyncio.wait_for(app.bot_data["error_seen"].wait(), timeout=5)
    assert isinstance(app.bot_data["errors"][0], BadRequest)
    assert emu.bot_messages(user.id) == []


async def test_unknown_method(emu: BotAPIEmulator, app: Application) -> None:
    with pytest.raises(EndPointNotFound):
        await app.bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1})
    assert len(emu.violations) == 1
    assert emu.violations[0].startswith("sendTelepathy: unknown method")


async def test_set_my_commands(emu: BotAPIEmulator, app: Application) -> None:
    scope = BotCommandScopeAllPrivateChats()
    await app.bot.set_my_commands([BotCommand("help", "How it works")], scope=scope)
    await app.bot.set_my_commands(
        [BotCommand("help", "Cómo funciona")], scope=scope, language_code="es"
    )
    assert emu.commands_for({"type": "all_private_chats"}, "es") == [
        {"command": "help", "description": "Cómo funciona"}
    ]
    stored = await app.bot.get_my_commands(scope=scope)
    assert [c.description for c in stored] == ["How it works"]
    with pytest.raises(BadRequest):
        await app.bot.set_my_commands([BotCommand("Help-Me", "x")])
    assert emu.violations == ["setMyCommands: commands[0].command must be 1-32 of a-z, 0-9 and _"]


async def test_delete_messages_only_in_that_chat(emu: BotAPIEmulator, app: Application) -> None:
    ana, ben = emu.new_user("Ana"), emu.new_user("Ben")
    for user in (ana, ben):
        for text in ("first", "second"):
            await app.bot.send_message(user.id, text)
    # Message ids 1 and 2 exist in both chats; 3 exists in neither.
    await app.bot.delete_messages(ana.id, [1, 2, 3])
    assert emu.deleted == [(ana.id, 1), (ana.id, 2)]
    assert [m.deleted for m in emu.messages(ana.id)] == [True, True]
    assert [m.deleted for m in emu.messages(ben.id)] == [False, False]
    with pytest.raises(BadRequest, match="not found"):
        await app.bot.delete_message(ana.id, 1)
    with pytest.raises(BadRequest):
        await app.bot.delete_messages(ana.id, list(range(1, 102)))
    assert emu.violations == ["deleteMessages: message_ids must list 1-100 message ids"]


async def test_chat_must_exist(emu: BotAPIEmulator, app: Application) -> None:
    with pytest.raises(BadRequest, match="not found"):
        await app.bot.send_message(424242, "hello?")
    assert emu.errors == ["sendMessage: Bad Request: chat not found"]
    assert emu.violations == []


async def test_photo_upload_and_caption_limit(emu: BotAPIEmulator, app: Application) -> None:
    user = emu.new_user()
    sent = await app.bot.send_photo(
        user.id, photo=b"\x89PNG fake", caption="<i>Map</i>", parse_mode="HTML"
    )
    [photo] = emu.bot_messages(user.id)
    assert photo.kind == "photo" and photo.caption == "Map"
    assert emu.files[photo.file_id or ""].data == b"\x89PNG fake"
    assert sent.photo and sent.photo[0].file_id == photo.file_id
    with pytest.raises(BadRequest, match="1025"):
        await app.bot.send_document(user.id, document=b"doc", caption="y" * 1025)
    assert emu.violations == [
        "sendDocument: caption is 1025 characters after entity parsing (at most 1024)"
    ]


async def test_inline_results_limits(emu: BotAPIEmulator, app: Application) -> None:
    user = emu.new_user()
    query_id = await emu.send_inline_query(user, "x")
    assert await emu.wait_until(lambda: query_id in emu.inline_answers)
    results = [InlineQueryResultArticle("same", "t", InputTextMessageContent("m"))] * 2
    with pytest.raises(BadRequest):
        await app.bot.answer_inline_query(query_id, results)
    assert emu.violations == ["answerInlineQuery: results[1].id is a duplicate"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_fault_plan_hook(emu: BotAPIEmulator, app: Application) -> None:
    user = emu.new_user()
    emu.fault_plan = fail_first("sendMessage", Fault.flood(retry_after=3))
    with pytest.raises(RetryAfter):
        await app.bot.send_message(user.id, "first try")
    await app.bot.send_message(user.id, "second try")
    assert [m.text for m in emu.bot_messages(user.id)] == ["second try"]
    assert emu.faults == [("sendMessage", Fault.flood(retry_after=3))]


# ----- the HTTP surface, without PTB ------------------------------------------------------------


async def _call(
    session: aiohttp.ClientSession, emu: BotAPIEmulator, method: str, **kwargs: Any
) -> dict[str, Any]:
    async with session.post(f"{emu.base_url}{emu.token}/{method}", **kwargs) as response:
        return await response.json()


async def test_get_updates_offset_semantics(emu: BotAPIEmulator) -> None:
    user = emu.new_user()
    first = (await emu.send_text(user, "one")).message_id
    await emu.send_text(user, "two")
    async with aiohttp.ClientSession() as session:
        got = (await _call(session, emu, "getUpdates", json={}))["result"]
        ids = [u["update_id"] for u in got]
        assert [u["message"]["message_id"] for u in got] == [first, first + 1]
        # Not confirmed yet: delivered again.
        again = (await _call(session, emu, "getUpdates", json={"limit": 1}))["result"]
        assert [u["update_id"] for u in again] == ids[:1]
        # offset confirms everything before it.
        rest = (await _call(session, emu, "getUpdates", json={"offset": ids[1]}))["result"]
        assert [u["update_id"] for u in rest] == ids[1:]
        empty = await _call(session, emu, "getUpdates", json={"offset": ids[1] + 1})
        assert empty["result"] == []

        # A long poll returns as soon as an update arrives.
        mark = len(emu.calls)
        poll = asyncio.create_task(
            _call(session, emu, "getUpdates", json={"offset": ids[1] + 1, "timeout": 30})
        )
        await emu.wait_for_call("getUpdates", since=mark)
        pushed = await emu.push_update({"message": {"message_id": 99}})
        result = (await asyncio.wait_for(poll, timeout=5))["result"]
        assert [u["update_id"] for u in result] == [pushed]


async def test_allowed_updates_filter(emu: BotAPIEmulator) -> None:
    user = emu.new_user()
    await emu.send_text(user, "a message")
    query_id = await emu.send_inline_query(user, "q")
    async with aiohttp.ClientSession() as session:
        only = {"allowed_updates": ["inline_query"]}
        got = (await _call(session, emu, "getUpdates", json=only))["result"]
    assert [u["inline_query"]["id"] for u in got] == [query_id]
    assert len(emu.dropped_updates) == 1


async def test_form_and_json_bodies(emu: BotAPIEmulator) -> None:
    user = emu.new_user()
    markup = json.dumps({"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]})
    async with aiohttp.ClientSession() as session:
        form = await _call(
            session,
            emu,
            "sendMessage",
            data={"chat_id": str(user.id), "text": "123", "reply_markup": markup},
        )
        assert form["ok"], form
        assert form["result"]["text"] == "123"  # a String field stays a string
        body = await _call(session, emu, "sendMessage", json={"chat_id": user.id, "text": "hi"})
        assert body["ok"] and body["result"]["chat"]["id"] == user.id
        bad = await _call(session, emu, "sendMessage", json={"chat_id": user.id})
        assert bad == {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: missing required parameter 'text'"
            if HAVE_SPEC
            else bad["description"],
        }
        async with session.post(f"{emu.base_url}123:wrong/getMe") as response:
            assert response.status == 401
    assert [m.buttons for m in emu.bot_messages(user.id)] == [[[("A", "a")]], []]


def test_spec_path_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANTERN_BOTAPI_SPEC", str(tmp_path / "api.json"))
    assert default_spec_path() == tmp_path / "api.json"
    (tmp_path / "api.json").write_text(json.dumps(MINI_SPEC))
    emulator = BotAPIEmulator(TOKEN)
    assert emulator.spec is not None and emulator.spec.version == "test"


async def test_spec_missing_mode(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="lantern.emulator")
    emulator = BotAPIEmulator(TOKEN, spec_path=tmp_path / "missing.json")
    assert emulator.spec_missing
    warnings = [r for r in caplog.records if r.name.startswith("lantern.emulator")]
    assert len(warnings) == 1 and "not found" in warnings[0].getMessage()
    async with emulator as emu:
        application = build_echo_app(emu.api_url, emu.token)
        await application.initialize()
        try:
            user = emu.new_user()
            # Lantern's own rules still hold.
            with pytest.raises(BadRequest):
                await application.bot.send_message(user.id, "x" * 4097)
            with pytest.raises(BadRequest):
                await application.bot.send_message(
                    user.id, "y", reply_markup=InlineKeyboardMarkup.from_button(_button("z" * 65))
                )
            # Parameters are not checked without the spec, methods only against the emulator's.
            await application.bot.send_message(user.id, "fine", api_kwargs={"colour": "red"})
            with pytest.raises(EndPointNotFound):
                await application.bot.do_api_request("sendTelepathy")
        finally:
            await application.shutdown()
    assert len(emu.violations) == 3
    assert emu.violations[-1] == "sendTelepathy: unknown method: not implemented (no spec loaded)"


# ----- html.py ----------------------------------------------------------------------------------


def test_html_plain_text_and_entities() -> None:
    parsed = parse_html(
        '<b>Bold</b> &amp; <a href="https://x.org/?a=1&amp;b=2">link</a> &#128512;&lt;&gt;&quot;'
    )
    assert parsed.text == 'Bold & link 😀<>"'
    assert parsed.links() == [("link", "https://x.org/?a=1&b=2")]
    assert [(e.type, e.offset, e.length) for e in parsed.entities] == [
        ("bold", 0, 4),
        ("text_link", 7, 4),
    ]


def test_html_offsets_in_utf16_for_the_api() -> None:
    parsed = parse_html("😀 <i>x</i>")
    [italic] = parsed.entities
    assert italic.to_api(parsed.text) == {"type": "italic", "offset": 3, "length": 1}


@pytest.mark.parametrize(
    "source",
    [
        "<b>Bold</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <ins>n</ins>",
        "<s>s</s> <strike>k</strike> <del>d</del> <tg-spoiler>x</tg-spoiler>",
        '<span class="tg-spoiler">secret</span>',
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
        '<pre><code class="language-python">print("hi")</code></pre> <code>x</code>',
        "<blockquote>q</blockquote> <blockquote expandable>long</blockquote>",
        "<B>upper case tags</B> and a lone > sign",
        "<b><i><u>nested</u></i></b>",
    ],
)
def test_html_accepts_what_telegram_accepts(source: str) -> None:
    assert parse_html(source).text


def test_html_pre_with_language_is_one_entity() -> None:
    parsed = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert [(e.type, e.language) for e in parsed.entities] == [("pre", "python")]


@pytest.mark.parametrize(
    ("source", "complaint"),
    [
        ("a < b", "bare '<'"),
        ("fish & chips", "bare '&'"),
        ("&nbsp;", "bare '&'"),
        ("<b>open", "never closed"),
        ("<b>x</i>", "does not match"),
        ("<b><i>x</b></i>", "does not match"),
        ("x</b>", "unexpected end tag"),
        ("line<br>break", "unsupported start tag <br>"),
        ("<p>para</p>", "unsupported start tag <p>"),
        ("<span>x</span>", "tg-spoiler"),
        ("<a>no href</a>", "without href"),
        ('<a href="u"><a href="v">x</a></a>', "nested links"),
        ("<code><b>x</b></code>", "inside <code>"),
        ("<blockquote><blockquote>x</blockquote></blockquote>", "nested <blockquote>"),
        ("<b", "malformed"),
        ("&#55296;", "invalid character reference"),
    ],
)
def test_html_refuses_what_telegram_refuses(source: str, complaint: str) -> None:
    with pytest.raises(HTMLError, match="can't parse entities") as caught:
        parse_html(source)
    assert complaint in str(caught.value)


# ----- spec.py and rules.py ---------------------------------------------------------------------

MINI_SPEC = {
    "version": "test",
    "methods": {
        "sendThing": {
            "name": "sendThing",
            "fields": [
                {"name": "chat_id", "required": True, "types": ["Integer", "String"]},
                {"name": "ratio", "required": False, "types": ["Float"]},
                {"name": "flag", "required": False, "types": ["Boolean"]},
                {"name": "ids", "required": False, "types": ["Array of Integer"]},
                {"name": "grid", "required": False, "types": ["Array of Array of Cell"]},
                {"name": "scope", "required": False, "types": ["Scope"]},
                {"name": "file", "required": False, "types": ["InputFile", "String"]},
            ],
        }
    },
    "types": {
        "Cell": {
            "name": "Cell",
            "fields": [
                {"name": "text", "required": True, "types": ["String"]},
                {"name": "size", "required": False, "types": ["Integer"]},
            ],
        },
        "Scope": {"name": "Scope", "subtypes": ["ScopeDefault", "ScopeChat"]},
        "ScopeDefault": {
            "name": "ScopeDefault",
            "fields": [
                {
                    "name": "type",
                    "required": True,
                    "types": ["String"],
                    "description": "Scope type, must be default",
                }
            ],
        },
        "ScopeChat": {
            "name": "ScopeChat",
            "fields": [
                {
                    "name": "type",
                    "required": True,
                    "types": ["String"],
                    "description": "Scope type, must be chat",
                },
                {"name": "chat_id", "required": True, "types": ["Integer"]},
            ],
        },
    },
}


def test_spec_accepts_a_well_formed_call() -> None:
    spec = BotAPISpec(MINI_SPEC)
    call = {
        "chat_id": "@channel",
        "ratio": 1,
        "flag": False,
        "ids": [1, 2],
        "grid": [[{"text": "a", "size": 2}], []],
        "scope": {"type": "chat", "chat_id": 5},
    }
    assert spec.check_call("sendThing", call) == []
    assert spec.method_name("SENDTHING") == "sendThing"
    assert spec.method_name("sendNothing") is None


@pytest.mark.parametrize(
    ("call", "problem"),
    [
        ({}, "missing required parameter 'chat_id'"),
        ({"chat_id": 1, "colour": "red"}, "unknown parameter 'colour'"),
        ({"chat_id": [1]}, "'chat_id' must be Integer or String, not Array"),
        ({"chat_id": 1, "flag": 1}, "'flag' must be Boolean, not Integer"),
        ({"chat_id": 1, "ids": [1, "2"]}, "'ids[1]' must be Integer, not String"),
        ({"chat_id": 1, "grid": [[{"text": "a", "x": 1}]]}, "unknown field 'x' for Cell"),
        ({"chat_id": 1, "grid": [[{}]]}, "lacks required field 'text'"),
        ({"chat_id": 1, "scope": {"type": "chat"}}, "lacks required field 'chat_id'"),
        ({"chat_id": 1, "scope": {"type": "moon"}}, "not a known kind of Scope"),
        ({"chat_id": 1, "file": 3}, "'file' must be InputFile or String"),
    ],
)
def test_spec_finds_problems(call: dict[str, Any], problem: str) -> None:
    problems = BotAPISpec(MINI_SPEC).check_call("sendThing", call)
    assert any(problem in p for p in problems), problems


def test_spec_decodes_form_values_by_declared_type() -> None:
    spec = BotAPISpec(MINI_SPEC)
    assert spec.decode("sendThing", "chat_id", "42", form=True) == 42
    assert spec.decode("sendThing", "chat_id", "@chan", form=True) == "@chan"
    assert spec.decode("sendThing", "file", "123", form=True) == "123"
    assert spec.decode("sendThing", "ids", "[1, 2]", form=True) == [1, 2]
    assert spec.decode("sendThing", "chat_id", "42", form=False) == "42"


@needs_spec
def test_real_spec_checks_nested_keyboards_and_scopes() -> None:
    spec = BotAPISpec.load(default_spec_path())
    button = {"text": "A", "callback_data": "a", "colour": "red"}
    problems = spec.check_call(
        "sendMessage", {"chat_id": 1, "text": "x", "reply_markup": {"inline_keyboard": [[button]]}}
    )
    assert problems == [
        "'reply_markup.inline_keyboard[0][0]' has unknown field 'colour' for InlineKeyboardButton"
    ]
    scope = {"type": "all_private_chats"}
    commands = [{"command": "help", "description": "Help"}]
    assert spec.check_call("setMyCommands", {"commands": commands, "scope": scope}) == []


@pytest.mark.parametrize(
    ("method", "params", "problem"),
    [
        ("sendMessage", {"text": ""}, "text is empty"),
        ("sendMessage", {"text": "<b>x", "parse_mode": "HTML"}, "never closed"),
        ("sendMessage", {"text": "x", "parse_mode": "Textile"}, "unsupported parse_mode"),
        ("answerCallbackQuery", {"text": "x" * 201}, "at most 200"),
        ("deleteMessages", {"message_ids": []}, "1-100"),
        ("setMyCommands", {"commands": [{"command": "x", "description": ""}]}, "1-256"),
        ("setMyCommands", {"commands": [{"command": "a" * 33, "description": "d"}]}, "1-32"),
        ("setMyCommands", {"commands": [{"command": "a", "description": "d"}] * 101}, "101"),
        (
            "answerInlineQuery",
            {"results": [{"type": "article", "id": str(i)} for i in range(51)]},
            "51 results",
        ),
        ("answerInlineQuery", {"results": [{"id": "x" * 65}]}, "65 bytes"),
        (
            "sendMessage",
            {"text": "x", "reply_markup": {"inline_keyboard": [[{"text": "A"}]]}},
            "exactly one action field, has none",
        ),
        (
            "sendMessage",
            {
                "text": "x",
                "reply_markup": {
                    "inline_keyboard": [[{"text": "A", "url": "u", "callback_data": "c"}]]
                },
            },
            "has callback_data, url",
        ),
        (
            "sendMessage",
            {
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": ""}]]},
            },
            "0 bytes",
        ),
    ],
)
def test_project_rules(method: str, params: dict[str, Any], problem: str) -> None:
    problems = check_rules(method, params)
    assert any(problem in p for p in problems), problems


def test_project_rules_pass_good_calls() -> None:
    keyboard = {"inline_keyboard": [[{"text": "A", "callback_data": "a", "style": "primary"}]]}
    assert check_rules("sendMessage", {"text": "hi", "reply_markup": keyboard}) == []
    assert check_rules("answerCallbackQuery", {"text": "x" * 200}) == []
    assert check_rules("deleteMessages", {"message_ids": list(range(100))}) == []
