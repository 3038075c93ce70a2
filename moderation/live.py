"""What users see: shipped content plus published peer tips, with freshness applied."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from knowledge.model import Entry, Kind, Region, Snapshot

# Legal information goes wrong when laws change; past this, it is hidden until re-checked.
RIGHTS_GRACE = timedelta(days=30)
RECHECK_WINDOW = timedelta(days=30)


def compose(
    base: Snapshot,
    peer_entries: Iterable[Entry],
    confirmations: Mapping[str, tuple[date, date]],
    extra_regions: Iterable[Region] = (),
) -> Snapshot:
    """Every entry moderators look after, with their latest confirmed dates.

    A published correction of a shipped entry (a peer entry with the shipped entry's id)
    takes its place; a later "Still right" on it moves its dates on as for any entry.
    """
    peers = list(peer_entries)
    corrections = {e.id: e for e in reversed(peers)}  # the newest tip wins
    entries = []
    for entry in base.entries:
        correction = corrections.pop(entry.id, None)
        entry = correction or entry
        dates = confirmations.get(entry.id)
        if dates is not None and (correction is None or dates[0] >= correction.verified):
            entry = dataclasses.replace(entry, verified=dates[0], review_by=dates[1])
        entries.append(entry)
    entries.extend(e for e in peers if corrections.get(e.id) is e)
    regions = list(base.regions)
    slugs = {r.slug for r in regions}
    regions.extend(r for r in extra_regions if r.slug not in slugs)
    return Snapshot(entries=tuple(entries), regions=tuple(regions))


def hidden_from_users(entry: Entry, today: date) -> bool:
    return entry.kind is Kind.RIGHTS and entry.review_by + RIGHTS_GRACE < today


def for_users(full: Snapshot, today: date) -> Snapshot:
    """The snapshot users are served: stale legal entries left out until re-confirmed."""
    return Snapshot(
        entries=tuple(e for e in full.entries if not hidden_from_users(e, today)),
        regions=full.regions,
    )


def needs_recheck(full: Snapshot, today: date) -> list[Entry]:
    """Entries past or near their review date: those hidden from users right now first,
    then the most overdue."""
    due = [e for e in full.entries if e.review_by <= today + RECHECK_WINDOW]
    return sorted(due, key=lambda e: (not hidden_from_users(e, today), e.review_by, e.id))
