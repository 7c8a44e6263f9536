"""Tests of the linearizability checker for a key-value register.

Every expected verdict below is worked out by hand from the definition (Herlihy & Wing 1990):
a history is linearizable iff some order of its completed operations, plus any of its no-reply
operations, (1) never puts an operation before one that returned before it was invoked and
(2) is a legal run of a sequential register. Times are simulated seconds; ``[i, c]`` below means
invoked at ``i``, completed at ``c``.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubelab.etcd.linearizability import (
    Kind,
    Operation,
    Result,
    SearchBudgetExceeded,
    check,
)

INF = math.inf


# -- helpers -------------------------------------------------------------------------------------
def rd(value: str | None, inv: float, comp: float, key: str = "x", c: str = "c1") -> Operation:
    return Operation(c, "read", key, value, None, True, inv, comp)


def wr(
    value: str, inv: float, comp: float = INF, key: str = "x", c: str = "c0", ok: bool | None = True
) -> Operation:
    return Operation(c, "write", key, value, None, ok, inv, comp)


def cas(
    expected: str | None,
    value: str | None,
    inv: float,
    comp: float = INF,
    *,
    succeeded: bool = True,
    ok: bool | None = True,
    key: str = "x",
    c: str = "c2",
) -> Operation:
    return Operation(c, "cas", key, value, expected, ok, inv, comp, succeeded)


def dl(inv: float, comp: float, key: str = "x", c: str = "c3") -> Operation:
    return Operation(c, "delete", key, None, None, True, inv, comp)


def replay_is_legal(order: Sequence[Operation], initial: dict[str, str | None]) -> bool:
    """The sequential register, written out again for the tests."""
    value = dict(initial)
    for op in order:
        now = value.get(op.key)
        if op.kind == "read":
            if op.ok is True and now != op.value:
                return False
        elif op.kind == "write":
            value[op.key] = op.value
        elif op.kind == "delete":
            value[op.key] = None
        elif op.ok is True and not op.succeeded:
            if now == op.expected:
                return False
        elif op.ok is True:
            if now != op.expected:
                return False
            value[op.key] = op.value
        elif now == op.expected:  # no reply: takes effect iff its compare holds
            value[op.key] = op.value
    return True


def respects_real_time(order: Sequence[Operation]) -> bool:
    return all(
        not (later.returned < earlier.invoke) for earlier, later in itertools.combinations(order, 2)
    )


def assert_witness(
    result: Result, history: Sequence[Operation], initial: dict[str, str | None] | None = None
) -> list[Operation]:
    """The result is ok and its linearization satisfies the definition."""
    assert result.ok, result.explanation
    order = result.linearization
    assert order is not None
    ids = [id(op) for op in order]
    assert len(ids) == len(set(ids)), "an operation placed twice"
    in_history = {id(op) for op in history}
    assert all(i in in_history for i in ids)
    assert all(op.ok is not False for op in order), "a failed operation was placed"
    placed = set(ids)
    assert all(id(op) in placed for op in history if op.ok is True), "a completed op is missing"
    assert respects_real_time(order)
    assert replay_is_legal(order, initial or {})
    return order


def brute_force(history: Sequence[Operation], initial: dict[str, str | None]) -> bool:
    """The definition, literally: try every subset of no-reply ops and every order."""
    done = [op for op in history if op.ok is True]
    maybe = [op for op in history if op.ok is None]
    for r in range(len(maybe) + 1):
        for chosen in itertools.combinations(maybe, r):
            for order in itertools.permutations(done + list(chosen)):
                if respects_real_time(order) and replay_is_legal(order, initial):
                    return True
    return False


# -- sequential histories ------------------------------------------------------------------------
def test_empty_history_is_linearizable() -> None:
    result = check([])
    assert result.ok and result.linearization == []


def test_sequential_history_is_its_own_linearization() -> None:
    h = [wr("a", 0, 1), rd("a", 2, 3), wr("b", 4, 5), rd("b", 6, 7)]
    # No two intervals overlap, so real time fixes the only possible order.
    assert assert_witness(check(h), h) == h


def test_sequential_read_of_an_overwritten_value_is_rejected() -> None:
    # w(a) then w(b) both finished before the read began: the read must see b.
    h = [wr("a", 0, 1), wr("b", 2, 3), rd("a", 4, 5)]
    assert not check(h).ok


def test_initial_value_and_absent_keys() -> None:
    assert check([rd(None, 0, 1)]).ok  # a key not in `initial` starts absent
    assert not check([rd(None, 0, 1)], initial={"x": "a"}).ok
    assert check([rd("a", 0, 1)], initial={"x": "a"}).ok
    assert not check([rd("a", 0, 1)]).ok


def test_input_order_does_not_matter() -> None:
    h = [rd("b", 6, 7), wr("b", 4, 5), rd("a", 2, 3), wr("a", 0, 1)]
    assert [op.invoke for op in assert_witness(check(h), h)] == [0, 2, 4, 6]


# -- concurrency ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("seen", "write_first"), [("a", False), ("b", True)])
def test_read_concurrent_with_a_write_may_see_either_value(seen: str, write_first: bool) -> None:
    # x starts as a; w(b) [0, 10] overlaps r [2, 3]: the read may take effect before or after.
    w, r = wr("b", 0, 10), rd(seen, 2, 3)
    order = assert_witness(check([w, r], {"x": "a"}), [w, r], {"x": "a"})
    assert order == ([w, r] if write_first else [r, w])


def test_stale_read_after_the_write_completed_is_rejected() -> None:
    # w(b) returned at 1; a read invoked at 2 must come after it, so it cannot see a.
    w, r = wr("b", 0, 1), rd("a", 2, 3)
    result = check([w, r], {"x": "a"})
    assert not result.ok and result.linearization is None
    assert result.failed_keys == ["x"]
    # The longest linearizable prefix is the write alone; the read cannot follow it.
    assert result.longest_prefix == {"x": [w]}
    assert "c1 read('x') -> 'a' [2, 3]: it read 'a' but the value is 'b'" in result.explanation


def test_read_of_a_value_never_written_is_rejected() -> None:
    h = [wr("a", 0, 2), rd("zzz", 1, 3)]
    result = check(h)
    assert not result.ok
    assert "it read 'zzz'" in result.explanation


def test_new_then_old_inversion_is_rejected() -> None:
    # x starts as a; w(b) [0, 10]. r1 [1, 2] saw b, so w took effect by 2; r2 [3, 4] starts
    # after r1 ended and must see b too.
    h = [wr("b", 0, 10), rd("b", 1, 2), rd("a", 3, 4, c="c2")]
    assert not check(h, {"x": "a"}).ok
    # The same two reads in the other order are fine: a, then the write, then b.
    h = [wr("b", 0, 10), rd("a", 1, 2), rd("b", 3, 4, c="c2")]
    assert_witness(check(h, {"x": "a"}), h, {"x": "a"})


def test_touching_intervals_count_as_concurrent() -> None:
    # Precedence needs a return strictly before an invoke; equal times may go either way.
    assert check([wr("b", 0, 1), rd("a", 1, 2)], {"x": "a"}).ok
    assert not check([wr("b", 0, 1), rd("a", 1.001, 2)], {"x": "a"}).ok


# -- the examples of porcupine's README (from MIT 6.824 2017 quiz 2, section VII) ------------------
def test_porcupine_readme_register_examples() -> None:
    # C0: |---- put(100) [0,100] ----|; C1: get->100 [25,75]; C2: get->0 [30,60]: linearizable
    # (C2's get, then the put, then C1's get). Register starts at "0".
    h = [
        wr("100", 0, 100, c="C0"),
        rd("100", 25, 75, c="C1"),
        rd("0", 30, 60, c="C2"),
    ]
    order = assert_witness(check(h, {"x": "0"}), h, {"x": "0"})
    assert [op.client for op in order] == ["C2", "C0", "C1"]
    # C1 get->200 [10,30] ended before C2 get->0 [40,90] began: not linearizable.
    h = [wr("200", 0, 100, c="C0"), rd("200", 10, 30, c="C1"), rd("0", 40, 90, c="C2")]
    assert not check(h, {"x": "0"}).ok


def test_porcupine_zero_duration_examples() -> None:
    # porcupine_test.go TestZeroDuration: reads whose invoke equals their return.
    h = [wr("100", 0, 100), rd("100", 25, 75), rd("0", 30, 30), rd("0", 30, 30, c="c9")]
    assert_witness(check(h, {"x": "0"}), h, {"x": "0"})
    h = [wr("200", 0, 100), rd("200", 10, 10), rd("200", 10, 10, c="c9"), rd("0", 40, 90)]
    assert not check(h, {"x": "0"}).ok


# -- operations without a reply, and failed ones -------------------------------------------------
def test_timed_out_write_seen_later_is_linearizable() -> None:
    # w(b) never replied; a read long after sees b: the write took effect in between.
    w, r = wr("b", 0, ok=None), rd("b", 5, 6)
    order = assert_witness(check([w, r], {"x": "a"}), [w, r], {"x": "a"})
    assert order == [w, r]


def test_timed_out_write_never_seen_is_left_out() -> None:
    w, r = wr("b", 0, ok=None), rd("a", 5, 6)
    assert assert_witness(check([w, r], {"x": "a"}), [w, r], {"x": "a"}) == [r]


def test_timed_out_write_may_take_effect_long_after_its_call() -> None:
    # Its return time is infinite, so it may land between two later reads.
    h = [wr("b", 0, ok=None), rd("a", 1, 2), rd("b", 3, 4)]
    assert assert_witness(check(h, {"x": "a"}), h, {"x": "a"}) == [h[1], h[0], h[2]]


def test_timed_out_write_seen_then_unseen_is_rejected() -> None:
    # Once r1 saw b the write has happened; nothing writes a again, so r2 cannot see a.
    h = [wr("b", 0, ok=None), rd("b", 1, 2), rd("a", 3, 4)]
    result = check(h, {"x": "a"})
    assert not result.ok
    assert "it read 'a' but the value is 'b'" in result.explanation


def test_timed_out_write_cannot_take_effect_before_its_call() -> None:
    # The read of b finished at 2, before the write was even sent at 3.
    assert not check([rd("b", 1, 2), wr("b", 3, ok=None)], {"x": "a"}).ok


def test_failed_operations_never_take_effect() -> None:
    # ok=False means the write surely did not happen, so b cannot be read.
    assert not check([wr("b", 0, 1, ok=False), rd("b", 2, 3)], {"x": "a"}).ok
    h = [wr("b", 0, 1, ok=False), rd("a", 2, 3)]
    assert assert_witness(check(h, {"x": "a"}), h, {"x": "a"}) == [h[1]]


def test_a_read_without_a_reply_constrains_nothing() -> None:
    h = [Operation("c1", "read", "x", "garbage", None, None, 0.0), rd("a", 1, 2)]
    assert assert_witness(check(h, {"x": "a"}), h, {"x": "a"}) == [h[1]]


def test_a_chain_of_no_reply_operations_can_explain_a_read() -> None:
    # w(b) then cas(b -> c), both without a reply, are the only way to reach c.
    h = [wr("b", 0, ok=None), cas("b", "c", 0, ok=None), rd("c", 5, 6)]
    assert assert_witness(check(h, {"x": "a"}), h, {"x": "a"}) == h
    # cas(z -> c) can never apply: nothing writes z.
    h = [wr("b", 0, ok=None), cas("z", "c", 0, ok=None), rd("c", 5, 6)]
    assert not check(h, {"x": "a"}).ok


def test_a_failed_compare_can_be_explained_by_a_timed_out_write() -> None:
    # x starts as a; cas(a -> z) reported "compare failed" at [5, 6]: x was not a then, which
    # only the no-reply write of b explains.
    h = [wr("b", 0, ok=None), cas("a", "z", 5, 6, succeeded=False)]
    assert assert_witness(check(h, {"x": "a"}), h, {"x": "a"}) == h
    assert not check(h[1:], {"x": "a"}).ok


# -- compare-and-swap and delete -----------------------------------------------------------------
def test_cas_success_requires_the_expected_value() -> None:
    assert check([cas("a", "b", 0, 1), rd("b", 2, 3)], {"x": "a"}).ok
    assert not check([cas("a", "b", 0, 1)], {"x": "c"}).ok
    # A successful cas writes: a later read cannot see the old value.
    assert not check([cas("a", "b", 0, 1), rd("a", 2, 3)], {"x": "a"}).ok


def test_cas_compare_failed_requires_a_different_value_and_writes_nothing() -> None:
    assert check([cas("c", "b", 0, 1, succeeded=False), rd("a", 2, 3)], {"x": "a"}).ok
    assert not check([cas("a", "b", 0, 1, succeeded=False)], {"x": "a"}).ok
    assert not check([cas("c", "b", 0, 1, succeeded=False), rd("b", 2, 3)], {"x": "a"}).ok


def test_two_concurrent_cas_from_the_same_value_cannot_both_succeed() -> None:
    both = [cas("a", "b", 0, 5, c="c1"), cas("a", "c", 0, 5, c="c2")]
    result = check(both, {"x": "a"})
    assert not result.ok
    assert "it succeeded, so the value was 'a'" in result.explanation
    # One succeeds, the other then sees b and reports compare failed: fine, winner first.
    h = [cas("a", "b", 0, 5, c="c1"), cas("a", "c", 0, 5, succeeded=False, c="c2")]
    assert assert_witness(check(h, {"x": "a"}), h, {"x": "a"}) == h


def test_cas_from_absent_is_a_create() -> None:
    # etcd's "create if absent" compares the key's create revision to 0; here expected=None.
    h = [cas(None, "a", 0, 1), rd("a", 2, 3)]
    assert_witness(check(h), h)
    assert not check([cas(None, "a", 0, 1)], {"x": "b"}).ok


def test_timed_out_cas_takes_effect_only_if_its_compare_holds() -> None:
    assert check([cas("a", "b", 0, ok=None), rd("b", 5, 6)], {"x": "a"}).ok
    assert not check([cas("q", "b", 0, ok=None), rd("b", 5, 6)], {"x": "a"}).ok


def test_delete_makes_the_key_absent() -> None:
    h = [wr("a", 0, 1), dl(2, 3), rd(None, 4, 5)]
    assert assert_witness(check(h), h) == h
    assert not check([wr("a", 0, 1), dl(2, 3), rd("a", 4, 5)]).ok


# -- several keys --------------------------------------------------------------------------------
def test_keys_are_checked_independently_and_the_witness_respects_real_time() -> None:
    h = [
        wr("1", 0, 4, key="x", c="c0"),
        wr("1", 1, 2, key="y", c="c1"),
        rd("1", 3, 6, key="y", c="c2"),
        rd(None, 0.5, 1.5, key="x", c="c3"),  # before x's write took effect
        rd("1", 5, 7, key="x", c="c4"),
    ]
    order = assert_witness(check(h), h)
    assert len(order) == 5


def test_a_violation_on_one_key_names_only_that_key() -> None:
    h = [
        wr("1", 0, 1, key="x"),
        rd("1", 2, 3, key="x"),
        wr("1", 0, 1, key="y"),
        rd("0", 2, 3, key="y"),
    ]
    result = check(h, {"x": "0", "y": "0"})
    assert not result.ok
    assert result.failed_keys == ["y"]
    assert "key 'y' is not linearizable" in result.explanation
    assert "key 'x'" not in result.explanation


def test_a_read_of_one_key_says_nothing_about_another() -> None:
    # Same times and values as the stale read, but the write is on y: no constraint on x.
    h = [wr("b", 0, 1, key="y"), rd("a", 2, 3, key="x")]
    assert_witness(check(h, {"x": "a"}), h, {"x": "a"})


# -- validation and budget -----------------------------------------------------------------------
def test_operation_validation() -> None:
    with pytest.raises(ValueError, match="write needs a value"):
        Operation("c", "write", "x", None, None, True, 0.0, 1.0)
    with pytest.raises(ValueError, match="before invoke"):
        Operation("c", "read", "x", "a", None, True, 2.0, 1.0)
    with pytest.raises(ValueError, match="finite complete"):
        Operation("c", "read", "x", "a", None, True, 0.0)
    with pytest.raises(ValueError, match="kind must be"):
        Operation("c", "append", "x", "a", None, True, 0.0, 1.0)  # type: ignore[arg-type]
    # Without a reply the return time is infinite whatever was recorded.
    assert Operation("c", "write", "x", "a", None, None, 0.0, 3.0).returned == INF


def test_search_budget() -> None:
    h = [wr("b", 0, 1), rd("b", 2, 3), wr("c", 4, 5), rd("c", 6, 7)]
    assert check(h, max_states=4).ok  # four placements, one state each
    with pytest.raises(SearchBudgetExceeded):
        check(h, max_states=3)


# -- scale ---------------------------------------------------------------------------------------
def recorded_history(
    rng: random.Random, n: int, clients: int, keys: int, stale_read_at: int | None = None
) -> list[Operation]:
    """Clients issuing one call at a time; each call takes effect at a random instant inside its
    interval; a few time out (half of those still take effect). Written values are unique.

    ``stale_read_at`` turns that call into a read returning a value that a completed write had
    already replaced before the read began, as a partitioned follower serving a serializable
    read would: no linearization can contain it."""
    busy_until = [0.0] * clients
    calls = []
    for i in range(n):
        c = rng.randrange(clients)
        inv = busy_until[c] + rng.random() * 0.01
        comp = inv + 0.001 + rng.random() * 0.02
        busy_until[c] = comp
        calls.append((inv + rng.random() * (comp - inv), i, c, inv, comp))
    calls.sort()
    value: dict[str, str | None] = {}
    replaced: dict[str, list[tuple[float, str | None]]] = {}  # (write returned, value before)
    out = []
    for _point, i, c, inv, comp in calls:
        key = f"k{rng.randrange(keys)}"
        kind = rng.choice(["read", "read", "write", "cas"])
        timed_out = rng.random() < 0.03
        ok: bool | None = None if timed_out else True
        end = INF if timed_out else comp
        now = value.get(key)
        new = f"v{i}"
        if i == stale_read_at:
            old = [before for done, before in replaced.get(key, []) if done < inv]
            assert old, "no replaced value to read yet"
            out.append(Operation(f"c{c}", "read", key, old[-1], None, True, inv, comp))
            continue
        if kind == "read":
            out.append(Operation(f"c{c}", "read", key, now, None, ok, inv, end))
            continue
        expected = now if kind == "write" or rng.random() < 0.6 else "other"
        if expected == now and (not timed_out or rng.random() < 0.5):
            value[key] = new
            if not timed_out:
                replaced.setdefault(key, []).append((comp, now))
        if kind == "write":
            out.append(Operation(f"c{c}", "write", key, new, None, ok, inv, end))
        else:
            out.append(Operation(f"c{c}", "cas", key, new, expected, ok, inv, end, expected == now))
    return out


def test_thousands_of_operations_are_checked_with_few_states() -> None:
    # 3000 calls, 5 clients, 4 keys: with the cache, the search visits about one state per
    # operation (a deterministic stand-in for "fast"; timings live in benchmarks/).
    h = recorded_history(random.Random(7), 3000, clients=5, keys=4)
    result = check(h)
    assert_witness(result, h)
    assert result.explored <= 2 * len(h)


def test_one_stale_read_among_thousands_is_found() -> None:
    h = recorded_history(random.Random(7), 3000, clients=5, keys=4, stale_read_at=2500)
    result = check(h)
    assert not result.ok
    assert len(result.failed_keys) == 1


# -- properties ----------------------------------------------------------------------------------
VALUES = ["a", "b", "c"]


@st.composite
def executed_histories(
    draw: st.DrawFn,
) -> tuple[list[Operation], dict[str, str | None], list[int]]:
    """A real sequential run (operation i takes effect at time 10*i) recorded with random
    intervals around each effect point; some calls time out or fail. Returns the history (in
    random order), the initial values and the positions of completed reads."""
    initial: dict[str, str | None] = {"x": draw(st.sampled_from([None, "a"]))}
    value = dict(initial)
    n = draw(st.integers(1, 24))
    ops: list[Operation] = []
    for i in range(n):
        key = draw(st.sampled_from(["x", "y"]))
        kind: Kind = draw(st.sampled_from(["read", "read", "write", "cas", "delete"]))
        outcome = draw(st.sampled_from(["ok", "ok", "ok", "applied", "lost", "failed"]))
        point = 10.0 * i
        inv = point - draw(st.integers(0, 35))
        comp = point + draw(st.integers(0, 35))
        ok: bool | None = {"ok": True, "applied": None, "lost": None, "failed": False}[outcome]
        takes_effect = outcome in ("ok", "applied")
        now = value.get(key)
        if kind == "read":
            seen = now if outcome == "ok" else "?"
            ops.append(Operation(f"c{i}", "read", key, seen, None, ok, inv, comp))
            continue
        if kind == "cas":
            expected = draw(st.sampled_from([None, *VALUES]))
            new = draw(st.sampled_from(VALUES))
            holds = expected == now
            if takes_effect and holds:
                value[key] = new
            ops.append(Operation(f"c{i}", "cas", key, new, expected, ok, inv, comp, holds))
            continue
        new_value = None if kind == "delete" else draw(st.sampled_from(VALUES))
        if takes_effect:
            value[key] = new_value
        ops.append(Operation(f"c{i}", kind, key, new_value, None, ok, inv, comp))
    shuffled = draw(st.permutations(ops))
    reads = [j for j, op in enumerate(shuffled) if op.kind == "read" and op.ok is True]
    return shuffled, initial, reads


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(executed_histories(), st.data())
def test_recorded_real_executions_are_accepted_and_a_corrupted_read_is_rejected(
    case: tuple[list[Operation], dict[str, str | None], list[int]], data: st.DataObject
) -> None:
    history, initial, reads = case
    # Each interval contains its operation's true effect point, so the run's own order is a
    # linearization: the checker must find one.
    assert_witness(check(history, initial), history, initial)
    if reads:
        j = data.draw(st.sampled_from(reads))
        bad = list(history)
        old = bad[j]
        bad[j] = Operation(
            old.client, "read", old.key, "never", None, True, old.invoke, old.complete
        )
        # "never" is written by nobody and is no initial value: no order can explain it.
        assert not check(bad, initial).ok


@st.composite
def small_histories(draw: st.DrawFn) -> list[Operation]:
    """Arbitrary (mostly not linearizable) histories small enough for brute force."""
    ops = []
    for i in range(draw(st.integers(1, 6))):
        kind: Kind = draw(st.sampled_from(["read", "read", "write", "cas", "delete"]))
        key = draw(st.sampled_from(["x", "x", "y"]))
        ok = draw(st.sampled_from([True, True, True, None, False]))
        inv = float(draw(st.integers(0, 10)))
        comp = inv + draw(st.integers(0, 6))
        val: str | None = draw(st.sampled_from(["a", "b", None]))
        if kind == "write" and val is None:
            val = "c"
        if kind == "delete":
            val = None
        expected = draw(st.sampled_from(["a", "b", None])) if kind == "cas" else None
        ops.append(Operation(f"c{i}", kind, key, val, expected, ok, inv, comp, draw(st.booleans())))
    return ops


@settings(max_examples=400, deadline=None)
@given(small_histories(), st.sampled_from([None, "a"]))
def test_agrees_with_brute_force_on_small_histories(
    history: list[Operation], x0: str | None
) -> None:
    initial: dict[str, str | None] = {"x": x0}
    result = check(history, initial)
    assert result.ok == brute_force(history, initial)
    if result.ok:
        assert_witness(result, history, initial)
    else:
        assert result.failed_keys and result.explanation
