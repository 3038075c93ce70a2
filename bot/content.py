"""Loading content for the bot: the knowledge checks plus 'does every card fit Telegram'."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.render import card_problems
from knowledge.base import KnowledgeBase
from knowledge.loader import load_directory
from knowledge.model import Snapshot


def load_snapshot(directory: Path | str | None, today: date) -> tuple[Snapshot | None, list[str]]:
    """A snapshot safe to serve, or None and every problem as `path:line: message`."""
    snapshot, problems = load_directory(directory)
    if snapshot is None:
        return None, [str(p) for p in problems]
    too_long = card_problems(snapshot.entries, today)
    if too_long:
        return None, too_long
    return snapshot, []


def load_knowledge(
    directory: Path | str | None, today: date, *, show_examples: bool = False
) -> tuple[KnowledgeBase | None, list[str]]:
    snapshot, problems = load_snapshot(directory, today)
    if snapshot is None:
        return None, problems
    return KnowledgeBase(snapshot, show_examples=show_examples), []
