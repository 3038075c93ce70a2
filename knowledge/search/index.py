"""`SearchIndex`: one immutable index over a snapshot, assembled from its parts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from knowledge.model import Entry, Snapshot
from knowledge.normalize import query_tokens
from knowledge.search import saved
from knowledge.search.build import Change, Tables, fresh, incremental
from knowledge.search.deletions import Deletions
from knowledge.search.expansion import Expander, Expansion
from knowledge.search.postings import TermStats
from knowledge.search.ranking import Hit, Ranker
from knowledge.search.spelling import FuzzyTables
from knowledge.search.visibility import RegionGroups, Visibility
from knowledge.search.vocabulary import Vocabulary
from knowledge.taxonomy import LANGUAGES


def languages_of(snapshot: Snapshot) -> tuple[str, ...]:
    """The languages the index keeps: those some entry is written in (a language nobody
    has translated into yet costs nothing), always in LANGUAGES order."""
    present: set[str] = set()
    for entry in snapshot.entries:
        present.update(entry.texts)
        if present.issuperset(LANGUAGES):
            break  # usually the first entry: a rebuild never reads all of a large base
    return tuple(lang for lang in LANGUAGES if lang in present) or LANGUAGES[:1]


class SearchIndex:
    """An immutable index over one snapshot; build a new one when content changes.

    `SearchIndex(snapshot)` builds from scratch; `SearchIndex.rebuild(snapshot, previous)`
    reuses an older index's work for entries whose text did not change. Searching is
    safe from several threads at once.
    """

    def __init__(self, snapshot: Snapshot) -> None:
        self._assemble(snapshot, fresh(snapshot.entries, languages_of(snapshot)), None, None)

    @classmethod
    def rebuild(cls, snapshot: Snapshot, previous: SearchIndex | None) -> SearchIndex:
        """The index of `snapshot`, built fast from `previous` (an index of older content).

        Entries are matched by id; one whose texts are unchanged keeps its postings, so
        the cost is tokenising the new and changed entries, plus copying arrays (about
        3 ms for one new tip in a base of 10,000 entries, 40 ms in one of 100,000).
        Searches give the same results as `SearchIndex(snapshot)`. `previous` is not
        modified and stays usable, so this can run in a worker thread while `previous`
        serves searches, and the caller swaps the result in. Without `previous`, or when
        most entries changed, this builds afresh.
        """
        index = cls.__new__(cls)
        langs = languages_of(snapshot)
        if previous is not None and previous.languages == langs:
            rebuilt = incremental(snapshot.entries, langs, previous.entries, previous._tables)
            if rebuilt is not None:
                index._assemble(snapshot, *rebuilt, previous)
                return index
        index._assemble(snapshot, fresh(snapshot.entries, langs), None, None)
        return index

    def export(self) -> tuple[dict[str, np.ndarray], list[str], list[str]]:
        """What building computed: (arrays, vocabulary words by number, phrases by doc).

        `SearchIndex.restore` turns these back into the same index without tokenising
        anything (see knowledge.compiled, which saves them between starts).
        """
        return saved.export(self._tables, self._expander.fuzzy.deletions)

    @classmethod
    def restore(
        cls,
        snapshot: Snapshot,
        arrays: dict[str, np.ndarray],
        words: Sequence[str],
        phrases: Sequence[str],
    ) -> SearchIndex:
        """The index `export` described, for `snapshot` (the one it was built on).

        Raises ValueError when the pieces do not fit together or the snapshot, so a
        damaged or foreign file is refused rather than served.
        """
        tables = saved.restore(snapshot.entries, languages_of(snapshot), arrays, words, phrases)
        index = cls.__new__(cls)
        index._assemble(snapshot, tables, None, None, saved.deletions(arrays, len(words)))
        return index

    def _assemble(
        self,
        snapshot: Snapshot,
        tables: Tables,
        change: Change | None,
        previous: SearchIndex | None,
        deletions: Deletions | None = None,
    ) -> None:
        """Set every attribute: the tables, and all that derives from them.

        With `previous` (the index `tables` were rebuilt from) and what changed since,
        the derived parts that did not change are shared or patched, not recomputed.
        `deletions`, when saved with the tables, are used instead of worked out again.
        """
        layout = tables.layout
        alive = layout.slot_position >= 0
        stats = TermStats.of(tables.df, tables.max_code, max(int(alive.sum()), 1))
        if previous is None or change is None:
            fuzzy = FuzzyTables.build(tables.vocabulary, tables.vocab, deletions)
            groups = RegionGroups.of(snapshot.entries, layout.slot_position, None, None)
        else:
            fuzzy = previous._expander.fuzzy
            if tables.vocabulary is not previous.vocabulary:
                fuzzy = fuzzy.updated(tables.vocabulary, tables.vocab, change.came, change.went)
            groups = RegionGroups.of(
                snapshot.entries,
                layout.slot_position,
                previous._visibility.groups,
                change.regroup,
            )
        self.snapshot = snapshot
        self.entries: tuple[Entry, ...] = snapshot.entries
        langs = languages_of(snapshot)
        self.languages: tuple[str, ...] = langs
        self.vocabulary: tuple[str, ...] = tables.vocabulary  # the live words, sorted
        self.n_slots = len(layout.slot_position)
        self.n_docs = self.n_slots * len(langs)
        self._tables = tables
        self._expander = Expander(tables.vocab, tables.vocabulary, stats, fuzzy)
        self._visibility = Visibility(snapshot.entries, langs, layout.positions, alive, groups)
        self._ranker = Ranker(
            snapshot.entries, len(langs), tables, stats, self._expander, self._visibility
        )

    # The two parts tests/test_search_memory.py inspects to prove what a search leaves.
    @property
    def _vocab(self) -> Vocabulary:
        return self._tables.vocab

    @property
    def _expansions(self) -> dict[str, Expansion]:
        return self._expander.cache

    # ----- reading -----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.entries)

    def search(
        self,
        query: str,
        *,
        lang: str = "en",
        region: str | None = None,
        limit: int = 10,
        show_examples: bool = False,
    ) -> list[Hit]:
        """Ranked hits for a free-text query; empty when nothing is close enough."""
        words = query_tokens(query, self._expander.segment)
        if not words or not self.entries or limit <= 0:
            return []
        return self._rank(self._expander.meant(words), lang, region, limit, show_examples)

    def _rank(
        self, words: list[str], lang: str, region: str | None, limit: int, show_examples: bool
    ) -> list[Hit]:
        """Hits for query words already cut to size (a seam the tests watch)."""
        return self._ranker.rank(words, lang, region, limit, show_examples)

    def topic_entries(
        self, topic: str, region: str | None = None, *, show_examples: bool = False
    ) -> list[Entry]:
        """Entries of `topic` a person in `region` may see, in snapshot order.

        The same list as `snapshot.in_topic(topic, region, show_examples=...)`, without a
        pass over every entry: each topic's entries are found once per index, and
        visibility comes from the masks search uses.
        """
        return self._visibility.topic_entries(topic, region, show_examples)

    def knows(self, word: str) -> bool:
        """Whether `word` (folded) is a word of the content this index serves."""
        return self._expander.knows(word)

    def expand(self, word: str) -> tuple[tuple[int, float], ...]:
        """Indexed words a query word stands for, as (number in `vocabulary`, similarity).

        A word the index knows (itself or its stem) matches exactly and by prefix only: a
        rare misspelling in some entry's keywords must not outrank the real word. Fuzzy
        matching is for words the index does not know, or knows from only a handful of
        entries while a far more common word is one slip away (see expansion.py); such a
        word's similarity is scaled down to that neighbour's rarity.
        """
        return self._expander.numbered(word)


def build_index(snapshot: Snapshot) -> SearchIndex:
    return SearchIndex(snapshot)


def entries_for(hits: Iterable[Hit]) -> list[Entry]:
    return [hit.entry for hit in hits]
