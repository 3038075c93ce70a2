"""Admins only: the team (invite, view, remove), the audit log, regions, single review.

The workflow refuses anyone else whatever they press; the screens that list the team, the
log or the regions also check the role first, so they are never drawn for a moderator.
"""

from __future__ import annotations

from bot import keyboards
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
from bot.i18n import languages, t
from bot.remembered.flows import Flow
from bot.render import MAX_MESSAGE, esc
from bot.screens import Screen
from bot.services import Services
from moderation.workflow import ModerationError, Moderator


async def show_team(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    moderation = moderation_of(svc)
    if not me.is_admin:
        raise ModerationError("only_admins")
    team = await moderation.moderators()
    rows = [
        [
            button(
                t(
                    lang,
                    "mod.member.show",
                    name=f"{m.pseudonym} #{m.id}",
                    role=t(lang, f"mod.role.{m.role}"),
                ),
                Act.MEMBER,
                m.id,
            )
        ]
        for m in team[:LIST_LIMIT]
    ]
    rows.append(
        [
            button(t(lang, "mod.btn.invite_mod"), Act.INVITE, "m"),
            button(t(lang, "mod.btn.invite_admin"), Act.INVITE, "a"),
        ]
    )
    rows.append([button(t(lang, "mod.btn.audit"), Act.AUDIT)])
    return with_menu(lang, t(lang, "mod.team.title", count=len(team)), rows)


async def show_member(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    moderation = moderation_of(svc)
    if not me.is_admin:
        raise ModerationError("only_admins")
    member = next((m for m in await moderation.moderators() if m.id == number(values)), None)
    if member is None:
        raise ModerationError("no_such_moderator")
    text = esc(
        t(
            lang,
            "mod.member.show",
            name=f"{member.pseudonym} #{member.id}",
            role=t(lang, f"mod.role.{member.role}"),
        )
    )
    rows = [
        [button(t(lang, "mod.btn.remove"), Act.MEMBER_REMOVE, member.id)],
        [button(t(lang, "btn.back"), Act.TEAM)],
    ]
    return with_menu(lang, text, rows)


async def remove_member(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    moderation = moderation_of(svc)
    await moderation.remove(me, number(values))
    return with_menu(lang, t(lang, "mod.removed"), [[button(t(lang, "btn.back"), Act.TEAM)]])


async def make_invite(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    moderation = moderation_of(svc)
    role = "admin" if values and values[0] == "a" else "moderator"
    code = await moderation.create_invite(role, by=me)
    link = f"https://t.me/{svc.bot_username}?start={code}" if svc.bot_username else f"/start {code}"
    text = t(lang, "mod.invite.link", role=t(lang, f"mod.role.{role}"), link=esc(link))
    return with_menu(lang, text, [[button(t(lang, "btn.back"), Act.TEAM)]])


async def show_audit(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    moderation = moderation_of(svc)
    if not me.is_admin:
        raise ModerationError("only_admins")
    # "name (#id)": the number is the moderator's row, which no rename can take over.
    lines = [
        f"{esc(r.at[:16])} {esc(r.who)}: {esc(r.action)} {esc(r.object)}"
        for r in await moderation.audit_log(30)
    ]
    text = t(lang, "mod.audit.title") + "\n" + "\n".join(lines)
    return with_menu(lang, text[: MAX_MESSAGE - 100], [[button(t(lang, "btn.back"), Act.TEAM)]])


async def show_regions(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    if not me.is_admin:
        raise ModerationError("only_admins")
    snapshot = svc.full or svc.kb.snapshot
    names = ", ".join(f"{r.name(lang)} ({r.slug})" for r in snapshot.regions)
    return with_menu(
        lang,
        esc(t(lang, "mod.regions.title", regions=names)),
        [[button(t(lang, "mod.btn.add_region"), Act.REGION_ADD)]],
    )


async def ask_region_slug(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    if not me.is_admin:
        raise ModerationError("only_admins")
    svc.flows.start(uid, "region", "slug", names={})
    return Screen(t(lang, "mod.region.ask_slug"), keyboards.buttons([cancel_row(lang)]))


async def add_region(
    svc: Services, me: Moderator, lang: str, uid: int, flow: Flow, text: str
) -> Screen:
    moderation = moderation_of(svc)
    if flow.step == "slug":
        slug = text.lower()
        if slug in svc.region_slugs():
            raise ModerationError("region_exists")
        flow.data["slug"] = slug
    else:
        flow.data["names"][flow.step] = text[:60]
    missing = [code for code in languages() if code not in flow.data["names"]]
    if missing:
        flow.step = missing[0]
        language = lang_name(missing[0], lang)
        return Screen(
            t(lang, "mod.region.ask_name", language=language), keyboards.buttons([cancel_row(lang)])
        )
    await moderation.add_region(me, flow.data["slug"], flow.data["names"])
    svc.flows.end(uid)
    return with_menu(lang, t(lang, "mod.region.added", slug=esc(flow.data["slug"])))


async def toggle_single_review(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    moderation = moderation_of(svc)
    enabled = not await moderation.single_review()
    await moderation.set_single_review(me, enabled)
    return with_menu(
        lang, t(lang, "mod.single.set", state=t(lang, "mod.on" if enabled else "mod.off"))
    )
