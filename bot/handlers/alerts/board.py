"""⚠️ Alerts: the current alerts of the person's region, newest first; a search by
partial details (last digits of a number, part of a plate, words) over the masked,
published text only; and "check a number", where the deployment switched it on.

Nothing typed here is kept: the words are searched and forgotten, and the flow that
waits for them holds only which of the two is being typed.
"""

from __future__ import annotations

from telegram import Update

from bot import screens
from bot.callbacks import Op
from bot.handlers.alerts.common import Row, a, home_row, markup, region_name, runtime
from bot.handlers.alerts.render import alert_text, categories
from bot.handlers.common import send
from bot.i18n import t
from bot.remembered.flows import Flow
from bot.render import esc
from bot.screens import Screen
from bot.services import Services
from moderation.alerts.errors import AlertRefused

SEARCH, CHECK = "alert-search", "alert-check"
SEEN = "a_"  # the deep link of "seen this person too" (alerts.SEEN_HEAD)
PAGE = 3
MAX_QUERY = 100


def seen_link(svc: Services, alert_id: int) -> str:
    return f"https://t.me/{svc.bot_username}?start={SEEN}{alert_id}" if svc.bot_username else ""


def _tools(svc: Services, lang: str, region: str) -> list[Row]:
    alerts = runtime(svc)
    rows: list[Row] = [[a(t(lang, "alerts.btn.search"), "s", region)]]
    if alerts is not None and alerts.desk.number_check:
        rows.append([a(t(lang, "alerts.btn.check"), "n", region)])
    rows.append([a(t(lang, "alerts.btn.report"), "r")])
    return rows


def pick_region(svc: Services, lang: str) -> Screen:
    from bot import keyboards

    choosable = keyboards.choosable_regions(svc.kb.snapshot.regions, svc.kb.show_examples)
    rows: list[Row] = [[a(r.name(lang), "l", r.slug)] for r in choosable]
    rows.append(home_row(lang))
    return Screen(t(lang, "alerts.list.pick_region"), markup(rows))


async def list_screen(svc: Services, lang: str, region: str | None, page: int = 0) -> Screen:
    alerts = runtime(svc)
    if alerts is None:
        return screens.home(lang, t(lang, "unavailable"))
    if not region:
        return pick_region(svc, lang)
    found = await alerts.desk.alerts(region)
    name = region_name(svc, lang, region)
    pages = max(1, -(-len(found) // PAGE))
    page = min(max(page, 0), pages - 1)
    shown = found[page * PAGE : (page + 1) * PAGE]
    lines = [t(lang, "alerts.list.title", region=esc(name), count=len(found))]
    if not found:
        lines.append(t(lang, "alerts.list.none"))
    for alert in shown:
        lines += ["", alert_text(lang, alert, name, link=seen_link(svc, alert.id))]
    lines += ["", t(lang, "alerts.list.warn_not_identify")]
    rows = _tools(svc, lang, region)
    nav: Row = []
    if page > 0:
        nav.append(a(t(lang, "btn.prev"), "l", region, page - 1))
    if page < pages - 1:
        nav.append(a(t(lang, "btn.more"), "l", region, page + 1))
    if nav:
        rows.insert(0, nav)
    rows.append([a(t(lang, "alerts.btn.other_region"), "l")])
    rows.append(home_row(lang))
    return Screen("\n".join(lines), markup(rows))


def ask(svc: Services, lang: str, user_id: int, kind: str, region: str) -> Screen:
    svc.flows.start(user_id, kind, "words", region=region)
    key = "alerts.search.ask" if kind == SEARCH else "alerts.check.ask"
    rows: list[Row] = [[a(t(lang, "btn.cancel"), "l", region)]]
    return Screen(t(lang, key), markup(rows))


async def on_text(
    update: Update, svc: Services, lang: str, user_id: int, flow: Flow, text: str
) -> None:
    """The words to search, or the number to check; answered, then forgotten."""
    alerts = runtime(svc)
    region = flow.data.get("region") or None
    again: list[Row] = [
        [
            a(
                t(lang, "alerts.btn.search_again" if flow.name == SEARCH else "alerts.btn.check"),
                "s" if flow.name == SEARCH else "n",
                region or "",
            )
        ],
        [a(t(lang, "alerts.btn.list"), "l", region or "")],
        home_row(lang),
    ]
    svc.flows.end(user_id)
    if alerts is None:
        await send(update, screens.home(lang, t(lang, "unavailable")))
        return
    if not alerts.lookups.allow(user_id):
        await send(update, Screen(t(lang, "alerts.lookup_limit"), markup(again)))
        return
    query = text[:MAX_QUERY]
    if flow.name == SEARCH:
        found = await alerts.desk.search(query, region)
        name = region_name(svc, lang, region) if region else ""
        if not found:
            lines = [t(lang, "alerts.search.none")]
        else:
            lines = [t(lang, "alerts.search.found", count=len(found))]
            for alert in found[:PAGE]:
                shown_in = name or region_name(svc, lang, alert.region)
                lines += ["", alert_text(lang, alert, shown_in, link=seen_link(svc, alert.id))]
        lines += ["", t(lang, "alerts.no_match_not_safe")]
        await send(update, Screen("\n".join(lines), markup(again)))
        return
    try:
        matches = await alerts.desk.check_number(query, region)
    except AlertRefused as exc:
        await send(update, Screen(t(lang, f"alert_error.{exc.code}"), markup(again)))
        return
    if not matches:
        lines = [t(lang, "alerts.check.none")]
    else:
        lines = [t(lang, "alerts.check.found")]
        for match in matches:
            lines.append(
                t(
                    lang,
                    "alerts.check.match",
                    what=esc(categories(lang, match.categories) or t(lang, "alerts.cat.none")),
                    region=esc(region_name(svc, lang, match.region)),
                    month=match.month,
                    count=match.reports,
                )
            )
    lines += ["", t(lang, "alerts.no_match_not_safe")]
    await send(update, Screen("\n".join(lines), markup(again)))


def region_value(svc: Services, value: str) -> str | None:
    return value if value in svc.region_slugs() else None


__all__ = ["CHECK", "SEARCH", "Op"]
