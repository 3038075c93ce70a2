"""Why an alert action was refused: a stable code; the chat says it in the person's
language (`alert_error.<code>` in bot/locales/<lang>.alerts.yaml)."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    "empty": "the report is empty",
    "unknown_region": "unknown region",
    "too_many_pending": "too many reports are waiting; try again later",
    "gone": "this report or alert is not there any more",
    "own_approval": "you have already approved it; another moderator needs to approve it too",
    "not_fast_track": "only violence and sexual assault can be published at once",
    "text_missing": "write the text to publish first",
    "text_too_long": "the text to publish is too long",
    "not_reviewing": "this alert is not waiting for a review",
    "no_key": "checking numbers is switched off on this server",
    "not_a_number": "that does not look like a full phone number",
    "channel_id": "a channel is its numeric id (-100...) or its @name",
}


class AlertRefused(Exception):
    """An alert action that is not allowed; `code` is a key of MESSAGES."""

    def __init__(self, code: str) -> None:
        if code not in MESSAGES:
            raise ValueError(f"unknown alert error code {code}")
        super().__init__(MESSAGES[code])
        self.code = code
