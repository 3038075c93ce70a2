"""A service (referral) written by moderators: what a person needs to know before going.

The rules are the content files' own (`knowledge.loader.read_referral`): a draft's flags
and contact are kept in the shape a content file has (`police_involvement: none`,
`id_required: false`, `contact: {phone: ...}`) and read by the same code, so a referral
from the chat is held to exactly what a referral in git is. This module only names the
answers the chat offers and turns the loader's findings into codes a moderator can read
in their language.
"""

from __future__ import annotations

from collections.abc import Mapping

from knowledge.loader import PHONE_RE, WEBSITE_RE, read_referral
from knowledge.model import Contact, Cost, Police, ReferralFlags
from moderation.errors import ModerationError, Problem

POLICE = tuple(p.value for p in Police)
COST = tuple(c.value for c in Cost)
# Yes / no / nobody knows yet, as a content file writes them.
TRISTATE_FLAGS = (
    "id_required",
    "immigration_status_asked",
    "sex_worker_led",
    "sex_worker_affirming",
    "trans_affirming",
)
TRISTATE = {"yes": True, "no": False, "unknown": "unknown"}
# Contact fields in the order the chat asks for them; every one may be skipped, but a
# service needs a phone or a website.
CONTACT_FIELDS = ("phone", "website", "hours", "address")
MAX_CONTACT = 120
MAX_SOURCE = 200
# Languages a service can be asked to speak, offered as buttons (any two-letter code the
# loader accepts would do; these are the ones the bot can name).
SERVICE_LANGUAGES = (
    "en", "es", "fr", "pt", "it", "de", "ca", "ro", "ru", "uk", "ar", "zh", "vi", "tl", "ko", "ht",
)  # fmt: skip


def flag_value(flag: str, answer: str) -> object:
    """A button's answer as a content file writes it; ValueError if it is not one."""
    if flag == "police_involvement" and answer in POLICE:
        return answer
    if flag == "cost" and answer in COST:
        return answer
    if flag in TRISTATE_FLAGS and answer in TRISTATE:
        return TRISTATE[answer]
    raise ValueError(flag)


def answer_of(flag: str, value: object) -> str:
    """The button that gives `value` (the reverse of flag_value)."""
    if flag in TRISTATE_FLAGS:
        return next((k for k, v in TRISTATE.items() if v is value or v == value), "")
    return str(value)


def check_contact(field: str, value: str) -> str:
    """One contact answer, checked when it is given (the loader's own patterns)."""
    value = value.strip()
    if not 1 <= len(value) <= MAX_CONTACT or "\n" in value:
        raise ModerationError("contact_length", limit=MAX_CONTACT)
    if field == "phone" and not PHONE_RE.match(value):
        raise ModerationError("referral_phone")
    if field == "website":
        if not value.startswith(("https://", "http://")) and "." in value and " " not in value:
            value = "https://" + value  # "clinic.org" means its https address
        if not WEBSITE_RE.match(value):
            raise ModerationError("referral_website")
    return value


def check_source(value: str) -> str:
    value = value.strip()
    if not 1 <= len(value) <= MAX_SOURCE:
        raise ModerationError("source_length", limit=MAX_SOURCE)
    return value


def as_content(flags: Mapping[str, object], contact: Mapping[str, str]) -> dict[str, object]:
    """The referral's part of a content file entry: the flag keys and `contact:`."""
    shaped: dict[str, object] = dict(flags)
    if "languages" in shaped:
        shaped["languages"] = list(shaped["languages"])  # type: ignore[call-overload]
    shaped["contact"] = {k: v for k, v in contact.items() if v}
    return shaped


def read(
    flags: Mapping[str, object], contact: Mapping[str, str]
) -> tuple[Contact | None, ReferralFlags | None, list[Problem]]:
    """Contact and flags as users will get them, and what is wrong, as moderator codes."""
    found_contact, found_flags, found = read_referral(as_content(flags, contact))
    codes: list[Problem] = []
    for field, _message in found:
        if field == "contact.phone":
            problem = Problem("referral_phone")
        elif field == "contact.website":
            problem = Problem("referral_website")
        elif field.startswith("contact") or (field == "entry" and not contact):
            problem = Problem("referral_contact")
        else:
            problem = Problem("referral_flags")
        if problem not in codes:
            codes.append(problem)
    return found_contact, found_flags, codes
