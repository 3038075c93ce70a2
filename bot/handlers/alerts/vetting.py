"""The region's moderators vet reports in the chat: newest and most severe first, contact
details masked unless revealed for matching, the "warn, don't identify" checklist before
every approval, the text to publish masked automatically and editable, two approvals (a
fast track for violence and sexual assault, reviewed after), merging, rejection.

Every press asks the database for the person's role again; to anyone else these buttons
behave like an expired menu.
"""

from __future__ import annotations

from datetime import date

from bot import screens
from bot.callbacks import Op
from bot.handlers.alerts.common import Row, a, markup, region_name, runtime
from bot.handlers.alerts.render import alert_text, body, day, draft_lines, report_period
from bot.i18n import t
from bot.remembered.flows import Flow
from bot.render import esc
from bot.screens import Screen
from bot.services import Services
from moderation.alerts.errors import AlertRefused
from moderation.alerts.model import MAX_BODY, fast_track_allowed
from moderation.workflow import Moderator

EDIT, CHANNEL = "alert-edit", "alert-channel"


def _menu_row(lang: str) -> Row:
    return [(t(lang, "mod.btn.menu"), Op.MOD, ("m",))]


def _queue_row(lang: str) -> Row:
    return [a(t(lang, "alerts.mod.btn.queue_back"), "mq")]


def _number(values: list[str], at: int = 0) -> int:
    if len(values) <= at or not values[at].isdigit():
        raise AlertRefused("gone")
    return int(values[at])


async def queue(svc: Services, me: Moderator, lang: str) -> Screen:
    desk = runtime(svc).desk  # type: ignore[union-attr]
    waiting = await desk.pending(me.id)
    review = await desk.to_review(me.id)
    watched = await desk.watched(me.id)
    lines = [t(lang, "alerts.mod.queue", count=len(waiting))]
    if watched:
        names = ", ".join(region_name(svc, lang, r) for r in sorted(watched))
        lines.append(t(lang, "alerts.mod.watching", regions=esc(names)))
    rows: list[Row] = []
    for found in waiting[:20]:
        label = t(
            lang,
            f"alerts.mod.item.{found.severity}",
            number=found.id,
            region=region_name(svc, lang, found.region),
            day=found.day,
        )
        rows.append([a(label, "mv", found.id)])
    for alert in review[:10]:
        rows.append([a(t(lang, "alerts.mod.review_item", number=alert.id), "ra", alert.id)])
    rows.append([a(t(lang, "alerts.mod.btn.regions"), "mg")])
    if me.is_admin:
        rows.append([a(t(lang, "alerts.mod.btn.channels"), "mc")])
    rows.append(_menu_row(lang))
    return Screen("\n".join(lines), markup(rows))


async def view(
    svc: Services, me: Moderator, lang: str, report_id: int, *, reveal: bool = False
) -> Screen:
    desk = runtime(svc).desk  # type: ignore[union-attr]
    found = await desk.report(report_id)
    if found.text is None:
        await desk.set_text(me.id, report_id, body(found.lang, found.draft))
        found = await desk.report(report_id)
    lines = [
        t(
            lang,
            "alerts.mod.report",
            number=found.id,
            day=found.day,
            region=esc(region_name(svc, lang, found.region)),
        ),
    ]
    when = report_period(lang, found.draft, date.fromisoformat(found.day))
    if when:
        lines.append(t(lang, "alerts.post.when", when=esc(when)))
    lines += draft_lines(lang, found.draft, masked=not reveal)
    if found.draft.contacts() and not reveal:
        lines.append(t(lang, "alerts.mod.masked_note"))
    duplicates = await desk.duplicates(found)
    if duplicates:
        numbers = ", ".join(f"#{d.id}" for d in duplicates)
        lines += ["", t(lang, "alerts.mod.duplicates", numbers=numbers)]
    lines += [
        "",
        t(lang, "alerts.mod.to_publish"),
        f"<blockquote>{esc(found.text or '')}</blockquote>",
        t(lang, "alerts.mod.approvals", count=len(found.approvals)),
    ]
    rows: list[Row] = [[a(t(lang, "alerts.mod.btn.edit"), "me", found.id)]]
    rows.append([a(t(lang, "alerts.mod.btn.approve"), "ma", found.id)])
    if fast_track_allowed(found.categories):
        rows.append([a(t(lang, "alerts.mod.btn.fast"), "mf", found.id)])
    for duplicate in duplicates[:3]:
        rows.append(
            [a(t(lang, "alerts.mod.btn.merge", number=duplicate.id), "mm", found.id, duplicate.id)]
        )
    if found.draft.contacts() and not reveal:
        rows.append([a(t(lang, "alerts.mod.btn.reveal"), "mr", found.id)])
    rows.append([a(t(lang, "alerts.mod.btn.reject"), "mx", found.id)])
    rows.append(_queue_row(lang))
    return Screen("\n".join(lines), markup(rows))


def _checklist(lang: str, report_id: int, confirm: str, label: str) -> Screen:
    rows: list[Row] = [
        [a(t(lang, label), confirm, report_id)],
        [a(t(lang, "alerts.mod.btn.back"), "mv", report_id)],
    ]
    return Screen(t(lang, "alerts.mod.checklist"), markup(rows))


async def on_button(
    svc: Services, me: Moderator, lang: str, user_id: int, name: str, values: list[str]
) -> Screen:
    if runtime(svc) is None:
        return screens.home(lang, t(lang, "unavailable"))
    try:
        return await _route(svc, me, lang, user_id, name, values)
    except AlertRefused as exc:
        text = t(lang, f"alert_error.{exc.code}")
        if exc.code == "gone":
            return Screen(text, markup([_queue_row(lang), _menu_row(lang)]))
        report = values[0] if values and values[0].isdigit() else None
        rows: list[Row] = [[a(t(lang, "alerts.mod.btn.back"), "mv", report)]] if report else []
        return Screen(text, markup([*rows, _queue_row(lang)]))


async def _route(
    svc: Services, me: Moderator, lang: str, user_id: int, name: str, values: list[str]
) -> Screen:
    alerts = runtime(svc)
    assert alerts is not None
    desk = alerts.desk
    if name == "mq":
        svc.flows.end(user_id)
        return await queue(svc, me, lang)
    if name in ("mv", "mr"):
        svc.flows.end(user_id)
        return await view(svc, me, lang, _number(values), reveal=name == "mr")
    if name == "me":
        report_id = _number(values)
        found = await desk.report(report_id)
        svc.flows.start(user_id, EDIT, "text", report=report_id)
        text = t(lang, "alerts.mod.edit_ask", limit=MAX_BODY, text=esc(found.text or ""))
        return Screen(text, markup([[a(t(lang, "btn.cancel"), "mv", report_id)]]))
    if name == "ma":
        return _checklist(lang, _number(values), "mA", "alerts.mod.btn.checked_approve")
    if name == "mA":
        done = await desk.approve(me.id, _number(values))
        alerts.poke()
        if done.published is None:
            text = t(lang, "alerts.mod.approved_wait", count=done.approvals, needed=done.needed)
        else:
            text = t(lang, "alerts.mod.published", number=done.published)
        return Screen(text, markup([_queue_row(lang), _menu_row(lang)]))
    if name == "mf":
        return _checklist(lang, _number(values), "mF", "alerts.mod.btn.checked_fast")
    if name == "mF":
        alert_id = await desk.fast_track(me.id, _number(values))
        alerts.poke()
        text = t(lang, "alerts.mod.fast_published", number=alert_id)
        return Screen(text, markup([_queue_row(lang), _menu_row(lang)]))
    if name == "mm":
        count = await desk.merge(me.id, _number(values), _number(values, 1))
        alerts.poke()
        text = t(lang, "alerts.mod.merged", number=_number(values, 1), count=count)
        return Screen(text, markup([_queue_row(lang), _menu_row(lang)]))
    if name == "mx":
        rows: list[Row] = [
            [a(t(lang, "alerts.mod.btn.reject_sure"), "mX", _number(values))],
            [a(t(lang, "alerts.mod.btn.back"), "mv", _number(values))],
        ]
        return Screen(t(lang, "alerts.mod.reject_ask"), markup(rows))
    if name == "mX":
        await desk.reject(me.id, _number(values))
        return Screen(t(lang, "alerts.mod.rejected"), markup([_queue_row(lang), _menu_row(lang)]))
    if name == "ra":
        return await _alert_screen(svc, me, lang, _number(values))
    if name == "rk":
        await desk.reviewed(me.id, _number(values))
        return Screen(t(lang, "alerts.mod.kept"), markup([_queue_row(lang), _menu_row(lang)]))
    if name == "rz":
        rows = [
            [a(t(lang, "alerts.mod.btn.retract_sure"), "rZ", _number(values))],
            [a(t(lang, "alerts.mod.btn.back"), "ra", _number(values))],
        ]
        return Screen(t(lang, "alerts.mod.retract_ask"), markup(rows))
    if name == "rZ":
        await desk.retract(me.id, _number(values))
        alerts.poke()
        return Screen(t(lang, "alerts.mod.retracted"), markup([_queue_row(lang), _menu_row(lang)]))
    if name == "rn":
        await desk.renew(me.id, _number(values))
        return await _alert_screen(svc, me, lang, _number(values))
    if name in ("mg", "mG"):
        if name == "mG" and values and values[0] in svc.region_slugs():
            await desk.toggle_watch(me.id, values[0])
        return await _regions(svc, me, lang)
    if name == "mc" and me.is_admin:
        return await _channels(svc, lang)
    if name == "ml" and me.is_admin and values and values[0] in svc.region_slugs():
        svc.flows.start(user_id, CHANNEL, "id", region=values[0])
        rows = [[a(t(lang, "btn.cancel"), "mc")]]
        return Screen(
            t(lang, "alerts.mod.channel_ask", region=esc(region_name(svc, lang, values[0]))),
            markup(rows),
        )
    raise AlertRefused("gone")


async def _alert_screen(svc: Services, me: Moderator, lang: str, alert_id: int) -> Screen:
    desk = runtime(svc).desk  # type: ignore[union-attr]
    alert = await desk.alert(alert_id)
    if alert is None:
        raise AlertRefused("gone")
    text = alert_text(lang, alert, region_name(svc, lang, alert.region))
    rows: list[Row] = []
    if alert.needs_review:
        text = t(lang, "alerts.mod.review_needed") + "\n\n" + text
        rows.append([a(t(lang, "alerts.mod.btn.keep"), "rk", alert.id)])
    rows.append(
        [a(t(lang, "alerts.mod.btn.renew", until=day(lang, alert.expires_on)), "rn", alert.id)]
    )
    rows.append([a(t(lang, "alerts.mod.btn.retract"), "rz", alert.id)])
    rows.append(_queue_row(lang))
    return Screen(text, markup(rows))


async def _regions(svc: Services, me: Moderator, lang: str) -> Screen:
    desk = runtime(svc).desk  # type: ignore[union-attr]
    watched = await desk.watched(me.id)
    snapshot = svc.full or svc.kb.snapshot
    rows: list[Row] = [
        [a(("✅ " if r.slug in watched else "") + r.name(lang), "mG", r.slug)]
        for r in snapshot.regions
    ]
    rows.append(_queue_row(lang))
    return Screen(t(lang, "alerts.mod.regions"), markup(rows))


async def _channels(svc: Services, lang: str) -> Screen:
    desk = runtime(svc).desk  # type: ignore[union-attr]
    linked = await desk.channels()
    snapshot = svc.full or svc.kb.snapshot
    lines = [t(lang, "alerts.mod.channels")]
    rows: list[Row] = []
    for region in snapshot.regions:
        if region.slug in linked:
            chat_id, langs = linked[region.slug]
            lines.append(f"• {esc(region.name(lang))}: <code>{chat_id}</code> ({', '.join(langs)})")
        rows.append([a(region.name(lang), "ml", region.slug)])
    rows.append(_queue_row(lang))
    return Screen("\n".join(lines), markup(rows))


async def on_text(
    svc: Services, me: Moderator, lang: str, user_id: int, flow: Flow, text: str
) -> Screen:
    """A moderator's typed step: the text to publish, or a channel to link."""
    desk = runtime(svc).desk  # type: ignore[union-attr]
    try:
        if flow.name == EDIT:
            report_id = int(flow.data["report"])
            svc.flows.end(user_id)
            await desk.set_text(me.id, report_id, text)
            return await view(svc, me, lang, report_id)
        region = flow.data["region"]
        svc.flows.end(user_id)
        chat_id, langs = _parse_channel(text)
        await desk.link_channel(me.id, region, chat_id, langs)
        return await _channels(svc, lang)
    except AlertRefused as exc:
        return Screen(
            t(lang, f"alert_error.{exc.code}"), markup([_queue_row(lang), _menu_row(lang)])
        )


def _parse_channel(text: str) -> tuple[int, tuple[str, ...]]:
    """'-1001234567890 es,en' (or '0' to unlink)."""
    from bot.i18n import languages

    parts = text.replace(",", " ").split()
    if not parts or not parts[0].lstrip("-").isdigit():
        raise AlertRefused("channel_id")
    langs = tuple(p for p in parts[1:] if p in languages()) or ("en",)
    return int(parts[0]), langs
