"""Scoring a query: postings summed per document, the best few re-ranked by how their
title and keywords read against the whole query."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from knowledge.model import Entry
from knowledge.search.build import Tables
from knowledge.search.expansion import Expander
from knowledge.search.postings import TermStats
from knowledge.search.tuning import (
    CODE_WEIGHTS,
    MIN_SCORE,
    RELATIVE_FLOOR,
    RERANK,
    RERANK_SHARE,
    STRONG,
    TITLE_WEIGHT,
)
from knowledge.search.visibility import Visibility


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result."""

    entry: Entry
    score: float  # 0-100, higher is better


class Scratch:
    """Arrays over all documents for each thread, reused by its searches.

    They are zero between searches, so they never keep which documents a search matched.
    """

    __slots__ = ("_local", "n_docs")

    def __init__(self, n_docs: int) -> None:
        self.n_docs = n_docs
        self._local = threading.local()

    def marker(self) -> np.ndarray:
        """An int array over all documents for this thread, zero between searches."""
        marker = getattr(self._local, "marker", None)
        if marker is None:
            marker = self._local.marker = np.zeros(self.n_docs, dtype=np.int32)
        return marker

    def buffers(self) -> tuple[np.ndarray, np.ndarray]:
        """Two zeroed float arrays over all documents, reused by this thread's searches."""
        buffers = getattr(self._local, "buffers", None)
        if buffers is None:
            buffers = (
                np.zeros(self.n_docs, dtype=np.float32),
                np.zeros(self.n_docs, dtype=np.float32),
            )
            self._local.buffers = buffers
        return buffers


class Ranker:
    """Ranks query words against one index's postings."""

    __slots__ = (
        "entries",
        "expander",
        "n_docs",
        "n_langs",
        "scratch",
        "stats",
        "tables",
        "visibility",
    )

    def __init__(
        self,
        entries: tuple[Entry, ...],
        n_langs: int,
        tables: Tables,
        stats: TermStats,
        expander: Expander,
        visibility: Visibility,
    ) -> None:
        self.entries = entries
        self.n_langs = n_langs
        self.tables = tables
        self.stats = stats
        self.expander = expander
        self.visibility = visibility
        self.n_docs = len(tables.layout.slot_position) * n_langs
        self.scratch = Scratch(self.n_docs)

    def rank(
        self, words: list[str], lang: str, region: str | None, limit: int, show_examples: bool
    ) -> list[Hit]:
        """Hits for query words already cut to size by `query_tokens`."""
        total, buffer = self.scratch.buffers()
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
        weak, strong = self.tables.weak, self.tables.strong
        idf, idf_max = self.stats.idf, self.stats.idf_max
        expand = self.expander.expand
        w_off, w_docs, w_codes = weak.offsets, weak.docs, weak.codes
        s_off, s_docs = strong.offsets, strong.docs
        best_possible = 0.0
        found: list[np.ndarray] = []
        for word in words:
            expansions = expand(word)
            if not expansions:
                # An unknown word still counts against the match, at a typical rarity.
                best_possible += TITLE_WEIGHT * 2.0
                continue
            groups: list[tuple[np.ndarray, np.ndarray | None, float]] = []
            top_idf = 0.0
            single = len(expansions) == 1
            for term, similarity, cap in expansions:
                top_idf = max(top_idf, float(idf_max[term]) * cap)
                weight = float(idf[term]) * similarity * cap
                start, end = w_off[term], w_off[term + 1]
                if end > start:
                    groups.append((w_docs[start:end], w_codes[start:end], weight))
                start, end = s_off[term], s_off[term + 1]
                if end > start:
                    groups.append((s_docs[start:end], None, weight * CODE_WEIGHTS[STRONG]))
            best_possible += TITLE_WEIGHT * max(top_idf, 1.0)
            if len(groups) == 1 or single:
                # One indexed word: its body and title groups never share a document.
                for d, c, w in groups:
                    total[d] += (CODE_WEIGHTS * np.float32(w))[c] if c is not None else w
                    found.append(d)
                continue
            # A word counts once per document: the best of its expansions.
            size = 0
            for n, (d, c, w) in enumerate(groups):
                values = (CODE_WEIGHTS * np.float32(w))[c] if c is not None else np.float32(w)
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
        n_langs = self.n_langs
        weights = self.visibility.doc_weights(lang, region, show_examples)
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
            marker = self.scratch.marker()
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
        slot_position = self.tables.layout.slot_position
        order = np.lexsort((docs % n_langs, slot_position[docs // n_langs], -values))
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
        """Final scores: the postings' share blended with a phrase comparison of the whole
        query against each document's title and keywords; weak hits dropped."""
        folded = " ".join(words)
        slot_position, phrases = self.tables.layout.slot_position, self.tables.phrases
        ranked: list[tuple[float, Entry]] = []
        for slot, doc, value in top:
            position = int(slot_position[slot])
            if position < 0:
                continue
            entry = self.entries[position]
            base = min(value / best_possible, 1.0) * 100.0
            phrase = fuzz.token_set_ratio(folded, phrases[doc])
            score = (1 - RERANK_SHARE) * base + RERANK_SHARE * phrase * min(base / 40.0, 1.0)
            if score >= MIN_SCORE:
                ranked.append((score, entry))
        ranked.sort(key=lambda pair: (-pair[0], pair[1].id))
        if ranked:
            floor = ranked[0][0] * RELATIVE_FLOOR
            ranked = [pair for pair in ranked if pair[0] >= floor]
        return [Hit(entry, round(s, 1)) for s, entry in ranked[:limit]]
