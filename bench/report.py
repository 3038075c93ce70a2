"""Figures, targets and the two ways they are shown: one table, or JSON.

A figure is measured in several runs and reported as the median with the min and max;
a target compares a figure's median with a limit and says met or missed. Ratios measured
in the same run (ours against a baseline, a floor, a smaller size) hold across machines;
absolute times are for this machine only, which the report describes.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

SCHEMA = "lantern-bench/1"


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of samples, interpolating linearly; NaN when empty."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    at = (len(ordered) - 1) * q / 100.0
    low = math.floor(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


@dataclass(frozen=True, slots=True)
class Figure:
    """One quantity over several runs."""

    median: float
    low: float
    high: float
    runs: int

    @classmethod
    def of(cls, values: Iterable[float]) -> Figure:
        found = [float(v) for v in values]
        if not found:
            return cls(math.nan, math.nan, math.nan, 0)
        return cls(statistics.median(found), min(found), max(found), len(found))


@dataclass(frozen=True, slots=True)
class Target:
    """`median <op> limit`, e.g. search p99 <= 5 ms."""

    op: str  # "<=" or ">="
    limit: float
    text: str

    def met(self, value: float) -> bool:
        if math.isnan(value):
            return False
        return value <= self.limit if self.op == "<=" else value >= self.limit


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    label: str
    unit: str
    figure: Figure
    size: int | None = None
    target: Target | None = None

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.target.met(self.figure.median)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": self.key,
            "label": self.label,
            "size": self.size,
            "unit": self.unit,
            "median": _finite(self.figure.median),
            "min": _finite(self.figure.low),
            "max": _finite(self.figure.high),
            "runs": self.figure.runs,
        }
        if self.target is not None:
            data["target"] = {
                "op": self.target.op,
                "limit": self.target.limit,
                "text": self.target.text,
                "met": self.met,
            }
        return data


def _finite(value: float) -> float | None:
    return None if math.isnan(value) or math.isinf(value) else round(value, 6)


@dataclass
class Report:
    """Everything one `python -m bench` run measured, in sections, in order."""

    settings: dict[str, Any] = field(default_factory=dict)
    machine: dict[str, Any] = field(default_factory=dict)
    sections: dict[str, list[Row]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(
        self,
        section: str,
        key: str,
        label: str,
        unit: str,
        values: Iterable[float],
        *,
        size: int | None = None,
        target: Target | None = None,
    ) -> Row:
        row = Row(key, label, unit, Figure.of(values), size, target)
        self.sections.setdefault(section, []).append(row)
        return row

    def rows(self) -> list[Row]:
        return [row for rows in self.sections.values() for row in rows]

    def get(self, key: str, size: int | None = None) -> Row | None:
        return next((r for r in self.rows() if r.key == key and r.size == size), None)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def targets(self) -> list[Row]:
        return [row for row in self.rows() if row.target is not None]

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "machine": self.machine,
            "settings": self.settings,
            "sections": {
                name: [row.to_json() for row in rows] for name, rows in self.sections.items()
            },
            "targets": [
                {
                    "key": row.key,
                    "size": row.size,
                    "text": row.target.text,
                    "value": _finite(row.figure.median),
                    "met": row.met,
                }
                for row in self.targets()
                if row.target is not None
            ],
            "notes": list(self.notes),
        }

    def table(self) -> str:
        """The report as one plain-text table, then targets and notes."""
        header = ("figure", "entries", "median", "min", "max", "unit", "target")
        lines: list[tuple[str, ...]] = []
        for name, rows in self.sections.items():
            lines.append((f"[{name}]", "", "", "", "", "", ""))
            for row in rows:
                target = ""
                if row.target is not None:
                    target = f"{row.target.op} {_number(row.target.limit)} " + (
                        "met" if row.met else "MISSED"
                    )
                lines.append(
                    (
                        "  " + row.label,
                        f"{row.size:,}" if row.size is not None else "",
                        _number(row.figure.median),
                        _number(row.figure.low),
                        _number(row.figure.high),
                        row.unit,
                        target,
                    )
                )
        widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
        right = {1, 2, 3, 4}

        def fmt(cells: Sequence[str]) -> str:
            return "  ".join(
                c.rjust(w) if i in right else c.ljust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            ).rstrip()

        out = [self._title(), "", fmt(header), fmt(["-" * w for w in widths])]
        out.extend(fmt(line) for line in lines)
        targets = self.targets()
        met = sum(1 for row in targets if row.met)
        out.append("")
        out.append(f"targets: {met} of {len(targets)} met")
        for row in targets:
            if not row.met and row.target is not None:
                size = f" at {row.size:,} entries" if row.size is not None else ""
                out.append(
                    f"  MISSED: {row.target.text}{size}: {_number(row.figure.median)} {row.unit}"
                )
        if self.notes:
            out.append("")
            out.append("notes:")
            out.extend(f"  - {note}" for note in self.notes)
        return "\n".join(out)

    def _title(self) -> str:
        m = self.machine
        runs = self.settings.get("runs", "?")
        return (
            f"bench: median of {runs} runs (min, max) on {m.get('cpu', '?')}, "
            f"{m.get('cpus_used', '?')} of {m.get('cpus', '?')} cores, "
            f"Python {m.get('python', '?')}"
        )


def _number(value: float) -> str:
    if math.isnan(value):
        return "-"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = None
    try:
        with open("/proc/meminfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("MemTotal:"):
                    memory = round(int(line.split()[1]) / 1024 / 1024, 1)
                    break
    except OSError:
        pass
    try:
        used = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        used = os.cpu_count()
    versions: dict[str, str] = {}
    for name in ("numpy", "rapidfuzz", "telegram", "yaml"):
        try:
            module = __import__(name)
            versions[name] = str(getattr(module, "__version__", "?"))
        except ImportError:
            versions[name] = "missing"
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "cpus_used": used,
        "memory_gb": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
    }
