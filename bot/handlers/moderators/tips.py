"""Moderators' tips, whoever wrote them: the list, one tip, editing it, retiring it."""

from __future__ import annotations

from bot import keyboards, render
from bot.handlers.moderators import steps, write
from bot.handlers.moderators.actions import Act
from bot.handlers.moderators.common import (
    LIST_LIMIT,
    button,
    first,
    moderation_of,
    number,
    with_menu,
)
from bot.i18n import t
from bot.render import esc
from bot.screens import Screen
from bot.services import Services
from moderation.drafts import to_entry
from moderation.workflow import ModerationError, Moderator


async def show_tips(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    moderation = moderation_of(svc)
    tips = await moderation.tips()
    if not tips:
        return with_menu(lang, t(lang, "mod.tips.empty"))
    titles = {
        r.tip_id: (r.draft.texts.get(lang) or next(iter(r.draft.texts.values()))).title
        for r in await moderation.queue()
    }
    marks = {"pending": "⏳", "published": "✅", "rejected": "❌", "retired": "🗄"}
    rows = []
    for tip in tips[:LIST_LIMIT]:
        title = tip.entry.text(lang).title if tip.entry else titles.get(tip.id, "")
        rows.append(
            [button(keyboards.shorten(f"{marks[tip.status]} #{tip.id} {title}"), Act.TIP, tip.id)]
        )
    return with_menu(lang, t(lang, "mod.tips.title", count=len(tips)), rows)


async def show_tip(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    moderation = moderation_of(svc)
    tip = next((x for x in await moderation.tips() if x.id == number(values)), None)
    if tip is None:
        raise ModerationError("no_such_tip")
    text = t(lang, "mod.tip.show", tip=tip.id, status=t(lang, f"mod.tip.status.{tip.status}"))
    rejected = [r for r in await moderation.rejections(me) if r.tip_id == tip.id]
    if rejected and tip.status in ("rejected", "published"):
        text += "\n" + t(lang, "mod.tip.reason", reason=esc(rejected[0].reason or ""))
    if tip.entry is not None:
        text += "\n\n" + render.entry_card(tip.entry, lang, svc.today())
    else:  # not published yet: the version waiting for review
        latest = await moderation.latest_revision(tip.id)
        if latest is not None:
            draft = latest.draft
            entry = to_entry(tip.id, draft, verified=svc.today(), review_by=draft.review_by)
            text += "\n\n" + write.cards(entry, lang, svc.today())[0]
    rows = []
    if tip.status != "retired":
        rows.append(
            [
                button(t(lang, "mod.btn.edit"), Act.TIP_EDIT, tip.id),
                button(t(lang, "mod.btn.retire"), Act.TIP_RETIRE, tip.id),
            ]
        )
    rows.append([button(t(lang, "btn.back"), Act.TIPS)])
    return with_menu(lang, text, rows)


async def edit_tip(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    """The full editor on the tip's latest version, every field pre-filled."""
    moderation = moderation_of(svc)
    tip_id = number(values)
    tip = next((x for x in await moderation.tips() if x.id == tip_id), None)
    latest = await moderation.latest_revision(tip_id)
    if tip is None or tip.status == "retired" or latest is None:
        raise ModerationError("tip_not_editable")
    data = steps.from_draft(latest.draft, svc.today())
    return write.start(svc, uid, {**data, "edit_of": tip_id}, lang)


async def ask_retire(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    rows = [
        [button(t(lang, "mod.btn.retire_yes"), Act.TIP_RETIRE_CONFIRMED, first(values))],
        [button(t(lang, "btn.back"), Act.TIPS)],
    ]
    return with_menu(lang, t(lang, "mod.retire.confirm"), rows)


async def retire(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    moderation = moderation_of(svc)
    retired = await moderation.retire(me, number(values))
    text = t(lang, "mod.retired" if retired else "mod.retire.proposed")
    return with_menu(lang, text, [[button(t(lang, "btn.back"), Act.TIPS)]])
