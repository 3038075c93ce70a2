"""⚠️ Report a bad date: a guided report where every step can be skipped, then exactly
what will be sent (and what moderators will see), then support, sent or not.

Never asked: anything about the reporter, the venue or address, faces; there is no
field for them. The draft lives in the person's flow (memory only, gone when the flow
ends or after a quiet quarter of an hour); what is sent carries the day only.
"""

from __future__ import annotations

import logging
import secrets

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import keyboards, screens
from bot.callbacks import Op, encode, topic_number
from bot.handlers.alerts.common import Row, a, home_row, markup, region_name, runtime
from bot.handlers.alerts.render import draft_lines
from bot.handlers.common import send
from bot.i18n import t
from bot.remembered.flows import Flow
from bot.render import esc
from bot.screens import Screen
from bot.services import STORE_FAILURES, Services
from knowledge.taxonomy import GLOBAL_REGION
from moderation.alerts.errors import AlertRefused
from moderation.alerts.model import (
    AGES,
    BUILDS,
    CATEGORIES,
    CODES,
    PARTS,
    TEXT_LIMITS,
    WHEN,
    ReportDraft,
)

FLOW = "alert"
CONFIRM = "confirm"
# Each step: its field, and its choices (None: typed words).
STEPS: tuple[tuple[str, tuple[str, ...] | None], ...] = (
    ("region", ()),  # the regions, read when shown
    ("when", WHEN),
    ("part", PARTS),
    ("categories", CATEGORIES),
    ("behaviour", None),
    ("age", AGES),
    ("build", BUILDS),
    ("language", None),
    ("description", None),
    ("make", None),
    ("colour", None),
    ("plate", None),
    ("phone", None),
    ("email", None),
    ("handle", None),
    ("site", None),
)
STEP_NAMES = tuple(name for name, _ in STEPS)
log = logging.getLogger("lantern.alerts.report")


def _draft(flow: Flow) -> ReportDraft:
    return flow.data.setdefault("draft", ReportDraft())


def _regions(svc: Services) -> list[tuple[str, str]]:
    """(slug, label) of the regions a report can be for; "global" last."""
    choosable = keyboards.choosable_regions(svc.kb.snapshot.regions, svc.kb.show_examples)
    return [(r.slug, r.slug) for r in choosable if r.slug != GLOBAL_REGION]


def start(svc: Services, user_id: int, seen: int | None = None, region: str | None = None) -> Flow:
    flow = svc.flows.start(user_id, FLOW, "region", draft=ReportDraft())
    if seen:
        flow.data["seen"] = seen
    if region:
        _draft(flow).region = region
        flow.step = "when"
    return flow


def _step_screen(svc: Services, lang: str, flow: Flow, notice: str = "") -> Screen:
    flow.data.pop("nonce", None)
    if flow.step == CONFIRM:
        return _confirm_screen(svc, lang, flow, notice)
    index = STEP_NAMES.index(flow.step)
    name, choices = STEPS[index]
    draft = _draft(flow)
    lines = [notice, ""] if notice else []
    if index == 0:
        lines.append(t(lang, "alerts.report.intro"))
    lines.append(t(lang, "alerts.report.step", step=index + 1, steps=len(STEPS)))
    lines.append(t(lang, f"alerts.ask.{name}"))
    rows: list[Row] = []
    if name == "region":
        rows = [[a(region_name(svc, lang, slug), "c", index, slug)] for slug, _ in _regions(svc)]
        rows.append([a(t(lang, "alerts.region_other"), "c", index, GLOBAL_REGION)])
    elif name == "categories":
        chosen = draft.categories
        rows = [
            [a(("✅ " if c in chosen else "") + t(lang, f"alerts.cat.{c}"), "t", CODES[c])]
            for c in CATEGORIES
        ]
        rows.append([a(t(lang, "alerts.btn.done"), "d")])
    elif choices:
        rows = [[a(t(lang, f"alerts.{name}.{c}"), "c", index, i)] for i, c in enumerate(choices)]
    else:
        limit = TEXT_LIMITS[name]
        lines.append(t(lang, "alerts.report.type_or_skip", limit=limit))
    if name != "region":
        rows.append([a(t(lang, "alerts.btn.skip"), "k", index)])
    rows.append([a(t(lang, "btn.cancel"), "x")])
    return Screen("\n".join(lines), markup(rows))


def _confirm_screen(svc: Services, lang: str, flow: Flow, notice: str = "") -> Screen:
    draft = _draft(flow)
    flow.data["nonce"] = secrets.token_hex(3)
    lines = [notice, ""] if notice else []
    lines.append(t(lang, "alerts.report.will_send"))
    lines.append(
        t(lang, "alerts.report.for_region", region=esc(region_name(svc, lang, draft.region)))
    )
    lines += draft_lines(lang, draft, masked=False) or [t(lang, "alerts.report.nothing_yet")]
    if draft.contacts():
        lines.append("")
        lines.append(t(lang, "alerts.report.moderators_see"))
        lines += [
            line
            for line in draft_lines(lang, draft, masked=True)
            if any(t(lang, f"alerts.field.{k}") in line for k in ("phone", "email", "handle"))
        ]
    lines.append("")
    lines.append(t(lang, "alerts.report.how_published"))
    lines.append(t(lang, "alerts.report.nothing_about_you"))
    rows: list[Row] = []
    if not draft.is_empty():
        rows.append([a(t(lang, "alerts.btn.send"), "ok", flow.data["nonce"])])
    rows.append([a(t(lang, "alerts.btn.change"), "ch")])
    rows.append([a(t(lang, "btn.cancel"), "x")])
    return Screen("\n".join(lines), markup(rows))


def _change_screen(lang: str, flow: Flow) -> Screen:
    """Edit: any step again, then back to the check."""
    rows = [
        [a(t(lang, f"alerts.field.{name}"), "e", i)]
        for i, name in enumerate(STEP_NAMES)
        if name != "region"
    ]
    rows.append([a(t(lang, "alerts.btn.back_to_check"), "e", len(STEPS))])
    return Screen(t(lang, "alerts.report.change"), markup(rows))


def _next(flow: Flow) -> None:
    """On to the next step; back to the check after a change."""
    if flow.data.get("changing"):
        flow.step = CONFIRM
        return
    index = STEP_NAMES.index(flow.step) + 1
    flow.step = STEP_NAMES[index] if index < len(STEPS) else CONFIRM


def support_screen(lang: str, notice: str) -> Screen:
    """After a report, sent or not: support first, police only ever as the person's
    choice, through organisations that report for them with consent."""
    rows: list[Row] = [
        [(t(lang, "btn.helpnow"), Op.HELP_NOW, ())],
        [(t(lang, "alerts.btn.support"), Op.TOPIC, (_topic("violence-response"), 0))],
        [(t(lang, "alerts.btn.third_party"), Op.TOPIC, (_topic("reporting-violence"), 0))],
        [a(t(lang, "alerts.btn.list"), "l")],
        home_row(lang),
    ]
    return Screen(f"{notice}\n\n{t(lang, 'alerts.report.support')}", markup(rows))


def _topic(slug: str) -> int:
    return topic_number(slug)


def with_help_now(lang: str, screen: Screen) -> Screen:
    """🆘 Need help now on top, for words that read as a crisis."""
    button = InlineKeyboardButton(t(lang, "btn.helpnow"), callback_data=encode(Op.HELP_NOW))
    return Screen(screen.text, InlineKeyboardMarkup(((button,), *screen.markup.inline_keyboard)))


async def on_button(
    update: Update, svc: Services, lang: str, user_id: int, name: str, values: list[str]
) -> None:
    flow = svc.flows.get(user_id)
    if (flow is None or flow.name != FLOW) and name not in ("r", "rs"):
        await send(update, screens.home(lang, t(lang, "flow.expired")))
        return
    if name == "r":
        flow = start(svc, user_id)
    elif name == "rs":
        seen = int(values[0]) if values and values[0].isdigit() else 0
        alerts = runtime(svc)
        found = await alerts.desk.alert(seen) if seen and alerts else None
        flow = start(
            svc, user_id, seen=found.id if found else None, region=found.region if found else None
        )
    elif name == "x":
        svc.flows.end(user_id)
        await send(update, support_screen(lang, t(lang, "alerts.report.cancelled")))
        return
    elif name == "c" and len(values) == 2 and flow.step == _step_at(values[0]):
        step, choices = STEPS[int(values[0])]
        draft = _draft(flow)
        if step == "region":
            if values[1] not in svc.region_slugs():
                await send(update, screens.home(lang, t(lang, "expired")))
                return
            draft.region = values[1]
        elif values[1].isdigit() and choices and int(values[1]) < len(choices):
            setattr(draft, step, choices[int(values[1])])
        _next(flow)
    elif name == "t" and values and flow.step == "categories":
        code = values[0]
        chosen = [c for c in CATEGORIES if CODES[c] == code]
        draft = _draft(flow)
        for c in chosen:
            draft.categories = (
                [x for x in draft.categories if x != c]
                if c in draft.categories
                else [*draft.categories, c]
            )
    elif name == "d" and flow.step == "categories":
        _next(flow)
    elif name == "k" and values and flow.step == _step_at(values[0]):
        step = flow.step
        if step != "region":
            draft = _draft(flow)
            setattr(draft, step, [] if step == "categories" else "")
        _next(flow)
    elif name == "ch" and flow.step == CONFIRM:
        await send(update, _change_screen(lang, flow))
        return
    elif name == "e" and values and values[0].isdigit() and flow.step == CONFIRM:
        index = int(values[0])
        if 0 < index < len(STEPS):
            flow.step = STEP_NAMES[index]
            flow.data["changing"] = True
    elif name == "ok" and values and flow.step == CONFIRM:
        if flow.data.get("nonce") != values[0]:
            await send(update, _step_screen(svc, lang, flow, t(lang, "tips.stale")))
            return
        await _submit(update, svc, lang, user_id, flow)
        return
    else:
        # Pressed on an older screen of this report: show where the person is now.
        await send(update, _step_screen(svc, lang, flow, t(lang, "alerts.report.moved_on")))
        return
    await send(update, _step_screen(svc, lang, flow))


def _step_at(value: str) -> str | None:
    return STEP_NAMES[int(value)] if value.isdigit() and int(value) < len(STEPS) else None


async def on_text(
    update: Update, svc: Services, lang: str, user_id: int, flow: Flow, text: str
) -> None:
    """Typed words: the answer to a typed step; at a step with buttons, kept for nothing
    (the person is asked to use the buttons, or skip)."""
    urgent = svc.kb.read(text, lang).urgent
    if urgent == "alone":
        svc.flows.end(user_id)
        from bot.handlers import help_now

        await send(update, help_now.help_now_screen(svc, lang, None))
        return
    step = flow.step
    typed_step = step != CONFIRM and dict(STEPS).get(step, ()) is None
    if not typed_step:
        screen = _step_screen(svc, lang, flow, t(lang, "alerts.report.use_buttons"))
    elif len(text) > TEXT_LIMITS[step]:
        screen = _step_screen(
            svc, lang, flow, t(lang, "alerts.report.too_long", limit=TEXT_LIMITS[step])
        )
    else:
        setattr(_draft(flow), step, text)
        _next(flow)
        screen = _step_screen(svc, lang, flow)
    if urgent == "now":
        screen = with_help_now(lang, screen)
    await send(update, screen)


async def _submit(update: Update, svc: Services, lang: str, user_id: int, flow: Flow) -> None:
    """Send what the check showed; the flow, and the draft in it, end here."""
    svc.flows.end(user_id)
    alerts = runtime(svc)
    draft: ReportDraft = flow.data["draft"]
    if alerts is None:
        await send(update, screens.home(lang, t(lang, "unavailable")))
        return
    if not alerts.reports.allow(user_id):
        await send(update, support_screen(lang, t(lang, "alerts.report.limit")))
        return
    if flow.data.get("seen"):
        note = t(lang, "alerts.report.seen_note", number=flow.data["seen"])
        draft.behaviour = f"{note}\n{draft.behaviour}".strip()[: TEXT_LIMITS["behaviour"]]
    try:
        await alerts.desk.submit(draft, lang, svc.region_slugs())
    except AlertRefused as exc:
        await send(update, support_screen(lang, t(lang, f"alert_error.{exc.code}")))
        return
    except STORE_FAILURES as exc:
        log.error("alert report not saved: %s", type(exc).__name__)
        await send(update, support_screen(lang, t(lang, "share.not_saved")))
        return
    await send(update, support_screen(lang, t(lang, "alerts.report.thanks")))
