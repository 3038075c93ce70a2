"""🔒 Privacy through the handlers: settings that lapse are offered again in one tap, a
bookmarked link turns them back on without Lantern keeping anything about the person,
every button on the screen does something the person can see, and the notices read well."""

from __future__ import annotations

import pytest

from bot import callbacks, deeplinks
from bot.callbacks import Op
from bot.i18n import t
from bot.remembered.prefs import SAFETY_SECONDS, Preferences
from bot.services import Services
from knowledge.base import KnowledgeBase
from tests.conftest import TODAY
from tests.fakes import (
    BOT_USERNAME,
    RecordingRequest,
    buttons,
    callback_update,
    feed,
    message_update,
    recorded_app,
    user,
)


class Clock:
    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def bot(small_snapshot):
    clock = Clock()
    services = Services(
        KnowledgeBase(small_snapshot), prefs=Preferences(clock=clock), today=lambda: TODAY
    )
    async with recorded_app(services) as (app, request):
        yield app, request, services, clock


def answers(request: RecordingRequest) -> list[dict]:
    return request.called("answerCallbackQuery")


def data_for(params: dict, label: str) -> str:
    found = [d for text, d in buttons(params) if text == label]
    assert found, f"no button {label!r} in {buttons(params)}"
    return found[0]


def discreet(text: str) -> bool:
    """Whether a message starts with the discreet line (in English for people whose
    language came from Telegram rather than from a choice: bot/outgoing.py)."""
    return any(text.startswith(f"{t(lang, 'discreet.line')}\n\n") for lang in ("en", "es"))


def without_discreet_line(text: str, lang: str = "en") -> str:
    return text.split("\n\n", 1)[1] if discreet(text) else text


async def say(app, request, text: str, sender: dict) -> dict:
    await feed(app, message_update(text, sender=sender))
    return request.last()


async def press(app, request, data: str, sender: dict) -> dict:
    await feed(app, callback_update(data, sender=sender))
    return request.last()


@pytest.mark.parametrize("lang", ["en", "es"])
async def test_lapsed_discreet_mode_is_shown_at_start_and_one_tap_turns_it_back_on(bot, lang):
    app, request, services, clock = bot
    ana = user(501, lang=lang)
    await press(app, request, callbacks.encode(Op.SETTINGS, "d", 1), ana)
    menu = await say(app, request, "/start", ana)
    labels = [label for label, _ in buttons(menu)]
    assert t(lang, "btn.discreet_turn_on") not in labels  # on: nothing to offer
    assert discreet(menu["text"])

    clock.now += 2 * SAFETY_SECONDS  # the next day but one: Lantern has forgotten Ana
    assert services.prefs.peek(501) is None
    menu = await say(app, request, "/start", ana)
    assert menu["text"] == t(lang, "start")  # no discreet line any more
    labels = [label for label, _ in buttons(menu)]
    assert labels[0] == t(lang, "btn.helpnow")
    assert labels[-1] == t(lang, "btn.discreet_turn_on")  # the menu's own 8 keep their places

    request.clear()
    screen = await press(app, request, data_for(menu, t(lang, "btn.discreet_turn_on")), ana)
    pref = services.prefs.peek(501)
    assert pref is not None and pref.discreet
    assert discreet(screen["text"])
    on = t(lang, "settings.discreet_set", state=t(lang, "state.on"))
    assert without_discreet_line(screen["text"], lang).startswith(on)
    assert len(answers(request)) == 1
    # The button says what it does: pressed again on an old message it keeps it on.
    await press(app, request, data_for(menu, t(lang, "btn.discreet_turn_on")), ana)
    assert services.prefs.peek(501).discreet


async def test_the_privacy_screen_says_each_state_in_words_and_no_button_only_shows_one(bot):
    app, request, _, _ = bot
    ana = user(502)
    screen = await press(app, request, callbacks.encode(Op.SETTINGS), ana)
    text = screen["text"]
    assert text.startswith(t("en", "privacy"))
    assert t("en", "privacy.discreet", state=t("en", "state.off")) in text
    assert t("en", "privacy.vanish_off") in text
    assert "docs/" not in text and ".md" not in text  # no file paths
    assert "https://t.me/" not in text  # nothing on, so no link to bring it back
    data = [d for _, d in buttons(screen)]
    assert callbacks.encode(Op.SETTINGS) not in data
    assert callbacks.encode(Op.WIPE) in data and callbacks.encode(Op.HOME) in data
    ticked = [label for label, _ in buttons(screen) if label.startswith("✓ ")]
    assert ticked == ["✓ " + t("en", "btn.discreet_off"), "✓ " + t("en", "vanish.off")]


async def test_every_privacy_button_changes_the_screen_or_answers_in_words(bot):
    """A press that leaves the screen as it was (Telegram: "message is not modified") must
    still be answered with words, or on a phone the tap does nothing."""
    app, request, _, _ = bot
    ana = user(503)
    screen = await press(app, request, callbacks.encode(Op.SETTINGS), ana)
    choices = [(label, d) for label, d in buttons(screen) if callbacks.decode(d).op is Op.SETTINGS]
    assert len(choices) == 6  # discreet on, off; disappearing off, 5, 30, 60
    shown = screen["text"]
    for _ in range(2):  # each choice from another state, then again from its own
        for label, data in choices:
            request.clear()
            after = await press(app, request, data, ana)
            (answer,) = answers(request)
            assert after["text"] != shown or answer.get("text"), label
            shown = after["text"]
            again = await press(app, request, data, ana)
            if again["text"] == shown:
                assert answers(request)[-1].get("text"), f"{label} pressed twice: no answer"
            shown = again["text"]
    # The other buttons: wipe asks nothing and deletes; the menu replaces the screen.
    request.clear()
    home = await press(app, request, callbacks.encode(Op.HOME), ana)
    assert without_discreet_line(home["text"]) == t("en", "menu")


async def test_pressing_the_ticked_choice_answers_with_what_holds(bot):
    app, request, services, _ = bot
    ana = user(504, lang="es")
    await press(app, request, callbacks.encode(Op.SETTINGS, "v", 30), ana)
    request.clear()
    await press(app, request, callbacks.encode(Op.SETTINGS, "v", 30), ana)
    (answer,) = answers(request)
    assert answer["text"] == t("es", "settings.vanish_on", minutes=30)
    assert services.prefs.peek(504).vanish_minutes == 30


async def test_old_buttons_still_work(bot):
    """Menus sent before the merge carry Op.PRIVACY, Op.SEARCH_TIPS and the discreet
    toggle; they open the Privacy screen, how to search, and toggle as they did."""
    app, request, services, _ = bot
    ana = user(505)
    for old in (Op.PRIVACY, Op.SETTINGS):
        screen = await press(app, request, callbacks.encode(old), ana)
        assert screen["text"].startswith(t("en", "privacy"))
    tips = await press(app, request, callbacks.encode(Op.SEARCH_TIPS), ana)
    assert tips["text"] == t("en", "search.tips")
    await press(app, request, callbacks.encode(Op.SETTINGS, "d"), ana)
    assert services.prefs.peek(505).discreet
    await press(app, request, callbacks.encode(Op.SETTINGS, "d"), ana)
    assert services.prefs.peek(505) is None  # toggled off: nothing left to remember


@pytest.mark.parametrize(
    ("lang", "minutes", "sentence"),
    [
        ("en", 30, "Disappearing messages are on: this conversation is deleted 30 minutes"),
        ("es", 5, "El borrado automático está activado: esta conversación se borra 5 minutos"),
    ],
)
async def test_setting_notices_are_sentences(bot, lang, minutes, sentence):
    app, request, _, _ = bot
    ana = user(506, lang=lang)
    screen = await press(app, request, callbacks.encode(Op.SETTINGS, "v", minutes), ana)
    assert screen["text"].startswith(sentence)
    assert f"{minutes} min." not in screen["text"] and "está 5 min" not in screen["text"]
    off = await press(app, request, callbacks.encode(Op.SETTINGS, "v", 0), ana)
    assert off["text"].startswith(t(lang, "settings.vanish_off"))


async def test_the_bookmark_link_turns_settings_back_on_and_keeps_nothing_about_anyone(bot):
    app, request, services, clock = bot
    ana, bo = user(507), user(508, lang="es")
    for person in (ana, bo):
        await press(app, request, callbacks.encode(Op.SETTINGS, "d", 1), person)
        await press(app, request, callbacks.encode(Op.SETTINGS, "v", 30), person)
    screen = await press(app, request, callbacks.encode(Op.SETTINGS), ana)
    url = f"https://t.me/{BOT_USERNAME}?start=z_d-v30"
    assert t("en", "privacy.bookmark", link=url) in screen["text"]
    # The link carries the settings, not the person: Bo's is the same, and says no id.
    other = await press(app, request, callbacks.encode(Op.SETTINGS), bo)
    assert t("es", "privacy.bookmark", link=url) in other["text"]
    assert "507" not in url and "508" not in url
    assert len(deeplinks.encode(deeplinks.decode("z_d-v30"))) <= deeplinks.MAX_PAYLOAD

    clock.now += 2 * SAFETY_SECONDS  # both forgotten
    services.vanisher.cancel(507)
    assert len(services.prefs) == 0 and services.prefs.bytes_used == 0

    request.clear()
    reply = await say(app, request, "/start z_d-v30", ana)
    pref = services.prefs.peek(507)
    assert pref is not None and pref.discreet and pref.vanish_minutes == 30
    assert services.vanisher._due.get(507) is not None  # the timer is armed
    assert discreet(reply["text"])
    body = without_discreet_line(reply["text"])
    assert body.startswith(t("en", "settings.discreet_set", state=t("en", "state.on")))
    assert t("en", "settings.vanish_on", minutes=30) in body
    assert buttons(reply)[0][0] == t("en", "btn.helpnow")
    # Kept: the two settings, as small as the buttons make them, and nothing else.
    alike = Preferences()
    alike.set(1, discreet=True, vanish_minutes=30)
    assert len(services.prefs) == 1 and services.prefs.bytes_used == alike.bytes_used
    assert len(services.flows) == 0

    # A link that turns on one setting leaves the other as it is.
    await press(app, request, callbacks.encode(Op.SETTINGS, "d", 0), ana)
    await say(app, request, "/start z_d", ana)
    pref = services.prefs.peek(507)
    assert pref.discreet and pref.vanish_minutes == 30


async def test_privacy_command_shows_the_same_screen(bot):
    app, request, _, _ = bot
    ana = user(509, lang="es")
    reply = await say(app, request, "/privacy", ana)
    assert reply["text"].startswith(t("es", "privacy"))
    assert t("es", "privacy.vanish_off") in reply["text"]
    assert callbacks.encode(Op.SETTINGS, "d", 1) in [d for _, d in buttons(reply)]


@pytest.mark.parametrize(
    "data",
    [
        callbacks.encode(Op.SETTINGS),
        callbacks.encode(Op.SETTINGS, "d", 1),
        callbacks.encode(Op.SETTINGS, "d", 0),  # already off: answered with words
        callbacks.encode(Op.SETTINGS, "d"),
        callbacks.encode(Op.SETTINGS, "v", 60),
        callbacks.encode(Op.PRIVACY),
        "1|z|d|2",  # forged: a fresh menu
    ],
)
async def test_each_privacy_press_is_answered_exactly_once(bot, data):
    app, request, _, _ = bot
    await feed(app, callback_update(data, sender=user(510)))
    assert len(answers(request)) == 1
    assert request.sent(), "the press showed nothing"
