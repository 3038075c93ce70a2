"""The search index: fuzzy, language- and region-aware ranking over a content snapshot.

Two stages keep it fast as the base grows. First an inverted index: each query word is
expanded to the indexed words it resembles (exact, prefix or a close misspelling, found
with rapidfuzz among words of similar length that share enough letters), and their
postings are summed in numpy arrays, weighted by field and rarity. Then the best few
candidates are re-ranked with a phrase-level fuzzy comparison against their title and
keywords.

Postings live in flat numpy arrays, one byte of weight and four of document each,
grouped by word and split into body postings and title-and-keyword postings, each group
sorted by document. Work per query is a few numpy passes over the postings of the words
it matches; nothing is done per entry in Python, and queries are cut to a bounded size
before any work.

An index is immutable. `SearchIndex.rebuild(snapshot, previous)` builds the index of a
new snapshot from the index of an older one, tokenising only entries whose text changed:
what a moderator's new tip costs is its own words plus a copy of the arrays, not a pass
over the whole base. The index keeps its bulk in numpy arrays, tuples and plain dicts,
which Python's garbage collector does not walk, so a large base adds no GC pauses.

The parts, from the bottom up: tuning (the numbers), vocabulary, postings, tokenise,
build and saved (the tables), spelling and expansion (query words to indexed words),
visibility, ranking, and index (`SearchIndex`, which puts them together).
"""

from knowledge.search.index import SearchIndex, build_index, entries_for
from knowledge.search.ranking import Hit

__all__ = ["Hit", "SearchIndex", "build_index", "entries_for"]
