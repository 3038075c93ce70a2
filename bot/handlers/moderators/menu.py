"""/mod and the moderator menu: its counts, and the way back to it from any screen."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import keyboards, screens
from bot.handlers import alerts
from bot.handlers.common import guarded, send, services, user_lang
from bot.handlers.moderators.actions import Act
from bot.handlers.moderators.common import button, moderation_of
from bot.i18n import t
from bot.render import esc
from bot.screens import Screen
from bot.services import Services
from moderation import live
from moderation.workflow import ADMIN, Moderator


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
    await send(update, await menu_screen(svc, moderator, lang))


async def menu_screen(svc: Services, me: Moderator, lang: str) -> Screen:
    moderation = moderation_of(svc)
    queue = len(await moderation.queue()) + len(await moderation.proposals())
    recheck = len(live.needs_recheck(svc.full or svc.kb.snapshot, svc.today()))
    reports = len(await moderation.reports()) + len(await moderation.shared_tips())
    rows = [
        [button(t(lang, "mod.btn.new"), Act.NEW_TIP)],
        [button(t(lang, "mod.btn.queue", count=queue), Act.QUEUE)],
        [button(t(lang, "mod.btn.recheck", count=recheck), Act.RECHECK)],
        [button(t(lang, "mod.btn.reports", count=reports), Act.REPORTS)],
        alerts.moderator_row(lang, await alerts.waiting(svc, me)),  # ⚠️ Safety alerts
        [button(t(lang, "mod.btn.tips"), Act.TIPS), button(t(lang, "mod.btn.name"), Act.RENAME)],
    ]
    if me.role == ADMIN:
        state = t(lang, "mod.on" if await moderation.single_review() else "mod.off")
        rows.append(
            [
                button(t(lang, "mod.btn.team"), Act.TEAM),
                button(t(lang, "mod.btn.regions"), Act.REGIONS),
            ]
        )
        rows.append([button(t(lang, "mod.btn.single", state=state), Act.SINGLE_REVIEW)])
    text = t(lang, "mod.menu", name=esc(me.pseudonym), role=t(lang, f"mod.role.{me.role}"))
    return Screen(text, keyboards.buttons(rows))


async def back_to_menu(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    svc.flows.end(uid)
    return await menu_screen(svc, me, lang)
