"""The trace: one structured record per event of the simulated world.

Every timeline, table and test assertion about "what happened" reads the trace. Records are
plain dataclasses; :meth:`Trace.dumps` writes them as canonical JSON lines, which is what the
determinism test compares byte for byte between processes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes


@dataclass(frozen=True, slots=True)
class Record:
    """One event: when, where, which component, what kind, and its details."""

    time: float
    host: str
    component: str
    kind: str
    fields: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The record as a JSON-compatible dict (time rounded to microseconds)."""
        return {
            "time": round(self.time, 6),
            "host": self.host,
            "component": self.component,
            "kind": self.kind,
            "fields": self.fields,
        }


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, dict):
        return " ".join(f"{k}={_cell(v)}" for k, v in sorted(value.items()))
    return str(value)


class Trace:
    """An ordered list of :class:`Record` with filtering, a text/HTML table and a timeline plot."""

    def __init__(self, records: Iterable[Record] = ()) -> None:
        self._records: list[Record] = list(records)
        self.enabled = True

    # -- recording -------------------------------------------------------------------------
    def add(self, record: Record) -> None:
        """Append one record (ignored while :attr:`enabled` is false)."""
        if self.enabled:
            self._records.append(record)

    # -- reading ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[Record]:
        return iter(self._records)

    def __getitem__(self, i: int) -> Record:
        return self._records[i]

    @property
    def records(self) -> list[Record]:
        """A copy of the records."""
        return list(self._records)

    def filter(
        self,
        host: str | Iterable[str] | None = None,
        component: str | Iterable[str] | None = None,
        kind: str | Iterable[str] | None = None,
        since: float | None = None,
        until: float | None = None,
        where: Callable[[Record], bool] | None = None,
        **fields: Any,
    ) -> Trace:
        """Records matching every given condition. ``host``/``component``/``kind`` take one
        value or several; ``since``/``until`` bound the time (inclusive); extra keyword
        arguments must equal the record's fields."""

        def norm(v: str | Iterable[str] | None) -> set[str] | None:
            if v is None:
                return None
            return {v} if isinstance(v, str) else set(v)

        hosts, comps, kinds = norm(host), norm(component), norm(kind)
        out = []
        for r in self._records:
            if hosts is not None and r.host not in hosts:
                continue
            if comps is not None and r.component not in comps:
                continue
            if kinds is not None and r.kind not in kinds:
                continue
            if since is not None and r.time < since:
                continue
            if until is not None and r.time > until:
                continue
            if any(r.fields.get(k) != v for k, v in fields.items()):
                continue
            if where is not None and not where(r):
                continue
            out.append(r)
        return Trace(out)

    def kinds(self) -> list[str]:
        """The distinct kinds present, sorted."""
        return sorted({r.kind for r in self._records})

    def dumps(self) -> str:
        """Canonical JSON lines (sorted keys): byte-identical for identical runs."""
        return "".join(
            json.dumps(r.as_dict(), sort_keys=True, separators=(",", ":"), default=str) + "\n"
            for r in self._records
        )

    # -- showing ---------------------------------------------------------------------------
    def rows(self, limit: int | None = None) -> list[list[str]]:
        """Rows of text cells: time, host, component, kind, fields."""
        recs = self._records if limit is None else self._records[:limit]
        return [[f"{r.time:.3f}", r.host, r.component, r.kind, _cell(r.fields)] for r in recs]

    def table(self, limit: int | None = 40) -> str:
        """A fixed-width text table of the first ``limit`` records (all if ``None``)."""
        header = ["TIME", "HOST", "COMPONENT", "KIND", "FIELDS"]
        rows = self.rows(limit)
        widths = [max([len(header[i])] + [len(row[i]) for row in rows]) for i in range(4)]
        lines = []
        for row in [header, *rows]:
            cells = [row[i].ljust(widths[i]) for i in range(4)]
            lines.append("  ".join([*cells, row[4]]).rstrip())
        more = len(self._records) - len(rows)
        if more > 0:
            lines.append(f"... {more} more")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return f"<Trace: {len(self._records)} records>"

    def _repr_html_(self) -> str:
        import html

        head = "".join(f"<th>{h}</th>" for h in ["time", "host", "component", "kind", "fields"])
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
            for row in self.rows(40)
        )
        more = len(self._records) - min(40, len(self._records))
        tail = f"<p>... {more} more</p>" if more > 0 else ""
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{tail}"

    def timeline(
        self, lane: str = "host", ax: Axes | None = None, title: str | None = None
    ) -> Axes:
        """Plot the records as a timeline: one horizontal lane per ``lane`` attribute
        ("host", "component" or "kind"), one marker per record, coloured by kind."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(9, 2.6))
        lanes = sorted({str(getattr(r, lane)) for r in self._records})
        kinds = self.kinds()
        cmap = plt.get_cmap("tab10")
        for i, k in enumerate(kinds):
            pts = [r for r in self._records if r.kind == k]
            ax.scatter(
                [r.time for r in pts],
                [lanes.index(str(getattr(r, lane))) for r in pts],
                label=k,
                s=18,
                color=cmap(i % 10),
                marker="o|sx^v<>"[i // 10 % 8],
            )
        ax.set_yticks(range(len(lanes)), lanes)
        ax.set_ylim(-0.7, len(lanes) - 0.3)
        ax.set_xlabel("simulated time (s)")
        if title:
            ax.set_title(title)
        if kinds:
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False)
        return ax
