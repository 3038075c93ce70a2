"""Becoming a moderator with an invite link, and choosing one's display name.

Joining is the one flow a person takes before they are a moderator: the invite code is
the only thing that lets them in, and it is checked again when they type their name.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot import keyboards
from bot.callbacks import Op
from bot.handlers.common import send, services, user_lang
from bot.handlers.moderators.common import cancel_row, moderation_of, with_menu
from bot.i18n import t
from bot.remembered.flows import Flow
from bot.render import esc
from bot.screens import Screen
from bot.services import STORE_FAILURES, Services
from moderation.workflow import Moderator

log = logging.getLogger("lantern.moderate")


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


async def join(svc: Services, uid: int, lang: str, flow: Flow, text: str) -> Screen:
    moderation = moderation_of(svc)
    if svc.identity is None:  # never: a store, and so moderation, comes with an identity
        raise RuntimeError("moderation without an identity")
    user_hash = await svc.identity.user_hash(uid)  # slow (scrypt), off the event loop
    moderator = await moderation.redeem(flow.data["code"], user_hash, text)
    svc.flows.end(uid)
    return with_menu(
        lang,
        t(
            lang,
            "mod.join.done",
            role=t(lang, f"mod.role.{moderator.role}"),
            name=esc(moderator.pseudonym),
        ),
    )


async def ask_new_name(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    svc.flows.start(uid, "rename", "name")
    return Screen(t(lang, "mod.rename.ask"), keyboards.buttons([cancel_row(lang)]))


async def rename(
    svc: Services, me: Moderator, lang: str, uid: int, flow: Flow, text: str
) -> Screen:
    moderation = moderation_of(svc)
    renamed = await moderation.rename(me, text)
    svc.flows.end(uid)
    return with_menu(lang, t(lang, "mod.rename.done", name=esc(renamed.pseudonym)))
