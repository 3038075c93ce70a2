"""Keyboards are built once and shared; what goes to Telegram is what PTB would send."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import keyboards
from bot.callbacks import Op, encode


def plain(markup):
    """The same keyboard as ordinary PTB objects, serialised the ordinary way."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.text, url=b.url)
                if b.url
                else InlineKeyboardButton(b.text, callback_data=b.callback_data)
                for b in row
            ]
            for row in markup.inline_keyboard
        ]
    ).to_dict()


def test_the_same_screen_gets_the_same_keyboard_object():
    assert keyboards.main_menu("en") is keyboards.main_menu("en")
    assert keyboards.main_menu("en") is not keyboards.main_menu("es")
    assert keyboards.settings_menu("en", True, 5) is not keyboards.settings_menu("en", False, 5)


def test_serialised_keyboards_match_ptb_and_cannot_be_changed_by_a_caller():
    for markup in (
        keyboards.main_menu("es"),
        keyboards.entry_menu("en", (Op.TOPIC, (3, 0)), "some-entry"),
        keyboards.private_chat_link("en", "lantern_bot"),
        keyboards.settings_menu("es", True, 30),
    ):
        first = markup.to_dict()
        assert first == plain(markup)
        first["inline_keyboard"] = []
        first["extra"] = 1
        assert markup.to_dict() == plain(markup)
    link = keyboards.private_chat_link("en", "lantern_bot").inline_keyboard[0][0]
    assert link.url == "https://t.me/lantern_bot" and link.callback_data is None
    # Every Privacy button is a choice (the state is in the text): none only shows a state.
    settings = keyboards.settings_menu("en", False, None).inline_keyboard
    assert encode(Op.SETTINGS) not in [b.callback_data for row in settings for b in row]
    assert [b.text for b in settings[0]] == ["🕶 Discreet: on", "✓ 🕶 Discreet: off"]


def test_the_cache_of_keyboards_is_bounded():
    for page in range(keyboards.KEYBOARD_CACHE + 50):
        keyboards.cancel_only(f"x{page}")
    info = keyboards._frozen.cache_info()
    assert info.currsize <= keyboards.KEYBOARD_CACHE
