"""Entries due for a recheck: the list, one entry, and confirming it is still true."""

from __future__ import annotations

from bot import keyboards
from bot.handlers.moderators.actions import Act
from bot.handlers.moderators.common import LIST_LIMIT, button, first, moderation_of, with_menu
from bot.handlers.moderators.untrusted import review_card
from bot.i18n import t
from bot.render import esc
from bot.screens import Screen
from bot.services import Services
from knowledge.model import Kind
from moderation import live
from moderation.workflow import ModerationError, Moderator, tip_id_of


async def show_due(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    due = live.needs_recheck(svc.full or svc.kb.snapshot, svc.today())
    if not due:
        return with_menu(lang, t(lang, "mod.recheck.empty"))
    rows = [
        [
            button(
                keyboards.shorten(f"{e.review_by.isoformat()} {e.text(lang).title}"),
                Act.RECHECK_ENTRY,
                e.id,
            )
        ]
        for e in due[:LIST_LIMIT]
    ]
    return with_menu(lang, t(lang, "mod.recheck.title", count=len(due)), rows)


async def show_due_entry(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    entry = (svc.full or svc.kb.snapshot).get(first(values))
    if entry is None:
        raise ModerationError("no_such_entry")
    card = review_card(entry, lang, svc.today())
    rows = [[button(t(lang, "mod.btn.confirm"), Act.RECHECK_CONFIRM, entry.id)]]
    tip_id = tip_id_of(entry.id)
    if tip_id is not None:
        rows.append([button(t(lang, "mod.btn.edit"), Act.TIP_EDIT, tip_id)])
    rows.append([button(t(lang, "btn.back"), Act.RECHECK)])
    note = t(lang, "mod.recheck.item", date=entry.review_by.isoformat())
    return with_menu(lang, f"<i>{esc(note)}</i>\n\n{card}", rows)


async def confirm_still_true(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    moderation = moderation_of(svc)
    entry = (svc.full or svc.kb.snapshot).get(first(values))
    if entry is None:
        raise ModerationError("no_such_entry")
    done = await moderation.confirm(me, entry.id, legal=entry.kind is Kind.RIGHTS)
    key = "mod.confirm.proposed" if done.proposed else "mod.confirmed"
    return with_menu(
        lang,
        t(lang, key, date=done.review_by.isoformat()),
        [[button(t(lang, "btn.back"), Act.RECHECK)]],
    )
