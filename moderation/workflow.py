"""Peer moderation rules: roles, invites, the review workflow, freshness and reports.

`Moderation` is put together from one mixin per part, on a shared base:

- moderation/base.py: the clock, listeners, the acting moderator, audit, proposals' rows;
- moderation/team.py: moderators, invites, settings and regions;
- moderation/review.py: tips, their review, retiring, proposals;
- moderation/confirmations.py: confirming that entries are still right;
- moderation/inbox.py: users' reports and shared tips.

Every method that changes something re-checks the acting moderator's role here, on the
server side, whatever the chat layer already checked. Every write is one transaction
with its audit record. The records it hands out are in moderation/records.py, name rules
in moderation/names.py; this module re-exports them for the code that imports them here.
"""

from __future__ import annotations

from moderation.base import DEFAULT_REVIEW, ModerationBase
from moderation.confirmations import ConfirmationsMixin
from moderation.drafts import tip_entry_id
from moderation.errors import ModerationError
from moderation.inbox import MAX_NOTE, MAX_SHARED, REPORT_REASONS, InboxMixin
from moderation.names import MAX_PSEUDONYM, name_key, valid_pseudonym
from moderation.names import _hash_code as _hash_code
from moderation.names import _name_taken as _name_taken
from moderation.records import (
    ADMIN,
    CONFIRM,
    MODERATOR,
    RETIRE,
    ROLES,
    AuditRecord,
    Confirmation,
    Moderator,
    Proposal,
    Report,
    Revision,
    SharedTip,
    Tip,
    tip_id_of,
)
from moderation.review import MAX_REASON, SUPERSEDE_APPROVED, SUPERSEDE_PENDING, ReviewMixin
from moderation.team import INVITE_PREFIX, INVITE_TTL, SINGLE_REVIEW, TeamMixin


class Moderation(TeamMixin, ReviewMixin, ConfirmationsMixin, InboxMixin):
    """The moderation workflow over one store: `Moderation(store, now=...)`."""


__all__ = [
    "ADMIN",
    "CONFIRM",
    "DEFAULT_REVIEW",
    "INVITE_PREFIX",
    "INVITE_TTL",
    "MAX_NOTE",
    "MAX_PSEUDONYM",
    "MAX_REASON",
    "MAX_SHARED",
    "MODERATOR",
    "REPORT_REASONS",
    "RETIRE",
    "ROLES",
    "SINGLE_REVIEW",
    "SUPERSEDE_APPROVED",
    "SUPERSEDE_PENDING",
    "AuditRecord",
    "Confirmation",
    "Moderation",
    "ModerationBase",
    "ModerationError",
    "Moderator",
    "Proposal",
    "Report",
    "Revision",
    "SharedTip",
    "Tip",
    "name_key",
    "tip_entry_id",
    "tip_id_of",
    "valid_pseudonym",
]
