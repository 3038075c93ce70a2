"""Writing a tip, new or an edit of one: region, topics, kind, languages, texts, review
date, preview, submit. The draft lives in the person's flow until it is submitted."""

from __future__ import annotations

from datetime import timedelta

from bot import keyboards, render
from bot.callbacks import topic_number
from bot.handlers.moderators.actions import Act
from bot.handlers.moderators.common import (
    StaleButton,
    button,
    cancel_row,
    first,
    lang_name,
    moderation_of,
    number,
    topic_value,
    with_menu,
)
from bot.handlers.moderators.untrusted import review_card
from bot.i18n import languages, t
from bot.remembered.flows import Flow
from bot.render import MAX_MESSAGE, esc, visible_length
from bot.screens import Screen
from bot.services import Services
from knowledge.model import Kind
from knowledge.taxonomy import CATEGORIES, EXAMPLE_REGION, TOPICS
from moderation.drafts import Draft, DraftText, problems, to_entry
from moderation.errors import ModerationError, Problem
from moderation.workflow import Moderator

REVIEW_MONTHS = (3, 6, 12)
MAX_JURISDICTION = 80


def _regions_for_tips(svc: Services) -> list:
    snapshot = svc.full or svc.kb.snapshot
    return [r for r in snapshot.regions if svc.kb.show_examples or r.slug != EXAMPLE_REGION]


def _tip_flow(svc: Services, uid: int) -> Flow:
    flow = svc.flows.get(uid)
    if flow is None or flow.name != "tip":
        raise ModerationError("draft_expired")
    return flow


async def new_tip(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    svc.flows.start(uid, "tip", "region", topics=[], texts={}, category="safety")
    return _region_step(svc, lang)


def _region_step(svc: Services, lang: str) -> Screen:
    rows = [[button(r.name(lang), Act.TIP_REGION, r.slug)] for r in _regions_for_tips(svc)]
    return Screen(t(lang, "mod.new.region"), keyboards.buttons([*rows, cancel_row(lang)]))


async def choose_region(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    flow = _tip_flow(svc, uid)
    if first(values) not in {r.slug for r in _regions_for_tips(svc)}:
        raise ModerationError("unknown_region", region=first(values))
    flow.data["region"] = first(values)
    flow.step = "topics"
    return _topics_step(flow, lang)


def _topics_step(flow: Flow, lang: str) -> Screen:
    category = flow.data.get("category", "safety")
    chosen = flow.data["topics"]
    rows = [
        [
            button(("✓ " if c == category else "") + t(lang, f"category.{c}"), Act.TIP_CATEGORY, c)
            for c in CATEGORIES
        ]
    ]
    rows += [
        [
            button(
                ("✅ " if topic in chosen else "") + t(lang, f"topic.{topic}"),
                Act.TIP_TOPIC,
                topic_number(topic),
            )
        ]
        for topic in TOPICS[category]
    ]
    rows.append([button(t(lang, "btn.done"), Act.TIP_TOPICS_DONE), *cancel_row(lang)])
    return Screen(t(lang, "mod.new.topics"), keyboards.buttons(rows))


async def choose_category(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    flow = _tip_flow(svc, uid)
    if first(values) not in CATEGORIES:
        raise ModerationError("unknown_category")
    flow.data["category"] = first(values)
    return _topics_step(flow, lang)


async def toggle_topic(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    flow = _tip_flow(svc, uid)
    topic = topic_value(values)
    chosen: list[str] = flow.data["topics"]
    if topic in chosen:
        chosen.remove(topic)
    elif len(chosen) < 5:
        chosen.append(topic)
    return _topics_step(flow, lang)


async def topics_done(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    flow = _tip_flow(svc, uid)
    if not flow.data["topics"]:
        screen = _topics_step(flow, lang)
        return Screen(t(lang, "mod.new.topics_needed") + "\n\n" + screen.text, screen.markup)
    flow.step = "kind"
    rows = [
        [button(t(lang, "mod.new.kind.tip"), Act.TIP_KIND, "tip")],
        [button(t(lang, "mod.new.kind.rights"), Act.TIP_KIND, "rights")],
        cancel_row(lang),
    ]
    return Screen(t(lang, "mod.new.kind"), keyboards.buttons(rows))


async def choose_kind(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    flow = _tip_flow(svc, uid)
    if first(values) not in ("tip", "rights"):
        raise ModerationError("unknown_kind")
    flow.data["kind"] = first(values)
    return languages_step(flow, lang)


def languages_step(flow: Flow, lang: str) -> Screen:
    flow.step = "langs"
    rows = [[button(t(code, "language_name"), Act.TIP_LANGUAGES, code)] for code in languages()]
    rows.append([button(t(lang, "mod.new.both"), Act.TIP_LANGUAGES, "all")])
    rows.append(cancel_row(lang))
    return Screen(t(lang, "mod.new.langs"), keyboards.buttons(rows))


async def choose_languages(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    flow = _tip_flow(svc, uid)
    chosen = list(languages()) if first(values) == "all" else [first(values)]
    if not set(chosen) <= set(languages()):
        raise ModerationError("unsupported_language", language=first(values))
    flow.data["langs"] = chosen
    flow.data["texts"] = {}
    return _next_text_step(flow, lang)


def _next_text_step(flow: Flow, lang: str) -> Screen:
    """Ask for the next missing title, text or jurisdiction, or move on to review-by."""
    previous = flow.data.get("previous", {})
    for code in flow.data["langs"]:
        entry = flow.data["texts"].setdefault(code, {})
        for part, key in (("title", "mod.new.ask_title"), ("body", "mod.new.ask_body")):
            if part not in entry:
                flow.step = f"{part}:{code}"
                text = t(lang, key, language=lang_name(code, lang))
                old = previous.get(code, {}).get(part)
                if old:
                    text += f"\n\n{t(lang, 'mod.new.current')}\n<code>{esc(old)}</code>"
                return Screen(text, keyboards.buttons([cancel_row(lang)]))
    if flow.data["kind"] == "rights" and not flow.data.get("jurisdiction"):
        flow.step = "jurisdiction"
        return Screen(t(lang, "mod.new.ask_jurisdiction"), keyboards.buttons([cancel_row(lang)]))
    flow.step = "review"
    rows = [
        [button(t(lang, "mod.new.months", months=m), Act.TIP_REVIEW_BY, m) for m in REVIEW_MONTHS]
    ]
    rows.append(cancel_row(lang))
    return Screen(t(lang, "mod.new.review"), keyboards.buttons(rows))


async def tip_text(
    svc: Services, me: Moderator, lang: str, uid: int, flow: Flow, text: str
) -> Screen:
    step = flow.step
    if step == "jurisdiction":
        if not 1 <= len(text) <= MAX_JURISDICTION:
            raise ModerationError("jurisdiction_length", limit=MAX_JURISDICTION)
        flow.data["jurisdiction"] = text
        return _next_text_step(flow, lang)
    part, _, code = step.partition(":")
    if part not in ("title", "body") or code not in flow.data.get("langs", []):
        raise ModerationError("use_buttons")
    draft_text = DraftText(text if part == "title" else "x", text if part == "body" else "x")
    probe = Draft(Kind.TIP, ("screening",), ("global",), {code: draft_text}, svc.today())
    found = [
        p
        for p in problems(probe, {"global"}, svc.today() - timedelta(days=1))
        if p.params.get("language") == code
    ]
    if found:
        raise ModerationError.several(found)
    flow.data["texts"][code][part] = text
    return _next_text_step(flow, lang)


def _draft(svc: Services, flow: Flow) -> Draft:
    """The draft the flow holds. A part still missing means the button that asked for it
    (a review date, say) was pressed before the steps it follows: a stale button."""
    try:
        months = int(flow.data["months"])
        return Draft(
            kind=Kind(flow.data["kind"]),
            topics=tuple(flow.data["topics"]),
            regions=(flow.data["region"],),
            texts={
                code: DraftText(
                    v["title"], v["body"], tuple(flow.data.get("keywords", {}).get(code, ()))
                )
                for code, v in flow.data["texts"].items()
            },
            review_by=svc.today() + timedelta(days=round(months * 30.44)),
            jurisdiction=flow.data.get("jurisdiction", ""),
        )
    except KeyError:
        raise StaleButton from None


async def choose_review_by(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    flow = _tip_flow(svc, uid)
    if number(values) not in REVIEW_MONTHS:
        raise ModerationError("pick_button")
    flow.data["months"] = number(values)
    flow.step = "preview"
    draft = _draft(svc, flow)
    found = problems(draft, svc.region_slugs(), svc.today())
    entry = to_entry(0, draft, verified=svc.today(), review_by=draft.review_by)
    cards = [render.entry_card(entry, code, svc.today()) for code in draft.texts]
    if any(visible_length(card) > MAX_MESSAGE - 200 for card in cards):
        found.append(Problem("too_long_for_message"))
    if found:
        raise ModerationError.several(found)
    preview = review_card(entry, next(iter(draft.texts)), svc.today())
    rows = [[button(t(lang, "mod.new.submit"), Act.TIP_SUBMIT)], cancel_row(lang)]
    return Screen(f"{t(lang, 'mod.new.preview')}\n\n{preview}", keyboards.buttons(rows))


async def submit(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    moderation = moderation_of(svc)
    flow = _tip_flow(svc, uid)
    if flow.step != "preview":
        raise ModerationError("finish_steps")
    draft = _draft(svc, flow)
    if flow.data.get("edit_of"):
        await moderation.edit(me, int(flow.data["edit_of"]), draft, svc.region_slugs())
    else:
        await moderation.submit(me, draft, svc.region_slugs())
    svc.flows.end(uid)
    single = await moderation.single_review()
    return with_menu(lang, t(lang, "mod.new.submitted_single" if single else "mod.new.submitted"))
