"""The moderation records: moderators, revisions, tips, reports, proposals, confirmations,
audit records and shared tips, as the workflow hands them out (frozen, read-only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from knowledge.model import Entry
from moderation.drafts import Draft

ADMIN = "admin"
MODERATOR = "moderator"
ROLES = (ADMIN, MODERATOR)
# What a proposal asks a second moderator to agree to.
RETIRE = "retire"
CONFIRM = "confirm"


@dataclass(frozen=True, slots=True)
class Moderator:
    id: int
    pseudonym: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


@dataclass(frozen=True, slots=True)
class Revision:
    id: int
    tip_id: int
    author_id: int | None
    author: str
    draft: Draft
    status: str
    reason: str | None
    is_edit: bool


@dataclass(frozen=True, slots=True)
class Tip:
    id: int
    status: str
    author_id: int | None
    entry: Entry | None  # the published version, if any


@dataclass(frozen=True, slots=True)
class Report:
    id: int
    entry_id: str
    reason: str
    note: str | None
    day: str


@dataclass(frozen=True, slots=True)
class Proposal:
    """A change waiting for a second moderator: retiring a tip, or confirming that a
    legal entry is still right."""

    id: int
    action: str  # RETIRE or CONFIRM
    object: str  # the tip number (retire) or the entry id (confirm)
    review_by: date | None  # confirm: the next check the proposer chose
    proposer_id: int
    proposer: str

    @property
    def tip_id(self) -> int | None:
        return int(self.object) if self.action == RETIRE else tip_id_of(self.object)


@dataclass(frozen=True, slots=True)
class Confirmation:
    verified: date
    review_by: date
    proposed: bool  # True: waiting for a second moderator; nothing changed yet


@dataclass(frozen=True, slots=True)
class AuditRecord:
    name: str  # the display name at the time, or "server"
    moderator_id: int | None  # who it really was; None for the server and old, unclear rows
    action: str
    object: str
    at: str

    @property
    def who(self) -> str:
        """'Owl (#3)': a name can be copied or changed, the number cannot."""
        return self.name if self.moderator_id is None else f"{self.name} (#{self.moderator_id})"


@dataclass(frozen=True, slots=True)
class SharedTip:
    id: int
    topic: str
    region: str
    text: str
    day: str


def tip_id_of(entry_id: str) -> int | None:
    """The tip number behind a peer entry id, or None for YAML entries."""
    if entry_id.startswith("peer-") and entry_id[5:].isdigit():
        return int(entry_id[5:])
    return None
