"""Admins only: the team (invite, view, remove), the audit log, regions, single review.

The workflow refuses anyone else whatever they press; the screens that list the team, the
log or the regions also check the role first, so they are never drawn for a moderator.
"""

from __future__ import annotations

from bot import keyboards
from bot.handlers.moderators.actions import Act
from bot.handlers.moderators.common import (
    LIST_LIMIT,
    StaleButton,
    button,
    cancel_row,
    first,
    lang_name,
    moderation_of,
    number,
    problem_text,
    with_menu,
)
from bot.i18n import t
from bot.remembered.flows import Flow
from bot.render import MAX_MESSAGE, esc
from bot.screens import Screen
from bot.services import Services
from knowledge.ids import REGION as REGION_SLUG
from knowledge.taxonomy import REQUIRED_LANGUAGES
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


def _audit_object(svc: Services, lang: str, obj: str) -> str:
    """What an audit record is about, in words: "tip #3", a role, on/off, an entry's title."""
    word, _, rest = obj.partition(" ")
    if word == "tip" and rest.isdigit():
        return t(lang, "mod.audit.tip", tip=rest)
    if obj in ("admin", "moderator"):
        return t(lang, f"mod.role.{obj}")
    if obj in ("on", "off"):
        return t(lang, f"mod.{obj}")
    entry = (svc.full or svc.kb.snapshot).get(obj)
    return entry.text(lang).title if entry is not None else obj


def _audit_action(lang: str, action: str) -> str:
    try:
        return t(lang, "mod.audit.action." + action.replace(" ", "_"))
    except KeyError:  # an action this version has no words for
        return action


async def show_audit(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    moderation = moderation_of(svc)
    if not me.is_admin:
        raise ModerationError("only_admins")
    # "name (#id)": the number is the moderator's row, which no rename can take over.
    # Times are stored and shown in UTC, and the title says so.
    lines = [
        f"{esc(r.at[:16].replace('T', ' '))} {esc(r.who)}: "
        f"{esc(_audit_action(lang, r.action))} {esc(_audit_object(svc, lang, r.object))}"
        for r in await moderation.audit_log(30)
    ]
    text = t(lang, "mod.audit.title") + "\n" + t(lang, "mod.audit.utc") + "\n\n" + "\n".join(lines)
    return with_menu(lang, text[: MAX_MESSAGE - 100], [[button(t(lang, "btn.back"), Act.TEAM)]])


async def show_regions(svc: Services, me: Moderator, lang: str, uid: int, values: list) -> Screen:
    if not me.is_admin:
        raise ModerationError("only_admins")
    snapshot = svc.full or svc.kb.snapshot
    names = ", ".join(f"{r.name(lang)} ({r.slug})" for r in snapshot.regions)
    return with_menu(
        lang,
        t(lang, "mod.regions.title", regions=esc(names)),
        [[button(t(lang, "mod.btn.add_region"), Act.REGION_ADD)]],
    )


async def ask_region_slug(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    if not me.is_admin:
        raise ModerationError("only_admins")
    flow = svc.flows.start(uid, "region", "slug", names={})
    return _region_prompt(flow, lang)


def _region_prompt(flow: Flow, lang: str) -> Screen:
    if flow.step == "slug":
        text = t(lang, "mod.region.ask_slug")
    else:
        text = t(lang, "mod.region.ask_name", language=lang_name(flow.step, lang))
    return Screen(text, keyboards.buttons([cancel_row(lang)]))


def reask(svc: Services, flow: Flow, lang: str, error: ModerationError) -> Screen:
    """The same question again, with why the answer was refused."""
    screen = _region_prompt(flow, lang)
    reason = esc(t(lang, "mod.problem", problem=problem_text(lang, error)))
    return Screen(f"{reason}\n\n{screen.text}", screen.markup)


async def add_region(
    svc: Services, me: Moderator, lang: str, uid: int, flow: Flow, text: str
) -> Screen:
    """Each answer is checked as it comes: the code before any name is asked."""
    moderation = moderation_of(svc)
    if flow.step == "slug":
        slug = text.strip().lower()
        if not REGION_SLUG.fullmatch(slug):
            raise ModerationError("region_slug")
        if slug in svc.region_slugs():
            raise ModerationError("region_exists")
        flow.data["slug"] = slug
    else:
        if not text.strip():
            raise ModerationError("region_name_missing")
        flow.data["names"][flow.step] = text[:60]
    # The languages every entry is written in; the others show one of these until a
    # translation names the region (knowledge/content/regions.yaml, or a later edit).
    missing = [code for code in REQUIRED_LANGUAGES if code not in flow.data["names"]]
    if missing:
        flow.step = missing[0]
        return _region_prompt(flow, lang)
    await moderation.add_region(me, flow.data["slug"], flow.data["names"])
    svc.flows.end(uid)
    return with_menu(lang, t(lang, "mod.region.added", slug=esc(flow.data["slug"])))


async def explain_single_review(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    """What the switch does, and a button to confirm: never one tap."""
    moderation = moderation_of(svc)
    if not me.is_admin:
        raise ModerationError("only_admins")
    enabled = await moderation.single_review()
    key = "mod.single.explain_on" if enabled else "mod.single.explain_off"
    confirm = "mod.btn.single_off" if enabled else "mod.btn.single_on"
    rows = [[button(t(lang, confirm), Act.SINGLE_REVIEW_SET, "0" if enabled else "1")]]
    return with_menu(lang, t(lang, key), rows)


async def set_single_review(
    svc: Services, me: Moderator, lang: str, uid: int, values: list
) -> Screen:
    moderation = moderation_of(svc)
    if first(values) not in ("0", "1"):
        raise StaleButton
    enabled = first(values) == "1"
    await moderation.set_single_review(me, enabled)
    return with_menu(
        lang, t(lang, "mod.single.set", state=t(lang, "mod.on" if enabled else "mod.off"))
    )
