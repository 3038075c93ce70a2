"""Writing an entry (a tip, legal information or a service), new or an edit of one: every
step can go back, every typed answer is checked when it is given and asked again with the
reason, and the preview shows every language and can jump to any field.

The steps and their order are in steps.py; a service's own steps (flags, contact,
source) in service.py. The draft lives in the person's flow until it is submitted.
"""

from __future__ import annotations

from datetime import timedelta

from bot import keyboards, render
from bot.callbacks import topic_number
from bot.handlers.moderators import service, steps
from bot.handlers.moderators.actions import Act
from bot.handlers.moderators.common import (
    StaleButton,
    button,
    cancel_row,
    first,
    lang_name,
    moderation_of,
    number,
    problem_text,
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
from knowledge.taxonomy import CATEGORIES, EXAMPLE_REGION, REQUIRED_LANGUAGES, TOPICS
from moderation.drafts import MAX_KEYWORD, MAX_KEYWORDS, Draft, DraftText, problems, to_entry
from moderation.errors import ModerationError, Problem
from moderation.workflow import DEFAULT_REVIEW, Moderator

REVIEW_MONTHS = (3, 6, 12)
MAX_JURISDICTION = 80
KINDS = (Kind.TIP, Kind.RIGHTS, Kind.REFERRAL)
_CARDS_ROOM = MAX_MESSAGE - 600  # the preview's and review's lines around the cards


def regions_for_tips(svc: Services) -> list:
    snapshot = svc.full or svc.kb.snapshot
    return [r for r in snapshot.regions if svc.kb.show_examples or r.slug != EXAMPLE_REGION]


def region_name(svc: Services, slug: str, lang: str) -> str:
    region = (svc.full or svc.kb.snapshot).region(slug)
    return region.name(lang) if region else slug


def tip_flow(svc: Services, uid: int) -> Flow:
    flow = svc.flows.get(uid)
    if flow is None or flow.name != "tip":
        raise ModerationError("draft_expired")
    return flow


def at_step(svc: Services, uid: int, step: str) -> Flow:
    """The flow, if it is at `step`: an answer for another step is a button from an
    older screen, pressed out of order."""
    flow = tip_flow(svc, uid)
    if flow.step != step:
        raise StaleButton
    return flow


def start(svc: Services, uid: int, data: dict, lang: str) -> Screen:
    """Open the wizard on `data` (empty for a new entry, pre-filled for an edit): at the
    first unanswered step, or at the preview when nothing is missing."""
    data.setdefault("topics", [])
    data.setdefault("texts", {})
    data.setdefault("keywords", {})
    data.setdefault("flags", {})
    data.setdefault("contact", {})
    data.setdefault("category", "safety")
    flow = svc.flows.start(uid, "tip", "", **data)
    return go(svc, flow, lang, steps.next_step(flow.data, None))


async def new_tip(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    return start(svc, uid, {}, lang)


# ----- moving between steps ---------------------------------------------------------------


def go(svc: Services, flow: Flow, lang: str, step: str) -> Screen:
    """Show `step` (or the preview) and remember it as the current one."""
    flow.step = step
    if step == steps.PREVIEW:
        flow.data["jump"] = True  # from now on, an answer comes back to the preview
        return preview(svc, flow, lang)
    return step_screen(svc, flow, lang)


def answered(svc: Services, flow: Flow, lang: str) -> Screen:
    """The current step has its answer: on to the next one without one."""
    return go(svc, flow, lang, steps.next_step(flow.data, flow.step))


def reask(svc: Services, flow: Flow, lang: str, error: ModerationError) -> Screen:
    """The same step again, with why the answer was refused on top."""
    screen = (
        step_screen(svc, flow, lang) if flow.step != steps.PREVIEW else preview(svc, flow, lang)
    )
    reason = esc(t(lang, "mod.problem", problem=problem_text(lang, error)))
    return Screen(f"{reason}\n\n{screen.text}", screen.markup)


def header(flow: Flow, lang: str) -> str:
    n, of = steps.position(flow.data, flow.step)
    if flow.data.get("edit_of"):
        what = t(lang, "mod.w.edit", tip=flow.data["edit_of"])
    elif flow.data.get("replaces"):
        what = t(lang, "mod.w.correct")
    elif flow.data.get("shared"):
        what = t(lang, "mod.w.adopt")
    else:
        what = t(lang, "mod.w.new")
    return t(lang, "mod.w.head", what=what, n=n, of=of)


def nav_row(flow: Flow, lang: str, *, keep: bool = False, skip: bool = False) -> list:
    """⬅️ Back (to the preview, when the step was opened from it), then Keep or Skip,
    then Cancel."""
    row = []
    if flow.data.get("jump") or steps.previous_step(flow.data, flow.step):
        row.append(button(t(lang, "mod.w.back"), Act.TIP_BACK))
    if keep:
        row.append(button(t(lang, "mod.w.keep"), Act.TIP_KEEP))
    elif skip:
        row.append(button(t(lang, "mod.w.skip"), Act.TIP_SKIP))
    return [row, cancel_row(lang)] if row else [cancel_row(lang)]


def step_screen(svc: Services, flow: Flow, lang: str) -> Screen:
    part, _, code = flow.step.partition(":")
    head = header(flow, lang)
    if part == "region":
        return _region_step(svc, flow, lang, head)
    if part == "topics":
        return _topics_step(flow, lang, head)
    if part == "kind":
        return _kind_step(flow, lang, head)
    if part == "langs":
        return _languages_step(flow, lang, head)
    if part == "review":
        return _review_step(flow, lang, head)
    if part in ("title", "body", "keywords", "jurisdiction"):
        return _text_step(flow, lang, head, part, code)
    return service.step_screen(flow, lang, head, nav_row)


async def back(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    flow = tip_flow(svc, uid)
    if flow.data.get("jump") and flow.step != steps.PREVIEW:
        return go(svc, flow, lang, steps.PREVIEW)
    previous = steps.previous_step(flow.data, flow.step)
    if previous is None:
        return step_screen(svc, flow, lang)
    flow.data["jump"] = False
    return go(svc, flow, lang, previous)


async def keep(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    flow = tip_flow(svc, uid)
    if flow.step == steps.PREVIEW or not steps.answered(flow.data, flow.step):
        raise StaleButton
    return answered(svc, flow, lang)


async def skip(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    flow = tip_flow(svc, uid)
    part, _, code = flow.step.partition(":")
    if part not in steps.OPTIONAL:
        raise StaleButton
    flow.data["keywords" if part == "keywords" else "contact"][code] = (
        [] if part == "keywords" else ""
    )
    return answered(svc, flow, lang)


async def jump(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    """From the preview, straight to one field; its answer comes back to the preview."""
    flow = tip_flow(svc, uid)
    order = steps.order(flow.data)
    place = number(values)
    if flow.step != steps.PREVIEW or not 0 <= place < len(order):
        raise StaleButton
    flow.data["jump"] = True
    return go(svc, flow, lang, order[place])


# ----- the steps ----------------------------------------------------------------------------


def _mark(chosen: bool, label: str) -> str:
    return ("✅ " if chosen else "") + label


def _region_step(svc: Services, flow: Flow, lang: str, head: str) -> Screen:
    chosen = flow.data.get("regions", [])
    rows = [
        [button(_mark(r.slug in chosen, r.name(lang)), Act.TIP_REGION, r.slug)]
        for r in regions_for_tips(svc)
    ]
    return Screen(
        f"{head}\n{t(lang, 'mod.w.region')}", keyboards.buttons([*rows, *nav_row(flow, lang)])
    )


async def choose_region(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    flow = at_step(svc, uid, "region")
    if first(values) not in {r.slug for r in regions_for_tips(svc)}:
        raise ModerationError("unknown_region", region=first(values))
    flow.data["regions"] = [first(values)]
    return answered(svc, flow, lang)


def _topics_step(flow: Flow, lang: str, head: str) -> Screen:
    category = flow.data.get("category", "safety")
    chosen = flow.data["topics"]
    rows = [
        [
            button(_mark(True, t(lang, f"topic.{topic}")), Act.TIP_TOPIC, topic_number(topic))
            for topic in chosen
        ][i : i + 2]
        for i in range(0, len(chosen), 2)
    ]
    rows += [
        [button(t(lang, f"topic.{topic}"), Act.TIP_TOPIC, topic_number(topic))]
        for topic in TOPICS[category]
        if topic not in chosen
    ]
    # The other lists of topics, as plainly "more topics", never as something chosen.
    rows.append(
        [
            button(
                t(lang, "mod.w.more_topics", category=t(lang, f"category.{c}")), Act.TIP_CATEGORY, c
            )
            for c in CATEGORIES
            if c != category
        ]
    )
    rows.append([button(t(lang, "btn.done"), Act.TIP_TOPICS_DONE)])
    text = t(lang, "mod.w.topics", category=esc(t(lang, f"category.{category}")))
    return Screen(f"{head}\n{text}", keyboards.buttons([*rows, *nav_row(flow, lang)]))


async def choose_category(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    flow = at_step(svc, uid, "topics")
    if first(values) not in CATEGORIES:
        raise ModerationError("unknown_category")
    flow.data["category"] = first(values)
    return step_screen(svc, flow, lang)


async def toggle_topic(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    flow = at_step(svc, uid, "topics")
    topic = topic_value(values)
    chosen: list[str] = flow.data["topics"]
    if topic in chosen:
        chosen.remove(topic)
    elif len(chosen) < 5:
        chosen.append(topic)
    return step_screen(svc, flow, lang)


async def topics_done(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    flow = at_step(svc, uid, "topics")
    if not flow.data["topics"]:
        return reask(svc, flow, lang, ModerationError("no_topic"))
    return answered(svc, flow, lang)


def _kind_step(flow: Flow, lang: str, head: str) -> Screen:
    rows = [
        [button(_mark(flow.data.get("kind") == k, t(lang, f"mod.w.kind.{k}")), Act.TIP_KIND, k)]
        for k in KINDS
    ]
    return Screen(
        f"{head}\n{t(lang, 'mod.w.kind')}", keyboards.buttons([*rows, *nav_row(flow, lang)])
    )


async def choose_kind(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    flow = at_step(svc, uid, "kind")
    if first(values) not in KINDS:
        raise ModerationError("unknown_kind")
    flow.data["kind"] = first(values)
    return answered(svc, flow, lang)


def _languages_step(flow: Flow, lang: str, head: str) -> Screen:
    chosen = flow.data.get("langs", [])
    choices = [
        button(_mark(chosen == [code], t(code, "language_name")), Act.TIP_LANGUAGES, code)
        for code in languages()
    ]
    rows = [choices[i : i + 2] for i in range(0, len(choices), 2)]
    # "Both": the languages every entry of the content is written in (English + Español).
    both = sorted(chosen) == sorted(REQUIRED_LANGUAGES)
    rows.append([button(_mark(both, t(lang, "mod.new.both")), Act.TIP_LANGUAGES, "all")])
    return Screen(
        f"{head}\n{t(lang, 'mod.w.langs')}", keyboards.buttons([*rows, *nav_row(flow, lang)])
    )


async def choose_languages(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    flow = at_step(svc, uid, "langs")
    chosen = list(REQUIRED_LANGUAGES) if first(values) == "all" else [first(values)]
    if not set(chosen) <= set(languages()):
        raise ModerationError("unsupported_language", language=first(values))
    flow.data["langs"] = chosen  # texts already written in a language are kept
    return answered(svc, flow, lang)


def _current(flow: Flow, part: str, code: str) -> str:
    if part == "keywords":
        return ", ".join(flow.data["keywords"].get(code, ()))
    if part == "jurisdiction":
        return flow.data.get("jurisdiction", "")
    return flow.data["texts"].get(code, {}).get(part, "")


def _text_step(flow: Flow, lang: str, head: str, part: str, code: str) -> Screen:
    language = lang_name(code, lang) if code else ""
    text = f"{head}\n{t(lang, f'mod.w.ask.{part}', language=language)}"
    current = _current(flow, part, code)
    if current:
        text += f"\n\n{t(lang, 'mod.new.current')}\n<code>{esc(current)}</code>"
    rows = nav_row(flow, lang, keep=bool(current), skip=part == "keywords")
    return Screen(text, keyboards.buttons(rows))


def _review_step(flow: Flow, lang: str, head: str) -> Screen:
    rows = [
        [button(t(lang, "mod.new.months", months=m), Act.TIP_REVIEW_BY, m) for m in REVIEW_MONTHS]
    ]
    text = f"{head}\n{t(lang, 'mod.w.review')}"
    if flow.data.get("review_by"):
        text += "\n" + t(lang, "mod.w.review_now", date=flow.data["review_by"])
    return Screen(
        text, keyboards.buttons([*rows, *nav_row(flow, lang, keep="review_by" in flow.data)])
    )


async def choose_review_by(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    flow = at_step(svc, uid, "review")
    if number(values) not in REVIEW_MONTHS:
        raise ModerationError("pick_button")
    until = svc.today() + timedelta(days=round(number(values) * 30.44))
    flow.data["review_by"] = until.isoformat()
    return answered(svc, flow, lang)


def _keywords(text: str) -> list[str]:
    words = []
    for word in text.replace("\n", ",").replace(";", ",").split(","):
        word = " ".join(word.split())
        if word and word.casefold() not in {w.casefold() for w in words}:
            words.append(word)
    return words


async def tip_text(
    svc: Services, me: Moderator, lang: str, uid: int, flow: Flow, text: str
) -> Screen:
    """A typed answer: checked now, by the same rules as the whole draft."""
    part, _, code = flow.step.partition(":")
    if part == "jurisdiction":
        if not 1 <= len(text) <= MAX_JURISDICTION:
            raise ModerationError("jurisdiction_length", limit=MAX_JURISDICTION)
        flow.data["jurisdiction"] = text
        return answered(svc, flow, lang)
    if part in ("contact", "source"):
        service.typed(flow, part, code, text)
        return answered(svc, flow, lang)
    if part not in ("title", "body", "keywords") or code not in flow.data.get("langs", []):
        raise ModerationError("use_buttons")
    if part == "keywords":
        words = _keywords(text)
        if len(words) > MAX_KEYWORDS or any(len(w) > MAX_KEYWORD for w in words):
            raise ModerationError("keywords", language=code, limit=MAX_KEYWORDS)
        flow.data["keywords"][code] = words
        return answered(svc, flow, lang)
    draft_text = DraftText(text if part == "title" else "x", text if part == "body" else "x")
    probe = Draft(Kind.TIP, ("screening",), ("global",), {code: draft_text}, svc.today())
    found = [
        p
        for p in problems(probe, {"global"}, svc.today() - timedelta(days=1))
        if p.params.get("language") == code
    ]
    if found:
        raise ModerationError.several(found)
    flow.data["texts"].setdefault(code, {})[part] = text
    return answered(svc, flow, lang)


async def choose_flag(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    flow = at_step(svc, uid, service.flag_at(values))
    service.set_flag(flow, values)
    return answered(svc, flow, lang)


async def toggle_service_language(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    flow = at_step(svc, uid, "languages")
    try:
        done = service.toggle_language(flow, values)
    except ModerationError as error:
        return reask(svc, flow, lang, error)
    return answered(svc, flow, lang) if done else step_screen(svc, flow, lang)


# ----- the preview, and submitting ----------------------------------------------------------


def draft_of(svc: Services, flow: Flow) -> Draft:
    """The draft the flow holds. A part still missing means a button was pressed out of
    order: a stale button."""
    try:
        return steps.to_draft(flow.data)
    except (KeyError, ValueError):
        raise StaleButton from None


def cards(entry, lang: str, today, shown: str | None = None) -> tuple[str, list[str]]:
    """Every language's card, each under its language's name, as a reviewer must see it;
    when they do not fit one message together, only `shown` (or the first), and the
    languages left to page to."""
    codes = list(entry.texts)
    parts = {
        code: f"<b>— {esc(lang_name(code, lang))} —</b>\n{review_card(entry, code, today)}"
        for code in codes
    }
    together = "\n\n".join(parts.values())
    if visible_length(together) <= _CARDS_ROOM:
        return together, []
    shown = shown if shown in parts else codes[0]
    return parts[shown], [c for c in codes if c != shown]


def field_buttons(flow: Flow, lang: str) -> list:
    """A button for every field, to change just that one."""
    labels = []
    for place, step in enumerate(steps.order(flow.data)):
        part, _, code = step.partition(":")
        if part == "contact":
            label = t(lang, f"mod.w.field.contact.{code}")
        else:
            label = t(lang, f"mod.w.field.{part}")
        if part in ("title", "body", "keywords"):
            label = f"{label} ({code.upper()})"
        labels.append(button("✏️ " + label, Act.TIP_FIELD, place))
    return [labels[i : i + 3] for i in range(0, len(labels), 3)]


def preview(svc: Services, flow: Flow, lang: str, shown: str | None = None) -> Screen:
    draft = draft_of(svc, flow)
    found = problems(draft, svc.region_slugs(), svc.today())
    entry = to_entry(0, draft, verified=svc.today(), review_by=draft.review_by)
    if any(
        visible_length(render.entry_card(entry, code, svc.today())) > MAX_MESSAGE - 200
        for code in draft.texts
    ):
        found.append(Problem("too_long_for_message"))
    body, others = cards(entry, lang, svc.today(), shown)
    rows = []
    if others:
        rows.append([button(f"👁 {lang_name(c, lang)}", Act.TIP_PREVIEW, c) for c in others])
    if found:
        error = ModerationError.several(found)
        text = esc(t(lang, "mod.problem", problem=problem_text(lang, error)))
        text += "\n\n" + t(lang, "mod.w.preview_fix") + "\n\n" + body
    else:
        text = f"{t(lang, 'mod.new.preview')}\n\n{body}"
        rows.append([button(t(lang, "mod.new.submit"), Act.TIP_SUBMIT)])
    rows += field_buttons(flow, lang)
    rows.append(cancel_row(lang))
    return Screen(text, keyboards.buttons(rows))


async def show_preview(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    flow = tip_flow(svc, uid)
    if flow.step != steps.PREVIEW:
        raise StaleButton
    return preview(svc, flow, lang, values[0] if values else None)


async def submit(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    moderation = moderation_of(svc)
    flow = tip_flow(svc, uid)
    if flow.step != steps.PREVIEW:
        raise ModerationError("finish_steps")
    draft = draft_of(svc, flow)
    if flow.data.get("edit_of"):
        await moderation.edit(me, int(flow.data["edit_of"]), draft, svc.region_slugs())
    elif flow.data.get("shared"):
        await moderation.adopt_draft(me, int(flow.data["shared"]), draft, svc.region_slugs())
    else:
        await moderation.submit(me, draft, svc.region_slugs())
    svc.flows.end(uid)
    single = await moderation.single_review()
    return with_menu(lang, t(lang, "mod.new.submitted_single" if single else "mod.new.submitted"))


def default_review(svc: Services) -> str:
    return (svc.today() + DEFAULT_REVIEW).isoformat()
