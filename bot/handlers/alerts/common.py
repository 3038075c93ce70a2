"""What the alert screens share: their buttons (Op.ALERT), the runtime, keyboards."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.alerts_runtime import AlertRuntime
from bot.callbacks import Op, encode
from bot.i18n import t
from bot.services import Services

Row = list[tuple[str, Op, tuple[object, ...]]]


def markup(rows: list[Row]) -> InlineKeyboardMarkup:
    """Built afresh (never the shared keyboard cache): these carry one-off values."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, callback_data=encode(op, *args))
                for label, op, args in row
            ]
            for row in rows
        ]
    )


def a(label: str, *args: object) -> tuple[str, Op, tuple[object, ...]]:
    """An alert button."""
    return (label, Op.ALERT, tuple(str(x) for x in args))


def home_row(lang: str) -> Row:
    return [(t(lang, "btn.home"), Op.HOME, ())]


def runtime(svc: Services) -> AlertRuntime | None:
    return getattr(svc, "alerts", None)


def region_names(svc: Services, slug: str) -> dict[str, str]:
    snapshot = svc.full or svc.kb.snapshot
    region = snapshot.region(slug)
    if region is None:
        return {}
    return dict(region.names)


def region_name(svc: Services, lang: str, slug: str) -> str:
    names = region_names(svc, slug)
    return names.get(lang) or names.get("en") or t(lang, "share.region_any")
