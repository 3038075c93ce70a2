"""The alert desk: everything the bot does with alerts, over the database and a clock.

Moderators are re-checked against the database on every action (a removed one can do
nothing), every decision is in the audit log by moderator number, and everything users
can look up is held in memory (`published.py`), read from published alerts at start and
reloaded alert by alert after each change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from moderation.alerts import expiry, intake, outbox, vetting
from moderation.alerts.errors import AlertRefused
from moderation.alerts.lookup import AlertIndex, NumberHasher
from moderation.alerts.masking import country_of, mask_text, normalise_phone
from moderation.alerts.model import (
    DEFAULT_EXPIRY_DAYS,
    Alert,
    NumberMatch,
    PendingReport,
    ReportDraft,
)
from moderation.alerts.published import PublishedAlerts
from moderation.store import Store

SINGLE_REVIEW = "single_review"  # the team setting moderation.workflow keeps


@dataclass(frozen=True)
class AlertSettings:
    """What a deployment may change: how long alerts live by severity (days), and whether
    "check a number" is on (off by default; it needs the moderator key too)."""

    expiry_days: dict[int, int] = field(default_factory=lambda: dict(DEFAULT_EXPIRY_DAYS))
    number_check: bool = False
    approvals: int = 2


@dataclass(frozen=True)
class Approval:
    published: int | None  # the alert's number once published
    approvals: int  # how many so far
    needed: int


class AlertDesk:
    def __init__(
        self,
        store: Store,
        *,
        settings: AlertSettings | None = None,
        number_key: bytes | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.settings = settings or AlertSettings()
        self.now = now
        self.published = PublishedAlerts()
        self.hasher = NumberHasher(number_key) if number_key else None
        self._regions: dict[int, str] = {}

    @property
    def index(self) -> AlertIndex:
        return self.published.index

    @property
    def number_check(self) -> bool:
        """Whether "check a number" is offered: switched on, and a key to hash with."""
        return self.settings.number_check and self.hasher is not None

    def today(self) -> date:
        return self.now().date()

    async def load(self) -> None:
        """At start: deleted pages overwritten on disk from now on; published alerts read
        into memory."""
        await self.store.fetch_all("PRAGMA secure_delete = ON")
        await self.published.load(self.store)

    # ----- people -------------------------------------------------------------------

    async def submit(self, draft: ReportDraft, lang: str, regions: set[str]) -> int:
        return await intake.store_report(self.store, draft, lang, self.today(), regions)

    async def alerts(self, region: str | None = None) -> list[Alert]:
        """Published alerts, newest first (one region's, if given)."""
        return self.published.newest(region)

    async def alert(self, alert_id: int) -> Alert | None:
        return self.published.get(alert_id)

    async def recorded(self, alert_id: int) -> Alert | None:
        """The alert as the database has it: the channel publisher reads this, since an
        alert is committed (and its post queued) a moment before memory holds it."""
        row = await self.store.fetch_one("SELECT * FROM alerts WHERE id = ?", (alert_id,))
        return vetting.alert_of(row) if row else None

    async def search(self, query: str, region: str | None = None, limit: int = 20) -> list[Alert]:
        """Alerts whose masked text holds every word of `query`, newest first."""
        return self.published.search(query, region, limit)

    async def check_number(self, raw: str, region: str | None) -> list[NumberMatch]:
        """Published alerts reported with exactly this number: coarse answers only."""
        if not self.number_check or self.hasher is None:
            raise AlertRefused("no_key")
        e164 = normalise_phone(raw, country_of(region or ""))
        if e164 is None:
            raise AlertRefused("not_a_number")
        value = await self.hasher.hash(e164)
        return [
            NumberMatch(found.categories, found.region, found.month, found.reports)
            for found in self.published.with_hash(value)
        ]

    # ----- moderators ---------------------------------------------------------------

    async def _active(self, moderator_id: int) -> str:
        row = await self.store.fetch_one(
            "SELECT pseudonym FROM moderators WHERE id = ? AND active = 1", (moderator_id,)
        )
        if row is None:
            raise AlertRefused("gone")
        return str(row[0])

    async def _audit(self, moderator_id: int, action: str, obj: str) -> None:
        name = await self._active(moderator_id)
        async with self.store.transaction() as db:
            await db.execute(
                "INSERT INTO audit (pseudonym, moderator_id, action, object, at) "
                "VALUES (?, ?, ?, ?, ?)",
                (name, moderator_id, action, obj, self.now().replace(microsecond=0).isoformat()),
            )

    async def watched(self, moderator_id: int) -> set[str]:
        """The regions this moderator vets (none chosen: all of them)."""
        rows = await self.store.fetch_all(
            "SELECT region FROM alert_watch WHERE moderator_id = ?", (moderator_id,)
        )
        return {r[0] for r in rows}

    async def toggle_watch(self, moderator_id: int, region: str) -> None:
        await self._active(moderator_id)
        async with self.store.transaction() as db:
            cursor = await db.execute(
                "DELETE FROM alert_watch WHERE moderator_id = ? AND region = ?",
                (moderator_id, region),
            )
            if cursor.rowcount == 0:
                await db.execute(
                    "INSERT INTO alert_watch (moderator_id, region) VALUES (?, ?)",
                    (moderator_id, region),
                )

    async def pending(self, moderator_id: int) -> list[PendingReport]:
        regions = await self.watched(moderator_id)
        return await vetting.pending(self.store, regions or None)

    async def report(self, report_id: int) -> PendingReport:
        return await vetting.report(self.store, report_id)

    def mask(self, text: str, region: str) -> str:
        return mask_text(text, country_of(region))

    async def set_text(self, moderator_id: int, report_id: int, text: str) -> str:
        """The text to publish, masked automatically; returns it as stored."""
        found = await self.report(report_id)
        await self._active(moderator_id)
        masked = self.mask(text, found.region)
        await vetting.set_text(self.store, report_id, masked)
        return masked

    async def _approvals_needed(self) -> int:
        row = await self.store.fetch_one(
            "SELECT value FROM settings WHERE key = ?", (SINGLE_REVIEW,)
        )
        return 1 if row is not None and row[0] == "1" else self.settings.approvals

    async def _hashes(self, found: PendingReport) -> list[str]:
        if self.hasher is None or not found.draft.phone:
            return []
        e164 = normalise_phone(found.draft.phone, country_of(found.region))
        return [await self.hasher.hash(e164)] if e164 else []

    def _expires(self, severity: int) -> date:
        return vetting.expiry_for(severity, self.today(), self.settings.expiry_days)

    async def approve(self, moderator_id: int, report_id: int) -> Approval:
        """One approval of exactly the text shown; the last one needed publishes."""
        await self._active(moderator_id)
        approvals = await vetting.add_approval(self.store, report_id, moderator_id)
        needed = await self._approvals_needed()
        await self._audit(moderator_id, "alert-approve", f"report {report_id}")
        if len(approvals) < needed:
            return Approval(None, len(approvals), needed)
        alert_id = await self._publish(report_id, None)
        return Approval(alert_id, len(approvals), needed)

    async def fast_track(self, moderator_id: int, report_id: int) -> int:
        """Violence or sexual assault: published by one moderator at once, reviewed after."""
        await self._active(moderator_id)
        alert_id = await self._publish(report_id, moderator_id)
        await self._audit(moderator_id, "alert-fast-track", f"alert {alert_id}")
        return alert_id

    async def _publish(self, report_id: int, fast_tracked_by: int | None) -> int:
        found = await self.report(report_id)
        alert_id = await vetting.publish(
            self.store,
            found,
            today=self.today(),
            expires_on=self._expires(found.severity),
            number_hashes=await self._hashes(found),
            fast_tracked_by=fast_tracked_by,
        )
        await self.published.refresh(self.store, alert_id)
        return alert_id

    async def duplicates(self, found: PendingReport) -> list[Alert]:
        """Published alerts of the region that look like the same person: the same number
        (by its hash), or a masked contact or plate fragment their text shows."""
        ids: set[int] = set()
        for value in await self._hashes(found):
            ids |= {a.id for a in self.published.with_hash(value)}
        country = country_of(found.region)
        for key in ("phone", "email", "handle", "plate"):
            raw = getattr(found.draft, key)
            if raw:
                fragment = mask_text(raw, country) if key != "plate" else raw
                ids |= set(self.index.search(_visible_part(fragment), found.region))
        alerts = [await self.alert(i) for i in sorted(ids, reverse=True)]
        return [a for a in alerts if a is not None and a.region == found.region]

    async def merge(self, moderator_id: int, report_id: int, alert_id: int) -> int:
        await self._active(moderator_id)
        found = await self.report(report_id)
        reports = await vetting.merge(
            self.store,
            found,
            alert_id,
            today=self.today(),
            expires_on=self._expires(found.severity),
            number_hashes=await self._hashes(found),
        )
        await self.published.refresh(self.store, alert_id)
        await self._audit(moderator_id, "alert-merge", f"alert {alert_id}")
        return reports

    async def reject(self, moderator_id: int, report_id: int) -> None:
        await self._active(moderator_id)
        await vetting.reject(self.store, report_id)
        await self._audit(moderator_id, "alert-reject", f"report {report_id}")

    async def to_review(self, moderator_id: int) -> list[Alert]:
        """Fast-tracked alerts another moderator has not reviewed yet."""
        rows = await self.store.fetch_all(
            "SELECT * FROM alerts WHERE needs_review != 0 AND needs_review != ? ORDER BY id DESC",
            (moderator_id,),
        )
        return [vetting.alert_of(r) for r in rows]

    async def reviewed(self, moderator_id: int, alert_id: int) -> None:
        await self._active(moderator_id)
        await vetting.reviewed(self.store, alert_id, moderator_id)
        await self.published.refresh(self.store, alert_id)
        await self._audit(moderator_id, "alert-reviewed", f"alert {alert_id}")

    async def retract(self, moderator_id: int, alert_id: int) -> None:
        await self._active(moderator_id)
        await vetting.retract(self.store, alert_id)
        self.published.drop(alert_id)
        await self._audit(moderator_id, "alert-retract", f"alert {alert_id}")

    async def renew(self, moderator_id: int, alert_id: int) -> None:
        await self._active(moderator_id)
        found = await self.alert(alert_id)
        if found is None:
            raise AlertRefused("gone")
        await vetting.renew(self.store, alert_id, self._expires(found.severity))
        await self.published.refresh(self.store, alert_id)
        await self._audit(moderator_id, "alert-renew", f"alert {alert_id}")

    # ----- channels, expiry, counts ---------------------------------------------------

    async def channels(self) -> dict[str, tuple[int, tuple[str, ...]]]:
        rows = await self.store.fetch_all("SELECT region, chat_id, langs FROM alert_channels")
        return {r["region"]: (int(r["chat_id"]), tuple(r["langs"].split(","))) for r in rows}

    async def link_channel(
        self, moderator_id: int | None, region: str, chat_id: int, langs: tuple[str, ...]
    ) -> None:
        """Link (or, with chat_id 0, unlink) a region's channel. Alerts published from now
        on are posted there."""
        if moderator_id is not None:
            await self._active(moderator_id)
        async with self.store.transaction() as db:
            if chat_id == 0:
                await db.execute("DELETE FROM alert_channels WHERE region = ?", (region,))
            else:
                await db.execute(
                    "INSERT OR REPLACE INTO alert_channels (region, chat_id, langs) "
                    "VALUES (?, ?, ?)",
                    (region, chat_id, ",".join(langs)),
                )
        if moderator_id is not None:
            await self._audit(moderator_id, "alert-channel", region)

    async def sweep(self) -> int:
        """End every alert due to expire today or before."""
        return await expiry.sweep(self.store, self.today(), on_ended=self.published.drop)

    async def counts(self) -> list[tuple[str, str, int, int, int]]:
        rows = await self.store.fetch_all(
            "SELECT region, month, severity, alerts, reports FROM alert_counts "
            "ORDER BY month DESC, region"
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]

    async def outbox(self, limit: int = 50) -> list[outbox.OutboxItem]:
        return await outbox.due(self.store, limit)


def _visible_part(fragment: str) -> str:
    """The longest run a masked fragment shows (`4567` of `+34 6•• •• 45 67`)."""
    parts = [p for p in fragment.replace(" ", "").split("•") if p]
    return max(parts, key=len) if parts else ""


__all__ = ["AlertDesk", "AlertSettings", "Approval"]
