"""The new-entry wizard's steps, as plain data: which steps an entry has, which are
answered, and the draft they add up to. No Telegram here; write.py draws the screens.

A flow's data holds the answers so far (`regions`, `topics`, `kind`, `langs`, `texts`,
`keywords`, `jurisdiction`, `flags`, `contact`, `source`, `review_by`), plus what the
draft is for (`edit_of` a tip, `replaces` a shipped entry, adopting a `shared` tip).
Going back keeps every answer; after an answer the wizard goes to the next step that has
none, or to the preview, so a moderator who jumps to one field from the preview comes
straight back to it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from knowledge.model import Entry, Kind
from knowledge.taxonomy import TOPIC_CATEGORY
from moderation.drafts import Draft, DraftText
from moderation.referrals import CONTACT_FIELDS, TRISTATE_FLAGS

PREVIEW = "preview"
FLAG_STEPS = ("police_involvement", "id_required", "immigration_status_asked", "cost")
AFFIRMING_STEPS = TRISTATE_FLAGS[2:]  # sex_worker_led, sex_worker_affirming, trans_affirming
SERVICE_LANGUAGES_STEP = "languages"
OPTIONAL = ("keywords", "contact")  # steps that may be skipped


def order(data: dict[str, Any]) -> list[str]:
    """Every step this entry has, in the order they are asked."""
    steps = ["region", "topics", "kind", "langs"]
    for code in data.get("langs", ()):
        steps += [f"title:{code}", f"body:{code}", f"keywords:{code}"]
    kind = data.get("kind")
    if kind == Kind.RIGHTS:
        steps.append("jurisdiction")
    if kind == Kind.REFERRAL:
        steps += [*FLAG_STEPS, *AFFIRMING_STEPS, SERVICE_LANGUAGES_STEP]
        steps += [f"contact:{field}" for field in CONTACT_FIELDS]
        steps.append("source")
    steps.append("review")
    return steps


def answered(data: dict[str, Any], step: str) -> bool:
    part, _, code = step.partition(":")
    if part == "region":
        return bool(data.get("regions"))
    if part == "topics":
        return bool(data.get("topics"))
    if part == "kind":
        return bool(data.get("kind"))
    if part == "langs":
        return bool(data.get("langs"))
    if part in ("title", "body"):
        return bool(data.get("texts", {}).get(code, {}).get(part))
    if part == "keywords":
        return code in data.get("keywords", {})
    if part == "contact":
        return code in data.get("contact", {})
    if part in ("jurisdiction", "source"):
        return bool(data.get(part))
    if part == "review":
        return bool(data.get("review_by"))
    return step in data.get("flags", {})


def next_step(data: dict[str, Any], after: str | None) -> str:
    """The first unanswered step after `after` (or anywhere), else the preview."""
    steps = order(data)
    start = steps.index(after) + 1 if after in steps else 0
    for step in [*steps[start:], *steps[:start]]:
        if not answered(data, step):
            return step
    return PREVIEW


def previous_step(data: dict[str, Any], current: str) -> str | None:
    steps = order(data)
    if current == PREVIEW:
        return steps[-1]
    if current not in steps or steps.index(current) == 0:
        return None
    return steps[steps.index(current) - 1]


def position(data: dict[str, Any], step: str) -> tuple[int, int]:
    """(n, of): which step this is, for "New entry (3/12)"."""
    steps = order(data)
    return (steps.index(step) + 1 if step in steps else len(steps), len(steps))


def to_draft(data: dict[str, Any]) -> Draft:
    """The draft the answers make (KeyError if one the preview needs is missing)."""
    kind = Kind(data["kind"])
    texts = {
        code: DraftText(
            data["texts"][code]["title"],
            data["texts"][code]["body"],
            tuple(data.get("keywords", {}).get(code, ())),
        )
        for code in data["langs"]
    }
    referral = kind is Kind.REFERRAL
    return Draft(
        kind=kind,
        topics=tuple(data["topics"]),
        regions=tuple(data["regions"]),
        texts=texts,
        review_by=date.fromisoformat(data["review_by"]),
        jurisdiction=data.get("jurisdiction", "") if kind is Kind.RIGHTS else "",
        flags=dict(data.get("flags", {})) if referral else {},
        contact={k: v for k, v in data.get("contact", {}).items() if v} if referral else {},
        source=data.get("source", ""),
        replaces=data.get("replaces", ""),
    )


def from_draft(draft: Draft, today: date) -> dict[str, Any]:
    """Answers pre-filled from a draft, to edit it (a review date already past is asked
    again)."""
    data: dict[str, Any] = {
        "regions": list(draft.regions),
        "topics": list(draft.topics),
        "category": TOPIC_CATEGORY.get(draft.topics[0], "safety") if draft.topics else "safety",
        "kind": draft.kind.value,
        "langs": list(draft.texts),
        "texts": {c: {"title": x.title, "body": x.body} for c, x in draft.texts.items()},
        "keywords": {c: list(x.keywords) for c, x in draft.texts.items()},
        "jurisdiction": draft.jurisdiction,
        "flags": dict(draft.flags),
        "contact": dict(draft.contact),
        "source": draft.source,
        "replaces": draft.replaces,
    }
    if draft.kind is Kind.REFERRAL:
        data["contact"] = {f: draft.contact.get(f, "") for f in CONTACT_FIELDS}
    if draft.review_by > today:
        data["review_by"] = draft.review_by.isoformat()
    return data


def from_entry(entry: Entry, today: date) -> dict[str, Any]:
    """Answers pre-filled from a shipped entry, to correct it: once approved, the
    correction takes the entry's place (same id)."""
    flags: dict[str, object] = {}
    if entry.flags is not None:
        f = entry.flags
        flags = {
            "police_involvement": f.police_involvement.value,
            "cost": f.cost.value,
            "languages": list(f.languages),
        }
        for name in TRISTATE_FLAGS:
            value = getattr(f, name)
            flags[name] = "unknown" if value is None else value
    contact = {}
    if entry.contact is not None:
        contact = {k: getattr(entry.contact, k) or "" for k in CONTACT_FIELDS}
    jurisdiction = next((x.jurisdiction for x in entry.texts.values() if x.jurisdiction), "")
    draft = Draft(
        kind=entry.kind,
        topics=entry.topics,
        regions=entry.regions,
        texts={c: DraftText(x.title, x.body, x.keywords) for c, x in entry.texts.items()},
        review_by=entry.review_by,
        jurisdiction=jurisdiction or "",
        flags=flags,
        contact={k: v for k, v in contact.items() if v},
        source=entry.source,
        replaces=entry.id,
    )
    return from_draft(draft, today)
