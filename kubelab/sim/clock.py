"""Simulated time and how Kubernetes writes it.

Simulated time is a float number of seconds since the world began. API timestamps are a fixed
epoch (2024-01-01T00:00:00Z) plus simulated seconds, so every run prints the same dates.
"""

from __future__ import annotations

import datetime as _dt

#: The instant simulated time 0 stands for.
EPOCH = _dt.datetime(2024, 1, 1, tzinfo=_dt.UTC)


# The last whole second formatted by timestamp() and its text (many objects share a second).
_last_second: list[tuple[int, str]] = [(-1, "")]


def timestamp(seconds: float) -> str:
    """RFC 3339 at second precision with ``Z``, as ``metav1.Time`` serializes
    (k8s.io/apimachinery/pkg/apis/meta/v1/time.go: ``RFC3339`` truncated to seconds)."""
    whole = int(seconds // 1)
    last = _last_second[0]
    if last[0] == whole:
        return last[1]
    t = EPOCH + _dt.timedelta(seconds=whole)
    text = t.strftime("%Y-%m-%dT%H:%M:%SZ")
    _last_second[0] = (whole, text)
    return text


def micro_timestamp(seconds: float) -> str:
    """RFC 3339 with microseconds, as ``metav1.MicroTime`` serializes (used by Leases, Events)
    (k8s.io/apimachinery/pkg/apis/meta/v1/micro_time.go: ``2006-01-02T15:04:05.000000Z07:00``)."""
    micros = round(seconds * 1_000_000)
    t = EPOCH + _dt.timedelta(microseconds=micros)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> float:
    """Simulated seconds for an RFC 3339 timestamp written by :func:`timestamp` or
    :func:`micro_timestamp`."""
    t = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (t - EPOCH).total_seconds()
