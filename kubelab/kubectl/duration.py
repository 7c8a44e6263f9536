"""How kubectl writes an age: ``45s``, ``3m12s``, ``5h``, ``2d4h``, ``3y``.

Both functions follow ``k8s.io/apimachinery/pkg/util/duration/duration.go`` (Kubernetes 1.32).
``HumanDuration`` is what the AGE column, ``RESTARTS (5m ago)`` and ``kubectl describe`` event
ages use; ``ShortHumanDuration`` is the older one-unit form.

A Go ``time.Duration`` counts nanoseconds and ``int(d.Seconds())`` truncates toward zero, so
durations are converted to whole nanoseconds first and divided with truncation, as Go does.
"""

from __future__ import annotations

from typing import Final

__all__ = ["human_duration", "short_human_duration"]

_NS: Final = 1_000_000_000
_MINUTE: Final = 60 * _NS
_HOUR: Final = 60 * _MINUTE


def _nanoseconds(seconds: float) -> int:
    return round(seconds * _NS)


def _div(a: int, b: int) -> int:
    """Go integer division: truncates toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def short_human_duration(seconds: float) -> str:
    """``duration.ShortHumanDuration``: one unit, ``<invalid>`` below -1 s.

    Up to 2 s in the future counts as "now" (clock skew): ``-1.5`` prints ``0s``.
    """
    d = _nanoseconds(seconds)
    secs = _div(d, _NS)
    if secs < -1:
        return "<invalid>"
    if secs < 0:
        return "0s"
    if secs < 60:
        return f"{secs}s"
    minutes = _div(d, _MINUTE)
    if minutes < 60:
        return f"{minutes}m"
    hours = _div(d, _HOUR)
    if hours < 24:
        return f"{hours}h"
    if hours < 24 * 365:
        return f"{hours // 24}d"
    return f"{hours // 24 // 365}y"


def human_duration(seconds: float) -> str:
    """``duration.HumanDuration``: about two or three significant figures.

    Thresholds (duration.go): seconds below 2 minutes (``119s``); ``XmYs`` below 10 minutes;
    minutes below 3 hours (``179m``); ``XhYm`` below 8 hours; hours below 2 days (``47h``);
    ``XdYh`` below 8 days; days below 2 years (``729d``); ``XyYd`` below 8 years; then years.
    A zero second/minute/hour/day part is dropped (``2m``, ``5h``, ``3d``, ``2y``).
    """
    d = _nanoseconds(seconds)
    secs = _div(d, _NS)
    if secs < -1:
        return "<invalid>"
    if secs < 0:
        return "0s"
    if secs < 60 * 2:
        return f"{secs}s"
    minutes = d // _MINUTE
    if minutes < 10:
        s = (d // _NS) % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = d // _HOUR
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"
