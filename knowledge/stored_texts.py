"""Texts of compiled content that stay in its file until they are read.

A compiled file (knowledge.compiled) holds every text's body and keywords as one JSON
document after another. A loaded snapshot keeps only where each one lies: bodies are most
of the content and are needed only when a card is shown or a tip is edited, so a restart
neither decodes nor holds them.
"""

from __future__ import annotations

import json
import os
import weakref
from collections.abc import Iterator, Mapping

import numpy as np

from knowledge.model import Text


class StoredTextError(ValueError):
    """A stored text that cannot be read back as it was written."""


class TextStore:
    """The texts of one compiled file: titles in memory, bodies and keywords read from
    the file one text at a time.

    A compiled file is never changed once written: a newer one replaces it under another
    inode. The descriptor held here keeps this one readable after it is replaced or
    pruned, and is closed when no text needs it any more.
    """

    __slots__ = (
        "__weakref__",
        "_ends",
        "_fd",
        "_jurisdictions",
        "_start",
        "_title_ends",
        "_titles",
    )

    def __init__(
        self,
        fd: int,
        start: int,
        ends: np.ndarray,
        titles: bytes,
        title_ends: np.ndarray,
        jurisdictions: dict[int, str],
    ) -> None:
        self._fd = fd
        self._start = start
        self._ends = ends
        self._titles = titles
        self._title_ends = title_ends
        self._jurisdictions = jurisdictions
        weakref.finalize(self, os.close, fd)

    def __len__(self) -> int:
        return len(self._ends)

    def text(self, at: int) -> StoredText:
        """The text stored `at`, its title decoded, its body and keywords left in the file."""
        begin, end = _span(self._title_ends, at)
        title = self._titles[begin:end].decode("utf-8", "surrogatepass")
        return StoredText.at(self, at, title, self._jurisdictions.get(at))

    def read(self, at: int) -> tuple[str, tuple[str, ...]]:
        """(body, keywords) of the text stored `at`."""
        begin, end = _span(self._ends, at)
        data = os.pread(self._fd, end - begin, self._start + begin)
        if len(data) != end - begin:
            # Only if the file was cut short in place after it was checked.
            raise StoredTextError("a compiled file changed while it was in use")
        body, keywords = json.loads(data)
        return body, tuple(keywords)


def _span(ends: np.ndarray, at: int) -> tuple[int, int]:
    """Where the text stored `at` begins and ends, of texts run together."""
    return (int(ends[at - 1]) if at > 0 else 0), int(ends[at])


class StoredTexts(Mapping[str, Text]):
    """An entry's texts by language, made when asked for from its compiled file.

    An entry holds this instead of a dict of texts: three references in place of a dict
    and a text object per language, for every entry of the content.
    """

    __slots__ = ("_first", "_langs", "_store")

    def __init__(self, store: TextStore, first: int, langs: tuple[str, ...]) -> None:
        self._store = store
        self._first = first
        self._langs = langs

    def __getitem__(self, lang: str) -> Text:
        try:
            at = self._langs.index(lang)
        except ValueError:
            raise KeyError(lang) from None
        return self._store.text(self._first + at)

    def __contains__(self, lang: object) -> bool:
        return lang in self._langs

    def __iter__(self) -> Iterator[str]:
        return iter(self._langs)

    def __len__(self) -> int:
        return len(self._langs)

    def __eq__(self, other: object) -> bool:
        # The same texts of the same file are equal without reading them: rebuilding the
        # index compares every entry's texts with the last build's.
        if isinstance(other, StoredTexts) and other._store is self._store:
            return (other._first, other._langs) == (self._first, self._langs)
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(dict(self))

    def __reduce__(self) -> tuple[type[dict], tuple[dict[str, Text]]]:
        return (dict, (dict(self),))


class StoredText(Text):
    """A Text whose body and keywords stay in the compiled file until they are read.

    Equal to a Text with the same words; `dataclasses.replace` on one gives a plain Text.
    """

    __slots__ = ("_at", "_store")

    def __new__(cls, *args: object, **kwargs: object) -> Text:  # type: ignore[misc]
        # What dataclasses.replace calls: a changed text is no longer the stored one.
        return Text(*args, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def at(cls, store: TextStore, at: int, title: str, jurisdiction: str | None) -> StoredText:
        """The text stored `at` in `store` (0 <= at < len(store), checked by the caller)."""
        text = object.__new__(cls)
        # Straight into the slots: a frozen dataclass refuses setattr, and object's own
        # setattr costs a lookup per field, for tens of thousands of texts per start.
        _set_title(text, title)
        _set_jurisdiction(text, jurisdiction)
        _set_store(text, store)
        _set_at(text, at)
        return text

    @property  # type: ignore[override]
    def body(self) -> str:
        return self._store.read(self._at)[0]

    @property  # type: ignore[override]
    def keywords(self) -> tuple[str, ...]:
        return self._store.read(self._at)[1]

    def _words(self) -> tuple[str, str, tuple[str, ...], str | None]:
        body, keywords = self._store.read(self._at)
        return (self.title, body, keywords, self.jurisdiction)

    def __reduce__(self) -> tuple[type[Text], tuple[str, str, tuple[str, ...], str | None]]:
        return (Text, self._words())


_set_title = Text.title.__set__  # type: ignore[attr-defined]
_set_jurisdiction = Text.jurisdiction.__set__  # type: ignore[attr-defined]
_set_store = StoredText._store.__set__  # type: ignore[attr-defined]
_set_at = StoredText._at.__set__  # type: ignore[attr-defined]
