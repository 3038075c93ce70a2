"""The moderators' router: the codes on the wire, stale data, and bugs (not hidden)."""

from __future__ import annotations

import logging

import pytest

from bot import callbacks
from bot.callbacks import Op
from bot.handlers.moderators import router
from bot.handlers.moderators.actions import Act
from bot.i18n import t
from tests.test_moderation_chat import chat, make_team

__all__ = ["chat"]  # the fixture, shared with test_moderation_chat

# Every code a moderator button has carried in this version: menus already in chats must
# keep working, so a code may be added, never renamed or given another meaning.
WIRE = (
    "m x n nr nc nt nd nk nl nv nS q qv qa qr pv pa pd f fv fc r rv rc sv sa sx "
    "t tv te tr tR pn a av ax ai al g ga s "
    # issue 15: the wizard's Back, Keep, Skip, field jumps, preview pages and a service's
    # flags; corrections of shipped entries; confirming self-approval
    "nb nK nX nj np nf ng fe sc"
).split()


def test_every_code_on_the_wire_has_a_name_and_a_route():
    assert sorted(a.value for a in Act) == sorted(WIRE)
    assert set(router.ROUTES) == set(Act)


@pytest.mark.parametrize(
    "data",
    [("qa", "abc"), ("qa",), ("tr",), ("nt", "999"), ("nv", "6"), ("zz",)],
)
async def test_forged_or_out_of_order_buttons_get_the_expired_menu(chat, caplog, data):
    app, request, services, _ = chat
    ada, _ = await make_team(app, request, services)
    await ada.press(callbacks.encode(Op.MOD, "n"))  # a draft that has no review date yet
    with caplog.at_level(logging.ERROR):
        answer = await ada.press(callbacks.encode(Op.MOD, *data))
    assert answer["text"].startswith(t("en", "expired"))
    assert caplog.records == []


async def test_a_bug_in_a_moderator_screen_is_logged_not_shown_as_expired(
    chat, caplog, monkeypatch
):
    app, request, services, _ = chat
    ada, _ = await make_team(app, request, services)

    async def show_queue(*_: object) -> None:
        raise KeyError("1234 secret")

    monkeypatch.setitem(router.ROUTES, Act.QUEUE, show_queue)
    with caplog.at_level(logging.ERROR):
        await ada.press(callbacks.encode(Op.MOD, "q"))
    assert request.last()["text"].startswith(t("en", "error"))
    assert "moderator action failed: show_queue KeyError" in caplog.text
    assert "incident=" in caplog.text
    assert "1234" not in caplog.text and "secret" not in caplog.text
