"""The search index: fuzzy, language- and region-aware ranking over a content snapshot.

Two stages keep it fast as the base grows. First an inverted index: each query word is
expanded to the indexed words it resembles (exact, prefix or a close misspelling, found
with rapidfuzz over words of similar length), and their postings are summed in numpy
arrays, weighted by field and rarity. Then the best few candidates are re-ranked with a
phrase-level fuzzy comparison against their title and keywords.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from knowledge.model import Entry, Snapshot, is_visible
from knowledge.normalize import fold, query_tokens, stem, tokens
from knowledge.taxonomy import LANGUAGES

TITLE_WEIGHT = 3.0
KEYWORD_WEIGHT = 3.0
BODY_WEIGHT = 1.0
OTHER_LANGUAGE_FACTOR = 0.85
PREFIX_SIMILARITY = 0.9
RERANK = 30
RERANK_SHARE = 0.25
MIN_SCORE = 18.0
# Hits far below the best one are noise to a person scanning a short list on a phone.
RELATIVE_FLOOR = 0.4
EXPANSION_LIMIT = 6
EXPANSION_CACHE = 4096


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


class SearchIndex:
    """An immutable index over one snapshot; build a new one when content changes."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.entries: tuple[Entry, ...] = snapshot.entries
        self.languages: tuple[str, ...] = LANGUAGES
        n_langs = len(self.languages)
        # Document d is entry d // n_langs in language d % n_langs.
        n_docs = len(self.entries) * n_langs
        field_weights: dict[str, dict[int, float]] = defaultdict(dict)
        self._phrases: list[str] = [""] * n_docs
        for e_index, entry in enumerate(self.entries):
            for l_index, lang in enumerate(self.languages):
                text = entry.texts.get(lang)
                if text is None:
                    continue
                doc = e_index * n_langs + l_index
                weights: dict[str, float] = {}
                for word in tokens(text.body):
                    weights[word] = min(weights.get(word, 0.0) + 0.25 * BODY_WEIGHT, 1.5)
                for word in tokens(" ".join(text.keywords)):
                    weights[word] = max(weights.get(word, 0.0), KEYWORD_WEIGHT)
                for word in tokens(text.title):
                    weights[word] = max(weights.get(word, 0.0), TITLE_WEIGHT)
                for word, weight in list(weights.items()):
                    root = stem(word)
                    if root != word:
                        weights[root] = max(weights.get(root, 0.0), weight)
                for word, weight in weights.items():
                    field_weights[word][doc] = max(weight, BODY_WEIGHT)
                self._phrases[doc] = fold(text.title + " " + " ".join(text.keywords))
        self.n_docs = n_docs
        self.vocabulary: list[str] = sorted(field_weights)
        self._word_index = {w: i for i, w in enumerate(self.vocabulary)}
        self._docs: list[np.ndarray] = []
        self._weights: list[np.ndarray] = []
        total = max(len(self.entries), 1)
        for word in self.vocabulary:
            postings = field_weights[word]
            docs = np.fromiter(postings.keys(), dtype=np.int32, count=len(postings))
            df = len({d // n_langs for d in postings})
            idf = math.log(1.0 + total / df)
            weights = np.fromiter(postings.values(), dtype=np.float32, count=len(postings))
            self._docs.append(docs)
            self._weights.append(weights * np.float32(idf))
        self._idf_max = {
            w: float(self._weights[i].max()) / TITLE_WEIGHT if len(self._weights[i]) else 0.0
            for i, w in enumerate(self.vocabulary)
        }
        self._by_length: dict[int, list[str]] = defaultdict(list)
        for word in self.vocabulary:
            self._by_length[len(word)].append(word)
        self._lang_factor = {}
        for li, lang in enumerate(self.languages):
            row = np.full(n_langs, OTHER_LANGUAGE_FACTOR, dtype=np.float32)
            row[li] = 1.0
            self._lang_factor[lang] = row  # broadcast over every entry's row
        self._masks: dict[tuple[str | None, bool], np.ndarray] = {}
        self._expansions: dict[str, tuple[tuple[int, float], ...]] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def _mask(self, region: str | None, show_examples: bool) -> np.ndarray:
        key = (region, show_examples)
        mask = self._masks.get(key)
        if mask is None:
            mask = np.fromiter(
                (is_visible(e, region, show_examples=show_examples) for e in self.entries),
                dtype=bool,
                count=len(self.entries),
            )
            if len(self._masks) > 64:
                self._masks.clear()
            self._masks[key] = mask
        return mask

    def expand(self, word: str) -> tuple[tuple[int, float], ...]:
        """Indexed words a query word stands for, as (word number, similarity 0-1).

        A word the index knows (itself or its stem) matches exactly and by prefix only: a
        rare misspelling in some entry's keywords must not outrank the real word. Fuzzy
        matching is for words the index does not know.
        """
        cached = self._expansions.get(word)
        if cached is not None:
            return cached
        root = stem(word)
        fuzzy = word not in self._word_index and root not in self._word_index
        merged: dict[int, float] = {}
        for form in {word, root}:
            for number, similarity in self._similar(form, fuzzy=fuzzy):
                merged[number] = max(merged.get(number, 0.0), similarity)
        result = tuple(sorted(merged.items(), key=lambda kv: -kv[1])[: EXPANSION_LIMIT * 2])
        if len(self._expansions) >= EXPANSION_CACHE:
            self._expansions.clear()
        self._expansions[word] = result
        return result

    def _similar(self, word: str, *, fuzzy: bool) -> list[tuple[int, float]]:
        found: dict[int, float] = {}
        exact = self._word_index.get(word)
        if exact is not None:
            found[exact] = 1.0
        if len(word) >= 4:
            start = bisect.bisect_left(self.vocabulary, word)
            for i in range(start, min(start + 40, len(self.vocabulary))):
                if not self.vocabulary[i].startswith(word):
                    break
                found.setdefault(i, PREFIX_SIMILARITY)
        cutoff = _fuzzy_cutoff(len(word)) if fuzzy else None
        if cutoff is not None:
            for length in range(max(1, len(word) - 2), len(word) + 3):
                bucket = self._by_length.get(length)
                if not bucket:
                    continue
                for match, score, _ in process.extract(
                    word, bucket, scorer=fuzz.ratio, score_cutoff=cutoff, limit=EXPANSION_LIMIT
                ):
                    i = self._word_index[match]
                    found[i] = max(found.get(i, 0.0), (score / 100.0) ** 2)
        return list(found.items())

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
        n_langs = len(self.languages)
        total = np.zeros(self.n_docs, dtype=np.float32)
        best_possible = 0.0
        buffer = np.zeros(self.n_docs, dtype=np.float32)
        for word in words:
            expansions = self.expand(word)
            if not expansions:
                # An unknown word still counts against the match, at a typical rarity.
                best_possible += TITLE_WEIGHT * 2.0
                continue
            buffer.fill(0.0)
            top_idf = 0.0
            for word_no, similarity in expansions:
                docs = self._docs[word_no]
                contribution = self._weights[word_no] * np.float32(similarity)
                # Docs are unique within one posting list, so plain indexing is exact.
                buffer[docs] = np.maximum(buffer[docs], contribution)
                top_idf = max(top_idf, self._idf_max[self.vocabulary[word_no]])
            total += buffer
            best_possible += TITLE_WEIGHT * max(top_idf, 1.0)
        if best_possible <= 0:
            return []
        per_entry = total.reshape(len(self.entries), n_langs) * self._lang_factor.get(
            lang, self._lang_factor[self.languages[0]]
        )
        best_doc_lang = per_entry.argmax(axis=1)
        scores = per_entry.max(axis=1)
        scores[~self._mask(region, show_examples)] = 0.0
        candidates = np.flatnonzero(scores > 0)
        if candidates.size == 0:
            return []
        keep = min(RERANK, candidates.size)
        top = candidates[np.argpartition(-scores[candidates], keep - 1)[:keep]]
        folded = " ".join(words)
        ranked: list[tuple[float, int]] = []
        for e_index in top.tolist():
            base = min(float(scores[e_index]) / best_possible, 1.0) * 100.0
            doc = e_index * n_langs + int(best_doc_lang[e_index])
            phrase = fuzz.token_set_ratio(folded, self._phrases[doc])
            score = (1 - RERANK_SHARE) * base + RERANK_SHARE * phrase * min(base / 40.0, 1.0)
            if score >= MIN_SCORE:
                ranked.append((score, e_index))
        ranked.sort(key=lambda pair: (-pair[0], self.entries[pair[1]].id))
        if ranked:
            floor = ranked[0][0] * RELATIVE_FLOOR
            ranked = [pair for pair in ranked if pair[0] >= floor]
        return [Hit(self.entries[i], round(s, 1)) for s, i in ranked[:limit]]


def build_index(snapshot: Snapshot) -> SearchIndex:
    return SearchIndex(snapshot)


def entries_for(hits: Iterable[Hit]) -> list[Entry]:
    return [hit.entry for hit in hits]
