"""The index's tables as plain arrays and lists, to save between starts, and back again,
checked so a damaged or foreign file is refused rather than served."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from knowledge.model import Entry
from knowledge.search.build import Layout, Tables, live_words
from knowledge.search.deletions import Deletions
from knowledge.search.postings import Postings, merged
from knowledge.search.tuning import CODE_WEIGHTS, STRONG
from knowledge.search.vocabulary import Vocabulary

_ONE, _TWO = "deletions_one", "deletions_two"
_TERM = np.uint64(0xFFFFFFFF)


def export(
    tables: Tables, deletions: Deletions | None = None
) -> tuple[dict[str, np.ndarray], list[str], list[str]]:
    """(arrays, vocabulary words by number, phrases by document) of `tables`, and the
    spelling lookup's `deletions` where the index keeps them."""
    vocab = tables.vocab
    vocab.commit()
    n_terms = len(vocab)
    weak, strong = merged(tables.weak, n_terms), merged(tables.strong, n_terms)
    arrays = {
        "stop": vocab.stop,
        "roots": vocab.roots,
        "signatures": vocab.signatures,
        "slot_position": tables.layout.slot_position,
        "positions": tables.layout.positions,
        "df": tables.df,
        "max_code": tables.max_code,
        "weak_docs": weak.docs,
        "weak_codes": weak.codes,
        "weak_offsets": weak.offsets,
        "strong_docs": strong.docs,
        "strong_codes": strong.codes,
        "strong_offsets": strong.offsets,
    }
    if deletions is not None:
        arrays[_ONE], arrays[_TWO] = deletions.merged()
    return arrays, list(vocab.words), list(tables.phrases)


def deletions(arrays: dict[str, np.ndarray], n_terms: int) -> Deletions | None:
    """The deletions `export` saved, checked; None when there are none (worked out again
    when the index needs them) or they do not fit."""
    if _ONE not in arrays or _TWO not in arrays:
        return None
    one, two = arrays[_ONE], arrays[_TWO]
    for keys in (one, two):
        if keys.dtype != np.uint64 or keys.ndim != 1:
            raise ValueError("spelling lookup keys are not stored as written")
        if len(keys) and (
            bool(np.any(keys[1:] < keys[:-1])) or int((keys & _TERM).max()) >= n_terms
        ):
            raise ValueError("spelling lookup keys are out of order or name no word")
    return Deletions.of(one, two)


def restore(
    entries: tuple[Entry, ...],
    languages: tuple[str, ...],
    arrays: dict[str, np.ndarray],
    words: Sequence[str],
    phrases: Sequence[str],
) -> Tables:
    """The tables `export` described, for `entries` (those they were built from).

    Raises ValueError when the pieces do not fit together or the entries.
    """
    try:
        n_terms = len(words)
        positions = arrays["positions"].astype(np.int64, copy=False)
        slot_position = arrays["slot_position"].astype(np.int64, copy=False)
        shapes_fit = (
            len(positions) == len(entries)
            and len(phrases) == len(slot_position) * len(languages)
            and all(len(arrays[k]) == n_terms for k in ("stop", "roots", "signatures"))
            and len(arrays["df"]) == n_terms == len(arrays["max_code"])
            and len(arrays["weak_offsets"]) == n_terms + 1 == len(arrays["strong_offsets"])
            and len(arrays["weak_docs"]) == len(arrays["weak_codes"])
            and len(arrays["strong_docs"]) == len(arrays["strong_codes"])
            and int(arrays["weak_offsets"][-1]) == len(arrays["weak_docs"])
            and int(arrays["strong_offsets"][-1]) == len(arrays["strong_docs"])
            and _within(positions, len(slot_position))
            and bool(np.all(slot_position[positions] == np.arange(len(positions))))
            and _within(arrays["roots"], n_terms)
            and _within(arrays["weak_docs"], len(phrases))
            and _within(arrays["strong_docs"], len(phrases))
            # A code names a weight: one out of range would fail a search or the start,
            # not the load. Body codes are 1 to STRONG - 1, title codes STRONG and up.
            and _within(arrays["max_code"], len(CODE_WEIGHTS))
            and _within(arrays["weak_codes"], STRONG, low=1)
            and _within(arrays["strong_codes"], len(CODE_WEIGHTS), low=STRONG)
            and bool(np.all(np.diff(arrays["weak_offsets"]) >= 0))
            and bool(np.all(np.diff(arrays["strong_offsets"]) >= 0))
        )
    except (KeyError, IndexError, TypeError) as exc:
        raise ValueError(f"index pieces are incomplete: {exc}") from exc
    if not shapes_fit:
        raise ValueError("index pieces do not fit together or this snapshot")
    vocab = Vocabulary.of(tuple(words), arrays["stop"], arrays["roots"], arrays["signatures"])
    df = arrays["df"].astype(np.int64, copy=False)
    return Tables(
        vocab=vocab,
        layout=Layout(
            slot_position,
            positions,
            dict(zip((e.id for e in entries), positions.tolist(), strict=True)),
        ),
        phrases=tuple(phrases),
        df=df,
        max_code=arrays["max_code"].astype(np.uint8, copy=False),
        weak=(
            Postings(
                arrays["weak_docs"].astype(np.int32, copy=False),
                arrays["weak_codes"].astype(np.uint8, copy=False),
                arrays["weak_offsets"].astype(np.int64, copy=False),
            ),
        ),
        strong=(
            Postings(
                arrays["strong_docs"].astype(np.int32, copy=False),
                arrays["strong_codes"].astype(np.uint8, copy=False),
                arrays["strong_offsets"].astype(np.int64, copy=False),
            ),
        ),
        vocabulary=live_words(vocab, df),
    )


def _within(values: np.ndarray, size: int, low: int = 0) -> bool:
    """Whether every value is at least `low` and can index an array of `size` items."""
    return len(values) == 0 or (int(values.min()) >= low and int(values.max()) < size)
