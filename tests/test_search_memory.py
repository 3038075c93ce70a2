"""What people search for is not kept: no cache of the index is keyed or filled by it.

The walk below is generic (every attribute, slot, container and numpy object array reachable
from the knowledge base), so a cache added later is caught too.
"""

from __future__ import annotations

import threading

import numpy as np

from bot import keyboards
from bot.handlers import search
from bot.services import Services
from knowledge.base import KnowledgeBase
from knowledge.normalize import fold

CANARY = "my client Marcus Whitfield at 14 Elm Street hit me"
INLINE = "rosa bakersfield pimp"


def reachable(root: object) -> tuple[set[str], list[np.ndarray]]:
    """Every string reachable from `root`, and the numeric arrays of thread-local state."""
    strings: set[str] = set()
    scratch: list[np.ndarray] = []
    seen: set[int] = set()
    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        obj, local = stack.pop()
        if obj is None or id(obj) in seen or isinstance(obj, type):
            continue
        seen.add(id(obj))
        if isinstance(obj, str):
            strings.add(obj)
            continue
        if isinstance(obj, bytes):
            strings.add(obj.decode("utf-8", "replace"))
            continue
        if isinstance(obj, np.ndarray):
            if obj.dtype == object:
                stack.extend((item, local) for item in obj.ravel().tolist())
            elif local:
                scratch.append(obj)
            continue
        if isinstance(obj, threading.local):
            # This thread's view is the one the searches below used.
            stack.extend((v, True) for v in vars(obj).values())
            continue
        if isinstance(obj, dict):
            stack.extend((k, local) for k in obj)
            stack.extend((v, local) for v in obj.values())
        elif isinstance(obj, list | tuple | set | frozenset):
            stack.extend((item, local) for item in obj)
        if hasattr(obj, "__dict__") and not callable(obj):
            stack.extend((v, local) for v in vars(obj).values())
        for cls in type(obj).__mro__:
            for name in getattr(cls, "__slots__", ()):
                if hasattr(obj, name):
                    stack.append((getattr(obj, name), local))
    return strings, scratch


def words_in(strings: set[str]) -> set[str]:
    return {word for text in strings for word in fold(text).split()}


def test_search_words_are_not_kept_by_the_index(small_snapshot):
    kb = KnowledgeBase(small_snapshot)
    before, _ = reachable(kb)
    unknown = {w for w in fold(f"{CANARY} {INLINE}").split() if w not in words_in(before)}
    # The canary's names, street and number are not words of the content.
    assert {"marcus", "whitfield", "elm", "14", "rosa", "bakersfield"} <= unknown

    for _ in range(3):  # repeated, as a cache would want
        kb.search(CANARY, lang="en")
        kb.search(CANARY, lang="es", region="example")
        kb.search(INLINE, lang="en", limit=5)  # as inline mode asks
        kb.search("Marcus", lang="en")
        kb.search("whitfeld", lang="en")  # a misspelling is fuzzy-matched, then forgotten
    kb.topic("marcus-whitfield")  # a deep link can name any topic

    after, scratch = reachable(kb)
    # Nothing new at all: any string kept is one the content already had.
    assert after - before == set()
    assert unknown & words_in(after) == set()
    # Per-thread scratch arrays hold no trace of which documents a search touched.
    assert scratch and all(not array.any() for array in scratch)


def test_known_words_are_cached_under_the_index_s_own_strings(small_kb):
    index = small_kb.index
    small_kb.search("screening client", lang="en")
    small_kb.search("Marcus", lang="en")
    assert set(index._expansions) <= set(index.vocabulary)
    assert "marcus" not in index._expansions
    for word in index._expansions:
        # The key is the vocabulary's own object, not the query's copy of it.
        assert any(word is known for known in index._vocab.words)


def test_the_results_keyboard_is_not_cached(small_kb):
    # Which entries a search found says what was searched: that keyboard is built afresh.
    keyboards._frozen.cache_clear()
    screen = search.answer(Services(small_kb), "en", None, "screening a new client")
    assert "Screening a new client" in str(screen.markup.to_dict())
    assert keyboards._frozen.cache_info().currsize == 0
