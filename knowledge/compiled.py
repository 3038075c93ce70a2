"""Compiled content: a validated snapshot and its search index, saved to start fast.

Parsing and checking thousands of YAML entries takes seconds; reading back what an
earlier start already checked takes a fraction of that. A compiled file is named by a
key the caller derives from the content files' bytes and from the code that judged them,
so a change to either means a fresh parse. A file that is damaged, foreign or unreadable
is ignored (and replaced at the next save). It holds only published content, never
anything about people, and no pickles: numpy arrays plus one JSON document, read with
`allow_pickle=False`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle  # only for the error numpy raises on a file that is not an archive
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

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

FORMAT = 1
PREFIX = "content-"
SUFFIX = ".npz"
_META = "meta"
_ENTRIES = "entries"
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
    # One JSON line per entry, read back one at a time (see `load`).
    lines = "\n".join(json.dumps(_record(e, origin), ensure_ascii=False) for e in snapshot.entries)
    arrays = {
        **arrays,
        _META: _utf8(json.dumps(meta, ensure_ascii=False)),
        _ENTRIES: _utf8(lines),
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
        with handle, archive:
            meta = json.loads(archive[_META].tobytes())
            if meta.get("format") != FORMAT or meta.get("key") != key:
                raise CompiledError(f"{path.name} is not the compiled content it is named for")
            lines = archive[_ENTRIES].tobytes()
            arrays = {n: archive[n] for n in archive.files if n not in (_META, _ENTRIES)}
        # Entry by entry, so each record's copies of shared words are freed before the
        # next is read and memory stays compact; one copy of each shared word is kept.
        shared: dict[str, str] = {}
        records = lines.split(b"\n") if lines else []
        entries = tuple(_entry(json.loads(record), shared, origin) for record in records)
        del lines, records
        snapshot = Snapshot(
            entries=entries,
            regions=tuple(Region(slug, names) for slug, names in meta["regions"]),
        )
        index = SearchIndex.restore(snapshot, arrays, meta["words"], meta["phrases"])
    except CompiledError:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError, zipfile.BadZipFile) as exc:
        raise CompiledError(f"{path.name} is damaged: {type(exc).__name__}: {exc}") from exc
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


def _entry(record: dict, shared: dict[str, str], origin: Relocate | None = None) -> Entry:
    """An Entry from a record `_record` wrote; the content was validated before saving."""
    one = shared.setdefault
    texts = {
        lang: Text(
            title=block["title"],
            body=block["body"],
            keywords=tuple([one(k, k) for k in block["keywords"]]),
            jurisdiction=block.get("jurisdiction"),
        )
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
