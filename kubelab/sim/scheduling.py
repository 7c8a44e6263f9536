"""A call after a simulated delay, as cheap as SimPy allows.

``simpy.Timeout(env, delay)`` with one callback appended is what every delayed step of the
world amounts to; the API server does about ten per request and the network one per message.
:func:`call_after` puts the very same entry on SimPy's event queue (due time, priority
``NORMAL``, the next event id — so the order of events is the one a Timeout gives) holding a
small event whose only callback calls ``fn(*args)``, without the Timeout's own bookkeeping.

It relies on SimPy 4's queue layout (``env._queue``, ``env._eid``, ``env._now``) and on
``Environment.step`` reading only ``callbacks``, ``_ok`` and ``_value`` of an event; the
dependency is pinned ``simpy<5`` for that reason.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappush
from typing import Any, Final

import simpy
from simpy.events import NORMAL

__all__ = ["call_after"]


class _Call(simpy.Event):
    """A processed-on-arrival event whose one callback is ``fn(*args)``."""

    __slots__ = ("args", "callbacks", "fn")
    _ok = True
    _value = None

    def __init__(self, fn: Callable[..., None], args: tuple[Any, ...]) -> None:
        self.callbacks = _RUN  # type: ignore[assignment]
        self.fn = fn
        self.args = args


def _run(ev: _Call) -> None:
    ev.fn(*ev.args)


_RUN: Final = (_run,)


def call_after(env: simpy.Environment, delay: float, fn: Callable[..., None], *args: Any) -> None:
    """Call ``fn(*args)`` ``delay`` simulated seconds from now, in the order a
    ``simpy.Timeout(env, delay)`` made now would be processed. Raises ``ValueError`` for a
    negative delay, as Timeout does."""
    if delay < 0:
        raise ValueError(f"Negative delay {delay}")
    heappush(env._queue, (env._now + delay, NORMAL, next(env._eid), _Call(fn, args)))
