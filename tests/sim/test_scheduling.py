"""``call_after`` is processed where a ``simpy.Timeout`` made at the same moment would be."""

from __future__ import annotations

import pytest
import simpy

from kubelab.sim.scheduling import call_after


def test_calls_and_timeouts_interleave_in_creation_order() -> None:
    env = simpy.Environment()
    seen: list[str] = []

    def timeout(name: str, delay: float) -> None:
        simpy.Timeout(env, delay).callbacks.append(lambda _e: seen.append(name))

    timeout("t1", 2.0)
    call_after(env, 1.0, seen.append, "c1")
    call_after(env, 2.0, seen.append, "c2")  # due with t1 and t2: after t1, before t2
    timeout("t2", 2.0)
    call_after(env, 0.0, seen.append, "c0")
    env.run(until=3.0)
    assert seen == ["c0", "c1", "t1", "c2", "t2"]
    assert env.now == 3.0


def test_a_negative_delay_is_refused_as_timeout_refuses_it() -> None:
    env = simpy.Environment()
    with pytest.raises(ValueError, match="Negative delay -1"):
        simpy.Timeout(env, -1)
    with pytest.raises(ValueError, match="Negative delay -1"):
        call_after(env, -1, print)
    assert not env._queue
