"""Callback data: compact, versioned, validated; stale or forged data decodes to None."""

from __future__ import annotations

import pytest

from bot import callbacks
from bot.callbacks import Op
from knowledge.taxonomy import ALL_TOPICS


def test_round_trip_of_every_kind_of_button():
    samples = [
        (Op.HOME, ()),
        (Op.CATEGORY, ("safety", "2")),
        (Op.TOPIC, (str(len(ALL_TOPICS) - 1), "0")),
        (Op.ENTRY, ("a" * 48, "12")),
        (Op.ENTRY, ("some-entry", "")),
        (Op.SET_LANGUAGE, ("es",)),
        (Op.REGIONS, ("0",)),
        (Op.SET_REGION, ("example",)),
        (Op.SET_REGION, ("",)),
    ]
    for op, args in samples:
        data = callbacks.encode(op, *args)
        assert len(data.encode()) <= 64
        assert callbacks.decode(data) == callbacks.Action(op, args)


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "garbage",
        "0|h",  # an older version
        "2|h",  # a newer version
        "1|Q",  # unknown op
        "1|h|extra",
        "1|c|nowhere|0",
        "1|t|999|0",
        "1|t|-1|0",
        "1|e|../../etc|0",
        "1|e|UPPER|",
        "1|L|english",
        "1|R|<script>",
        "1|c|safety|1000",
        "1|" + "x" * 70,
        "1|e|" + "a" * 49 + "|1",
        12345,
    ],
)
def test_forged_or_stale_data_is_rejected(data):
    assert callbacks.decode(data) is None


def test_encode_refuses_invalid_arguments():
    with pytest.raises(ValueError):
        callbacks.encode(Op.CATEGORY, "nope", 0)


def test_every_kind_of_button_has_exactly_one_route(small_snapshot):
    """bot/app.py routes buttons by family; each op reaches one handler, and data that is
    no button's reaches the fresh-menu handler registered last."""
    from telegram.ext import CallbackQueryHandler

    from bot.app import build_application
    from bot.config import Config, Secret
    from bot.services import Services
    from knowledge.base import KnowledgeBase
    from tests.fakes import TOKEN, RecordingRequest

    app = build_application(
        Config(token=Secret(TOKEN)),
        Services(KnowledgeBase(small_snapshot)),
        request=RecordingRequest(),
    )
    routes = [
        h for group in app.handlers.values() for h in group if isinstance(h, CallbackQueryHandler)
    ]
    *families, last = routes
    assert last.pattern is None
    for op in Op:
        data = f"{callbacks.VERSION}|{op.value}"
        matching = [h for h in families if h.pattern.match(data)]
        assert len(matching) == 1, (op, matching)
    assert not any(h.pattern.match("0|h") for h in families), "another version: fresh menu"


def test_buttons_and_links_use_the_id_shapes_of_knowledge():
    from bot import deeplinks
    from knowledge import ids, loader

    assert callbacks._SLUG is deeplinks._SLUG is ids.SLUG
    assert callbacks._LANG is deeplinks._LANG is loader.LANG_RE is ids.LANG
    assert loader.ID_RE is ids.ENTRY_ID and loader.REGION_RE is ids.REGION
    # Buttons and links take any id or slug up to the longest entry id (48); a region in
    # the content is at most 31 characters, so a longer one in a link names no region.
    assert ids.SLUG.match("r" * 48) and not ids.SLUG.match("r" * 49)
    assert ids.REGION.match("r" * 31) and not ids.REGION.match("r" * 32)
