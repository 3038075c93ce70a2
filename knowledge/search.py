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
"""

from __future__ import annotations

import bisect
import math
import operator
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from knowledge.model import Entry, Snapshot, is_visible
from knowledge.normalize import STOPWORDS, fold, query_tokens, stem, words
from knowledge.taxonomy import LANGUAGES

TITLE_WEIGHT = 3.0
KEYWORD_WEIGHT = 3.0
BODY_WEIGHT = 1.0
OTHER_LANGUAGE_FACTOR = 0.85
PREFIX_SIMILARITY = 0.9
PREFIX_SCAN = 40
RERANK = 30
RERANK_SHARE = 0.25
MIN_SCORE = 18.0
# Hits far below the best one are noise to a person scanning a short list on a phone.
RELATIVE_FLOOR = 0.4
EXPANSION_LIMIT = 6
# Expansions are cached only for words of the index's own vocabulary (see `_expand`).
EXPANSION_CACHE = 4096
# Misspellings are looked for among words at most this many letters longer or shorter.
FUZZY_LENGTH_WINDOW = 2
# A known word in at most this share of entries (at least 2) may be a typo of a close
# neighbour at least NEIGHBOUR_FACTOR times as common (see `_expand`).
RARE_SHARE = 0.0005
NEIGHBOUR_FACTOR = 10

# Weight code of a (document, word) posting. Body words weigh more the more often they
# occur (a quarter per occurrence, at least one, at most one and a half); a word of the
# title or keywords weighs most. Codes keep postings at one byte each.
_STRONG = 4
_CODE_WEIGHTS = np.array(
    [0.0, BODY_WEIGHT, 1.25 * BODY_WEIGHT, 1.5 * BODY_WEIGHT, max(TITLE_WEIGHT, KEYWORD_WEIGHT)],
    dtype=np.float32,
)
# Entries tokenised per numpy batch when building: bounds the memory a build needs.
_BATCH = 512
# Rebuild from scratch rather than incrementally when this share of entries changed.
_REBUILD_SHARE = 0.5
# Start over when removed entries leave this share of slots empty.
_DEAD_SHARE = 0.25
# Fuzzy tables are patched word by word up to this many changed words, else recomputed.
_PATCH_WORDS = 64
_MASK_CACHE = 64
_NONE = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    score: float  # 0-100, higher is better


def _fuzzy_cutoff(length: int) -> float | None:
    """How close a misspelling must be; very short words must match exactly."""
    if length <= 3:
        return None
    if length <= 5:
        return 80.0
    return 74.0


def _signature(word: str) -> int:
    """A 64-bit set of the letters in a word (a-z and digits exactly, others hashed)."""
    bits = 0
    for ch in word:
        code = ord(ch)
        if 97 <= code <= 122:
            bits |= 1 << (code - 97)
        elif 48 <= code <= 57:
            bits |= 1 << (code - 48 + 26)
        else:
            bits |= 1 << (36 + code % 28)
    return bits


if hasattr(np, "bitwise_count"):

    def _popcount(values: np.ndarray) -> np.ndarray:
        return np.bitwise_count(values)

else:  # numpy < 2.0
    _BYTE_BITS = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)

    def _popcount(values: np.ndarray) -> np.ndarray:
        as_bytes = values.view(np.uint8).reshape(-1, 8)
        return _BYTE_BITS[as_bytes].sum(axis=1, dtype=np.uint8)


def _grow(array: np.ndarray, size: int, fill: float = 0) -> np.ndarray:
    """`array` extended to `size` items with `fill` (itself if long enough)."""
    if len(array) >= size:
        return array
    extra = np.full(size - len(array), fill, dtype=array.dtype)
    return np.concatenate([array, extra])


class _Vocabulary:
    """Word -> term number, and per term its word, stem, stopword flag, letter set.

    Numbers are never reused, so postings never move when words come and go. Each index
    has its own copy; a rebuild copies the dict and extends the arrays. New words are
    numbered as they are met (`learn`) and added to the arrays in one go (`commit`).
    """

    __slots__ = ("_pending", "ids", "roots", "signatures", "stop", "words")

    def __init__(self, previous: _Vocabulary | None = None) -> None:
        self._pending: list[str] = []
        if previous is None:
            self.ids: dict[str, int] = {}
            self.words: tuple[str, ...] = ()
            self.stop = np.zeros(0, dtype=bool)
            self.roots = np.zeros(0, dtype=np.int64)
            self.signatures = np.zeros(0, dtype=np.uint64)
        else:
            previous.commit()
            self.ids = dict(previous.ids)
            self.words = previous.words
            self.stop = previous.stop
            self.roots = previous.roots
            self.signatures = previous.signatures

    def learn(self, new: Iterable[str]) -> None:
        """Number the words not seen yet, and their stems."""
        ids = self.ids
        pending = self._pending
        for word in new:
            while word not in ids:
                ids[word] = len(ids)
                pending.append(word)
                word = stem(word)

    def commit(self) -> None:
        """Add the words learnt since the last commit to the per-term arrays."""
        fresh = self._pending
        if not fresh:
            return
        self._pending = []
        ids = self.ids
        self.words = self.words + tuple(fresh)
        self.stop = np.concatenate([self.stop, np.array([w in STOPWORDS for w in fresh])])
        roots = np.array([ids[stem(w)] for w in fresh], dtype=np.int64)
        self.roots = np.concatenate([self.roots, roots])
        signatures = np.array([_signature(w) for w in fresh], dtype=np.uint64)
        self.signatures = np.concatenate([self.signatures, signatures])

    def __len__(self) -> int:
        return len(self.ids)


class SearchIndex:
    """An immutable index over one snapshot; build a new one when content changes.

    `SearchIndex(snapshot)` builds from scratch; `SearchIndex.rebuild(snapshot, previous)`
    reuses an older index's work for entries whose text did not change. Searching is
    safe from several threads at once.
    """

    def __init__(self, snapshot: Snapshot) -> None:
        self._build(snapshot, None)

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
        index._build(snapshot, previous)
        return index

    # ----- saving and restoring ----------------------------------------------------------

    def export(self) -> tuple[dict[str, np.ndarray], list[str], list[str]]:
        """What building computed: (arrays, vocabulary words by number, phrases by doc).

        `SearchIndex.restore` turns these back into the same index without tokenising
        anything (see knowledge.compiled, which saves them between starts).
        """
        vocab = self._vocab
        vocab.commit()
        arrays = {
            "stop": vocab.stop,
            "roots": vocab.roots,
            "signatures": vocab.signatures,
            "slot_position": self._slot_position,
            "positions": self._positions,
            "df": self._df,
            "max_code": self._max_code,
            "weak_docs": self._weak.docs,
            "weak_codes": self._weak.codes,
            "weak_offsets": self._weak.offsets,
            "strong_docs": self._strong.docs,
            "strong_offsets": self._strong.offsets,
        }
        return arrays, list(vocab.words), list(self._phrases)

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
        index = cls.__new__(cls)
        index.snapshot = snapshot
        index.entries = snapshot.entries
        index.languages = LANGUAGES
        index._local = threading.local()
        index._masks = {}
        index._weights = {}
        index._expansions = {}
        index._topics = None
        try:
            n_terms = len(words)
            positions = arrays["positions"].astype(np.int64, copy=False)
            slot_position = arrays["slot_position"].astype(np.int64, copy=False)
            shapes_fit = (
                len(positions) == len(snapshot.entries)
                and len(phrases) == len(slot_position) * len(LANGUAGES)
                and all(len(arrays[k]) == n_terms for k in ("stop", "roots", "signatures"))
                and len(arrays["df"]) == n_terms == len(arrays["max_code"])
                and len(arrays["weak_offsets"]) == n_terms + 1 == len(arrays["strong_offsets"])
                and len(arrays["weak_docs"]) == len(arrays["weak_codes"])
                and int(arrays["weak_offsets"][-1]) == len(arrays["weak_docs"])
                and int(arrays["strong_offsets"][-1]) == len(arrays["strong_docs"])
                and _within(positions, len(slot_position))
                and bool(np.all(slot_position[positions] == np.arange(len(positions))))
                and _within(arrays["roots"], n_terms)
                and _within(arrays["weak_docs"], len(phrases))
                and _within(arrays["strong_docs"], len(phrases))
                and bool(np.all(np.diff(arrays["weak_offsets"]) >= 0))
                and bool(np.all(np.diff(arrays["strong_offsets"]) >= 0))
            )
        except (KeyError, IndexError, TypeError) as exc:
            raise ValueError(f"index pieces are incomplete: {exc}") from exc
        if not shapes_fit:
            raise ValueError("index pieces do not fit together or this snapshot")
        vocab = _Vocabulary()
        vocab.words = tuple(words)
        vocab.ids = {word: number for number, word in enumerate(vocab.words)}
        if len(vocab.ids) != n_terms:
            raise ValueError("a word is listed twice in the index vocabulary")
        vocab.stop = arrays["stop"].astype(bool, copy=False)
        vocab.roots = arrays["roots"].astype(np.int64, copy=False)
        vocab.signatures = arrays["signatures"].astype(np.uint64, copy=False)
        index._vocab = vocab
        index._slot_position = slot_position
        index._positions = positions
        index._slot_of = dict(
            zip((e.id for e in snapshot.entries), positions.tolist(), strict=True)
        )
        index._phrases = tuple(phrases)
        index._df = arrays["df"].astype(np.int64, copy=False)
        index._max_code = arrays["max_code"].astype(np.uint8, copy=False)
        index._weak = _Postings(
            arrays["weak_docs"].astype(np.int32, copy=False),
            arrays["weak_codes"].astype(np.uint8, copy=False),
            arrays["weak_offsets"].astype(np.int64, copy=False),
        )
        index._strong = _Postings(
            arrays["strong_docs"].astype(np.int32, copy=False),
            None,
            arrays["strong_offsets"].astype(np.int64, copy=False),
        )
        live = np.flatnonzero(index._df > 0)
        index.vocabulary = tuple(sorted(vocab.words[t] for t in live.tolist()))
        index._finish(None, None)
        return index

    # ----- building ----------------------------------------------------------------------

    def _build(self, snapshot: Snapshot, previous: SearchIndex | None) -> None:
        self.snapshot = snapshot
        self.entries: tuple[Entry, ...] = snapshot.entries
        self.languages: tuple[str, ...] = LANGUAGES
        self._local = threading.local()
        self._masks: dict[tuple[str | None, bool], tuple[np.ndarray, np.ndarray]] = {}
        self._weights: dict[tuple[str, str | None, bool], np.ndarray] = {}
        self._expansions: dict[str, tuple[tuple[int, float, float], ...]] = {}
        self._topics: dict[str, np.ndarray] | None = None
        if (
            previous is not None
            and previous.languages == self.languages
            and self._incremental(previous)
        ):
            return
        self._fresh()

    def _fresh(self) -> None:
        """Index every entry of the snapshot from nothing."""
        n_langs = len(self.languages)
        count = len(self.entries)
        self._vocab = _Vocabulary()
        self._slot_position = np.arange(count, dtype=np.int64)
        self._positions = np.arange(count, dtype=np.int64)
        self._slot_of: dict[str, int] = {e.id: i for i, e in enumerate(self.entries)}
        phrases: list[str] = [""] * (count * n_langs)
        parts = []
        for start in range(0, count, _BATCH):
            batch = list(enumerate(self.entries[start : start + _BATCH], start))
            parts.append(self._tokenise(batch, phrases, 0))
        self._phrases: tuple[str, ...] = tuple(phrases)
        n_terms = len(self._vocab)
        terms, docs, codes = _merge_batches(parts)
        self._df = _entry_counts(terms, docs, n_langs, n_terms)
        strong = codes == _STRONG
        weak = ~strong
        self._weak = _Postings.build(terms[weak], docs[weak], codes[weak], n_terms)
        self._strong = _Postings.build(terms[strong], docs[strong], None, n_terms)
        self._max_code = np.zeros(n_terms, dtype=np.uint8)
        np.maximum.at(self._max_code, terms, codes)
        live = np.flatnonzero(self._df > 0)
        words = self._vocab.words
        self.vocabulary: tuple[str, ...] = tuple(sorted(words[t] for t in live.tolist()))
        self._finish(None, None)

    def _incremental(self, previous: SearchIndex) -> bool:
        """Build from `previous`; False (and nothing done) if a fresh build is better."""
        n_langs = len(self.languages)
        old_entries = previous.entries
        old_position = previous._slot_position
        first = len(old_position)  # the first new slot
        kept: dict[int, Entry] = {}
        added: list[Entry] = []
        n_old = len(old_entries)
        if len(self.entries) >= n_old and all(map(operator.is_, old_entries, self.entries[:n_old])):
            # The usual publish: the same entries, in the same order, and some new ones.
            added = list(self.entries[n_old:])
            positions = np.concatenate(
                [previous._positions, np.arange(first, first + len(added), dtype=np.int64)]
            )
            removed: list[int] = []
            regroup: list[int] = []
        else:
            slots: list[int] = []
            for entry in self.entries:
                slot = previous._slot_of.get(entry.id)
                old = old_entries[old_position[slot]] if slot is not None else None
                if (
                    old is not None
                    and slot not in kept
                    and (old is entry or old.texts == entry.texts)
                ):
                    kept[slot] = entry
                    slots.append(slot)
                else:
                    slots.append(first + len(added))
                    added.append(entry)
            positions = np.array(slots, dtype=np.int64)
            alive = np.flatnonzero(old_position >= 0).tolist()
            removed = [s for s in alive if s not in kept]
            regroup = [s for s, e in kept.items() if old_entries[old_position[s]] is not e]
        if len(added) + len(removed) > _REBUILD_SHARE * max(len(self.entries), 1):
            return False
        dead = int((old_position < 0).sum()) + len(removed)
        if dead > 16 and dead > _DEAD_SHARE * (first + len(added)):
            return False  # cheaper to start over than to carry that many holes

        self._vocab = _Vocabulary(previous._vocab)
        df = previous._df
        affected = _NONE
        if removed:
            gone = [(s, old_entries[old_position[s]]) for s in removed]
            gone_terms, gone_docs, _ = self._tokenise(gone, None, 0)
            gone_df = _entry_counts(gone_terms, gone_docs, n_langs, len(df))
            df = df - gone_df
            affected = np.flatnonzero(gone_df)
        slot_position = np.concatenate([old_position, np.full(len(added), -1, np.int64)])
        slot_position[removed] = -1
        slot_position[positions] = np.arange(len(positions), dtype=np.int64)
        self._slot_position = slot_position
        self._positions = positions
        if kept or removed:
            self._slot_of = dict(zip((e.id for e in self.entries), positions.tolist(), strict=True))
        else:
            self._slot_of = dict(previous._slot_of)
            self._slot_of.update((e.id, first + i) for i, e in enumerate(added))

        new_phrases = [""] * (len(added) * n_langs)
        terms, docs, codes = self._tokenise(
            list(enumerate(added, first)), new_phrases, first * n_langs
        )
        self._phrases = previous._phrases + tuple(new_phrases)
        n_terms = len(self._vocab)
        self._df = _grow(df, n_terms) + _entry_counts(terms, docs, n_langs, n_terms)
        strong = codes == _STRONG
        weak = ~strong
        self._weak = previous._weak.with_added(terms[weak], docs[weak], codes[weak], n_terms)
        self._strong = previous._strong.with_added(terms[strong], docs[strong], None, n_terms)
        max_code = _grow(previous._max_code, n_terms).copy()
        np.maximum.at(max_code, terms, codes)
        for term in affected.tolist():
            # Removed entries may have held the word's heaviest posting.
            max_code[term] = self._live_max_code(term)
        self._max_code = max_code
        self._vocabulary_from(previous)
        self._finish(previous, [*regroup, *range(first, first + len(added))])
        return True

    def _tokenise(
        self,
        batch: Sequence[tuple[int, Entry]],
        phrases: list[str] | None,
        phrase_base: int,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Postings (term, doc, code) of `batch` (slot, entry): one per (doc, word), sorted.

        A document's weight for a word: the title-and-keyword weight if the word is in
        either, else by how often it occurs in the body. A word's stem gets the highest
        weight of the words it stems from. Phrases (folded title and keywords) go to
        `phrases[doc - phrase_base]`.
        """
        n_langs = len(self.languages)
        vocab = self._vocab
        ids = vocab.ids
        known = ids.get
        lookup = ids.__getitem__
        body_terms: list[int | None] = []
        strong_terms: list[int | None] = []
        doc_list: list[int] = []
        body_sizes: list[int] = []
        strong_sizes: list[int] = []
        for slot, entry in batch:
            for l_index, lang in enumerate(self.languages):
                text = entry.texts.get(lang)
                if text is None:
                    continue
                doc = slot * n_langs + l_index
                phrase = fold(text.title + " " + " ".join(text.keywords))
                if phrases is not None:
                    phrases[doc - phrase_base] = phrase
                for tokens, out, sizes in (
                    (words(text.body), body_terms, body_sizes),
                    (phrase.split(), strong_terms, strong_sizes),
                ):
                    mapped = list(map(known, tokens))
                    if None in mapped:
                        vocab.learn(t for t, m in zip(tokens, mapped, strict=True) if m is None)
                        mapped = list(map(lookup, tokens))
                    out.extend(mapped)
                    sizes.append(len(tokens))
                doc_list.append(doc)
        vocab.commit()
        stop = self._vocab.stop
        roots = self._vocab.roots
        doc_array = np.array(doc_list, dtype=np.int64)
        b_terms = np.array(body_terms, dtype=np.int64)
        b_docs = np.repeat(doc_array, body_sizes)
        s_terms = np.array(strong_terms, dtype=np.int64)
        s_docs = np.repeat(doc_array, strong_sizes)
        b_keep = ~stop[b_terms]
        s_keep = ~stop[s_terms]
        # Occurrences of each (term, doc) in the body: runs of equal sorted keys.
        body_keys, counts = _unique((b_terms[b_keep] << 32) | b_docs[b_keep])
        terms = np.concatenate([body_keys >> 32, s_terms[s_keep]])
        docs = np.concatenate([body_keys & 0xFFFFFFFF, s_docs[s_keep]])
        codes = np.concatenate(
            [
                np.where(counts >= 6, 3, np.where(counts == 5, 2, 1)),
                np.full(int(s_keep.sum()), _STRONG),
            ]
        )
        stems = roots[terms]
        stemmed = stems != terms
        terms = np.concatenate([terms, stems[stemmed]])
        docs = np.concatenate([docs, docs[stemmed]])
        codes = np.concatenate([codes, codes[stemmed]])
        # One posting per (term, doc), with the highest code: sort, keep each run's last.
        keys = np.sort((terms << 35) | (docs << 3) | codes)
        pair = keys >> 3
        last = np.ones(len(keys), dtype=bool)
        last[:-1] = pair[1:] != pair[:-1]
        keys = keys[last]
        return (
            (keys >> 35).astype(np.int32),
            ((keys >> 3) & 0xFFFFFFFF).astype(np.int32),
            (keys & 7).astype(np.uint8),
        )

    def _live_max_code(self, term: int) -> int:
        n_langs = len(self.languages)
        alive = self._slot_position >= 0
        start, end = self._strong.offsets[term], self._strong.offsets[term + 1]
        if alive[self._strong.docs[start:end] // n_langs].any():
            return _STRONG
        start, end = self._weak.offsets[term], self._weak.offsets[term + 1]
        assert self._weak.codes is not None
        live = alive[self._weak.docs[start:end] // n_langs]
        return int(self._weak.codes[start:end][live].max()) if live.any() else 0

    def _vocabulary_from(self, previous: SearchIndex) -> None:
        """The sorted vocabulary of `previous`, with the words that came or went."""
        df = self._df
        was = _grow(previous._df, len(df)) > 0
        now = df > 0
        self._came = np.flatnonzero(now & ~was)
        self._went = np.flatnonzero(was & ~now)
        if not len(self._came) and not len(self._went):
            self.vocabulary = previous.vocabulary
            return
        words = self._vocab.words
        vocabulary = list(previous.vocabulary)
        for term in self._went.tolist():
            del vocabulary[bisect.bisect_left(vocabulary, words[term])]
        for term in self._came.tolist():
            bisect.insort(vocabulary, words[term])
        self.vocabulary = tuple(vocabulary)

    def _finish(self, previous: SearchIndex | None, regroup: list[int] | None) -> None:
        """Everything derived: idf, bounds, fuzzy tables, regions.

        With `previous`, reuses what did not change; `regroup` lists the slots whose
        entry is new to this index (None: all of them).
        """
        n_langs = len(self.languages)
        self.n_slots = len(self._slot_position)
        self.n_docs = self.n_slots * n_langs
        self._alive = self._slot_position >= 0
        live_entries = max(int(self._alive.sum()), 1)
        df = self._df.astype(np.float64)
        idf = np.zeros(len(df), dtype=np.float64)
        np.log1p(live_entries / np.maximum(df, 1.0), out=idf, where=df > 0)
        self._idf = idf.astype(np.float32)
        self._rare_df = max(2, int(live_entries * RARE_SHARE))
        # Highest weight a word has anywhere, over the title weight: the idf the original
        # ranking normalised by.
        self._idf_max = (_CODE_WEIGHTS[self._max_code] * self._idf / TITLE_WEIGHT).astype(
            np.float64
        )
        if previous is None:
            self._fuzzy_tables(None)
        elif previous.vocabulary is self.vocabulary:
            self._fz = previous._fz
        else:
            self._fuzzy_tables(previous)
        # Visibility depends only on an entry's regions: one decision per distinct set.
        if previous is None or regroup is None:
            self._groups: dict[tuple[str, ...], int] = {}
            self._group_entry: list[Entry] = []
            self._slot_group = np.zeros(self.n_slots, dtype=np.int32)
            regroup = list(range(self.n_slots))
        else:
            self._groups = dict(previous._groups)
            self._group_entry = list(previous._group_entry)
            self._slot_group = _grow(previous._slot_group, self.n_slots).copy()
        entries = self.entries
        for slot in regroup:
            position = int(self._slot_position[slot])
            if position < 0:
                continue
            entry = entries[position]
            group = self._groups.get(entry.regions)
            if group is None:
                group = self._groups[entry.regions] = len(self._group_entry)
                self._group_entry.append(entry)
            self._slot_group[slot] = group
        self._lang_factor = {}
        for li, lang in enumerate(self.languages):
            row = np.full(n_langs, OTHER_LANGUAGE_FACTOR, dtype=np.float32)
            row[li] = 1.0
            self._lang_factor[lang] = row

    def _fuzzy_tables(self, previous: SearchIndex | None) -> None:
        """Live words by (length, word): term numbers, lengths, words, letter sets, and
        how many letters each set holds.

        A length window is then one slice. After a rebuild that changed a few words, the
        previous tables are patched rather than recomputed.
        """
        vocab = self._vocab
        if previous is not None and len(self._came) + len(self._went) <= _PATCH_WORDS:
            tables = list(previous._fz)
            if len(self._went):
                keep = ~np.isin(tables[0], self._went)
                tables = [column[keep] for column in tables]
            for term in self._came.tolist():
                word = vocab.words[term]
                lengths, words = tables[1], tables[2]
                lo = int(np.searchsorted(lengths, len(word), side="left"))
                hi = int(np.searchsorted(lengths, len(word), side="right"))
                at = lo + bisect.bisect_left(words[lo:hi].tolist(), word)
                signature = vocab.signatures[term]
                row = (term, len(word), word, signature, _popcount(np.array([signature]))[0])
                tables = [np.insert(c, at, v) for c, v in zip(tables, row, strict=True)]
            self._fz = tuple(tables)
            return
        vocabulary = self.vocabulary
        count = len(vocabulary)
        ids = np.fromiter(map(vocab.ids.__getitem__, vocabulary), dtype=np.int64, count=count)
        lengths = np.fromiter(map(len, vocabulary), dtype=np.int64, count=count)
        order = np.argsort(lengths, kind="stable")
        words = np.empty(count, dtype=object)
        words[:] = vocabulary
        ids = ids[order]
        signatures = vocab.signatures[ids]
        self._fz = (ids, lengths[order], words[order], signatures, _popcount(signatures))

    # ----- reading -----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.entries)

    def _visible(self, region: str | None, show_examples: bool) -> tuple[np.ndarray, np.ndarray]:
        """Which slots and which documents a person in `region` may see."""
        key = (region, show_examples)
        masks = self._masks.get(key)
        if masks is None:
            visible = np.array(
                [is_visible(e, region, show_examples=show_examples) for e in self._group_entry],
                dtype=bool,
            )
            slots = visible[self._slot_group] & self._alive if len(visible) else self._alive
            masks = (slots, np.repeat(slots, len(self.languages)))
            if len(self._masks) >= _MASK_CACHE:
                self._masks.clear()
            self._masks[key] = masks
        return masks

    def _doc_weights(self, lang: str, region: str | None, show_examples: bool) -> np.ndarray:
        """Per document: 1 in the person's language, less in another, 0 if hidden."""
        key = (lang, region, show_examples)
        weights = self._weights.get(key)
        if weights is None:
            factor = self._lang_factor.get(lang, self._lang_factor[self.languages[0]])
            doc_mask = self._visible(region, show_examples)[1]
            weights = (doc_mask.reshape(-1, len(self.languages)) * factor).ravel()
            weights = weights.astype(np.float32)
            if len(self._weights) >= _MASK_CACHE:
                self._weights.clear()
            self._weights[key] = weights
        return weights

    def topic_entries(
        self, topic: str, region: str | None = None, *, show_examples: bool = False
    ) -> list[Entry]:
        """Entries of `topic` a person in `region` may see, in snapshot order.

        The same list as `snapshot.in_topic(topic, region, show_examples=...)`, without a
        pass over every entry: each topic's entries are found once per index, and
        visibility comes from the masks search uses.
        """
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
        slots, _ = self._visible(region, show_examples)
        shown = positions[slots[self._positions[positions]]]
        entries = self.entries
        return [entries[i] for i in shown.tolist()]

    def _known(self, word: str) -> bool:
        term = self._vocab.ids.get(word)
        return term is not None and term < len(self._df) and self._df[term] > 0

    def expand(self, word: str) -> tuple[tuple[int, float], ...]:
        """Indexed words a query word stands for, as (number in `vocabulary`, similarity).

        A word the index knows (itself or its stem) matches exactly and by prefix only: a
        rare misspelling in some entry's keywords must not outrank the real word. Fuzzy
        matching is for words the index does not know, or knows from only a handful of
        entries while a far more common word is one slip away (see `_expand`); such a
        word's similarity is scaled down to that neighbour's rarity.
        """
        words = self._vocab.words
        return tuple(
            (bisect.bisect_left(self.vocabulary, words[term]), similarity * cap)
            for term, similarity, cap in self._expand(word)
        )

    def _expand(self, word: str) -> tuple[tuple[int, float, float], ...]:
        """As `expand`, as (term, similarity, rarity cap), with the index's term numbers.

        A word the index knows only from a handful of entries, while a far more common
        word is one slip away, is most likely that slip (in the query, or in the entries:
        a large base holds the same typos people type). It is matched as itself and as
        its common neighbours, and its own rarity is capped at theirs (the cap, <= 1,
        scales its weight), so a few typo'd entries cannot outrank the word meant.
        """
        cached = self._expansions.get(word)
        if cached is not None:
            return cached
        # Only a word the content itself contains may be remembered, under the index's
        # own copy of it: names, streets and numbers people type are never in the
        # vocabulary, so they never outlive the search (privacy invariant: no cache
        # keyed or filled by what people type beyond the words of the content).
        own = self._vocab.ids.get(word)
        keep = own is not None and own < len(self._df) and bool(self._df[own] > 0)
        root = stem(word)
        seen = max(self._df_of(word), self._df_of(root))
        rare = 0 < seen <= self._rare_df
        fuzzy = seen == 0 or rare
        merged: dict[int, float] = {}
        for form in dict.fromkeys((word, root)):
            for term, similarity in self._similar(form, fuzzy=fuzzy, more_than=seen):
                merged[term] = max(merged.get(term, 0.0), similarity)
        ranked = sorted(merged.items(), key=lambda kv: -kv[1])[: EXPANSION_LIMIT * 2]
        caps = dict.fromkeys(merged, 1.0)
        if rare:
            common = [t for t, _ in ranked if self._df[t] >= NEIGHBOUR_FACTOR * seen]
            if common:
                ceiling = max(float(self._idf[t]) for t in common)
                for term, _ in ranked:
                    if self._df[term] < NEIGHBOUR_FACTOR * seen and self._idf[term] > ceiling:
                        caps[term] = ceiling / float(self._idf[term])
        result = tuple((term, similarity, caps[term]) for term, similarity in ranked)
        if keep and own is not None:
            if len(self._expansions) >= EXPANSION_CACHE:
                self._expansions.clear()
            self._expansions[self._vocab.words[own]] = result
        return result

    def _df_of(self, word: str) -> int:
        term = self._vocab.ids.get(word)
        return int(self._df[term]) if term is not None and term < len(self._df) else 0

    def _similar(self, word: str, *, fuzzy: bool, more_than: int = 0) -> list[tuple[int, float]]:
        found: dict[int, float] = {}
        ids = self._vocab.ids
        if self._known(word):
            found[ids[word]] = 1.0
        vocabulary = self.vocabulary
        if len(word) >= 4:
            start = bisect.bisect_left(vocabulary, word)
            for i in range(start, min(start + PREFIX_SCAN, len(vocabulary))):
                if not vocabulary[i].startswith(word):
                    break
                found.setdefault(ids[vocabulary[i]], PREFIX_SIMILARITY)
        cutoff = _fuzzy_cutoff(len(word)) if fuzzy else None
        if cutoff is not None:
            for term, score in self._fuzzy(word, cutoff):
                if more_than and self._df[term] < NEIGHBOUR_FACTOR * more_than:
                    continue  # a rare word's neighbours count only if far more common
                found[term] = max(found.get(term, 0.0), (score / 100.0) ** 2)
        return list(found.items())

    def _fuzzy(self, word: str, cutoff: float) -> list[tuple[int, float]]:
        """Close misspellings of `word`: the best few of each length near its own.

        Only words that share enough letters with `word` can reach the cutoff (the
        similarity is 2 * LCS / (len1 + len2), and a letter one word lacks cannot be in
        the LCS), so a bitwise test on letter signatures leaves rapidfuzz a few words.
        """
        size = len(word)
        ids, all_lengths, all_words, all_signatures, all_counts = self._fz
        mine = np.uint64(_signature(word))
        mine_count = int(_popcount(np.array([mine]))[0])
        picks: list[np.ndarray] = []
        for length in range(max(1, size - FUZZY_LENGTH_WINDOW), size + FUZZY_LENGTH_WINDOW + 1):
            lo = int(np.searchsorted(all_lengths, length, side="left"))
            hi = int(np.searchsorted(all_lengths, length, side="right"))
            if hi <= lo:
                continue
            # The fewest letters (the LCS) a word of this length must share to reach the
            # cutoff; neither word may lack more of the other's letters than that allows.
            need = math.ceil(cutoff * (size + length) / 200.0 - 1e-9)
            common = _popcount(all_signatures[lo:hi] & mine).astype(np.int16)
            ok = common >= mine_count - size + need
            ok &= common - all_counts[lo:hi] >= need - length
            picks.append(lo + np.flatnonzero(ok))
        chosen = np.concatenate(picks) if picks else np.zeros(0, dtype=np.int64)
        if chosen.size == 0:
            return []
        choices = all_words[chosen].tolist()
        matches = process.extract(word, choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None)
        # The best EXPANSION_LIMIT of each length, shortest length first, as ranked.
        by_length: dict[int, list[tuple[int, float]]] = {}
        for _, score, i in matches:
            at = int(chosen[i])
            bucket = by_length.setdefault(int(all_lengths[at]), [])
            if len(bucket) < EXPANSION_LIMIT:
                bucket.append((int(ids[at]), score))
        return [pair for length in sorted(by_length) for pair in by_length[length]]

    def _marker(self) -> np.ndarray:
        """An int array over all documents for this thread, zero between searches."""
        marker = getattr(self._local, "marker", None)
        if marker is None:
            marker = self._local.marker = np.zeros(self.n_docs, dtype=np.int32)
        return marker

    def _buffers(self) -> tuple[np.ndarray, np.ndarray]:
        """Two zeroed float arrays over all documents, reused by this thread's searches."""
        buffers = getattr(self._local, "buffers", None)
        if buffers is None:
            buffers = (
                np.zeros(self.n_docs, dtype=np.float32),
                np.zeros(self.n_docs, dtype=np.float32),
            )
            self._local.buffers = buffers
        return buffers

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
        words = query_tokens(query)
        if not words or not self.entries or limit <= 0:
            return []
        return self._rank(words, lang, region, limit, show_examples)

    def _rank(
        self, words: list[str], lang: str, region: str | None, limit: int, show_examples: bool
    ) -> list[Hit]:
        """Hits for query words already cut to size by `query_tokens`."""
        total, buffer = self._buffers()
        try:
            found, best_possible = self._accumulate(words, total, buffer)
            if best_possible <= 0 or not found:
                return []
            top = self._top(found, total, lang, region, show_examples)
        except BaseException:
            total.fill(0.0)
            buffer.fill(0.0)
            raise
        return self._rerank(words, top, best_possible, limit)

    def _accumulate(
        self, words: list[str], total: np.ndarray, buffer: np.ndarray
    ) -> tuple[list[np.ndarray], float]:
        """Add each word's best-matching postings into `total`; the docs touched."""
        weak, strong, idf = self._weak, self._strong, self._idf
        w_off, w_docs, w_codes = weak.offsets, weak.docs, weak.codes
        s_off, s_docs = strong.offsets, strong.docs
        best_possible = 0.0
        found: list[np.ndarray] = []
        for word in words:
            expansions = self._expand(word)
            if not expansions:
                # An unknown word still counts against the match, at a typical rarity.
                best_possible += TITLE_WEIGHT * 2.0
                continue
            groups: list[tuple[np.ndarray, np.ndarray | None, float]] = []
            top_idf = 0.0
            single = len(expansions) == 1
            for term, similarity, cap in expansions:
                top_idf = max(top_idf, float(self._idf_max[term]) * cap)
                weight = float(idf[term]) * similarity * cap
                start, end = w_off[term], w_off[term + 1]
                if end > start:
                    groups.append((w_docs[start:end], w_codes[start:end], weight))
                start, end = s_off[term], s_off[term + 1]
                if end > start:
                    groups.append((s_docs[start:end], None, weight * _CODE_WEIGHTS[_STRONG]))
            best_possible += TITLE_WEIGHT * max(top_idf, 1.0)
            if len(groups) == 1 or single:
                # One indexed word: its body and title groups never share a document.
                for d, c, w in groups:
                    total[d] += (_CODE_WEIGHTS * np.float32(w))[c] if c is not None else w
                    found.append(d)
                continue
            # A word counts once per document: the best of its expansions.
            size = 0
            for n, (d, c, w) in enumerate(groups):
                values = (_CODE_WEIGHTS * np.float32(w))[c] if c is not None else np.float32(w)
                buffer[d] = values if n == 0 else np.maximum(buffer[d], values)
                size += len(d)
                found.append(d)
            if size * 4 > self.n_docs:
                total += buffer
                buffer.fill(0.0)
            else:
                for d, _, _ in groups:
                    total[d] += buffer[d]
                    buffer[d] = 0.0
        return found, best_possible

    def _top(
        self,
        found: list[np.ndarray],
        total: np.ndarray,
        lang: str,
        region: str | None,
        show_examples: bool,
    ) -> list[tuple[int, int, float]]:
        """The RERANK best (slot, doc, score) among touched docs; resets `total`."""
        n_langs = len(self.languages)
        weights = self._doc_weights(lang, region, show_examples)
        size = sum(len(d) for d in found)
        if size * 4 > self.n_docs:
            # Most documents touched: weigh languages and hide documents in place.
            np.multiply(total, weights, out=total)
            docs = np.flatnonzero(total > 0)
            values = total[docs]
            total.fill(0.0)
        else:
            # Distinct docs without sorting: the last write of each doc's position wins.
            touched = np.concatenate(found) if len(found) > 1 else found[0]
            marker = self._marker()
            positions = np.arange(len(touched), dtype=np.int32)
            marker[touched] = positions
            docs = touched[marker[touched] == positions]
            # Zeroed again so the marker does not keep which documents a search matched.
            marker[touched] = 0
            values = total[docs] * weights[docs]
            total[docs] = 0.0
            keep = values > 0
            docs, values = docs[keep], values[keep]
        if docs.size == 0:
            return []
        # An entry has one document per language, so the best RERANK entries are among
        # the best RERANK * n_langs documents; ties at the cut are all kept.
        want = RERANK * n_langs
        if docs.size > want:
            # Usually enough documents score at least half the best: a cheap first cut.
            near = values >= values.max() * 0.5
            if np.count_nonzero(near) >= want:
                docs, values = docs[near], values[near]
        if docs.size > want:
            cut = np.partition(values, docs.size - want)[docs.size - want]
            keep = values >= cut
            docs, values = docs[keep], values[keep]
        # Ties go to the entry first in the snapshot, then to the first language, so
        # results depend on the content only, not on how the index was built.
        order = np.lexsort((docs % n_langs, self._slot_position[docs // n_langs], -values))
        top: list[tuple[int, int, float]] = []
        seen: set[int] = set()
        for doc, value in zip(docs[order].tolist(), values[order].tolist(), strict=True):
            slot = doc // n_langs
            if slot in seen:
                continue
            seen.add(slot)
            top.append((slot, doc, value))
            if len(top) == RERANK:
                break
        return top

    def _rerank(
        self,
        words: list[str],
        top: list[tuple[int, int, float]],
        best_possible: float,
        limit: int,
    ) -> list[Hit]:
        folded = " ".join(words)
        ranked: list[tuple[float, Entry]] = []
        for slot, doc, value in top:
            position = int(self._slot_position[slot])
            if position < 0:
                continue
            entry = self.entries[position]
            base = min(value / best_possible, 1.0) * 100.0
            phrase = fuzz.token_set_ratio(folded, self._phrases[doc])
            score = (1 - RERANK_SHARE) * base + RERANK_SHARE * phrase * min(base / 40.0, 1.0)
            if score >= MIN_SCORE:
                ranked.append((score, entry))
        ranked.sort(key=lambda pair: (-pair[0], pair[1].id))
        if ranked:
            floor = ranked[0][0] * RELATIVE_FLOOR
            ranked = [pair for pair in ranked if pair[0] >= floor]
        return [Hit(entry, round(s, 1)) for s, entry in ranked[:limit]]


def _unique(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct keys and how often each occurs (np.unique, by sorting: faster)."""
    if len(keys) == 0:
        return keys, np.zeros(0, dtype=np.int64)
    keys = np.sort(keys)
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    counts = np.diff(np.append(starts, len(keys)))
    return keys[starts], counts


class _Postings:
    """One posting table: for term t, docs[offsets[t]:offsets[t + 1]], ascending."""

    __slots__ = ("codes", "docs", "offsets")

    def __init__(self, docs: np.ndarray, codes: np.ndarray | None, offsets: np.ndarray) -> None:
        self.docs = docs
        self.codes = codes
        self.offsets = offsets

    @classmethod
    def build(
        cls, terms: np.ndarray, docs: np.ndarray, codes: np.ndarray | None, n_terms: int
    ) -> _Postings:
        """From postings sorted by (term, doc)."""
        offsets = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(np.bincount(terms, minlength=n_terms), out=offsets[1:])
        return cls(docs.astype(np.int32), codes, offsets)

    def with_added(
        self, terms: np.ndarray, docs: np.ndarray, codes: np.ndarray | None, n_terms: int
    ) -> _Postings:
        """A new table with postings (sorted by term, doc) of newer docs added.

        New documents have higher numbers than every existing one, so appending each at
        the end of its term keeps every term sorted; nothing else moves but a memcpy.
        """
        offsets = _grow(self.offsets, n_terms + 1, fill=self.offsets[-1])
        if len(terms) == 0:
            return _Postings(self.docs, self.codes, offsets)
        at = offsets[terms.astype(np.int64) + 1]
        out_docs = np.insert(self.docs, at, docs)
        out_codes = None
        if self.codes is not None and codes is not None:
            out_codes = np.insert(self.codes, at, codes)
        out_offsets = offsets.copy()
        out_offsets[1:] += np.cumsum(np.bincount(terms, minlength=n_terms))
        return _Postings(out_docs, out_codes, out_offsets)

    @property
    def nbytes(self) -> int:
        codes = self.codes.nbytes if self.codes is not None else 0
        return self.docs.nbytes + codes + self.offsets.nbytes


def _within(values: np.ndarray, size: int) -> bool:
    """Whether every value can index an array of `size` items."""
    return len(values) == 0 or (int(values.min()) >= 0 and int(values.max()) < size)


def _merge_batches(
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batches each sorted by (term, doc), docs ascending across batches, as one sorted run."""
    if not parts:
        empty = np.zeros(0, dtype=np.int32)
        return empty, empty, np.zeros(0, dtype=np.uint8)
    if len(parts) == 1:
        return parts[0]
    terms = np.concatenate([p[0] for p in parts])
    # A stable sort by term keeps docs ascending: each batch is a sorted run.
    order = np.argsort(terms, kind="stable")
    docs = np.concatenate([p[1] for p in parts])[order]
    codes = np.concatenate([p[2] for p in parts])[order]
    return terms[order], docs, codes


def _entry_counts(terms: np.ndarray, docs: np.ndarray, n_langs: int, n_terms: int) -> np.ndarray:
    """How many entries each term occurs in, from postings sorted by (term, doc)."""
    counts = np.zeros(n_terms, dtype=np.int64)
    if len(terms) == 0:
        return counts
    slots = docs.astype(np.int64) // n_langs
    # The same term in two languages of one entry: adjacent, since docs sort by entry.
    first = np.ones(len(terms), dtype=bool)
    first[1:] = (terms[1:] != terms[:-1]) | (slots[1:] != slots[:-1])
    counts[:n_terms] = np.bincount(terms[first], minlength=n_terms)[:n_terms]
    return counts


def build_index(snapshot: Snapshot) -> SearchIndex:
    return SearchIndex(snapshot)


def entries_for(hits: Iterable[Hit]) -> list[Entry]:
    return [hit.entry for hit in hits]
