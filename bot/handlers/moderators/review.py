"""The review queue: revisions waiting for a second moderator, and proposals (retiring a
tip, confirming legal information) that wait for one too."""

from __future__ import annotations

from bot import keyboards
from bot.handlers.moderators import write
from bot.handlers.moderators.actions import Act
from bot.handlers.moderators.common import (
    LIST_LIMIT,
    button,
    cancel_row,
    lang_name,
    moderation_of,
    number,
    with_menu,
)
from bot.handlers.moderators.untrusted import review_card
from bot.i18n import t
from bot.remembered.flows import Flow
from bot.render import esc, human_date
from bot.screens import Screen
from bot.services import Services
from knowledge.model import Entry
from moderation.drafts import Draft, to_entry
from moderation.workflow import RETIRE, ModerationError, Moderator, Proposal


def _titles(draft: Draft) -> str:
    return next(iter(draft.texts.values())).title


async def show_queue(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    moderation = moderation_of(svc)
    queue = await moderation.queue()
    proposals = await moderation.proposals()
    if not queue and not proposals:
        return with_menu(lang, t(lang, "mod.queue.empty"))
    rows = [
        [
            button(
                keyboards.shorten(f"#{r.tip_id} {_titles(r.draft)} ({r.author})"),
                Act.REVISION,
                r.id,
            )
        ]
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
        rows.append([button(keyboards.shorten(label), Act.PROPOSAL, proposal.id)])
    count = len(queue) + len(proposals)
    return with_menu(lang, t(lang, "mod.queue.title", count=count), rows)


async def _proposal_entry(svc: Services, proposal: Proposal) -> Entry | None:
    """What a proposal is about, as users see it now (a retired tip: its last version)."""
    moderation = moderation_of(svc)
    if proposal.action == RETIRE:
        tip = next((x for x in await moderation.tips() if x.id == proposal.tip_id), None)
        if tip is not None and tip.entry is not None:
            return tip.entry
        latest = await moderation.latest_revision(int(proposal.object))
        if latest is None:
            return None
        draft = latest.draft
        return to_entry(latest.tip_id, draft, verified=svc.today(), review_by=draft.review_by)
    return (svc.full or svc.kb.snapshot).get(proposal.object)


async def _pending_proposal(svc: Services, proposal_id: int) -> Proposal:
    moderation = moderation_of(svc)
    found = next((p for p in await moderation.proposals() if p.id == proposal_id), None)
    if found is None:
        raise ModerationError("proposal_not_pending")
    return found


async def show_proposal(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    proposal = await _pending_proposal(svc, number(values))
    entry = await _proposal_entry(svc, proposal)
    author = esc(proposal.proposer)
    if proposal.action == RETIRE:
        meta = t(lang, "mod.proposal.retire", author=author, tip=proposal.object)
    else:
        until = human_date(proposal.review_by, lang) if proposal.review_by else ""
        meta = t(lang, "mod.proposal.confirm", author=author, date=until)
    text = f"<i>{meta}</i>"
    if entry is not None:
        text += "\n\n" + review_card(entry, lang, svc.today())
    if proposal.proposer_id == me.id:
        text += "\n\n" + t(lang, "mod.proposal.own")
        rows = [[button(t(lang, "mod.btn.withdraw"), Act.PROPOSAL_DECLINE, proposal.id)]]
    else:
        rows = [
            [
                button(t(lang, "mod.btn.approve"), Act.PROPOSAL_APPROVE, proposal.id),
                button(t(lang, "mod.btn.reject"), Act.PROPOSAL_DECLINE, proposal.id),
            ]
        ]
    rows.append([button(t(lang, "btn.back"), Act.QUEUE)])
    return with_menu(lang, text, rows)


async def approve_proposal(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    moderation = moderation_of(svc)
    done = await moderation.approve_proposal(me, number(values))
    if done.action == RETIRE:
        text = t(lang, "mod.retired")
    else:
        until = human_date(done.review_by, lang) if done.review_by else ""
        text = t(lang, "mod.confirmed", date=until)
    return with_menu(lang, text, [[button(t(lang, "btn.back"), Act.QUEUE)]])


async def decline_proposal(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    moderation = moderation_of(svc)
    outcome = await moderation.decline_proposal(me, number(values))
    return with_menu(
        lang, t(lang, f"mod.proposal.{outcome}"), [[button(t(lang, "btn.back"), Act.QUEUE)]]
    )


async def show_revision(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    """A revision as users would get it, in every language it has (paged only when they
    do not fit one message together). ✅ Approve carries this revision's number, so it
    approves exactly this version: if the author changes it meanwhile, the approval is
    refused as no longer waiting."""
    moderation = moderation_of(svc)
    revision = await moderation.revision(number(values))
    if revision is None or revision.status != "pending":
        raise ModerationError("revision_not_pending")
    draft = revision.draft
    entry = to_entry(revision.tip_id, draft, verified=svc.today(), review_by=draft.review_by)
    what = "mod.queue.edit" if revision.is_edit else "mod.queue.new"
    if draft.replaces:
        what = "mod.queue.correction"
    meta = t(
        lang,
        "mod.queue.item",
        tip=revision.tip_id,
        what=t(lang, what),
        author=esc(revision.author),
        regions=esc(", ".join(write.region_name(svc, r, lang) for r in draft.regions)),
        topics=esc(", ".join(t(lang, f"topic.{x}") for x in draft.topics)),
    )
    languages = ", ".join(lang_name(code, lang) for code in draft.texts)
    meta += " " + t(lang, "mod.queue.languages", languages=esc(languages))
    body, others = write.cards(entry, lang, svc.today(), values[1] if len(values) > 1 else None)
    rows = [[button(f"👁 {lang_name(c, lang)}", Act.REVISION, revision.id, c) for c in others]]
    own = revision.author_id == me.id and not await moderation.single_review()
    text = f"<i>{meta}</i>\n\n{body}"
    if own:
        # The two-person rule: the author waits, and is not offered a button that fails.
        text += "\n\n" + t(lang, "mod.queue.waiting")
    else:
        rows.append(
            [
                button(t(lang, "mod.btn.approve"), Act.REVISION_APPROVE, revision.id),
                button(t(lang, "mod.btn.reject"), Act.REVISION_REJECT, revision.id),
            ]
        )
    rows.append([button(t(lang, "btn.back"), Act.QUEUE)])
    return with_menu(lang, text, [row for row in rows if row])


async def approve(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    moderation = moderation_of(svc)
    await moderation.approve(me, number(values))
    return with_menu(lang, t(lang, "mod.approved"), [[button(t(lang, "btn.back"), Act.QUEUE)]])


async def ask_reject_reason(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    svc.flows.start(uid, "reject", "reason", revision=number(values))
    return Screen(t(lang, "mod.reject.ask"), keyboards.buttons([cancel_row(lang)]))


async def reject(
    svc: Services, me: Moderator, lang: str, uid: int, flow: Flow, text: str
) -> Screen:
    moderation = moderation_of(svc)
    await moderation.reject(me, int(flow.data["revision"]), text)
    svc.flows.end(uid)
    return with_menu(lang, t(lang, "mod.rejected"), [[button(t(lang, "btn.back"), Act.QUEUE)]])
