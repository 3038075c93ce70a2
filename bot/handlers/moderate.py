"""Moderators' chat flows: /mod, the review queue, writing tips, freshness, reports, team.

Every button and every typed step asks the database for the person's role again; to
anyone who is not a moderator, all of this behaves like an unknown command or an
expired menu, so nothing reveals that moderator functions exist.
"""

from __future__ import annotations

import html
import logging
import re
from datetime import date, timedelta

from telegram import Update
from telegram.ext import ContextTypes

from bot import keyboards, render, screens
from bot.callbacks import Action, Op, topic_at, topic_number
from bot.handlers.common import guarded, send, services, user_lang
from bot.i18n import languages, t
from bot.remembered.flows import Flow
from bot.render import MAX_MESSAGE, esc, visible_length
from bot.screens import Screen
from bot.services import STORE_FAILURES, Services
from knowledge.model import Entry, Kind
from knowledge.taxonomy import CATEGORIES, EXAMPLE_REGION, TOPICS
from moderation import live
from moderation.drafts import Draft, DraftText, clean, host_of, links, problems, to_entry
from moderation.limits import defang
from moderation.workflow import (
    ADMIN,
    RETIRE,
    ModerationError,
    Moderator,
    Proposal,
    tip_id_of,
)

log = logging.getLogger("lantern.moderate")

MOD_FLOWS = ("join", "rename", "tip", "reject", "adopt", "region")
LIST_LIMIT = 20
REVIEW_MONTHS = (3, 6, 12)


def _b(label: str, action: str, *values: object) -> tuple[str, Op, tuple[object, ...]]:
    return (label, Op.MOD, (action, *[str(v) for v in values]))


def _menu_button(lang: str) -> list:
    return [_b(t(lang, "mod.btn.menu"), "m")]


def _with_menu(lang: str, text: str, rows: list | None = None) -> Screen:
    return Screen(text, keyboards.buttons([*(rows or []), _menu_button(lang)]))


def _cancel(lang: str) -> list:
    return [_b(t(lang, "btn.cancel"), "x")]


def _lang_name(code: str, lang: str) -> str:
    return render.language_name(code, lang)


# ----- showing others' content for a decision ------------------------------------------
# A link's text can itself look like an address ("https://clinic.org") while the link
# opens another one. Wherever a moderator decides on content someone else wrote, links
# are spelled out, text then real target, and every target's host is listed under the
# card: a reviewer can only "check every link" if they can see where each one goes.

# knowledge.markup writes links exactly like this (address quote-escaped, text escaped,
# never nested), so this finds every link of a rendered card and nothing else.
_ANCHOR = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.S)
_ROOM = MAX_MESSAGE - 300  # for the lines above the card and the list of hosts


def _spelled_out(card: str) -> str:
    """The card with each link written as 'text → target' in <code> (not tappable)."""
    full = _ANCHOR.sub(lambda m: f"{m.group(2)} → <code>{m.group(1)}</code>", card)
    if visible_length(full) <= _ROOM:
        return full
    # Too long for one message with whole addresses: the host is what tells a clinic
    # from a tracker, and the full addresses are in the list below.
    return _ANCHOR.sub(
        lambda m: f"{m.group(2)} → <code>{esc(host_of(html.unescape(m.group(1))))}</code>", card
    )


def _hosts_note(lang: str, bodies: list[str]) -> str:
    """'Links go to: a.org, b.net' for every body (all languages), or '' if none."""
    hosts = sorted({host_of(link.url) or link.url for body in bodies for link in links(body)})
    if not hosts:
        return ""
    listed = ", ".join(f"<code>{esc(host)}</code>" for host in hosts)
    return "\n\n" + t(lang, "mod.links.targets", hosts=listed)


def _untrusted(text: str, *, block: bool = False) -> str:
    """Anonymous text for moderators' eyes: defanged, and inside <code>/<pre>, where
    Telegram makes no link, mention or e-mail address tappable whatever slips through."""
    tag = "pre" if block else "code"
    return f"<{tag}>{esc(defang(text))}</{tag}>"


def _review_card(entry: Entry, lang: str, today: date) -> str:
    """An entry as a reviewer must see it: links spelled out, every target host listed."""
    card = _spelled_out(render.entry_card(entry, lang, today))
    return card + _hosts_note(lang, [text.body for text in entry.texts.values()])


# ----- entry points ---------------------------------------------------------------------


@guarded
async def mod_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/mod: the moderator menu, or for anyone else exactly the unknown-command reply."""
    svc = services(context)
    user = update.effective_user
    moderator = await svc.moderator(user.id) if user else None
    lang = user_lang(update, context)
    if moderator is None:
        await send(update, screens.home(lang, t(lang, "unknown_command")))
        return
    svc.flows.end(user.id)
    if moderator.is_admin and update.effective_chat is not None:
        svc.remember_admin_chat(update.effective_chat.id)
    await send(update, await _menu(svc, moderator, lang))


async def start_invite(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str) -> bool:
    """`/start inv-...`: begin joining if the invite is good; False to treat as unknown."""
    svc = services(context)
    user = update.effective_user
    if svc.moderation is None or user is None:
        return False
    try:
        role = await svc.moderation.invite_role(code)
    except STORE_FAILURES as exc:
        # The database cannot be read: the link opens the menu like any unknown one.
        log.error("invite lookup failed: %s", type(exc).__name__)
        return False
    if role is None:
        return False
    lang = user_lang(update, context)
    svc.flows.start(user.id, "join", "name", code=code)
    await send(update, Screen(t(lang, "mod.join.ask_name"), keyboards.cancel_only(lang, Op.MOD)))
    return True


async def on_action(update: Update, context: ContextTypes.DEFAULT_TYPE, action: Action) -> None:
    """A moderator button. Non-moderators get the same reply as any stale button."""
    svc = services(context)
    user = update.effective_user
    lang = user_lang(update, context)
    moderator = await svc.moderator(user.id) if user else None
    if moderator is None or svc.moderation is None or user is None:
        # Cancel is the one step a joining (not yet moderator) person may take.
        if user is not None and action.args[0] == "x":
            svc.flows.end(user.id)
        await send(update, screens.home(lang, t(lang, "expired")))
        return
    svc.bot_username = context.bot.username or ""
    name, *values = action.args
    handler = _ACTIONS.get(name)
    if handler is None:
        await send(update, screens.home(lang, t(lang, "expired")))
        return
    try:
        screen = await handler(svc, moderator, lang, user.id, values)
    except ModerationError as exc:
        screen = _with_menu(lang, esc(t(lang, "mod.problem", problem=str(exc))))
    except (ValueError, IndexError, KeyError):
        screen = screens.home(lang, t(lang, "expired"))
    await send(update, screen)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, flow: Flow) -> None:
    """Text typed inside a moderator flow (a title, a reason, a display name...)."""
    svc = services(context)
    user = update.effective_user
    message = update.effective_message
    lang = user_lang(update, context)
    if user is None or message is None or message.text is None or svc.moderation is None:
        return
    text = clean(message.text)
    try:
        if flow.name == "join":
            screen = await _join(svc, user.id, lang, flow, text)
        else:
            moderator = await svc.moderator(user.id)
            if moderator is None:
                svc.flows.end(user.id)
                await send(update, screens.home(lang, t(lang, "expired")))
                return
            screen = await _TEXT_STEPS[flow.name](svc, moderator, lang, user.id, flow, text)
    except ModerationError as exc:
        screen = Screen(
            esc(t(lang, "mod.problem", problem=str(exc))),
            keyboards.buttons([_cancel(lang)]),
        )
    await send(update, screen)


# ----- menu -------------------------------------------------------------------------------


async def _menu(svc: Services, me: Moderator, lang: str) -> Screen:
    assert svc.moderation is not None
    queue = len(await svc.moderation.queue()) + len(await svc.moderation.proposals())
    recheck = len(live.needs_recheck(svc.full or svc.kb.snapshot, svc.today()))
    reports = len(await svc.moderation.reports()) + len(await svc.moderation.shared_tips())
    rows = [
        [_b(t(lang, "mod.btn.new"), "n")],
        [_b(t(lang, "mod.btn.queue", count=queue), "q")],
        [_b(t(lang, "mod.btn.recheck", count=recheck), "f")],
        [_b(t(lang, "mod.btn.reports", count=reports), "r")],
        [_b(t(lang, "mod.btn.tips"), "t"), _b(t(lang, "mod.btn.name"), "pn")],
    ]
    if me.role == ADMIN:
        state = t(lang, "mod.on" if await svc.moderation.single_review() else "mod.off")
        rows.append([_b(t(lang, "mod.btn.team"), "a"), _b(t(lang, "mod.btn.regions"), "g")])
        rows.append([_b(t(lang, "mod.btn.single", state=state), "s")])
    text = t(lang, "mod.menu", name=esc(me.pseudonym), role=t(lang, f"mod.role.{me.role}"))
    return Screen(text, keyboards.buttons(rows))


async def _act_menu(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    svc.flows.end(uid)
    return await _menu(svc, me, lang)


async def _act_cancel(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    svc.flows.end(uid)
    return await _menu(svc, me, lang)


# ----- writing a tip ---------------------------------------------------------------------


def _regions_for_tips(svc: Services) -> list:
    snapshot = svc.full or svc.kb.snapshot
    return [r for r in snapshot.regions if svc.kb.show_examples or r.slug != EXAMPLE_REGION]


def _tip_flow(svc: Services, uid: int) -> Flow:
    flow = svc.flows.get(uid)
    if flow is None or flow.name != "tip":
        raise ModerationError("this draft has expired; start again from the menu")
    return flow


async def _act_new(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    svc.flows.start(uid, "tip", "region", topics=[], texts={}, category="safety")
    return _region_step(svc, lang)


def _region_step(svc: Services, lang: str) -> Screen:
    rows = [[_b(r.name(lang), "nr", r.slug)] for r in _regions_for_tips(svc)]
    return Screen(t(lang, "mod.new.region"), keyboards.buttons([*rows, _cancel(lang)]))


async def _act_region(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    flow = _tip_flow(svc, uid)
    if values[0] not in {r.slug for r in _regions_for_tips(svc)}:
        raise ModerationError("unknown region")
    flow.data["region"] = values[0]
    flow.step = "topics"
    return _topics_step(flow, lang)


def _topics_step(flow: Flow, lang: str) -> Screen:
    category = flow.data.get("category", "safety")
    chosen = flow.data["topics"]
    rows = [
        [
            _b(("✓ " if c == category else "") + t(lang, f"category.{c}"), "nc", c)
            for c in CATEGORIES
        ]
    ]
    rows += [
        [
            _b(
                ("✅ " if topic in chosen else "") + t(lang, f"topic.{topic}"),
                "nt",
                topic_number(topic),
            )
        ]
        for topic in TOPICS[category]
    ]
    rows.append([_b(t(lang, "btn.done"), "nd"), *_cancel(lang)])
    return Screen(t(lang, "mod.new.topics"), keyboards.buttons(rows))


async def _act_category(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    flow = _tip_flow(svc, uid)
    if values[0] not in CATEGORIES:
        raise ModerationError("unknown category")
    flow.data["category"] = values[0]
    return _topics_step(flow, lang)


async def _act_topic(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    flow = _tip_flow(svc, uid)
    topic = topic_at(values[0])
    chosen: list[str] = flow.data["topics"]
    if topic in chosen:
        chosen.remove(topic)
    elif len(chosen) < 5:
        chosen.append(topic)
    return _topics_step(flow, lang)


async def _act_topics_done(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    flow = _tip_flow(svc, uid)
    if not flow.data["topics"]:
        screen = _topics_step(flow, lang)
        return Screen(t(lang, "mod.new.topics_needed") + "\n\n" + screen.text, screen.markup)
    flow.step = "kind"
    rows = [
        [_b(t(lang, "mod.new.kind.tip"), "nk", "tip")],
        [_b(t(lang, "mod.new.kind.rights"), "nk", "rights")],
        _cancel(lang),
    ]
    return Screen(t(lang, "mod.new.kind"), keyboards.buttons(rows))


async def _act_kind(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    flow = _tip_flow(svc, uid)
    if values[0] not in ("tip", "rights"):
        raise ModerationError("unknown kind")
    flow.data["kind"] = values[0]
    return _langs_step(flow, lang)


def _langs_step(flow: Flow, lang: str) -> Screen:
    flow.step = "langs"
    rows = [[_b(t(code, "language_name"), "nl", code)] for code in languages()]
    rows.append([_b(t(lang, "mod.new.both"), "nl", "all")])
    rows.append(_cancel(lang))
    return Screen(t(lang, "mod.new.langs"), keyboards.buttons(rows))


async def _act_langs(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    flow = _tip_flow(svc, uid)
    chosen = list(languages()) if values[0] == "all" else [values[0]]
    if not set(chosen) <= set(languages()):
        raise ModerationError("unknown language")
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
                text = t(lang, key, language=_lang_name(code, lang))
                old = previous.get(code, {}).get(part)
                if old:
                    text += f"\n\n{t(lang, 'mod.new.current')}\n<code>{esc(old)}</code>"
                return Screen(text, keyboards.buttons([_cancel(lang)]))
    if flow.data["kind"] == "rights" and not flow.data.get("jurisdiction"):
        flow.step = "jurisdiction"
        return Screen(t(lang, "mod.new.ask_jurisdiction"), keyboards.buttons([_cancel(lang)]))
    flow.step = "review"
    rows = [[_b(t(lang, "mod.new.months", months=m), "nv", m) for m in REVIEW_MONTHS]]
    rows.append(_cancel(lang))
    return Screen(t(lang, "mod.new.review"), keyboards.buttons(rows))


async def _text_tip(
    svc: Services, me: Moderator, lang: str, uid: int, flow: Flow, text: str
) -> Screen:
    step = flow.step
    if step == "jurisdiction":
        if not 1 <= len(text) <= 80:
            raise ModerationError("1-80 characters, please")
        flow.data["jurisdiction"] = text
        return _next_text_step(flow, lang)
    part, _, code = step.partition(":")
    if part not in ("title", "body") or code not in flow.data.get("langs", []):
        raise ModerationError("use the buttons for this step")
    draft_text = DraftText(text if part == "title" else "x", text if part == "body" else "x")
    probe = Draft(Kind.TIP, ("screening",), ("global",), {code: draft_text}, svc.today())
    found = [
        p
        for p in problems(probe, {"global"}, svc.today() - timedelta(days=1))
        if p.startswith(code)
    ]
    if found:
        raise ModerationError("; ".join(found))
    flow.data["texts"][code][part] = text
    return _next_text_step(flow, lang)


def _draft(svc: Services, flow: Flow) -> Draft:
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


async def _act_review_by(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    flow = _tip_flow(svc, uid)
    if int(values[0]) not in REVIEW_MONTHS:
        raise ModerationError("pick one of the buttons")
    flow.data["months"] = int(values[0])
    flow.step = "preview"
    draft = _draft(svc, flow)
    found = problems(draft, svc.region_slugs(), svc.today())
    entry = to_entry(0, draft, verified=svc.today(), review_by=draft.review_by)
    cards = [render.entry_card(entry, code, svc.today()) for code in draft.texts]
    if any(visible_length(card) > MAX_MESSAGE - 200 for card in cards):
        found.append("the rendered tip is too long for one Telegram message; shorten the text")
    if found:
        raise ModerationError("; ".join(found))
    preview = _review_card(entry, next(iter(draft.texts)), svc.today())
    rows = [[_b(t(lang, "mod.new.submit"), "nS")], _cancel(lang)]
    return Screen(f"{t(lang, 'mod.new.preview')}\n\n{preview}", keyboards.buttons(rows))


async def _act_submit(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    flow = _tip_flow(svc, uid)
    if flow.step != "preview":
        raise ModerationError("finish the steps first")
    assert svc.moderation is not None
    draft = _draft(svc, flow)
    if flow.data.get("edit_of"):
        await svc.moderation.edit(me, int(flow.data["edit_of"]), draft, svc.region_slugs())
    else:
        await svc.moderation.submit(me, draft, svc.region_slugs())
    svc.flows.end(uid)
    single = await svc.moderation.single_review()
    return _with_menu(lang, t(lang, "mod.new.submitted_single" if single else "mod.new.submitted"))


# ----- the review queue ------------------------------------------------------------------


def _titles(draft: Draft) -> str:
    return next(iter(draft.texts.values())).title


async def _act_queue(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    assert svc.moderation is not None
    queue = await svc.moderation.queue()
    proposals = await svc.moderation.proposals()
    if not queue and not proposals:
        return _with_menu(lang, t(lang, "mod.queue.empty"))
    rows = [
        [_b(keyboards.shorten(f"#{r.tip_id} {_titles(r.draft)} ({r.author})"), "qv", r.id)]
        for r in queue[:LIST_LIMIT]
    ]
    # Retiring a tip and reviving legal information wait here for a second moderator.
    for proposal in proposals[:LIST_LIMIT]:
        entry = await _proposal_entry(svc, proposal)
        title = entry.text(lang).title if entry else proposal.object
        label = t(
            lang,
            f"mod.queue.{proposal.action}",
            tip=proposal.object,
            title=title,
            author=proposal.proposer,
        )
        rows.append([_b(keyboards.shorten(label), "pv", proposal.id)])
    count = len(queue) + len(proposals)
    return _with_menu(lang, t(lang, "mod.queue.title", count=count), rows)


async def _proposal_entry(svc: Services, proposal: Proposal) -> Entry | None:
    """What a proposal is about, as users see it now (a retired tip: its last version)."""
    assert svc.moderation is not None
    if proposal.action == RETIRE:
        tip = next((x for x in await svc.moderation.tips() if x.id == proposal.tip_id), None)
        if tip is not None and tip.entry is not None:
            return tip.entry
        latest = await svc.moderation.latest_revision(int(proposal.object))
        if latest is None:
            return None
        draft = latest.draft
        return to_entry(latest.tip_id, draft, verified=svc.today(), review_by=draft.review_by)
    return (svc.full or svc.kb.snapshot).get(proposal.object)


async def _pending_proposal(svc: Services, proposal_id: int) -> Proposal:
    assert svc.moderation is not None
    found = next((p for p in await svc.moderation.proposals() if p.id == proposal_id), None)
    if found is None:
        raise ModerationError("this proposal is not waiting any more")
    return found


async def _act_proposal_view(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    proposal = await _pending_proposal(svc, int(values[0]))
    entry = await _proposal_entry(svc, proposal)
    author = esc(proposal.proposer)
    if proposal.action == RETIRE:
        meta = t(lang, "mod.proposal.retire", author=author, tip=proposal.object)
    else:
        until = proposal.review_by.isoformat() if proposal.review_by else ""
        meta = t(lang, "mod.proposal.confirm", author=author, date=until)
    text = f"<i>{meta}</i>"
    if entry is not None:
        text += "\n\n" + _review_card(entry, lang, svc.today())
    if proposal.proposer_id == me.id:
        text += "\n\n" + t(lang, "mod.proposal.own")
        rows = [[_b(t(lang, "mod.btn.withdraw"), "pd", proposal.id)]]
    else:
        rows = [
            [
                _b(t(lang, "mod.btn.approve"), "pa", proposal.id),
                _b(t(lang, "mod.btn.reject"), "pd", proposal.id),
            ]
        ]
    rows.append([_b(t(lang, "btn.back"), "q")])
    return _with_menu(lang, text, rows)


async def _act_proposal_approve(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    assert svc.moderation is not None
    done = await svc.moderation.approve_proposal(me, int(values[0]))
    if done.action == RETIRE:
        text = t(lang, "mod.retired")
    else:
        until = done.review_by.isoformat() if done.review_by else ""
        text = t(lang, "mod.confirmed", date=until)
    return _with_menu(lang, text, [[_b(t(lang, "btn.back"), "q")]])


async def _act_proposal_decline(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    assert svc.moderation is not None
    outcome = await svc.moderation.decline_proposal(me, int(values[0]))
    return _with_menu(lang, t(lang, f"mod.proposal.{outcome}"), [[_b(t(lang, "btn.back"), "q")]])


async def _act_queue_view(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    assert svc.moderation is not None
    revision = await svc.moderation.revision(int(values[0]))
    if revision is None or revision.status != "pending":
        raise ModerationError("this revision is not waiting for review any more")
    draft = revision.draft
    entry = to_entry(revision.tip_id, draft, verified=svc.today(), review_by=draft.review_by)
    meta = t(
        lang,
        "mod.queue.item",
        tip=revision.tip_id,
        what=t(lang, "mod.queue.edit" if revision.is_edit else "mod.queue.new"),
        author=esc(revision.author),
        regions=esc(", ".join(draft.regions)),
        topics=esc(", ".join(t(lang, f"topic.{x}") for x in draft.topics)),
    )
    code = lang if lang in draft.texts else next(iter(draft.texts))
    card = _review_card(entry, code, svc.today())
    rows = [
        [
            _b(t(lang, "mod.btn.approve"), "qa", revision.id),
            _b(t(lang, "mod.btn.reject"), "qr", revision.id),
        ],
        [_b(t(lang, "btn.back"), "q")],
    ]
    return _with_menu(lang, f"<i>{meta}</i>\n\n{card}", rows)


async def _act_approve(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    assert svc.moderation is not None
    await svc.moderation.approve(me, int(values[0]))
    return _with_menu(lang, t(lang, "mod.approved"), [[_b(t(lang, "btn.back"), "q")]])


async def _act_reject(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    svc.flows.start(uid, "reject", "reason", revision=int(values[0]))
    return Screen(t(lang, "mod.reject.ask"), keyboards.buttons([_cancel(lang)]))


async def _text_reject(
    svc: Services, me: Moderator, lang: str, uid: int, flow: Flow, text: str
) -> Screen:
    assert svc.moderation is not None
    await svc.moderation.reject(me, int(flow.data["revision"]), text)
    svc.flows.end(uid)
    return _with_menu(lang, t(lang, "mod.rejected"), [[_b(t(lang, "btn.back"), "q")]])


# ----- freshness -------------------------------------------------------------------------


async def _act_recheck(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    due = live.needs_recheck(svc.full or svc.kb.snapshot, svc.today())
    if not due:
        return _with_menu(lang, t(lang, "mod.recheck.empty"))
    rows = [
        [_b(keyboards.shorten(f"{e.review_by.isoformat()} {e.text(lang).title}"), "fv", e.id)]
        for e in due[:LIST_LIMIT]
    ]
    return _with_menu(lang, t(lang, "mod.recheck.title", count=len(due)), rows)


async def _act_recheck_view(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    entry = (svc.full or svc.kb.snapshot).get(values[0])
    if entry is None:
        raise ModerationError("no such entry")
    card = _review_card(entry, lang, svc.today())
    rows = [[_b(t(lang, "mod.btn.confirm"), "fc", entry.id)]]
    tip_id = tip_id_of(entry.id)
    if tip_id is not None:
        rows.append([_b(t(lang, "mod.btn.edit"), "te", tip_id)])
    rows.append([_b(t(lang, "btn.back"), "f")])
    note = t(lang, "mod.recheck.item", date=entry.review_by.isoformat())
    return _with_menu(lang, f"<i>{esc(note)}</i>\n\n{card}", rows)


async def _act_confirm(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    assert svc.moderation is not None
    entry = (svc.full or svc.kb.snapshot).get(values[0])
    if entry is None:
        raise ModerationError("no such entry")
    done = await svc.moderation.confirm(me, entry.id, legal=entry.kind is Kind.RIGHTS)
    key = "mod.confirm.proposed" if done.proposed else "mod.confirmed"
    return _with_menu(
        lang, t(lang, key, date=done.review_by.isoformat()), [[_b(t(lang, "btn.back"), "f")]]
    )


# ----- reports and shared tips -----------------------------------------------------------


async def _act_reports(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    assert svc.moderation is not None
    reports = await svc.moderation.reports()
    shared = await svc.moderation.shared_tips()
    if not reports and not shared:
        return _with_menu(lang, t(lang, "mod.reports.empty"))
    snapshot = svc.full or svc.kb.snapshot
    rows = []
    for report in reports[:LIST_LIMIT]:
        entry = snapshot.get(report.entry_id)
        title = entry.text(lang).title if entry else report.entry_id
        label = f"🚩 {title}: {t(lang, f'report.{report.reason}')}"
        rows.append([_b(keyboards.shorten(label), "rv", report.id)])
    for item in shared[:LIST_LIMIT]:
        label = f"💬 {t(lang, f'topic.{item.topic}')} · {item.region} · {item.day}"
        rows.append([_b(keyboards.shorten(label), "sv", item.id)])
    return _with_menu(lang, t(lang, "mod.reports.title", count=len(reports) + len(shared)), rows)


async def _act_report_view(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    assert svc.moderation is not None
    report = next((r for r in await svc.moderation.reports() if r.id == int(values[0])), None)
    if report is None:
        raise ModerationError("that report is already closed")
    entry = (svc.full or svc.kb.snapshot).get(report.entry_id)
    text = t(
        lang,
        "mod.report.show",
        title=esc(entry.text(lang).title if entry else report.entry_id),
        reason=esc(t(lang, f"report.{report.reason}")),
        day=report.day,
    )
    if report.note:
        text += "\n" + t(lang, "mod.report.note", note=_untrusted(report.note))
    rows = [[_b(t(lang, "mod.btn.close"), "rc", report.id)]]
    if entry is not None:
        rows.insert(0, [_b(t(lang, "mod.btn.open_entry"), "fv", entry.id)])
    rows.append([_b(t(lang, "btn.back"), "r")])
    return _with_menu(lang, text, rows)


async def _act_report_close(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    assert svc.moderation is not None
    await svc.moderation.close_report(me, int(values[0]))
    return _with_menu(lang, t(lang, "mod.closed"), [[_b(t(lang, "btn.back"), "r")]])


async def _act_shared_view(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    assert svc.moderation is not None
    item = next((s for s in await svc.moderation.shared_tips() if s.id == int(values[0])), None)
    if item is None:
        raise ModerationError("that shared tip was already handled")
    text = t(
        lang,
        "mod.shared.show",
        day=item.day,
        topic=esc(t(lang, f"topic.{item.topic}")),
        region=esc(item.region),
        text=_untrusted(item.text, block=True),
    )
    # Adopting makes this text a tip body, whose [text](https://...) become real links.
    text += _hosts_note(lang, [item.text])
    rows = [
        [_b(t(lang, "mod.btn.adopt"), "sa", item.id), _b(t(lang, "mod.btn.close"), "sx", item.id)],
        [_b(t(lang, "btn.back"), "r")],
    ]
    return _with_menu(lang, text, rows)


async def _act_shared_adopt(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    svc.flows.start(uid, "adopt", "title", shared=int(values[0]))
    return Screen(t(lang, "mod.adopt.ask"), keyboards.buttons([_cancel(lang)]))


async def _text_adopt(
    svc: Services, me: Moderator, lang: str, uid: int, flow: Flow, text: str
) -> Screen:
    assert svc.moderation is not None
    await svc.moderation.adopt(me, int(flow.data["shared"]), text, svc.region_slugs(), lang)
    svc.flows.end(uid)
    return _with_menu(lang, t(lang, "mod.adopted"))


async def _act_shared_close(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    assert svc.moderation is not None
    await svc.moderation.close_shared_tip(me, int(values[0]), adopted=False)
    return _with_menu(lang, t(lang, "mod.closed"), [[_b(t(lang, "btn.back"), "r")]])


# ----- peer tips: view, edit, retire ------------------------------------------------------


async def _act_tips(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    assert svc.moderation is not None
    tips = await svc.moderation.tips()
    if not tips:
        return _with_menu(lang, t(lang, "mod.tips.empty"))
    marks = {"pending": "⏳", "published": "✅", "rejected": "❌", "retired": "🗄"}
    rows = []
    for tip in tips[:LIST_LIMIT]:
        title = tip.entry.text(lang).title if tip.entry else f"#{tip.id}"
        rows.append([_b(keyboards.shorten(f"{marks[tip.status]} #{tip.id} {title}"), "tv", tip.id)])
    return _with_menu(lang, t(lang, "mod.tips.title", count=len(tips)), rows)


async def _act_tip_view(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    assert svc.moderation is not None
    tip = next((x for x in await svc.moderation.tips() if x.id == int(values[0])), None)
    if tip is None:
        raise ModerationError("no such tip")
    text = t(lang, "mod.tip.show", tip=tip.id, status=t(lang, f"mod.tip.status.{tip.status}"))
    rejected = [r for r in await svc.moderation.rejections(me) if r.tip_id == tip.id]
    if rejected and tip.status in ("rejected", "published"):
        text += "\n" + t(lang, "mod.tip.reason", reason=esc(rejected[0].reason or ""))
    if tip.entry is not None:
        text += "\n\n" + render.entry_card(tip.entry, lang, svc.today())
    rows = []
    if tip.status != "retired":
        rows.append(
            [_b(t(lang, "mod.btn.edit"), "te", tip.id), _b(t(lang, "mod.btn.retire"), "tr", tip.id)]
        )
    rows.append([_b(t(lang, "btn.back"), "t")])
    return _with_menu(lang, text, rows)


async def _act_tip_edit(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    assert svc.moderation is not None
    tip_id = int(values[0])
    tip = next((x for x in await svc.moderation.tips() if x.id == tip_id), None)
    latest = await svc.moderation.latest_revision(tip_id)
    if tip is None or tip.status == "retired" or latest is None:
        raise ModerationError("that tip cannot be edited")
    draft = latest.draft
    draft_like = {
        "region": draft.regions[0],
        "topics": list(draft.topics),
        "kind": draft.kind.value,
        "previous": {c: {"title": x.title, "body": x.body} for c, x in draft.texts.items()},
        "jurisdiction": draft.jurisdiction,
    }
    flow = svc.flows.start(uid, "tip", "langs", texts={}, edit_of=tip_id, **draft_like)
    return _langs_step(flow, lang)


async def _act_tip_retire(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    rows = [[_b(t(lang, "mod.btn.retire_yes"), "tR", values[0])], [_b(t(lang, "btn.back"), "t")]]
    return _with_menu(lang, t(lang, "mod.retire.confirm"), rows)


async def _act_tip_retire_yes(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    assert svc.moderation is not None
    retired = await svc.moderation.retire(me, int(values[0]))
    text = t(lang, "mod.retired" if retired else "mod.retire.proposed")
    return _with_menu(lang, text, [[_b(t(lang, "btn.back"), "t")]])


# ----- display name ----------------------------------------------------------------------


async def _act_rename(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    svc.flows.start(uid, "rename", "name")
    return Screen(t(lang, "mod.rename.ask"), keyboards.buttons([_cancel(lang)]))


async def _text_rename(
    svc: Services, me: Moderator, lang: str, uid: int, flow: Flow, text: str
) -> Screen:
    assert svc.moderation is not None
    renamed = await svc.moderation.rename(me, text)
    svc.flows.end(uid)
    return _with_menu(lang, t(lang, "mod.rename.done", name=esc(renamed.pseudonym)))


async def _join(svc: Services, uid: int, lang: str, flow: Flow, text: str) -> Screen:
    assert svc.moderation is not None and svc.identity is not None
    user_hash = await svc.identity.user_hash(uid)  # slow (scrypt), off the event loop
    moderator = await svc.moderation.redeem(flow.data["code"], user_hash, text)
    svc.flows.end(uid)
    return _with_menu(
        lang,
        t(
            lang,
            "mod.join.done",
            role=t(lang, f"mod.role.{moderator.role}"),
            name=esc(moderator.pseudonym),
        ),
    )


# ----- admin: team, regions, settings ----------------------------------------------------


async def _act_team(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    assert svc.moderation is not None
    if not me.is_admin:
        raise ModerationError("only admins can do that")
    team = await svc.moderation.moderators()
    rows = [
        [
            _b(
                t(
                    lang,
                    "mod.member.show",
                    name=f"{m.pseudonym} #{m.id}",
                    role=t(lang, f"mod.role.{m.role}"),
                ),
                "av",
                m.id,
            )
        ]
        for m in team[:LIST_LIMIT]
    ]
    rows.append(
        [
            _b(t(lang, "mod.btn.invite_mod"), "ai", "m"),
            _b(t(lang, "mod.btn.invite_admin"), "ai", "a"),
        ]
    )
    rows.append([_b(t(lang, "mod.btn.audit"), "al")])
    return _with_menu(lang, t(lang, "mod.team.title", count=len(team)), rows)


async def _act_member(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    assert svc.moderation is not None
    if not me.is_admin:
        raise ModerationError("only admins can do that")
    member = next((m for m in await svc.moderation.moderators() if m.id == int(values[0])), None)
    if member is None:
        raise ModerationError("no such moderator")
    text = esc(
        t(
            lang,
            "mod.member.show",
            name=f"{member.pseudonym} #{member.id}",
            role=t(lang, f"mod.role.{member.role}"),
        )
    )
    rows = [[_b(t(lang, "mod.btn.remove"), "ax", member.id)], [_b(t(lang, "btn.back"), "a")]]
    return _with_menu(lang, text, rows)


async def _act_remove(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    assert svc.moderation is not None
    await svc.moderation.remove(me, int(values[0]))
    return _with_menu(lang, t(lang, "mod.removed"), [[_b(t(lang, "btn.back"), "a")]])


async def _act_invite(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    assert svc.moderation is not None
    role = "admin" if values and values[0] == "a" else "moderator"
    code = await svc.moderation.create_invite(role, by=me)
    link = f"https://t.me/{svc.bot_username}?start={code}" if svc.bot_username else f"/start {code}"
    text = t(lang, "mod.invite.link", role=t(lang, f"mod.role.{role}"), link=esc(link))
    return _with_menu(lang, text, [[_b(t(lang, "btn.back"), "a")]])


async def _act_audit(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    assert svc.moderation is not None
    if not me.is_admin:
        raise ModerationError("only admins can do that")
    # "name (#id)": the number is the moderator's row, which no rename can take over.
    lines = [
        f"{esc(r.at[:16])} {esc(r.who)}: {esc(r.action)} {esc(r.object)}"
        for r in await svc.moderation.audit_log(30)
    ]
    text = t(lang, "mod.audit.title") + "\n" + "\n".join(lines)
    return _with_menu(lang, text[: MAX_MESSAGE - 100], [[_b(t(lang, "btn.back"), "a")]])


async def _act_regions(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    if not me.is_admin:
        raise ModerationError("only admins can do that")
    snapshot = svc.full or svc.kb.snapshot
    names = ", ".join(f"{r.name(lang)} ({r.slug})" for r in snapshot.regions)
    return _with_menu(
        lang,
        esc(t(lang, "mod.regions.title", regions=names)),
        [[_b(t(lang, "mod.btn.add_region"), "ga")]],
    )


async def _act_region_add(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    if not me.is_admin:
        raise ModerationError("only admins can do that")
    svc.flows.start(uid, "region", "slug", names={})
    return Screen(t(lang, "mod.region.ask_slug"), keyboards.buttons([_cancel(lang)]))


async def _text_region(
    svc: Services, me: Moderator, lang: str, uid: int, flow: Flow, text: str
) -> Screen:
    assert svc.moderation is not None
    if flow.step == "slug":
        slug = text.lower()
        if slug in svc.region_slugs():
            raise ModerationError("that region exists already")
        flow.data["slug"] = slug
    else:
        flow.data["names"][flow.step] = text[:60]
    missing = [code for code in languages() if code not in flow.data["names"]]
    if missing:
        flow.step = missing[0]
        language = _lang_name(missing[0], lang)
        return Screen(
            t(lang, "mod.region.ask_name", language=language), keyboards.buttons([_cancel(lang)])
        )
    await svc.moderation.add_region(me, flow.data["slug"], flow.data["names"])
    svc.flows.end(uid)
    return _with_menu(lang, t(lang, "mod.region.added", slug=esc(flow.data["slug"])))


async def _act_single(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    assert svc.moderation is not None
    enabled = not await svc.moderation.single_review()
    await svc.moderation.set_single_review(me, enabled)
    return _with_menu(
        lang, t(lang, "mod.single.set", state=t(lang, "mod.on" if enabled else "mod.off"))
    )


_ACTIONS = {
    "m": _act_menu,
    "x": _act_cancel,
    "n": _act_new,
    "nr": _act_region,
    "nc": _act_category,
    "nt": _act_topic,
    "nd": _act_topics_done,
    "nk": _act_kind,
    "nl": _act_langs,
    "nv": _act_review_by,
    "nS": _act_submit,
    "q": _act_queue,
    "qv": _act_queue_view,
    "qa": _act_approve,
    "qr": _act_reject,
    "pv": _act_proposal_view,
    "pa": _act_proposal_approve,
    "pd": _act_proposal_decline,
    "f": _act_recheck,
    "fv": _act_recheck_view,
    "fc": _act_confirm,
    "r": _act_reports,
    "rv": _act_report_view,
    "rc": _act_report_close,
    "sv": _act_shared_view,
    "sa": _act_shared_adopt,
    "sx": _act_shared_close,
    "t": _act_tips,
    "tv": _act_tip_view,
    "te": _act_tip_edit,
    "tr": _act_tip_retire,
    "tR": _act_tip_retire_yes,
    "pn": _act_rename,
    "a": _act_team,
    "av": _act_member,
    "ax": _act_remove,
    "ai": _act_invite,
    "al": _act_audit,
    "g": _act_regions,
    "ga": _act_region_add,
    "s": _act_single,
}

_TEXT_STEPS = {
    "rename": _text_rename,
    "tip": _text_tip,
    "reject": _text_reject,
    "adopt": _text_adopt,
    "region": _text_region,
}

__all__ = ["MOD_FLOWS", "mod_command", "on_action", "on_text", "start_invite"]
