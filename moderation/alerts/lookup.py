"""Finding alerts: by partial details over the masked, published text only, and "check a
number" by a keyed slow hash of the full number.

The partial search is an in-memory trigram index of what the region's channel already
shows; nothing typed into it is kept. The number check hashes the number (normalised by
`phonenumbers`) with scrypt keyed by a secret derived from the moderator key, which lives
off the data volume: a copy of the database alone cannot test a single number, and with
the key every guess still costs a full scrypt.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from dataclasses import dataclass

from moderation import identity
from moderation.alerts.masking import compact
from moderation.identity import KEY_BYTES, ScryptCost

MIN_QUERY = 3  # shorter fragments match too much to mean anything
MAX_QUERY_WORDS = 6
BROAD = 1000  # a trigram in more alerts than this does not narrow a search
_CONTEXT = b"lantern alert numbers v1"


def _grams(text: str) -> set[str]:
    return {text[i : i + 3] for i in range(len(text) - 2)}


@dataclass
class _Doc:
    region: str
    compact: str


class AlertIndex:
    """Published alerts' masked text, searchable by fragments of at least three
    characters; every word of a query must be found (in any order)."""

    def __init__(self) -> None:
        self._docs: dict[int, _Doc] = {}
        self._grams: dict[str, set[int]] = {}

    def __len__(self) -> int:
        return len(self._docs)

    def put(self, alert_id: int, region: str, text: str) -> None:
        self.remove(alert_id)
        doc = _Doc(region, compact(text) + "\n" + text.casefold())
        self._docs[alert_id] = doc
        for gram in _grams(doc.compact):
            self._grams.setdefault(gram, set()).add(alert_id)

    def remove(self, alert_id: int) -> None:
        doc = self._docs.pop(alert_id, None)
        if doc is None:
            return
        for gram in _grams(doc.compact):
            ids = self._grams.get(gram)
            if ids is not None:
                ids.discard(alert_id)
                if not ids:
                    del self._grams[gram]

    def search(self, query: str, region: str | None = None, limit: int = 20) -> list[int]:
        """Alert ids whose text holds every word of `query`, newest first. A word shorter
        than three characters is ignored; a query with no usable word finds nothing."""
        words = [compact(w) for w in query.split()[:MAX_QUERY_WORDS]]
        words = [w for w in words if len(w) >= MIN_QUERY]
        if not words:
            return []
        # Words with a rare trigram narrow the candidates by set intersection; words made
        # only of common trigrams ("violent") would intersect sets as big as the index,
        # so they are checked directly, newest first, until `limit` are found.
        narrow: set[int] | None = None
        for word in words:
            sets = sorted((self._grams.get(g, set()) for g in _grams(word)), key=len)
            if not sets or not sets[0]:
                return []
            if len(sets[0]) > BROAD:
                continue
            candidates = set(sets[0])
            for other in sets[1:]:
                candidates &= other
                if not candidates:
                    return []
            narrow = candidates if narrow is None else narrow & candidates
            if not narrow:
                return []
        order = sorted(narrow, reverse=True) if narrow is not None else reversed(self._docs)
        hits: list[int] = []
        for i in order:
            doc = self._docs[i]
            if (region is None or doc.region == region) and all(w in doc.compact for w in words):
                hits.append(i)
                if len(hits) == limit:
                    break
        return sorted(hits, reverse=True)


class NumberHasher:
    """A keyed, slow hash of a normalised phone number (E.164); one at a time, off the
    event loop, so checks can never take more than one core."""

    def __init__(self, moderator_key: bytes, cost: ScryptCost | None = None) -> None:
        if len(moderator_key) < KEY_BYTES:
            raise ValueError("key too short")
        # Its own key, derived: a number hash and a moderator hash can never be compared.
        self._key = hmac.new(moderator_key, _CONTEXT, hashlib.sha256).digest()
        self.cost = cost or identity.DEFAULT_COST
        self._lock = asyncio.Lock()

    def hash_now(self, e164: str) -> str:
        digest = hashlib.scrypt(
            f"phone:{e164}".encode(),
            salt=self._key,
            n=self.cost.n,
            r=self.cost.r,
            p=self.cost.p,
            maxmem=self.cost.memory + 2**20,
            dklen=32,
        )
        return self.cost.prefix + digest.hex()

    async def hash(self, e164: str) -> str:
        async with self._lock:
            return await asyncio.to_thread(self.hash_now, e164)

    def __repr__(self) -> str:
        return "NumberHasher(<key>)"
