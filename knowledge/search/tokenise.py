"""Entries to postings: each document's words, numbered, weighted and sorted in numpy."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from knowledge.model import Entry
from knowledge.normalize import fold, words
from knowledge.search.postings import runs
from knowledge.search.tuning import STRONG
from knowledge.search.vocabulary import Vocabulary


def tokenise(
    batch: Sequence[tuple[int, Entry]],
    languages: tuple[str, ...],
    vocab: Vocabulary,
    phrases: list[str] | None,
    phrase_base: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Postings (term, doc, code) of `batch` (slot, entry): one per (doc, word), sorted.

    A document's weight for a word: by how often it occurs in the body; the
    title-and-keyword weight if the word is in either, plus its body weight when the
    body holds it too. A word's stem gets the highest title and body codes among the
    words it stems from, combined as one word's would be (a title's "work" and a body's
    "working" make the stem "work" a title word the body uses). Phrases (folded
    title and keywords) go to `phrases[doc - phrase_base]`. New words are added to
    `vocab`.
    """
    n_langs = len(languages)
    ids = vocab.ids
    known = ids.get
    lookup = ids.__getitem__
    body_terms: list[int | None] = []
    strong_terms: list[int | None] = []
    doc_list: list[int] = []
    body_sizes: list[int] = []
    strong_sizes: list[int] = []
    for slot, entry in batch:
        for l_index, lang in enumerate(languages):
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
    stop = vocab.stop
    roots = vocab.roots
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
            np.full(int(s_keep.sum()), STRONG),
        ]
    )
    stems = roots[terms]
    stemmed = stems != terms
    terms = np.concatenate([terms, stems[stemmed]])
    docs = np.concatenate([docs, docs[stemmed]])
    codes = np.concatenate([codes, codes[stemmed]])
    # One posting per (term, doc), with the highest code: sort, keep each run's last. A
    # title or keyword word the body holds too gets STRONG plus the body's highest code.
    keys = np.sort((terms << 35) | (docs << 3) | codes)
    pair = keys >> 3
    last = np.ones(len(keys), dtype=bool)
    last[:-1] = pair[1:] != pair[:-1]
    all_codes = keys & 7
    out_codes = all_codes[last]
    if len(keys):
        starts = np.flatnonzero(np.concatenate([[True], last[:-1]]))
        body = np.maximum.reduceat(np.where(all_codes < STRONG, all_codes, 0), starts)
        out_codes = np.where(out_codes >= STRONG, STRONG + body, out_codes)
    keys = keys[last]
    return (
        (keys >> 35).astype(np.int32),
        ((keys >> 3) & 0xFFFFFFFF).astype(np.int32),
        out_codes.astype(np.uint8),
    )


def _unique(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct keys and how often each occurs (np.unique, by sorting: faster)."""
    if len(keys) == 0:
        return keys, np.zeros(0, dtype=np.int64)
    keys = np.sort(keys)
    starts, counts = runs(keys)
    return keys[starts], counts
