"""The index's words: each word's term number, stem, stopword flag and letter set."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from knowledge.normalize import STOPWORDS, stem


def letter_bit(code: int) -> int:
    """The bit of a letter (a code point) in a letter set: a-z and digits exactly, others
    hashed into the 28 bits left."""
    if 97 <= code <= 122:
        return code - 97
    if 48 <= code <= 57:
        return code - 48 + 26
    return 36 + code % 28


def signature(word: str) -> int:
    """A 64-bit set of the letters in a word (see `letter_bit`)."""
    bits = 0
    for ch in word:
        bits |= 1 << letter_bit(ord(ch))
    return bits


def repeats(word: str) -> tuple[int, int]:
    """(the set of letters a word holds at least twice, how many letters it holds beyond
    the second of each), by `letter_bit`."""
    seen: dict[int, int] = {}
    for ch in word:
        bit = letter_bit(ord(ch))
        seen[bit] = seen.get(bit, 0) + 1
    twice = sum(1 << bit for bit, count in seen.items() if count >= 2)
    return twice, sum(max(0, count - 2) for count in seen.values())


def letter_bits(codes: np.ndarray) -> np.ndarray:
    """`letter_bit` of every code point in an array."""
    return np.where(
        (codes >= 97) & (codes <= 122),
        codes - 97,
        np.where((codes >= 48) & (codes <= 57), codes - 48 + 26, 36 + codes % 28),
    )


class Vocabulary:
    """Word -> term number, and per term its word, stem, stopword flag, letter set.

    Numbers are never reused, so postings never move when words come and go. Each index
    has its own copy; a rebuild copies the dict and extends the arrays. New words are
    numbered as they are met (`learn`) and added to the arrays in one go (`commit`).
    """

    __slots__ = ("_pending", "ids", "roots", "signatures", "stop", "words")

    def __init__(self, previous: Vocabulary | None = None) -> None:
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

    @classmethod
    def of(
        cls, words: tuple[str, ...], stop: np.ndarray, roots: np.ndarray, signatures: np.ndarray
    ) -> Vocabulary:
        """A vocabulary from saved per-term columns; ValueError if a word is listed twice."""
        vocab = cls()
        vocab.words = words
        vocab.ids = {word: number for number, word in enumerate(words)}
        if len(vocab.ids) != len(words):
            raise ValueError("a word is listed twice in the index vocabulary")
        vocab.stop = stop.astype(bool, copy=False)
        vocab.roots = roots.astype(np.int64, copy=False)
        vocab.signatures = signatures.astype(np.uint64, copy=False)
        return vocab

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
        signatures = np.array([signature(w) for w in fresh], dtype=np.uint64)
        self.signatures = np.concatenate([self.signatures, signatures])

    def __len__(self) -> int:
        return len(self.ids)
