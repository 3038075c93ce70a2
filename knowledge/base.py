"""The live knowledge base: one snapshot and its index, replaced together atomically."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from knowledge.model import Entry, Snapshot, is_visible
from knowledge.normalize import MAX_QUERY_CHARS
from knowledge.order import shipped_order
from knowledge.search import Hit, SearchIndex
from knowledge.taxonomy import ALL_TOPICS, LANGUAGES, TOPIC_CATEGORY
from knowledge.words import Reading, Words, shipped_words


@dataclass(frozen=True)
class _State:
    snapshot: Snapshot
    index: SearchIndex
    # Sorted topic lists, filled as they are asked for; they die with this state.
    topics: dict[tuple[str, str | None], tuple[Entry, ...]] = field(default_factory=dict)

    first: tuple[str, ...] = ()

    def position(self, entry: Entry) -> int:
        """Where the entry stands: the ids of content/order.yaml first, in that order, then
        the others in the order of the content files."""
        try:
            places = self._places  # type: ignore[has-type]
        except AttributeError:
            places = {entry_id: i for i, entry_id in enumerate(self.first)}
            for i, e in enumerate(self.snapshot.entries):
                places.setdefault(e.id, len(self.first) + i)
            object.__setattr__(self, "_places", places)
        return places.get(entry.id, len(places))


_KIND_ORDER = {"tip": 0, "rights": 1, "referral": 2}


class KnowledgeBase:
    """What handlers read. Readers take one consistent (snapshot, index) pair per call."""

    def __init__(
        self,
        snapshot: Snapshot,
        *,
        show_examples: bool = False,
        index: SearchIndex | None = None,
        words: Words | None = None,
        first: tuple[str, ...] | None = None,
    ) -> None:
        """`index`: one already built for `snapshot` (read back from compiled content);
        `words`: how people write (knowledge.words), the shipped file's by default."""
        self.show_examples = show_examples
        self.words = words if words is not None else shipped_words()
        self.first = first if first is not None else shipped_order()
        if index is not None and index.snapshot is not snapshot:
            raise ValueError("the index was built for another snapshot")
        self._state = _State(
            snapshot, index if index is not None else SearchIndex(snapshot), first=self.first
        )

    @property
    def snapshot(self) -> Snapshot:
        return self._state.snapshot

    @property
    def index(self) -> SearchIndex:
        return self._state.index

    def replace(self, snapshot: Snapshot, built_from: SearchIndex | None = None) -> None:
        """Build the new index first, then swap in one assignment: no half-updated reads.

        The new index reuses the live one's work for unchanged entries, so publishing one
        tip costs milliseconds; the live index keeps serving while this runs in a thread.
        `built_from`: an index nearer `snapshot` to reuse instead (reloaded content's own).
        """
        previous = built_from if built_from is not None else self._state.index
        self._state = _State(snapshot, SearchIndex.rebuild(snapshot, previous), first=self.first)

    def position(self, entry: Entry) -> int:
        """Where the entry stands in the content (writers put what is needed first, first)."""
        return self._state.position(entry)

    def read(self, query: str, lang: str) -> Reading:
        """What a message says before any search: urgency, small talk, its language."""
        return self.words.read(query, lang, known=self._state.index.knows)

    def search(
        self,
        query: str,
        *,
        lang: str,
        region: str | None = None,
        limit: int = 10,
    ) -> list[Hit]:
        """Hits for the query, in the content's words for the slang in it (knowledge.words)."""
        query = self.words.rewrite(query, lang) or query[:MAX_QUERY_CHARS]
        return self._state.index.search(
            query, lang=lang, region=region, limit=limit, show_examples=self.show_examples
        )

    def get(self, entry_id: str, region: str | None = None) -> Entry | None:
        """An entry by id, or None if it does not exist or is hidden from this person."""
        entry = self._state.snapshot.get(entry_id)
        if entry is None or not is_visible(entry, region, show_examples=self.show_examples):
            return None
        return entry

    def topic(self, topic: str, region: str | None = None) -> list[Entry]:
        """Visible entries in a topic, sorted; referrals after tips and rights."""
        state = self._state
        key = (topic, region)
        cached = state.topics.get(key)
        if cached is None:
            found = state.index.topic_entries(topic, region, show_examples=self.show_examples)
            cached = tuple(
                sorted(found, key=lambda e: (_KIND_ORDER[e.kind.value], state.position(e)))
            )
            # Only real topics are remembered: a deep link can carry any slug, and what
            # people send must not fill a cache (privacy invariant).
            if topic in TOPIC_CATEGORY and len(state.topics) < 4096:
                state.topics[key] = cached
        return list(cached)


def stats(snapshot: Snapshot, today: date) -> dict[str, object]:
    """Counts an operator or curator wants at a glance."""
    entries = snapshot.entries
    by_topic = Counter(t for e in entries for t in e.topics)
    return {
        "entries": len(entries),
        "by_kind": dict(sorted(Counter(e.kind.value for e in entries).items())),
        "by_topic": {t: by_topic.get(t, 0) for t in ALL_TOPICS},
        "by_language": {lang: sum(1 for e in entries if lang in e.texts) for lang in LANGUAGES},
        "by_region": dict(sorted(Counter(r for e in entries for r in e.regions).items())),
        "past_review_by": sorted(e.id for e in entries if e.is_overdue(today)),
    }
