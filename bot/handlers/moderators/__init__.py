"""Moderators' chat: /mod, the review queue, writing tips, rechecks, reports, the team.

What the rest of the bot uses: `mod_command` (/mod), `on_action` (a moderator button,
bot/app.py), `on_text` for a typed step of one of `MOD_FLOWS` (handlers/search.py) and
`start_invite` (/start with an invite, handlers/commands.py). Which button goes where is
`router.ROUTES`; the codes buttons carry are `actions.Act`.
"""

from __future__ import annotations

from bot.handlers.moderators.join import start_invite
from bot.handlers.moderators.menu import mod_command
from bot.handlers.moderators.router import MOD_FLOWS, on_action, on_text

__all__ = ["MOD_FLOWS", "mod_command", "on_action", "on_text", "start_invite"]
