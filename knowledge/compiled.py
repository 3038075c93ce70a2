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
for (knowledge.stored_texts): a restart neither decodes nor holds them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle  # only for the error numpy raises on a file that is not an archive
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import BinaryIO

import numpy as np

from knowledge.dump import entry_record
from knowledge.loader.entries import ENTRY_KEYS, REFERRAL_FLAG_KEYS
from knowledge.model import (
    Contact,
    Cost,
    Entry,
    Kind,
    Police,
    ReferralFlags,
    Region,
    Snapshot,
)
from knowledge.search import SearchIndex
from knowledge.stored_texts import StoredTexts, TextStore
from knowledge.taxonomy import LANGUAGES

FORMAT = 3
PREFIX = "content-"
SUFFIX = ".npz"
_META = "meta"  # JSON: the key, the regions, and the entries' fields column by column
_TEXTS = "texts"  # each text's body and keywords, one JSON document after another
_TEXT_ENDS = "text_ends"  # where each of those ends in `texts`, in bytes
# Strings kept in memory, each list as one UTF-8 run (see _packed): read back with no
# objects made only to be dropped, so what is kept lies together and a start's memory is
# what it keeps.
_STRINGS = ("words", "phrases")
_TITLES = "titles"  # every text's title in UTF-8, one after another
_TITLE_ENDS = "title_ends"  # where each ends in `titles`, in bytes
_OWN = (_META, _TEXTS, _TEXT_ENDS, _TITLES, _TITLE_ENDS, *_STRINGS)
# An entry's fields other than its texts, stored as one list per field (None where an
# entry has no such field: only referrals have contacts and flags).
_FIELDS = (
    *sorted(ENTRY_KEYS.difference(LANGUAGES)),
    "origin",
    "contact",
    *REFERRAL_FLAG_KEYS,
)
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
    columns: dict[str, list] = {name: [] for name in (*_FIELDS, "langs")}
    titles = bytearray()
    title_ends = []
    jurisdictions: dict[str, str] = {}
    texts = bytearray()
    ends = []
    for entry in snapshot.entries:
        record = _record(entry, origin)
        for name in _FIELDS:
            columns[name].append(record.get(name))
        columns["langs"].append(list(entry.texts))
        for text in entry.texts.values():
            stored = json.dumps([text.body, list(text.keywords)], ensure_ascii=False)
            texts += stored.encode("utf-8", "surrogatepass")
            if text.jurisdiction is not None:
                jurisdictions[str(len(ends))] = text.jurisdiction
            titles += text.title.encode("utf-8", "surrogatepass")
            title_ends.append(len(titles))
            ends.append(len(texts))
    meta = {
        "format": FORMAT,
        "key": key,
        "regions": [[r.slug, dict(r.names)] for r in snapshot.regions],
        "entries": columns,
        "jurisdictions": jurisdictions,
    }
    arrays = {
        **arrays,
        _TEXTS: np.frombuffer(texts, dtype=np.uint8),
        _TEXT_ENDS: np.asarray(ends, dtype=np.int64),
        _TITLES: np.frombuffer(titles, dtype=np.uint8),
        _TITLE_ENDS: np.asarray(title_ends, dtype=np.int64),
    }
    for name, strings in (("words", words), ("phrases", phrases)):
        arrays[name], joiner, count = _packed(strings)
        meta[name] = [joiner, count]
    arrays[_META] = _utf8(json.dumps(meta, ensure_ascii=False))
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
            strings = {name: _unpacked(archive[name], *meta[name]) for name in _STRINGS}
            arrays = {n: archive[n] for n in archive.files if n not in _OWN}
            ends = archive[_TEXT_ENDS]
            start, size = _stored_array_at(handle, archive.zip.getinfo(f"{_TEXTS}.npy"))
            titles, title_ends = archive[_TITLES], archive[_TITLE_ENDS]
        _check_ends(ends, size, len(ends))
        if titles.dtype != np.uint8 or titles.ndim != 1:
            raise CompiledError("the titles are not stored as written")
        _check_ends(title_ends, len(titles), len(ends))
        jurisdictions = {int(at): text for at, text in meta["jurisdictions"].items()}
        store = TextStore(
            os.dup(handle.fileno()), start, ends, titles.tobytes(), title_ends, jurisdictions
        )
        entries = _entries(meta, store, origin)
        snapshot = Snapshot(
            entries=entries,
            regions=tuple(Region(slug, names) for slug, names in meta["regions"]),
        )
        index = SearchIndex.restore(snapshot, arrays, strings["words"], strings["phrases"])
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


def _packed(strings: Iterable[str]) -> tuple[np.ndarray, str, int]:
    """(UTF-8 of the strings joined, the character that joins them, how many there are).

    The joiner is the first control character no string holds (YAML can spell any of
    them, so none is assumed absent), and a load is one decode and one split.
    """
    strings = list(strings)
    joiner = next(c for c in map(chr, range(32)) if not any(c in one for one in strings))
    data = joiner.join(strings).encode("utf-8", "surrogatepass")
    return np.frombuffer(data, dtype=np.uint8), joiner, len(strings)


def _unpacked(data: np.ndarray, joiner: str, count: int) -> list[str]:
    if data.dtype != np.uint8 or data.ndim != 1:
        raise CompiledError("a list of strings is not stored as written")
    found = data.tobytes().decode("utf-8", "surrogatepass").split(joiner) if count else []
    if len(found) != count:
        raise CompiledError("a list of strings does not hold as many as were written")
    return found


def _day(days: dict[str, date], text: str) -> date:
    found = days.get(text)
    if found is None:
        found = days[text] = date.fromisoformat(text)
    return found


def _record(entry: Entry, origin: Relocate | None = None) -> dict:
    record = entry_record(entry)
    record["verified"] = entry.verified.isoformat()
    record["review_by"] = entry.review_by.isoformat()
    record["origin"] = origin(entry.origin) if origin is not None else entry.origin
    return record


def _entries(meta: dict, store: TextStore, origin: Relocate | None) -> tuple[Entry, ...]:
    """The entries `save` stored column by column; the content was validated before."""
    columns = meta["entries"]
    count = len(columns["id"])
    if any(len(columns[name]) != count for name in (*_FIELDS, "langs")):
        raise CompiledError("the entries' fields are not all there")
    if sum(len(langs) for langs in columns["langs"]) != len(store):
        raise CompiledError("the entries do not name each stored text once")
    known = {lang: lang for lang in LANGUAGES}
    # Entries share their topics, regions, sources, languages and dates: one copy each.
    shared: dict[object, object] = {}
    one = shared.setdefault
    days: dict[str, date] = {}
    found = []
    at = 0
    for i in range(count):
        langs = tuple([known[lang] for lang in columns["langs"][i]])
        texts = StoredTexts(store, at, one(langs, langs))  # type: ignore[arg-type]
        at += len(langs)
        kind = Kind(columns["kind"][i])
        contact = flags = None
        if kind is Kind.REFERRAL:
            if (fields := columns["contact"][i]) is not None:
                contact = Contact(**fields)
            flags = ReferralFlags(
                police_involvement=Police(columns["police_involvement"][i]),
                id_required=_TRISTATE[columns["id_required"][i]],
                immigration_status_asked=_TRISTATE[columns["immigration_status_asked"][i]],
                cost=Cost(columns["cost"][i]),
                sex_worker_led=_TRISTATE[columns["sex_worker_led"][i]],
                sex_worker_affirming=_TRISTATE[columns["sex_worker_affirming"][i]],
                trans_affirming=_TRISTATE[columns["trans_affirming"][i]],
                languages=tuple(columns["languages"][i]),
            )
        topics, regions = tuple(columns["topics"][i]), tuple(columns["regions"][i])
        stored_origin = columns["origin"][i]
        found.append(
            Entry(
                id=columns["id"][i],
                kind=kind,
                topics=one(topics, topics),
                regions=one(regions, regions),
                texts=texts,
                source=one(columns["source"][i], columns["source"][i]),
                verified=_day(days, columns["verified"][i]),
                review_by=_day(days, columns["review_by"][i]),
                contact=contact,
                flags=flags,
                origin=origin(stored_origin) if origin is not None else stored_origin,
            )
        )
    return tuple(found)


def _stored_array_at(handle: BinaryIO, member: zipfile.ZipInfo) -> tuple[int, int]:
    """(where the data of `member`, a uint8 array, starts in the file, how many bytes it
    holds); checked whole.

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
    return start, size


def _check_ends(ends: np.ndarray, size: int, count: int) -> None:
    """`count` ends, in order, of texts run together in `size` bytes."""
    if ends.dtype != np.int64 or ends.ndim != 1:
        raise CompiledError("the ends of stored texts are not stored as written")
    if len(ends) != count or (count and (ends[0] < 0 or ends[-1] != size)):
        raise CompiledError("stored texts do not fit their ends")
    if np.any(np.diff(ends) < 0):
        raise CompiledError("stored texts do not fit their ends")
