"""The engines people would pick instead of Lantern's own search, measured in the same run.

- SQLite FTS5 (the standard library's sqlite3, always): BM25 over title, keywords and body.
- The fair rapidfuzz scan: `process.extract(query, titles_and_keywords,
  scorer=fuzz.token_set_ratio, limit=10)`, what a Python developer would ship first.
- tantivy (Rust, BM25), plain and with fuzzy terms, when the `bench` extra is installed.
- bm25s (numpy BM25), when installed.

Every peer indexes the entries a person without a region sees, one index per language,
with the same folding as Lantern (case, accents, punctuation), and is asked the query's
words with stopwords dropped (`query_tokens`), in the query's language, for 10 hits. Title
and keywords weigh twice the body where the engine has fields.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from knowledge.model import Entry, Snapshot, is_visible
from knowledge.normalize import fold, query_tokens
from knowledge.search import Hit

LIMIT = 10
FIELD_BOOST = 2.0


def _documents(snapshot: Snapshot, lang: str) -> list[tuple[str, str, str]]:
    """(title, keywords, body), folded, of every entry seen without a region."""
    found = []
    for entry in snapshot.entries:
        if not is_visible(entry, None):
            continue
        text = entry.text(lang)
        found.append((fold(text.title), fold(" ".join(text.keywords)), fold(text.body)))
    return found


class Peer:
    """One engine over one snapshot; `search` returns hits like Lantern's."""

    name = "peer"
    slow = False  # True: timed on a sample of the queries only

    def __init__(self, snapshot: Snapshot, languages: Sequence[str]) -> None:
        self.entries = [e for e in snapshot.entries if is_visible(e, None)]
        self.languages = tuple(languages)
        for lang in self.languages:
            self._index(lang, _documents(snapshot, lang))

    def _index(self, lang: str, documents: list[tuple[str, str, str]]) -> None:
        raise NotImplementedError

    def _find(self, words: list[str], lang: str) -> list[int]:
        raise NotImplementedError

    def search(self, query: str, lang: str) -> list[Hit]:
        words = query_tokens(query)
        if not words or lang not in self.languages:
            return []
        return [Hit(self.entries[i], 0.0) for i in self._find(words, lang)[:LIMIT]]

    def close(self) -> None:
        return None


class Fts5(Peer):
    """SQLite FTS5, unicode61 tokenizer without diacritics, ranked by bm25()."""

    name = "SQLite FTS5"

    def __init__(self, snapshot: Snapshot, languages: Sequence[str]) -> None:
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        super().__init__(snapshot, languages)

    def _index(self, lang: str, documents: list[tuple[str, str, str]]) -> None:
        self.db.execute(
            f"CREATE VIRTUAL TABLE docs_{lang} USING fts5("
            "title, keywords, body, tokenize='unicode61 remove_diacritics 2')"
        )
        self.db.executemany(
            f"INSERT INTO docs_{lang}(rowid, title, keywords, body) VALUES (?, ?, ?, ?)",
            ((i, *doc) for i, doc in enumerate(documents)),
        )
        self.db.commit()

    def _find(self, words: list[str], lang: str) -> list[int]:
        match = " OR ".join(f'"{w}"' for w in words)
        rows = self.db.execute(
            f"SELECT rowid FROM docs_{lang} WHERE docs_{lang} MATCH ? "
            f"ORDER BY bm25(docs_{lang}, {FIELD_BOOST}, {FIELD_BOOST}, 1.0) LIMIT {LIMIT}",
            (match,),
        ).fetchall()
        return [row[0] for row in rows]

    def close(self) -> None:
        self.db.close()


class FuzzScan(Peer):
    """rapidfuzz token_set_ratio of the query against every title and keywords."""

    name = "rapidfuzz scan"
    slow = True

    def _index(self, lang: str, documents: list[tuple[str, str, str]]) -> None:
        if not hasattr(self, "texts"):
            self.texts: dict[str, list[str]] = {}
        self.texts[lang] = [f"{title} {keywords}" for title, keywords, _ in documents]

    def _find(self, words: list[str], lang: str) -> list[int]:
        found = process.extract(
            " ".join(words), self.texts[lang], scorer=fuzz.token_set_ratio, limit=LIMIT
        )
        return [index for _, _, index in found]


class Tantivy(Peer):
    """tantivy's BM25 over three text fields; with `fuzzy`, terms within one edit too."""

    name = "tantivy"

    def __init__(self, snapshot: Snapshot, languages: Sequence[str], *, fuzzy: bool = False):
        import tantivy

        self._tantivy = tantivy
        self.fuzzy = fuzzy
        if fuzzy:
            self.name = "tantivy + fuzzy"
        builder = tantivy.SchemaBuilder()
        for field in ("title", "keywords", "body"):
            builder.add_text_field(field, stored=False)
        builder.add_integer_field("n", stored=True, indexed=False, fast=True)
        self.schema = builder.build()
        self.indexes: dict[str, object] = {}
        self.searchers: dict[str, object] = {}
        super().__init__(snapshot, languages)

    def _index(self, lang: str, documents: list[tuple[str, str, str]]) -> None:
        tantivy = self._tantivy
        index = tantivy.Index(self.schema)  # in memory
        writer = index.writer(heap_size=64_000_000, num_threads=1)
        for n, (title, keywords, body) in enumerate(documents):
            writer.add_document(tantivy.Document(title=title, keywords=keywords, body=body, n=n))
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        self.indexes[lang] = index
        self.searchers[lang] = index.searcher()

    def _find(self, words: list[str], lang: str) -> list[int]:
        index = self.indexes[lang]
        text = " ".join(w for w in words if _PLAIN.fullmatch(w))
        if not text:
            return []
        fields = ["title", "keywords", "body"]
        fuzzy = {f: (False, 1, True) for f in fields} if self.fuzzy else None
        query = index.parse_query(  # type: ignore[attr-defined]
            text,
            fields,
            field_boosts={"title": FIELD_BOOST, "keywords": FIELD_BOOST},
            fuzzy_fields=fuzzy,
        )
        searcher = self.searchers[lang]
        found = searcher.search(query, LIMIT).hits  # type: ignore[attr-defined]
        return [searcher.doc(address)["n"][0] for _, address in found]  # type: ignore[attr-defined]


# Words the query parser takes as plain terms (folded words are letters and digits).
_PLAIN = re.compile(r"\w+")


class Bm25s(Peer):
    """bm25s (numpy sparse BM25) over title, keywords and body in one text."""

    name = "bm25s"

    def _index(self, lang: str, documents: list[tuple[str, str, str]]) -> None:
        import bm25s

        if not hasattr(self, "retrievers"):
            self.retrievers: dict[str, object] = {}
            self.vocab: dict[str, dict[str, int]] = {}
        texts = [
            f"{title} {title} {keywords} {keywords} {body}" for title, keywords, body in documents
        ]
        tokenized = bm25s.tokenize(texts, stopwords=None, show_progress=False)
        retriever = bm25s.BM25()
        retriever.index(tokenized, show_progress=False)
        self.retrievers[lang] = retriever
        self.vocab[lang] = tokenized.vocab

    def _find(self, words: list[str], lang: str) -> list[int]:
        vocab = self.vocab[lang]
        ids = [vocab[w] for w in words if w in vocab]
        if not ids:
            return []
        retriever = self.retrievers[lang]
        count = min(LIMIT, len(self.entries))
        results, scores = retriever.retrieve(  # type: ignore[attr-defined]
            [ids], k=count, show_progress=False, n_threads=1
        )
        return [int(i) for i, s in zip(results[0], scores[0], strict=True) if s > 0]


def available() -> list[type[Peer] | tuple[type[Peer], dict]]:
    """Peers to run: FTS5 and the rapidfuzz scan always, the others when installed."""
    found: list[type[Peer] | tuple[type[Peer], dict]] = [Fts5, FuzzScan]
    try:
        import tantivy  # noqa: F401
    except ImportError:
        pass
    else:
        found += [Tantivy, (Tantivy, {"fuzzy": True})]
    try:
        import bm25s  # noqa: F401
    except ImportError:
        pass
    else:
        found.append(Bm25s)
    return found


def make(kind: type[Peer] | tuple[type[Peer], dict], snapshot: Snapshot, languages) -> Peer:
    if isinstance(kind, tuple):
        cls, options = kind
        return cls(snapshot, languages, **options)
    return kind(snapshot, languages)


def entries_of(peer: Peer) -> list[Entry]:
    return peer.entries
