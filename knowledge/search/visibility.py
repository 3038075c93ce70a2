"""Who may see what: entries grouped by regions, and per-person document masks and
language weights, cached per index."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from knowledge.model import Entry, is_visible
from knowledge.search.postings import grow
from knowledge.search.tuning import OTHER_LANGUAGE_FACTOR

# Masks and weights kept per index; a person's region and language pick one.
_MASK_CACHE = 64


@dataclass(frozen=True, slots=True)
class RegionGroups:
    """Entries by their set of regions: visibility depends only on that set, so it is
    decided once per distinct set rather than once per entry."""

    ids: dict[tuple[str, ...], int]  # a set of regions -> its group
    entries: list[Entry]  # per group: one entry with those regions
    slot_group: np.ndarray  # per slot: its group

    @classmethod
    def of(
        cls,
        entries: tuple[Entry, ...],
        slot_position: np.ndarray,
        previous: RegionGroups | None,
        regroup: list[int] | None,
    ) -> RegionGroups:
        """Groups for every slot, or `previous`'s with the slots in `regroup` (whose entry
        is new to this index) placed again."""
        n_slots = len(slot_position)
        if previous is None or regroup is None:
            ids: dict[tuple[str, ...], int] = {}
            group_entry: list[Entry] = []
            slot_group = np.zeros(n_slots, dtype=np.int32)
            regroup = list(range(n_slots))
        else:
            ids = dict(previous.ids)
            group_entry = list(previous.entries)
            slot_group = grow(previous.slot_group, n_slots).copy()
        for slot in regroup:
            position = int(slot_position[slot])
            if position < 0:
                continue
            entry = entries[position]
            group = ids.get(entry.regions)
            if group is None:
                group = ids[entry.regions] = len(group_entry)
                group_entry.append(entry)
            slot_group[slot] = group
        return cls(ids, group_entry, slot_group)


class Visibility:
    """Which slots and documents a person may see, how much each language weighs, and
    each topic's entries; each computed on first use and kept."""

    __slots__ = (
        "_lang_factor",
        "_masks",
        "_topics",
        "_weights",
        "alive",
        "entries",
        "groups",
        "languages",
        "positions",
    )

    def __init__(
        self,
        entries: tuple[Entry, ...],
        languages: tuple[str, ...],
        positions: np.ndarray,
        alive: np.ndarray,
        groups: RegionGroups,
    ) -> None:
        self.entries = entries
        self.languages = languages
        self.positions = positions  # per position in the snapshot: its slot
        self.alive = alive  # per slot: whether an entry of the snapshot holds it
        self.groups = groups
        self._masks: dict[tuple[str | None, bool], tuple[np.ndarray, np.ndarray]] = {}
        self._weights: dict[tuple[str, str | None, bool], np.ndarray] = {}
        self._topics: dict[str, np.ndarray] | None = None
        self._lang_factor: dict[str, np.ndarray] = {}
        n_langs = len(languages)
        for li, lang in enumerate(languages):
            row = np.full(n_langs, OTHER_LANGUAGE_FACTOR, dtype=np.float32)
            row[li] = 1.0
            self._lang_factor[lang] = row

    def visible(self, region: str | None, show_examples: bool) -> tuple[np.ndarray, np.ndarray]:
        """Which slots and which documents a person in `region` may see."""
        key = (region, show_examples)
        masks = self._masks.get(key)
        if masks is None:
            visible = np.array(
                [is_visible(e, region, show_examples=show_examples) for e in self.groups.entries],
                dtype=bool,
            )
            slots = visible[self.groups.slot_group] & self.alive if len(visible) else self.alive
            masks = (slots, np.repeat(slots, len(self.languages)))
            if len(self._masks) >= _MASK_CACHE:
                self._masks.clear()
            self._masks[key] = masks
        return masks

    def doc_weights(self, lang: str, region: str | None, show_examples: bool) -> np.ndarray:
        """Per document: 1 in the person's language, less in another, 0 if hidden."""
        key = (lang, region, show_examples)
        weights = self._weights.get(key)
        if weights is None:
            factor = self._lang_factor.get(lang, self._lang_factor[self.languages[0]])
            doc_mask = self.visible(region, show_examples)[1]
            weights = (doc_mask.reshape(-1, len(self.languages)) * factor).ravel()
            weights = weights.astype(np.float32)
            if len(self._weights) >= _MASK_CACHE:
                self._weights.clear()
            self._weights[key] = weights
        return weights

    def topic_entries(self, topic: str, region: str | None, show_examples: bool) -> list[Entry]:
        """Entries of `topic` a person in `region` may see, in snapshot order."""
        topics = self._topics
        if topics is None:
            found: dict[str, list[int]] = {}
            for position, entry in enumerate(self.entries):
                for name in dict.fromkeys(entry.topics):
                    found.setdefault(name, []).append(position)
            topics = {name: np.array(p, dtype=np.int64) for name, p in found.items()}
            self._topics = topics
        positions = topics.get(topic)
        if positions is None:
            return []
        slots, _ = self.visible(region, show_examples)
        shown = positions[slots[self.positions[positions]]]
        entries = self.entries
        return [entries[i] for i in shown.tolist()]
