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
    COORDINATION,
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


@dataclass(frozen=True, slots=True)
class _Part:
    """Postings of a query word that add to a document's score together: one term's
    body or title postings, or all of a word's expansions (the best of them counts)."""

    groups: list[tuple[np.ndarray, np.ndarray, float]]  # (docs, codes, weight)
    bound: float  # the most it can add to any one document
    cost: int  # postings in all its groups


# Common words are pruned only when the words left hold at least this many postings:
# below that, adding them is cheaper than finding the threshold.
PRUNE_FROM = 4096
BOUND_MARGIN = 1.001
# A binary search per document and group costs about as much as reading this many postings.
LOOKUP_OR_READ = 8
# A hit about the same topics as one above it counts this share of its score when ordered.
SAME_TOPICS = 0.75


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
        weights = self.visibility.doc_weights(lang, region, show_examples)
        try:
            found, best_possible, known = self._accumulate(words, total, buffer, weights)
            if best_possible <= 0 or not found:
                return []
            top = self._top(found, total, weights)
        except BaseException:
            total.fill(0.0)
            buffer.fill(0.0)
            raise
        return self._rerank(words, top, best_possible, _shares_held(known, top), limit)

    def _plan(self, word: str) -> tuple[float, list[_Part]] | None:
        """What a query word adds to the best possible score, and its postings in parts
        that can be added separately, each with what it costs and can add at most."""
        expansions = self.expander.expand(word)
        if not expansions:
            return None
        weak, strong = self.tables.weak, self.tables.strong
        idf, idf_max, max_code = self.stats.idf, self.stats.idf_max, self.tables.max_code
        parts: list[_Part] = []
        top_idf = 0.0
        for term, similarity, cap in expansions:
            top_idf = max(top_idf, float(idf_max[term]) * cap)
            weight = float(idf[term]) * similarity * cap
            heaviest = int(max_code[term])
            for tables, code in ((weak, min(heaviest, STRONG - 1)), (strong, heaviest)):
                bound = weight * float(CODE_WEIGHTS[code])
                for table in tables:
                    start, end = table.offsets[term], table.offsets[term + 1]
                    if end > start:
                        group = (table.docs[start:end], table.codes[start:end], weight)
                        parts.append(_Part([group], bound, end - start))
        most = TITLE_WEIGHT * max(top_idf, 1.0)
        if len(expansions) > 1 and len(parts) > 1:
            # Several words: each document counts only the best of them, so they are
            # added together, taking the highest per document.
            groups = [g for part in parts for g in part.groups]
            parts = [_Part(groups, max(p.bound for p in parts), sum(p.cost for p in parts))]
        # One word: its postings (body and title, older and newer tables) never share a
        # document, so they add up separately, and its many body postings can be
        # pruned on their lower bound.
        return most, parts

    def _accumulate(
        self, words: list[str], total: np.ndarray, buffer: np.ndarray, weights: np.ndarray
    ) -> tuple[list[np.ndarray], float, list[list[_Part]]]:
        """Add each word's best-matching postings into `total`; the docs touched, the
        best possible score, and the postings of each word the index knows.

        Words are added cheapest first (MaxScore): once the words left could not lift a
        document nobody has touched into the best RERANK * n_langs, even all together,
        they are added only to the documents that can still get there, found by binary
        search in their postings instead of adding every posting of a common word.
        The best documents and their scores are those of adding every posting.
        """
        best_possible = 0.0
        plans: list[_Part] = []
        known: list[list[_Part]] = []
        for word in words:
            planned = self._plan(word)
            if planned is None:
                # An unknown word still counts against the match, at a typical rarity.
                best_possible += TITLE_WEIGHT * 2.0
                continue
            best_possible += planned[0]
            plans.extend(planned[1])
            known.append(planned[1])
        plans.sort(key=lambda plan: plan.cost)
        found: list[np.ndarray] = []
        added = 0
        for n, plan in enumerate(plans):
            left = plans[n:]
            # Finding the threshold costs about as much as the postings added so far.
            if found and sum(p.cost for p in left) >= max(PRUNE_FROM, 2 * added):
                threshold, touched = self._threshold(found, total, weights)
                # The most the words left can add, with room for float32 rounding.
                rest = sum(p.bound for p in left) * BOUND_MARGIN
                if rest < threshold:
                    # The documents that can still reach the threshold with every word left.
                    reach = (total[touched] + np.float32(rest)) * weights[touched]
                    self._add_to(left, touched[reach >= threshold], total, buffer)
                    break
            self._add_all(plan, total, buffer, found)
            added += plan.cost
        return found, best_possible, known

    def _threshold(
        self, found: list[np.ndarray], total: np.ndarray, weights: np.ndarray
    ) -> tuple[float, np.ndarray]:
        """(The weighted score of the RERANK-th best entry so far, 0 if fewer entries
        were touched; the documents touched). A document below it can never be among
        the RERANK best entries, whatever else it would score."""
        touched = self._distinct(found, total)
        want = RERANK * self.n_langs
        if touched.size < RERANK:
            return 0.0, touched
        values = total[touched] * weights[touched]
        if touched.size > want:
            # The best RERANK * n_langs documents hold at least RERANK entries.
            best = np.argpartition(values, touched.size - want)[touched.size - want :]
        else:
            best = np.arange(touched.size)
        best = best[np.argsort(-values[best], kind="stable")]
        slots = (touched[best] // self.n_langs).tolist()
        seen: set[int] = set()
        for slot, value in zip(slots, values[best].tolist(), strict=True):
            seen.add(slot)
            if len(seen) == RERANK:
                return value, touched
        return 0.0, touched

    def _distinct(self, found: list[np.ndarray], total: np.ndarray) -> np.ndarray:
        """The documents in `found`, each once, without sorting: the last write of each
        document's position wins. When most documents were touched, reading the scores
        is cheaper: every document with a score (a touched one without is no candidate)."""
        if len(found) == 1:
            return found[0]
        if sum(len(d) for d in found) * 4 > self.n_docs:
            return np.flatnonzero(total)
        touched = np.concatenate(found)
        marker = self.scratch.marker()
        positions = np.arange(len(touched), dtype=np.int32)
        marker[touched] = positions
        distinct = touched[marker[touched] == positions]
        # Zeroed again so the marker does not keep which documents a search matched.
        marker[touched] = 0
        return distinct

    def _add_all(
        self, plan: _Part, total: np.ndarray, buffer: np.ndarray, found: list[np.ndarray]
    ) -> None:
        """Every posting of one part into `total`."""
        groups = plan.groups
        if len(groups) == 1:
            ((d, c, w),) = groups
            total[d] += (CODE_WEIGHTS * np.float32(w))[c]
            found.append(d)
            return
        # A word counts once per document: the best of its expansions. A misspelling
        # may stand for a dozen words, each with body and title postings: gathered into
        # one array and reduced in one pass, rather than a pass over the scores each.
        docs = _best_of(groups, buffer)
        found.append(docs)
        if docs.size * 4 > self.n_docs:
            total += buffer
            buffer.fill(0.0)
        else:
            # A document listed twice gets its best once: every copy reads the same value.
            total[docs] += buffer[docs]
            buffer[docs] = 0.0

    @staticmethod
    def _add_to(
        plans: list[_Part], docs: np.ndarray, total: np.ndarray, buffer: np.ndarray
    ) -> None:
        """The words of `plans` into `total` for `docs` (each once) only."""
        if docs.size == 0:
            return
        # Postings hold int32 documents: searching them with int64 would copy each one.
        docs = docs.astype(np.int32, copy=False)
        for plan in plans:
            if plan.cost < LOOKUP_OR_READ * docs.size * len(plan.groups):
                # Fewer postings than lookups: reading them all is cheaper.
                spread = _best_of(plan.groups, buffer)
                total[docs] += buffer[docs]
                buffer[spread] = 0.0
                continue
            best = np.zeros(docs.size, dtype=np.float32)
            for d, c, w in plan.groups:
                at = np.minimum(np.searchsorted(d, docs), len(d) - 1)
                held = d[at] == docs
                values = (CODE_WEIGHTS * np.float32(w))[c[at]]
                np.maximum(best, np.where(held, values, np.float32(0.0)), out=best)
            total[docs] += best

    def _top(
        self, found: list[np.ndarray], total: np.ndarray, weights: np.ndarray
    ) -> list[tuple[int, int, float]]:
        """The RERANK best (slot, doc, score) among touched docs; resets `total`."""
        n_langs = self.n_langs
        size = sum(len(d) for d in found)
        if size * 4 > self.n_docs:
            # Most documents touched: weigh languages and hide documents in place.
            np.multiply(total, weights, out=total)
            docs = np.flatnonzero(total > 0)
            values = total[docs]
            total.fill(0.0)
        else:
            docs = self._distinct(found, total)
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
        held: list[float],
        limit: int,
    ) -> list[Hit]:
        """Final scores: the postings' share blended with a phrase comparison of the whole
        query against each document's title and keywords; weak hits dropped. A hit that
        holds only some of the query's words is placed by a share of its score (see
        `_shares_held`); whether it is close enough to show, and far enough below the
        best, is decided on its own score, so coordination orders hits and never hides
        one."""
        folded = " ".join(words)
        slot_position, phrases = self.tables.layout.slot_position, self.tables.phrases
        # (placed by, own score, the entry's place in the content, entry)
        ranked: list[tuple[float, float, int, Entry]] = []
        for (slot, doc, value), share in zip(top, held, strict=True):
            position = int(slot_position[slot])
            if position < 0:
                continue
            entry = self.entries[position]
            base = min(value / best_possible, 1.0) * 100.0
            phrase = fuzz.token_set_ratio(folded, phrases[doc])
            score = (1 - RERANK_SHARE) * base + RERANK_SHARE * phrase * min(base / 40.0, 1.0)
            if score >= MIN_SCORE:
                # Rounded: a rebuilt index adds a word's older and newer postings apart,
                # so float32 sums that tie in a fresh index can differ in the last digits.
                placed_by = round(score * share**COORDINATION, 4)
                ranked.append((placed_by, score, position, entry))
        # Hits placed alike come in the content's order (writers put what is needed
        # first, first), not in their ids' order.
        ranked.sort(key=lambda hit: (-hit[0], hit[2]))
        if ranked:
            floor = max(hit[1] for hit in ranked) * RELATIVE_FLOOR
            ranked = [hit for hit in ranked if hit[1] >= floor]
        placed = [(by, entry) for by, _, _, entry in ranked]
        return [Hit(entry, round(s, 1)) for s, entry in _varied(placed, limit)]


def _best_of(groups: list[tuple[np.ndarray, np.ndarray, float]], buffer: np.ndarray) -> np.ndarray:
    """Each document's best value among `groups` into `buffer`, which must be zero at those
    documents; the documents, some perhaps more than once."""
    docs = np.concatenate([d for d, _, _ in groups])
    values = np.concatenate([(CODE_WEIGHTS * np.float32(w))[c] for _, c, w in groups])
    np.maximum.at(buffer, docs, values)
    return docs


def _shares_held(known: list[list[_Part]], top: list[tuple[int, int, float]]) -> list[float]:
    """For each hit of `top`, the share of the query's known words its document holds
    (any of a word's spellings counts). Summed weights let one rare word in a title
    outrank a document holding every word of the question; as a base grows, more
    documents hold some rare word by chance, so the words held together keep what was
    asked in front. Only the few hits re-ranked are looked up: a binary search each."""
    if len(known) < 2 or not top:
        return [1.0] * len(top)
    # int32 as the postings are: searching them with another type would copy each one.
    docs = np.fromiter((doc for _, doc, _ in top), dtype=np.int32, count=len(top))
    count = np.zeros(len(top), dtype=np.int32)
    for parts in known:
        held = np.zeros(len(top), dtype=bool)
        for part in parts:
            for d, _, _ in part.groups:
                held |= d.take(np.searchsorted(d, docs), mode="clip") == docs
        count += held
    return (count / len(known)).tolist()


def _varied(ranked: list[tuple[float, Entry]], limit: int) -> list[tuple[float, Entry]]:
    """The best `limit` hits of `ranked` (highest score first), an entry about what
    earlier hits are about (the same topics) counted at SAME_TOPICS of its score: placed
    after a close one about something else, so a person scanning three results on a
    phone sees the different things a few words can mean, not one thing three times.
    Each hit's score is the one it was placed by, so scores still fall down the list
    (each step can only lower what is left)."""
    left = list(ranked)
    shown: set[tuple[str, ...]] = set()
    out: list[tuple[float, Entry]] = []
    while left and len(out) < limit:
        # `left` is in order of score, so the best hit is either the first about
        # something not shown yet or the first about something shown, counted lower.
        fresh = next((n for n, (_, e) in enumerate(left) if e.topics not in shown), None)
        again = next((n for n, (_, e) in enumerate(left) if e.topics in shown), None)
        placed, first = max(
            (left[n][0] * (SAME_TOPICS if n == again else 1.0), -n)
            for n in (fresh, again)
            if n is not None
        )
        best = -first
        _, entry = left.pop(best)
        shown.add(entry.topics)
        out.append((placed, entry))
    return out
