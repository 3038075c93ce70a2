"""Compiled content: a validated snapshot and its search index, saved to start fast.

Parsing and checking thousands of YAML entries takes seconds; reading back what an
earlier start already checked takes a fraction of that. A compiled file is named by a
key the caller derives from the content files' bytes and from the code that judged them,
so a change to either means a fresh parse. A file that is damaged, foreign or unreadable
is ignored (and replaced at the next save). It holds only published content, never
anything about people, and no pickles: numpy arrays plus JSON documents, read with
`allow_pickle=False`.

Bodies and keywords are most of the content and are needed only when a card is shown or
a tip is edited, so a loaded snapshot leaves them in the file and reads each when asked
for (`StoredText`): a restart neither decodes nor holds them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle  # only for the error numpy raises on a file that is not an archive
import struct
import tempfile
import weakref
import zipfile
import zlib
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import BinaryIO

import numpy as np

from knowledge.dump import entry_record
from knowledge.model import (
    Contact,
    Cost,
    Entry,
    Kind,
    Police,
    ReferralFlags,
    Region,
    Snapshot,
    Text,
)
from knowledge.search import SearchIndex
from knowledge.taxonomy import LANGUAGES

FORMAT = 2
PREFIX = "content-"
SUFFIX = ".npz"
_META = "meta"
_ENTRIES = "entries"
_TEXTS = "texts"  # each text's body and keywords, one JSON document after another
_TEXT_ENDS = "text_ends"  # where each of those ends in `texts`
_OWN = (_META, _ENTRIES, _TEXTS, _TEXT_ENDS)
_CHUNK = 1 << 20
_TRISTATE = {True: True, False: False, "unknown": None}
# Compiled files kept side by side, newest used first: switching the content (or the code)
# back to an earlier version reads its file again instead of recompiling.
KEEP = 3

Relocate = Callable[[str], str]


class CompiledError(ValueError):
    """A compiled file that cannot be used; the caller parses the YAML instead."""


def key_of(parts: Iterable[tuple[str, bytes]]) -> str:
    """A key for (name, bytes) pairs: the content files, the code, anything that matters."""
    digest = hashlib.sha256(f"lantern-compiled-{FORMAT}".encode())
    for name, data in parts:
        for piece in (name.encode("utf-8"), data):
            digest.update(len(piece).to_bytes(8, "big"))
            digest.update(piece)
    return digest.hexdigest()[:32]


def path_for(directory: Path, key: str) -> Path:
    return directory / f"{PREFIX}{key}{SUFFIX}"


def save(
    directory: Path,
    key: str,
    snapshot: Snapshot,
    index: SearchIndex,
    *,
    origin: Relocate | None = None,
    keep: int = KEEP,
) -> Path:
    """Write the compiled file for `key` atomically; keep the `keep` newest files.

    `origin` turns each entry's origin into what is stored (say, a path relative to the
    content directory rather than to the working directory); `load` takes the inverse.
    Raises OSError when the directory is not writable; nothing half-written is left.
    """
    arrays, words, phrases = index.export()
    meta = {
        "format": FORMAT,
        "key": key,
        "regions": [[r.slug, dict(r.names)] for r in snapshot.regions],
        "words": words,
        "phrases": phrases,
    }
    records = []
    texts = bytearray()
    ends = []
    for entry in snapshot.entries:
        record = _record(entry, origin)
        for lang in entry.texts:
            block = record[lang]
            stored = json.dumps([block.pop("body"), block.pop("keywords")], ensure_ascii=False)
            texts += stored.encode("utf-8")
            block["at"] = len(ends)
            ends.append(len(texts))
        records.append(record)
    arrays = {
        **arrays,
        _META: _utf8(json.dumps(meta, ensure_ascii=False)),
        _ENTRIES: _utf8(json.dumps(records, ensure_ascii=False)),
        _TEXTS: np.frombuffer(bytes(texts), dtype=np.uint8),
        _TEXT_ENDS: np.asarray(ends, dtype=np.int64),
    }
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = path_for(directory, key)
    handle, temporary = tempfile.mkstemp(prefix=".compiling-", suffix=SUFFIX, dir=directory)
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez(out, **arrays)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _prune(directory, keep)
    return target


def _prune(directory: Path, keep: int) -> None:
    """Remove all but the `keep` most recently written or used compiled files."""
    found = []
    for path in directory.glob(f"{PREFIX}*{SUFFIX}"):
        with contextlib.suppress(OSError):
            found.append((path.stat().st_mtime_ns, path.name, path))
    found.sort(reverse=True)
    for _, _, old in found[max(keep, 1) :]:
        with contextlib.suppress(OSError):
            old.unlink()


def load(
    directory: Path, key: str, *, origin: Relocate | None = None
) -> tuple[Snapshot, SearchIndex] | None:
    """The snapshot and index saved under `key`; None when there is no such file.

    `origin` turns each stored origin back into the entry's (the inverse of `save`'s).
    A file that is read is marked as just used, so that it is kept among the newest.
    Raises CompiledError when the file is there but damaged or not what it claims.
    """
    path = path_for(directory, key)
    unreadable = (OSError, ValueError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CompiledError(f"cannot read {path.name}: {type(exc).__name__}: {exc}") from exc
    # Given a file it opened itself, np.load leaves it open when a damaged archive cannot
    # be read (a ResourceWarning); this one is closed whatever happens.
    try:
        archive = np.load(handle, allow_pickle=False)
    except unreadable as exc:
        handle.close()
        raise CompiledError(f"cannot read {path.name}: {type(exc).__name__}: {exc}") from exc
    try:
        with archive:
            meta = json.loads(archive[_META].tobytes())
            if meta.get("format") != FORMAT or meta.get("key") != key:
                raise CompiledError(f"{path.name} is not the compiled content it is named for")
            records = json.loads(archive[_ENTRIES].tobytes())
            arrays = {n: archive[n] for n in archive.files if n not in _OWN}
            ends = archive[_TEXT_ENDS]
            start = _stored_array_at(handle, archive.zip.getinfo(f"{_TEXTS}.npy"), ends)
        store = TextStore(os.dup(handle.fileno()), start, ends)
        shared: dict[str, str] = {}
        entries = tuple(_entry(record, store, shared, origin) for record in records)
        snapshot = Snapshot(
            entries=entries,
            regions=tuple(Region(slug, names) for slug, names in meta["regions"]),
        )
        index = SearchIndex.restore(snapshot, arrays, meta["words"], meta["phrases"])
    except CompiledError:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError, zipfile.BadZipFile) as exc:
        raise CompiledError(f"{path.name} is damaged: {type(exc).__name__}: {exc}") from exc
    finally:
        handle.close()
    with contextlib.suppress(OSError):
        os.utime(path)  # used: kept when other versions are saved later
    return snapshot, index


def _utf8(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def _record(entry: Entry, origin: Relocate | None = None) -> dict:
    record = entry_record(entry)
    record["verified"] = entry.verified.isoformat()
    record["review_by"] = entry.review_by.isoformat()
    record["origin"] = origin(entry.origin) if origin is not None else entry.origin
    return record


def _entry(
    record: dict, store: TextStore, shared: dict[str, str], origin: Relocate | None = None
) -> Entry:
    """An Entry from a record `save` wrote; the content was validated before saving."""
    one = shared.setdefault
    texts = {
        lang: StoredText.at(store, block["at"], block["title"], block.get("jurisdiction"))
        for lang in LANGUAGES
        if (block := record.get(lang)) is not None
    }
    kind = Kind(record["kind"])
    contact = flags = None
    if kind is Kind.REFERRAL:
        contact = Contact(**record["contact"]) if "contact" in record else None
        flags = ReferralFlags(
            police_involvement=Police(record["police_involvement"]),
            id_required=_TRISTATE[record["id_required"]],
            immigration_status_asked=_TRISTATE[record["immigration_status_asked"]],
            cost=Cost(record["cost"]),
            sex_worker_led=_TRISTATE[record["sex_worker_led"]],
            sex_worker_affirming=_TRISTATE[record["sex_worker_affirming"]],
            trans_affirming=_TRISTATE[record["trans_affirming"]],
            languages=tuple(record["languages"]),
        )
    return Entry(
        id=record["id"],
        kind=kind,
        topics=tuple([one(t, t) for t in record["topics"]]),
        regions=tuple([one(r, r) for r in record["regions"]]),
        texts=texts,
        source=one(record["source"], record["source"]),
        verified=date.fromisoformat(record["verified"]),
        review_by=date.fromisoformat(record["review_by"]),
        contact=contact,
        flags=flags,
        origin=origin(record["origin"]) if origin is not None else record["origin"],
    )


def _stored_array_at(handle: BinaryIO, member: zipfile.ZipInfo, ends: np.ndarray) -> int:
    """Where the data of `member`, the texts' array, starts in the file; checked whole.

    numpy writes an archive's arrays uncompressed, each as a .npy file in the zip; the
    texts are read from there by offset, so the member's own CRC is checked here, once.
    """
    if member.compress_type != zipfile.ZIP_STORED:
        raise CompiledError("the texts are not stored as written")
    handle.seek(member.header_offset)
    local = handle.read(30)
    if len(local) != 30 or local[:4] != b"PK\x03\x04":
        raise CompiledError("the texts' zip header is damaged")
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    begin = member.header_offset + 30 + name_length + extra_length
    handle.seek(begin)
    version = np.lib.format.read_magic(handle)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
    else:
        shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
    start = handle.tell()
    size = member.file_size - (start - begin)
    if dtype != np.uint8 or shape != (size,):
        raise CompiledError("the texts' array is not what was written")
    if ends.dtype != np.int64 or ends.ndim != 1:
        raise CompiledError("the texts' ends are not what was written")
    if len(ends) and (ends[0] < 0 or ends[-1] != size or np.any(np.diff(ends) < 0)):
        raise CompiledError("the texts' ends do not fit the texts")
    crc = 0
    handle.seek(begin)
    left = member.file_size
    while left > 0:
        chunk = handle.read(min(left, _CHUNK))
        if not chunk:
            raise CompiledError("the texts are cut short")
        crc = zlib.crc32(chunk, crc)
        left -= len(chunk)
    if crc != member.CRC:
        raise CompiledError("the texts are damaged (CRC)")
    return start


class TextStore:
    """The bodies and keywords of one compiled file, read from it one text at a time.

    A compiled file is never changed once written: a newer one replaces it under another
    inode. The descriptor held here keeps this one readable after it is replaced or
    pruned, and is closed when no text needs it any more.
    """

    __slots__ = ("__weakref__", "_ends", "_fd", "_start")

    def __init__(self, fd: int, start: int, ends: np.ndarray) -> None:
        self._fd = fd
        self._start = start
        self._ends = ends
        weakref.finalize(self, os.close, fd)

    def __len__(self) -> int:
        return len(self._ends)

    def read(self, at: int) -> tuple[str, tuple[str, ...]]:
        """(body, keywords) of the text stored `at`."""
        begin = int(self._ends[at - 1]) if at > 0 else 0
        end = int(self._ends[at])
        data = os.pread(self._fd, end - begin, self._start + begin)
        if len(data) != end - begin:
            # Only if the file was cut short in place after it was checked.
            raise CompiledError("a compiled file changed while it was in use")
        body, keywords = json.loads(data)
        return body, tuple(keywords)


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
        if not 0 <= at < len(store):
            raise CompiledError("an entry names a text that is not stored")
        text = object.__new__(cls)
        for name, value in (
            ("title", title),
            ("jurisdiction", jurisdiction),
            ("_store", store),
            ("_at", at),
        ):
            object.__setattr__(text, name, value)
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
