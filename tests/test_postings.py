"""Posting tables built batch by batch hold exactly what one sort of every posting would."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge.search.postings import batch_of, entry_counts, from_batches
from knowledge.search.tuning import STRONG

N_LANGS = 3


def _batches(rng: np.random.Generator, n_terms: int, entries: int, per_batch: int):
    """Random postings, each batch sorted by (term, doc), whole entries per batch."""
    batches = []
    for first in range(0, entries, per_batch):
        docs = np.arange(first * N_LANGS, min(first + per_batch, entries) * N_LANGS)
        pairs = {
            (int(t), int(d)): int(rng.integers(1, STRONG + 4))  # 1-3 body, 4-7 title
            for d in docs
            for t in rng.choice(n_terms, size=int(rng.integers(0, min(12, n_terms))), replace=False)
        }
        keys = sorted(pairs)
        batches.append(
            batch_of(
                np.array([t for t, _ in keys], dtype=np.int32),
                np.array([d for _, d in keys], dtype=np.int32),
                np.array([pairs[k] for k in keys], dtype=np.uint8),
                first * N_LANGS,
            )
        )
    return batches


@pytest.mark.parametrize(("seed", "per_batch"), [(1, 1), (2, 7), (3, 50), (4, 500)])
def test_tables_from_batches_match_one_sort_of_every_posting(seed, per_batch):
    rng = np.random.default_rng(seed)
    n_terms = 40  # some terms have no posting at all
    batches = _batches(rng, n_terms, 120, per_batch)
    terms = np.concatenate([b[0] for b in batches])
    docs = np.concatenate([b[1].astype(np.int32) + b[3] for b in batches])
    codes = np.concatenate([b[2] for b in batches])
    order = np.lexsort((docs, terms))
    terms, docs, codes = terms[order], docs[order], codes[order]

    weak, strong, df, max_code = from_batches(list(batches), n_terms, N_LANGS)

    for term in range(n_terms):
        mine = terms == term
        is_strong = codes >= STRONG
        w = slice(weak.offsets[term], weak.offsets[term + 1])
        s = slice(strong.offsets[term], strong.offsets[term + 1])
        assert weak.docs[w].tolist() == docs[mine & ~is_strong].tolist()
        assert weak.codes[w].tolist() == codes[mine & ~is_strong].tolist()
        assert strong.docs[s].tolist() == docs[mine & is_strong].tolist()
        assert strong.codes[s].tolist() == codes[mine & is_strong].tolist()
        assert max_code[term] == (codes[mine].max() if mine.any() else 0)
    assert df.tolist() == entry_counts(terms, docs, N_LANGS, n_terms).tolist()
    assert weak.docs.dtype == strong.docs.dtype == np.int32


def test_batches_are_consumed_as_they_are_copied():
    batches = _batches(np.random.default_rng(9), 10, 30, 10)
    from_batches(batches, 10, N_LANGS)
    assert batches == []


def test_no_postings_at_all():
    weak, strong, df, max_code = from_batches([], 4, N_LANGS)
    assert weak.offsets.tolist() == strong.offsets.tolist() == [0, 0, 0, 0, 0]
    assert len(weak.docs) == len(strong.docs) == 0 and not df.any() and not max_code.any()


def test_documents_are_held_in_16_bits_while_building_when_they_fit():
    small = batch_of(
        np.array([0, 1], np.int32),
        np.array([3000, 3100], np.int32),
        np.array([1, 4], np.uint8),
        3000,
    )
    large = batch_of(
        np.array([0], np.int32), np.array([3000 + 2**16], np.int32), np.array([2], np.uint8), 3000
    )
    assert small[1].dtype == np.uint16 and large[1].dtype != np.uint16
    weak, strong, _, _ = from_batches([small, large], 2, N_LANGS)
    assert weak.docs.tolist() == [3000, 3000 + 2**16] and strong.docs.tolist() == [3100]
