"""Alerts and reports as text: the person's preview, the moderators' view, the in-bot
list and the channel post, every value escaped. Labels come from <lang>.alerts.yaml."""

from __future__ import annotations

from datetime import date

from bot.i18n import t
from bot.render import esc, human_date
from moderation.alerts.masking import country_of, mask_email, mask_handle, mask_phone, mask_text
from moderation.alerts.model import (
    CATEGORIES,
    TEXT_LIMITS,
    Alert,
    Period,
    ReportDraft,
    period_of,
)

# The order fields are shown in, everywhere.
SHOWN = (
    "when",
    "part",
    "categories",
    "behaviour",
    "age",
    "build",
    "language",
    "description",
    "make",
    "colour",
    "plate",
    "phone",
    "email",
    "handle",
    "site",
)
CONTACTS = ("phone", "email", "handle")


def day(lang: str, value: date) -> str:
    """A date as people read it in their language (the locale's month names)."""
    return human_date(value, lang)


def period(lang: str, value: Period) -> str:
    if value.start is None:
        return ""
    return t(lang, f"alerts.period.{value.kind}", day=day(lang, value.start))


def categories(lang: str, names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(t(lang, f"alerts.cat.{c}") for c in CATEGORIES if c in names)


def field_value(lang: str, draft: ReportDraft, name: str, *, masked: bool) -> str:
    """One field as shown (plain text, not escaped); contacts masked if asked."""
    value = getattr(draft, name)
    if not value:
        return ""
    if name == "categories":
        return categories(lang, value)
    if name == "when":
        return t(lang, f"alerts.when.{value}")
    if name in ("part", "age", "build"):
        return t(lang, f"alerts.{name}.{value}")
    if masked and name == "phone":
        return mask_phone(value, country_of(draft.region))
    if masked and name == "email":
        return mask_email(value) if "@" in value else mask_text(value, None)
    if masked and name == "handle":
        return mask_handle(value)
    return str(value)


def draft_lines(lang: str, draft: ReportDraft, *, masked: bool) -> list[str]:
    """Every field given, one line each: '<b>Label:</b> value'."""
    lines = []
    for name in SHOWN:
        value = field_value(lang, draft, name, masked=masked)
        if value:
            lines.append(f"<b>{esc(t(lang, f'alerts.field.{name}'))}:</b> {esc(value)}")
    return lines


def body(lang: str, draft: ReportDraft) -> str:
    """The text to publish, as first proposed to moderators: behaviour and the person,
    vehicle and contact point, never the reporter; masked by the desk before it is kept."""
    parts = []
    for name in SHOWN:
        if name in ("when", "part", "categories"):
            continue
        value = field_value(lang, draft, name, masked=True)
        if value:
            parts.append(f"{t(lang, f'alerts.field.{name}')}: {value}")
    return "\n".join(parts)[: TEXT_LIMITS["behaviour"] * 2]


def alert_text(lang: str, alert: Alert, region_name: str, *, link: str = "") -> str:
    """An alert as people read it, in the bot or in the channel."""
    lines = [
        t(lang, "alerts.post.title", number=alert.id, region=esc(region_name)),
    ]
    if alert.categories:
        lines.append(t(lang, "alerts.post.reported", what=esc(categories(lang, alert.categories))))
    when = period(lang, alert.period)
    if when:
        lines.append(t(lang, "alerts.post.when", when=esc(when)))
    lines.append(f"<blockquote>{esc(alert.text)}</blockquote>")
    count = (
        t(lang, "alerts.post.reports_many", count=alert.reports)
        if alert.reports > 1
        else t(lang, "alerts.post.reports_one")
    )
    lines.append(t(lang, "alerts.post.footer", reports=count, until=day(lang, alert.expires_on)))
    if link:
        lines.append(t(lang, "alerts.post.seen", link=esc(link)))
    return "\n".join(lines)


def channel_post(langs: tuple[str, ...], alert: Alert, names: dict[str, str], link: str) -> str:
    """One post in each of the channel's languages, the moderators' text once."""
    first, *others = langs or ("en",)
    text = alert_text(first, alert, names.get(first, alert.region), link=link)
    for other in others:
        when = period(other, alert.period)
        extra = [t(other, "alerts.post.title", number=alert.id, region=esc(names.get(other, "")))]
        if alert.categories:
            extra.append(
                t(other, "alerts.post.reported", what=esc(categories(other, alert.categories)))
            )
        if when:
            extra.append(t(other, "alerts.post.when", when=esc(when)))
        text += "\n\n" + "\n".join(extra)
    return text


def stub(langs: tuple[str, ...], alert_id: int, kind: str) -> str:
    return "\n".join(t(lang, f"alerts.post.{kind}", number=alert_id) for lang in langs or ("en",))


def report_period(lang: str, draft: ReportDraft, received: date) -> str:
    return period(lang, period_of(draft.when, received))
