"""What moderators are told when an action is refused: a stable code and its values.

The domain says *what* went wrong (`ModerationError("only_admins")`,
`Problem("title_length", {"language": "es", "limit": 80})`); the chat says it in the
moderator's language, from `moderation_error.<code>` in bot/locales/<lang>.moderation.yaml.
`str()` of either is the English sentence below, for logs and the `lantern` command.

A value named `language` holds a language code, which the chat shows as that language's
name; a value that is a `knowledge.markup.MarkupError` is shown as that error's text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# Every code, with its English text. A test checks that every code raised in moderation/
# and in the moderators' chat is here, and has a text in every language the bot speaks.
MESSAGES: dict[str, str] = {
    # who may do what
    "not_a_moderator": "you are no longer a moderator",
    "only_admins": "only admins can do that",
    "unknown_role": "unknown role",
    "invite_invalid": "this invite is not valid any more; ask an admin for a new one",
    "already_moderator": "you are already a moderator",
    "no_such_moderator": "no such moderator",
    "last_admin": "the last admin cannot be removed",
    "busy": "the bot is busy; try again in a minute",
    "moderation_off": "moderation is switched off on this server; tell its operator",
    # display names
    "name_length": "a display name is 1-{limit} characters on one line",
    "name_invisible": "a display name needs at least one visible letter or digit",
    "name_taken": (
        "another moderator has that display name, or one that looks the same; please "
        "choose a different one"
    ),
    # regions
    "region_slug": "a region slug is lowercase letters, digits and '-'",
    "region_name_missing": "give the region a name",
    "region_exists": "that region exists already",
    # writing a tip, step by step
    "draft_expired": "this draft has expired; start again from the menu",
    "use_buttons": "use the buttons for this step",
    "pick_button": "pick one of the buttons",
    "finish_steps": "finish the steps first",
    "unknown_category": "unknown category",
    "unknown_kind": "unknown kind",
    "jurisdiction_length": "1-{limit} characters, please",
    "too_long_for_message": (
        "the rendered tip is too long for one Telegram message; shorten the text"
    ),
    # what is wrong with a draft (moderation.drafts.problems)
    "kind": "kind must be tip, rights or referral",
    "no_topic": "choose at least one topic",
    "unknown_topic": "unknown topic {topic}",
    "no_region": "choose a region",
    "unknown_region": "unknown region {region}",
    "no_text": "write the tip in at least one language",
    "unsupported_language": "unsupported language {language}",
    "title_length": "{language} title must be 1-{limit} characters",
    "body_length": "{language} text must be 1-{limit} characters",
    "markup": "{language} text, line {line}: {problem}",
    "misleading_link": (
        "{language} text: the link text '{label}' looks like an address, but the link goes "
        "to {host}; make the text describe the place, or show its real address"
    ),
    "keywords": "{language} search words: at most {limit}, each short",
    "review_by_past": "the review-by date must be in the future",
    "no_jurisdiction": "rights tips need the place whose law they describe",
    # a service (moderation.referrals: the content files' rules)
    "referral_phone": "a phone number is digits, spaces, '+', '-' or brackets",
    "referral_website": "a website is an https:// address, for example https://clinic.org",
    "referral_contact": "a service needs at least a phone number or a website",
    "referral_flags": "answer every question about the service (police, ID, cost...)",
    "contact_length": "1-{limit} characters on one line, please",
    "no_source": "say where the facts about this service come from",
    "source_length": "say where the facts come from in 1-{limit} characters",
    "adopted_title_length": "a title is 1-{limit} characters",
    "import_kind": "only tip and rights entries can be imported for review",
    # review, retiring, rechecks
    "no_such_tip": "no such tip",
    "no_such_entry": "no such entry",
    "tip_not_editable": "that tip cannot be edited",
    "revision_not_pending": "this revision is not waiting for review any more",
    "own_tip": "another moderator must approve your own tip",
    "reason_missing": "say why, so the author can fix it",
    "reason_too_long": "keep the reason under {limit} characters",
    "no_tip_to_retire": "no such tip to retire",
    "retire_already_asked": (
        "you have already asked to retire it; another moderator needs to agree"
    ),
    "proposal_not_pending": "this proposal is not waiting any more",
    "own_proposal": "another moderator must approve your own proposal",
    "next_check_past": "the next check must be in the future",
    "confirm_already": (
        "you have already confirmed it; legal information needs another moderator to confirm it too"
    ),
    "no_published_tip": "no such published tip",
    # what users send
    "unknown_reason": "unknown reason",
    "empty_tip": "the tip is empty",
    "report_closed": "that report is already closed",
    "shared_tip_handled": "that shared tip was already handled",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong: a code from MESSAGES and the values its text needs."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        template = MESSAGES.get(self.code)
        return template.format(**self.params) if template is not None else self.code


class ModerationError(Exception):
    """An action that is not allowed, as one or more problems for the moderator.

    `ModerationError("too_long", limit=80)` is one problem; `ModerationError.several`
    carries every problem a draft has. `str()` is English, for logs and the CLI.
    """

    def __init__(self, code: str, /, **params: object) -> None:
        self.problems: tuple[Problem, ...] = (Problem(code, params),)
        super().__init__(str(self.problems[0]))

    @classmethod
    def several(cls, problems: Sequence[Problem]) -> ModerationError:
        first, *_ = problems
        error = cls(first.code, **first.params)
        error.problems = tuple(problems)
        error.args = ("; ".join(str(p) for p in problems),)
        return error

    @property
    def code(self) -> str:
        """The first (usually the only) problem's code."""
        return self.problems[0].code

    @property
    def params(self) -> Mapping[str, object]:
        return self.problems[0].params
