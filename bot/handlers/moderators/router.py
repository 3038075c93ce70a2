"""Where a moderator's button press or typed step goes: the table of contents.

Every button and every typed step asks the database for the person's role again; to
anyone who is not a moderator, all of this behaves like an unknown command or an
expired menu, so nothing reveals that moderator functions exist.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot import keyboards, screens
from bot.callbacks import Action
from bot.handlers.common import send, services, user_lang
from bot.handlers.moderators import join, menu, recheck, reports, review, team, tips, write
from bot.handlers.moderators.actions import Act
from bot.handlers.moderators.common import (
    ActionHandler,
    Reask,
    StaleButton,
    TextStep,
    cancel_row,
    problem_text,
    with_menu,
)
from bot.i18n import t
from bot.remembered.flows import Flow
from bot.render import esc
from bot.screens import Screen
from moderation.drafts import clean
from moderation.workflow import ModerationError

log = logging.getLogger("lantern.moderate")

ROUTES: dict[Act, ActionHandler] = {
    Act.MENU: menu.back_to_menu,
    Act.CANCEL: menu.back_to_menu,  # leaving a flow is going back to the menu
    # writing a tip
    Act.NEW_TIP: write.new_tip,
    Act.TIP_REGION: write.choose_region,
    Act.TIP_CATEGORY: write.choose_category,
    Act.TIP_TOPIC: write.toggle_topic,
    Act.TIP_TOPICS_DONE: write.topics_done,
    Act.TIP_KIND: write.choose_kind,
    Act.TIP_LANGUAGES: write.choose_languages,
    Act.TIP_REVIEW_BY: write.choose_review_by,
    Act.TIP_SUBMIT: write.submit,
    Act.TIP_BACK: write.back,
    Act.TIP_KEEP: write.keep,
    Act.TIP_SKIP: write.skip,
    Act.TIP_FIELD: write.jump,
    Act.TIP_PREVIEW: write.show_preview,
    Act.TIP_FLAG: write.choose_flag,
    Act.TIP_SERVICE_LANGUAGE: write.toggle_service_language,
    # the review queue
    Act.QUEUE: review.show_queue,
    Act.REVISION: review.show_revision,
    Act.REVISION_APPROVE: review.approve,
    Act.REVISION_REJECT: review.ask_reject_reason,
    Act.PROPOSAL: review.show_proposal,
    Act.PROPOSAL_APPROVE: review.approve_proposal,
    Act.PROPOSAL_DECLINE: review.decline_proposal,
    # rechecks
    Act.RECHECK: recheck.show_due,
    Act.RECHECK_ENTRY: recheck.show_due_entry,
    Act.RECHECK_CONFIRM: recheck.confirm_still_true,
    Act.RECHECK_CHANGE: recheck.needs_changes,
    # reports and shared tips
    Act.REPORTS: reports.show_reports,
    Act.REPORT: reports.show_report,
    Act.REPORT_CLOSE: reports.close_report,
    Act.SHARED_TIP: reports.show_shared_tip,
    Act.SHARED_TIP_ADOPT: reports.adopt,
    Act.SHARED_TIP_CLOSE: reports.close_shared_tip,
    # moderators' tips
    Act.TIPS: tips.show_tips,
    Act.TIP: tips.show_tip,
    Act.TIP_EDIT: tips.edit_tip,
    Act.TIP_RETIRE: tips.ask_retire,
    Act.TIP_RETIRE_CONFIRMED: tips.retire,
    # one's display name
    Act.RENAME: join.ask_new_name,
    # admins
    Act.TEAM: team.show_team,
    Act.MEMBER: team.show_member,
    Act.MEMBER_REMOVE: team.remove_member,
    Act.INVITE: team.make_invite,
    Act.AUDIT: team.show_audit,
    Act.REGIONS: team.show_regions,
    Act.REGION_ADD: team.ask_region_slug,
    Act.SINGLE_REVIEW: team.explain_single_review,
    Act.SINGLE_REVIEW_SET: team.set_single_review,
}

# Typed steps, by flow name ("join" is apart: the person is not a moderator yet).
TEXT_STEPS: dict[str, TextStep] = {
    "rename": join.rename,
    "tip": write.tip_text,
    "reject": review.reject,
    "region": team.add_region,
}
MOD_FLOWS = ("join", "rename", "tip", "reject", "region")
# Flows whose step is asked again, with the reason, when a typed answer is refused.
REASK: dict[str, Reask] = {"tip": write.reask, "region": team.reask}

# A code listed without a handler (or the reverse) would be a button that always expires.
if set(ROUTES) != set(Act):
    raise RuntimeError("moderator actions without a route: " + ", ".join(set(Act) - set(ROUTES)))
if set(MOD_FLOWS) != {"join", *TEXT_STEPS}:
    raise RuntimeError("moderator flows and their typed steps do not match")


async def on_action(update: Update, context: ContextTypes.DEFAULT_TYPE, action: Action) -> None:
    """A moderator button. Non-moderators get the same reply as any stale button."""
    svc = services(context)
    user = update.effective_user
    lang = user_lang(update, context)
    moderator = await svc.moderator(user.id) if user else None
    if moderator is None or svc.moderation is None or user is None:
        # Cancel is the one step a joining (not yet moderator) person may take.
        if user is not None and action.args[0] == Act.CANCEL:
            svc.flows.end(user.id)
        await send(update, screens.home(lang, t(lang, "expired")))
        return
    svc.bot_username = context.bot.username or ""
    name, *values = action.args
    try:
        act = Act(name)
    except ValueError:  # a code this version does not have
        await send(update, screens.home(lang, t(lang, "expired")))
        return
    handler = ROUTES[act]
    try:
        screen = await handler(svc, moderator, lang, user.id, values)
    except ModerationError as exc:
        screen = with_menu(lang, esc(t(lang, "mod.problem", problem=problem_text(lang, exc))))
    except StaleButton:  # forged, or pressed out of order: as if it had expired
        screen = screens.home(lang, t(lang, "expired"))
    except Exception as exc:
        # A bug: `guarded` logs it and apologises; this line says which screen it was in
        # (the handler's name and the error's type, nothing the moderator sent or is).
        log.error("moderator action failed: %s %s", handler.__name__, type(exc).__name__)
        raise
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
            screen = await join.join(svc, user.id, lang, flow, text)
        else:
            moderator = await svc.moderator(user.id)
            if moderator is None:
                svc.flows.end(user.id)
                await send(update, screens.home(lang, t(lang, "expired")))
                return
            screen = await TEXT_STEPS[flow.name](svc, moderator, lang, user.id, flow, text)
    except ModerationError as exc:
        reask = REASK.get(flow.name)
        if reask is not None and svc.flows.get(user.id) is flow:
            await send(update, reask(svc, flow, lang, exc))
            return
        screen = Screen(
            esc(t(lang, "mod.problem", problem=problem_text(lang, exc))),
            keyboards.buttons([cancel_row(lang)]),
        )
    await send(update, screen)
