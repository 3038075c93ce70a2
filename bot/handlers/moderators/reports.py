"""Reports users made about entries, and tips users shared: view, close, adopt.

Both are anonymous text from anyone, so they are shown through `untrusted`: nothing in
them becomes a tappable link in a moderator's chat.
"""

from __future__ import annotations

from bot import keyboards
from bot.handlers.moderators import write
from bot.handlers.moderators.actions import Act
from bot.handlers.moderators.common import (
    LIST_LIMIT,
    button,
    moderation_of,
    number,
    with_menu,
)
from bot.handlers.moderators.untrusted import hosts_note, untrusted
from bot.i18n import t
from bot.render import esc
from bot.screens import Screen
from bot.services import Services
from knowledge.taxonomy import TOPIC_CATEGORY
from moderation.workflow import ModerationError, Moderator


async def show_reports(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    moderation = moderation_of(svc)
    reports = await moderation.reports()
    shared = await moderation.shared_tips()
    if not reports and not shared:
        return with_menu(lang, t(lang, "mod.reports.empty"))
    snapshot = svc.full or svc.kb.snapshot
    rows = []
    for report in reports[:LIST_LIMIT]:
        entry = snapshot.get(report.entry_id)
        title = entry.text(lang).title if entry else report.entry_id
        label = f"🚩 {title}: {t(lang, f'report.{report.reason}')}"
        rows.append([button(keyboards.shorten(label), Act.REPORT, report.id)])
    for item in shared[:LIST_LIMIT]:
        region = write.region_name(svc, item.region, lang)
        label = f"💬 {t(lang, f'topic.{item.topic}')} · {region} · {item.day}"
        rows.append([button(keyboards.shorten(label), Act.SHARED_TIP, item.id)])
    return with_menu(lang, t(lang, "mod.reports.title", count=len(reports) + len(shared)), rows)


async def show_report(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    moderation = moderation_of(svc)
    report = next((r for r in await moderation.reports() if r.id == number(values)), None)
    if report is None:
        raise ModerationError("report_closed")
    entry = (svc.full or svc.kb.snapshot).get(report.entry_id)
    text = t(
        lang,
        "mod.report.show",
        title=esc(entry.text(lang).title if entry else report.entry_id),
        reason=esc(t(lang, f"report.{report.reason}")),
        day=report.day,
    )
    if report.note:
        text += "\n" + t(lang, "mod.report.note", note=untrusted(report.note))
    rows = [[button(t(lang, "mod.btn.close"), Act.REPORT_CLOSE, report.id)]]
    if entry is not None:
        rows.insert(0, [button(t(lang, "mod.btn.open_entry"), Act.RECHECK_ENTRY, entry.id)])
    rows.append([button(t(lang, "btn.back"), Act.REPORTS)])
    return with_menu(lang, text, rows)


async def close_report(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    moderation = moderation_of(svc)
    await moderation.close_report(me, number(values))
    return with_menu(lang, t(lang, "mod.closed"), [[button(t(lang, "btn.back"), Act.REPORTS)]])


async def show_shared_tip(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    moderation = moderation_of(svc)
    item = next((s for s in await moderation.shared_tips() if s.id == number(values)), None)
    if item is None:
        raise ModerationError("shared_tip_handled")
    text = t(
        lang,
        "mod.shared.show",
        day=item.day,
        topic=esc(t(lang, f"topic.{item.topic}")),
        region=esc(write.region_name(svc, item.region, lang)),
        text=untrusted(item.text, block=True),
    )
    # Adopting makes this text a tip body, whose [text](https://...) become real links.
    text += hosts_note(lang, [item.text])
    rows = [
        [
            button(t(lang, "mod.btn.adopt"), Act.SHARED_TIP_ADOPT, item.id),
            button(t(lang, "mod.btn.close"), Act.SHARED_TIP_CLOSE, item.id),
        ],
        [button(t(lang, "btn.back"), Act.REPORTS)],
    ]
    return with_menu(lang, text, rows)


async def adopt(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    """The full editor on a shared tip, its text pre-filled in the moderator's language:
    a title to add, and anything to change (a phone number or a plate to take out, a
    language to add, the review date) before it goes to the review queue."""
    moderation = moderation_of(svc)
    item = next((s for s in await moderation.shared_tips() if s.id == number(values)), None)
    if item is None:
        raise ModerationError("shared_tip_handled")
    known = {r.slug for r in write.regions_for_tips(svc)}
    data = {
        "shared": item.id,
        "regions": [item.region] if item.region in known else [],
        "topics": [item.topic] if item.topic in TOPIC_CATEGORY else [],
        "category": TOPIC_CATEGORY.get(item.topic, "safety"),
        "kind": "tip",
        "langs": [lang],
        "texts": {lang: {"body": item.text}},
        "review_by": write.default_review(svc),
    }
    return write.start(svc, uid, data, lang)


async def close_shared_tip(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    moderation = moderation_of(svc)
    await moderation.close_shared_tip(me, number(values), adopted=False)
    return with_menu(lang, t(lang, "mod.closed"), [[button(t(lang, "btn.back"), Act.REPORTS)]])
