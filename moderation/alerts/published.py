"""Published alerts, held in memory for the people who look them up.

"⚠️ Alerts", the partial search and "check a number" are answered from here without a
database round trip, so a lookup costs microseconds however busy the database thread
is. The database stays the record: after every change the desk reloads that one alert
from it (or drops it), so memory never answers what the database would not. Everything
held here is already in the database and, apart from the keyed number hashes, already
shown in the region's channel.
"""

from __future__ import annotations

from moderation.alerts import vetting
from moderation.alerts.lookup import AlertIndex
from moderation.alerts.model import Alert
from moderation.store import Store


class PublishedAlerts:
    def __init__(self) -> None:
        self.index = AlertIndex()
        self._alerts: dict[int, Alert] = {}
        self._by_hash: dict[str, set[int]] = {}
        self._hashes: dict[int, frozenset[str]] = {}

    def __len__(self) -> int:
        return len(self._alerts)

    async def load(self, store: Store) -> None:
        """Every published alert and its number hashes, read once at start."""
        self._alerts.clear()
        self._by_hash.clear()
        self._hashes.clear()
        self.index = AlertIndex()
        hashes: dict[int, set[str]] = {}
        for row in await store.fetch_all("SELECT alert_id, hash FROM alert_numbers"):
            hashes.setdefault(int(row[0]), set()).add(str(row[1]))
        for row in await store.fetch_all("SELECT * FROM alerts ORDER BY id"):
            found = vetting.alert_of(row)
            self._put(found, hashes.get(found.id, set()))

    async def refresh(self, store: Store, alert_id: int) -> Alert | None:
        """Read one alert again after a change: it is held as the database has it now,
        or dropped if the database no longer has it."""
        row = await store.fetch_one("SELECT * FROM alerts WHERE id = ?", (alert_id,))
        if row is None:
            self.drop(alert_id)
            return None
        rows = await store.fetch_all(
            "SELECT hash FROM alert_numbers WHERE alert_id = ?", (alert_id,)
        )
        found = vetting.alert_of(row)
        self._put(found, {str(r[0]) for r in rows})
        return found

    def _put(self, found: Alert, hashes: set[str]) -> None:
        self.drop(found.id)
        self._alerts[found.id] = found
        self._hashes[found.id] = frozenset(hashes)
        for value in hashes:
            self._by_hash.setdefault(value, set()).add(found.id)
        self.index.put(found.id, found.region, found.text)

    def drop(self, alert_id: int) -> None:
        self._alerts.pop(alert_id, None)
        for value in self._hashes.pop(alert_id, frozenset()):
            ids = self._by_hash.get(value)
            if ids is not None:
                ids.discard(alert_id)
                if not ids:
                    del self._by_hash[value]
        self.index.remove(alert_id)

    def get(self, alert_id: int) -> Alert | None:
        return self._alerts.get(alert_id)

    def newest(self, region: str | None = None) -> list[Alert]:
        """Published alerts, newest first (one region's, if given)."""
        found = [a for a in self._alerts.values() if region is None or a.region == region]
        return sorted(found, key=lambda a: a.id, reverse=True)

    def search(self, query: str, region: str | None = None, limit: int = 20) -> list[Alert]:
        """Alerts whose masked text holds every word of `query`, newest first."""
        return [self._alerts[i] for i in self.index.search(query, region, limit)]

    def with_hash(self, value: str) -> list[Alert]:
        """Alerts reported with the number of this keyed hash, newest first."""
        return [self._alerts[i] for i in sorted(self._by_hash.get(value, ()), reverse=True)]
