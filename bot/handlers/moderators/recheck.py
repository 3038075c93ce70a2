"""Entries due for a recheck: the list (those hidden from users right now first), one
entry, confirming it is still right, and correcting it when it is not."""

from __future__ import annotations

from bot import keyboards
from bot.handlers.moderators import steps, write
from bot.handlers.moderators.actions import Act
from bot.handlers.moderators.common import LIST_LIMIT, button, first, moderation_of, with_menu
from bot.handlers.moderators.untrusted import review_card
from bot.i18n import t
from bot.render import esc, human_date
from bot.screens import Screen
from bot.services import Services
from knowledge.model import Entry, Kind
from moderation import live
from moderation.drafts import tip_of
from moderation.workflow import ModerationError, Moderator


def _entry(svc: Services, values: list) -> Entry:
    entry = (svc.full or svc.kb.snapshot).get(first(values))
    if entry is None:
        raise ModerationError("no_such_entry")
    return entry


async def show_due(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    due = live.needs_recheck(svc.full or svc.kb.snapshot, svc.today())
    if not due:
        return with_menu(lang, t(lang, "mod.recheck.empty"))
    hidden = [e for e in due if live.hidden_from_users(e, svc.today())]
    rows = [
        [
            button(
                keyboards.shorten(
                    ("🚫 " if e in hidden else "")
                    + f"{human_date(e.review_by, lang)} {e.text(lang).title}"
                ),
                Act.RECHECK_ENTRY,
                e.id,
            )
        ]
        for e in due[:LIST_LIMIT]
    ]
    text = t(lang, "mod.recheck.title", count=len(due))
    if hidden:
        text += "\n" + t(lang, "mod.recheck.hidden", count=len(hidden))
    return with_menu(lang, text, rows)


async def show_due_entry(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    entry = _entry(svc, values)
    card = review_card(entry, lang, svc.today())
    rows = [[button(t(lang, "mod.btn.confirm"), Act.RECHECK_CONFIRM, entry.id)]]
    tip_id = tip_of(entry)
    if tip_id is not None:
        rows.append([button(t(lang, "mod.btn.edit"), Act.TIP_EDIT, tip_id)])
    else:
        rows.append([button(t(lang, "mod.btn.needs_changes"), Act.RECHECK_CHANGE, entry.id)])
    rows.append([button(t(lang, "btn.back"), Act.RECHECK)])
    note = esc(t(lang, "mod.recheck.item", date=human_date(entry.review_by, lang)))
    if live.hidden_from_users(entry, svc.today()):
        since = human_date(entry.review_by + live.RIGHTS_GRACE, lang)
        note += " " + esc(t(lang, "mod.recheck.hidden_since", date=since))
    return with_menu(lang, f"<i>{note}</i>\n\n{card}", rows)


async def confirm_still_true(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    moderation = moderation_of(svc)
    entry = _entry(svc, values)
    done = await moderation.confirm(me, entry.id, legal=entry.kind is Kind.RIGHTS)
    key = "mod.confirm.proposed" if done.proposed else "mod.confirmed"
    return with_menu(
        lang,
        t(lang, key, date=human_date(done.review_by, lang)),
        [[button(t(lang, "btn.back"), Act.RECHECK)]],
    )


async def needs_changes(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    """A shipped entry is not right any more: the full editor on a correction of it. Once
    another moderator approves it, the correction takes the entry's place (same id);
    until then users see the entry as it is. A correction already on its way is edited
    rather than started twice."""
    moderation = moderation_of(svc)
    entry = _entry(svc, values)
    for tip in await moderation.tips():
        latest = await moderation.latest_revision(tip.id)
        if tip.status != "retired" and latest and latest.draft.replaces == entry.id:
            data = steps.from_draft(latest.draft, svc.today())
            return write.start(svc, uid, {**data, "edit_of": tip.id}, lang)
    return write.start(svc, uid, steps.from_entry(entry, svc.today()), lang)
