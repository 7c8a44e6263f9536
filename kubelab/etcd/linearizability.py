"""A linearizability checker for a key-value register, as Jepsen's Knossos and porcupine do it.

How it works, in five lines:

1. Split the history by key: linearizability is local, so each key is checked on its own.
2. Per key, place operations one at a time: any pending one that no unplaced operation finished
   before may go next; apply it to a sequential register; if legal go deeper, else back up.
3. Remember each explored (set of placed operations as a bitset, register value) and skip repeats.
4. An operation with no reply may take effect at any point after its call, or never.
5. All completed operations placed: the order is a witness. Else report the longest order found.

Sources: Herlihy & Wing, "Linearizability: A Correctness Condition for Concurrent Objects" (TOPLAS
1990) for the definition and locality (Theorem 1); Wing & Gong, "Testing and Verifying
Concurrent Objects" (JPDC 1993) for the search; Lowe, "Testing for linearizability" (CCPE 2017)
for the (bitset, state) cache, the form used by anishathalye/porcupine ``checker.go``.

Recording a history from etcd: a request that got an error such as ``context deadline exceeded``
or ``etcdserver: request timed out`` may still be committed later, so it is recorded with
``ok=None`` (etcd docs, "KV API guarantees"; etcd-io/etcd ``tests/robustness`` treats failed
requests the same way). ``ok=False`` is only for requests known never to have taken effect.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "KINDS",
    "Kind",
    "Operation",
    "Result",
    "SearchBudgetExceeded",
    "check",
]

Kind = Literal["read", "write", "cas", "delete"]

#: The operation kinds the register model knows.
KINDS: tuple[Kind, ...] = ("read", "write", "cas", "delete")

#: How many operations of the longest linearizable prefix an explanation prints.
_SHOWN_PREFIX = 8


def _show(value: str | None) -> str:
    return "<absent>" if value is None else repr(value)


@dataclass(frozen=True)
class Operation:
    """One client call on one key, with the interval in which it was in flight.

    - ``kind="read"``: ``value`` is the value observed (``None``: the key was absent).
    - ``kind="write"``: ``value`` is the value written (a ``str``).
    - ``kind="delete"``: sets the key absent; ``value`` must be ``None``. A delete is blind:
      its reply is not checked (like a write).
    - ``kind="cas"``: if the key holds ``expected`` (``None``: the key is absent, i.e. a create),
      set it to ``value`` (``None``: delete it). ``succeeded`` is the reply for a completed cas,
      as in etcd's ``TxnResponse.succeeded`` (api/etcdserverpb/rpc.proto): ``True`` the compare
      held and the write applied, ``False`` the compare failed and nothing changed.

    ``ok`` is the call's outcome: ``True`` it completed with the reply above; ``False`` it failed
    and certainly did not take effect (it is ignored); ``None`` no reply (timed out, connection
    lost), so it may or may not have taken effect. ``invoke`` and ``complete`` are the times the
    call was sent and the reply received (simulated seconds). For ``ok=None`` the return time is
    +infinity whatever ``complete`` says.
    """

    client: str
    kind: Kind
    key: str
    value: str | None = None
    expected: str | None = None
    ok: bool | None = True
    invoke: float = 0.0
    complete: float = math.inf
    succeeded: bool = True

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if not math.isfinite(self.invoke):
            raise ValueError(f"invoke must be a finite time, not {self.invoke!r}")
        if math.isnan(self.complete):
            raise ValueError("complete must be a time or math.inf, not nan")
        if self.ok is not None and self.complete < self.invoke:
            raise ValueError(f"complete {self.complete!r} is before invoke {self.invoke!r}")
        if self.ok is True and math.isinf(self.complete):
            raise ValueError("an operation with ok=True needs a finite complete time")
        if self.kind == "write" and self.value is None:
            raise ValueError("a write needs a value; use kind='delete' to remove a key")
        if self.kind == "delete" and self.value is not None:
            raise ValueError("a delete has no value")

    @property
    def returned(self) -> float:
        """The return time the checker uses: ``complete``, or +infinity without a reply."""
        return math.inf if self.ok is None else self.complete

    def __str__(self) -> str:
        key = repr(self.key)
        if self.kind == "read":
            body = f"read({key})" + (f" -> {_show(self.value)}" if self.ok else "")
        elif self.kind == "write":
            body = f"write({key}, {_show(self.value)})"
        elif self.kind == "delete":
            body = f"delete({key})"
        else:
            body = f"cas({key}, {_show(self.expected)} -> {_show(self.value)})"
            if self.ok:
                body += " succeeded" if self.succeeded else " compare failed"
        if self.ok is None:
            return f"{self.client} {body} [{self.invoke:g}, no reply)"
        failed = "" if self.ok else " failed"
        return f"{self.client} {body}{failed} [{self.invoke:g}, {self.complete:g}]"


@dataclass
class Result:
    """The verdict of :func:`check`.

    ``linearization`` is a witness when ``ok``: every completed operation and the no-reply
    operations that took effect, in an order that respects real time and the register's rules.
    When not ``ok``, ``explanation`` names the failing keys, the end of the longest linearizable
    prefix on each, and the operations that could not come next; ``longest_prefix`` holds those
    prefixes in full. ``explored`` counts the distinct search states visited.
    """

    ok: bool
    linearization: list[Operation] | None
    explanation: str
    failed_keys: list[str] = field(default_factory=list)
    longest_prefix: dict[str, list[Operation]] = field(default_factory=dict)
    explored: int = 0


class SearchBudgetExceeded(RuntimeError):
    """Raised when the search visits more states than ``max_states`` allowed: no verdict."""


def check(
    history: Iterable[Operation],
    initial: Mapping[str, str | None] | None = None,
    *,
    max_states: int | None = None,
) -> Result:
    """Is ``history`` linearizable for a key-value register?

    ``initial`` gives each key's value before the history (missing keys start absent). Two
    operations are ordered by real time only when one's return time is strictly before the
    other's invoke time; touching intervals count as concurrent. ``max_states`` bounds the
    search (``SearchBudgetExceeded`` beyond it); by default it is unbounded.
    """
    ops = list(history)
    start = dict(initial or {})
    by_key: dict[str, list[Operation]] = {}
    for op in ops:
        by_key.setdefault(op.key, []).append(op)

    orders: dict[str, list[Operation]] = {}
    failures: list[str] = []
    prefixes: dict[str, list[Operation]] = {}
    explored = 0
    # Herlihy & Wing 1990, Theorem 1 (locality): a history is linearizable iff its restriction
    # to each object is; a register per key makes each key such an object.
    for key in sorted(by_key):
        budget = None if max_states is None else max_states - explored
        search = _KeySearch(key, by_key[key], start.get(key), budget)
        found = search.run()
        explored += search.explored
        if found is not None:
            orders[key] = found
        else:
            failures.append(search.explain())
            prefixes[key] = search.best_prefix()

    if failures:
        return Result(
            ok=False,
            linearization=None,
            explanation="\n\n".join(failures),
            failed_keys=sorted(prefixes),
            longest_prefix=prefixes,
            explored=explored,
        )
    order = _merge(orders)
    placed = len(order)
    completed = sum(1 for op in ops if op.ok is True)
    unknown = sum(1 for op in ops if op.ok is None)
    explanation = (
        f"linearizable: {completed} completed operations on {len(by_key)} keys; "
        f"{placed - completed} of {unknown} operations without a reply took effect in the witness"
    )
    return Result(ok=True, linearization=order, explanation=explanation, explored=explored)


def _merge(orders: Mapping[str, list[Operation]]) -> list[Operation]:
    """One global order from per-key linearizations (the construction behind locality).

    Repeatedly take the key head with the smallest invoke time. It is always safe: let ``b`` be
    the unplaced operation that returns first; the head of ``b``'s key was not preceded by ``b``,
    so it was invoked no later than ``b`` returned, and the smallest head no later still. No
    unplaced operation therefore returned before the chosen head was invoked.
    """
    heap: list[tuple[float, str, int]] = []
    for key in sorted(orders):
        if orders[key]:
            heap.append((orders[key][0].invoke, key, 0))
    heapq.heapify(heap)
    out: list[Operation] = []
    while heap:
        _, key, pos = heapq.heappop(heap)
        seq = orders[key]
        out.append(seq[pos])
        if pos + 1 < len(seq):
            heapq.heappush(heap, (seq[pos + 1].invoke, key, pos + 1))
    return out


def _step(op: Operation, state: str | None) -> tuple[bool, str | None]:
    """The sequential register: is ``op`` legal in ``state``, and the state after it.

    An operation without a reply is only ever placed when it takes effect, so a no-reply cas
    is stepped as a cas that succeeds.
    """
    if op.kind == "read":
        return state == op.value, state
    if op.kind == "write":
        return True, op.value
    if op.kind == "delete":
        return True, None
    if op.ok is True and not op.succeeded:
        return state != op.expected, state
    return state == op.expected, op.value


def _accepts(op: Operation, state: str | None) -> bool:
    """Does completed observer ``op`` (read or cas) accept the register holding ``state``?"""
    if op.kind == "read":
        return op.value == state
    if op.kind == "cas":
        return (op.expected == state) == op.succeeded
    return False


class _Link:
    """A cons cell of the current order, so the longest prefix is kept in O(1)."""

    __slots__ = ("index", "parent")

    def __init__(self, index: int, parent: _Link | None) -> None:
        self.index = index
        self.parent = parent


class _KeySearch:
    """Wing & Gong search with Lowe's cache over the operations on one key.

    Completed operations live in a doubly linked list of call and return entries sorted by time
    (calls first on ties), as in Lowe 2017 and porcupine ``checker.go``: the calls before the
    first return entry are exactly the operations that may be placed next. Placing one unlinks
    its two entries; backing up relinks them.

    No-reply operations have no return entry; they are offered when invoked before that first
    return. Three rules keep them cheap. Each is sound because an operation that breaks it can be
    dropped from a witness and what is left is still a witness. Place one only if it changes the
    value (a no-reply cas only if its compare holds); never follow one by a blind write or
    delete; place one only if the next operation can observe the new value (a completed read or
    cas that accepts it, or a no-reply cas expecting it). A witness with the fewest no-reply
    operations obeys all three.
    """

    def __init__(
        self, key: str, ops: list[Operation], initial: str | None, budget: int | None
    ) -> None:
        self.key = key
        self.initial = initial
        self.budget = budget
        self.explored = 0
        # Failed operations never took effect; a no-reply read changes nothing; a no-reply cas
        # writing back its expected value changes nothing either.
        kept = [
            op
            for op in ops
            if op.ok is True
            or (
                op.ok is None
                and op.kind != "read"
                and not (op.kind == "cas" and op.value == op.expected)
            )
        ]
        kept.sort(key=lambda op: op.invoke)  # stable: ties keep history order
        self.ops = kept
        self.definite = [op.ok is True for op in kept]
        self.n_definite = sum(self.definite)
        self.unknown = [i for i, d in enumerate(self.definite) if not d]

        entries: list[tuple[float, int, int]] = []
        for i, op in enumerate(kept):
            if op.ok is True:
                entries.append((op.invoke, 0, i))
                entries.append((op.complete, 1, i))
        entries.sort()
        size = len(entries) + 2
        self.head, self.tail = 0, size - 1
        self.ent_op = [-1] * size
        self.ent_call = [False] * size
        self.ent_time = [math.inf] * size
        self.call_ent = [-1] * len(kept)
        self.ret_ent = [-1] * len(kept)
        for pos, (time, is_return, i) in enumerate(entries, start=1):
            self.ent_op[pos] = i
            self.ent_call[pos] = not is_return
            self.ent_time[pos] = time
            if is_return:
                self.ret_ent[i] = pos
            else:
                self.call_ent[i] = pos
        self.nxt = list(range(1, size + 1))
        self.prv = list(range(-1, size - 1))
        self.best: _Link | None = None

    # -- the linked list of pending entries ------------------------------------------------------
    def _lift(self, i: int) -> None:
        nxt, prv = self.nxt, self.prv
        for e in (self.call_ent[i], self.ret_ent[i]):
            nxt[prv[e]] = nxt[e]
            prv[nxt[e]] = prv[e]

    def _unlift(self, i: int) -> None:
        nxt, prv = self.nxt, self.prv
        for e in (self.ret_ent[i], self.call_ent[i]):
            nxt[prv[e]] = e
            prv[nxt[e]] = e

    def _candidates(self, placed: int, state: str | None, after_unknown: bool) -> list[int]:
        """The operations worth trying next, completed ones first (in call order)."""
        ops = self.ops
        out: list[int] = []
        e = self.nxt[self.head]
        while e != self.tail and self.ent_call[e]:
            i = self.ent_op[e]
            if not (after_unknown and ops[i].kind in ("write", "delete")):
                out.append(i)
            e = self.nxt[e]
        if not self.unknown:
            return out
        boundary = self.ent_time[e]
        avail: list[int] = []
        for u in self.unknown:
            if ops[u].invoke > boundary:
                break
            if not placed >> u & 1:
                avail.append(u)
        observers = [i for i in out if ops[i].kind in ("read", "cas")]
        for u in avail:
            op = ops[u]
            if op.kind == "cas":
                if state != op.expected:
                    continue
            elif after_unknown:
                continue
            new = op.value
            if new == state:
                continue
            if any(_accepts(ops[i], new) for i in observers) or any(
                c != u and ops[c].kind == "cas" and ops[c].expected == new for c in avail
            ):
                out.append(u)
        return out

    # -- the search ------------------------------------------------------------------------------
    def run(self) -> list[Operation] | None:
        """A linearization of this key's kept operations, or ``None`` if there is none."""
        if self.n_definite == 0:
            return []
        ops, definite = self.ops, self.definite
        state = self.initial
        placed = 0
        after_unknown = False
        done = 0
        best_done = 0
        chain: _Link | None = None
        seen: set[tuple[int, str | None, bool]] = set()
        frames = [self._candidates(placed, state, after_unknown)]
        cursor = [0]
        undo: list[tuple[int, str | None, bool]] = []
        while frames:
            cands = frames[-1]
            at = cursor[-1]
            if at == len(cands):
                # Every choice here failed: back up one step.
                frames.pop()
                cursor.pop()
                if not undo:
                    break
                i, state, after_unknown = undo.pop()
                placed ^= 1 << i
                if definite[i]:
                    self._unlift(i)
                    done -= 1
                assert chain is not None
                chain = chain.parent
                continue
            cursor[-1] = at + 1
            i = cands[at]
            legal, new_state = _step(ops[i], state)
            if not legal:
                continue
            new_placed = placed | 1 << i
            key = (new_placed, new_state, not definite[i])
            if key in seen:
                continue
            seen.add(key)
            self.explored = len(seen)
            if self.budget is not None and self.explored > self.budget:
                raise SearchBudgetExceeded(
                    f"key {self.key!r}: more than {self.budget} search states; no verdict"
                )
            undo.append((i, state, after_unknown))
            placed, state, after_unknown = new_placed, new_state, not definite[i]
            chain = _Link(i, chain)
            if definite[i]:
                self._lift(i)
                done += 1
                if done == self.n_definite:
                    return [ops[j] for j in self._indices(chain)]
                if done > best_done:
                    best_done, self.best = done, chain
            frames.append(self._candidates(placed, state, after_unknown))
            cursor.append(0)
        return None

    @staticmethod
    def _indices(chain: _Link | None) -> list[int]:
        out: list[int] = []
        while chain is not None:
            out.append(chain.index)
            chain = chain.parent
        out.reverse()
        return out

    def best_prefix(self) -> list[Operation]:
        """The longest linearizable prefix found (by completed operations placed)."""
        return [self.ops[i] for i in self._indices(self.best)]

    def explain(self) -> str:
        """Why this key has no linearization: where the longest prefix gets stuck."""
        ops = self.ops
        prefix = self._indices(self.best)
        state = self.initial
        for i in prefix:
            state = _step(ops[i], state)[1]
        in_prefix = set(prefix)
        remaining = [i for i in range(len(ops)) if self.definite[i] and i not in in_prefix]
        blocker = min(remaining, key=lambda i: (ops[i].complete, i))
        deadline = ops[blocker].complete
        nexts = [i for i in remaining if ops[i].invoke <= deadline]
        late = [i for i in self.unknown if i not in in_prefix and ops[i].invoke <= deadline]

        total = self.n_definite
        lines = [f"key {self.key!r} is not linearizable."]
        if prefix:
            lines.append(
                f"The longest linearizable prefix places {len(prefix)} operations "
                f"({total - len(remaining)} of {total} completed ones); it ends:"
            )
            skipped = max(0, len(prefix) - _SHOWN_PREFIX)
            if skipped:
                lines.append(f"  ... {skipped} earlier operations")
            for n, i in enumerate(prefix[skipped:], start=skipped + 1):
                lines.append(f"  {n}. {ops[i]}")
            lines.append(f"After it {self.key!r} holds {_show(state)}.")
        else:
            lines.append(f"No operation can come first; {self.key!r} starts as {_show(state)}.")
        lines.append(
            f"One of these must come next, since {ops[blocker]} returned at {deadline:g} and "
            "must take effect before anything invoked later; none can:"
        )
        for i in nexts:
            lines.append(f"  {ops[i]}: {self._reason(ops[i], state)}")
        if late:
            shown = ", ".join(str(ops[i]) for i in late[:_SHOWN_PREFIX])
            more = f" and {len(late) - _SHOWN_PREFIX} more" if len(late) > _SHOWN_PREFIX else ""
            lines.append(f"No operation without a reply can explain it either: {shown}{more}.")
        return "\n".join(lines)

    @staticmethod
    def _reason(op: Operation, state: str | None) -> str:
        if op.kind == "read" and op.value != state:
            return f"it read {_show(op.value)} but the value is {_show(state)}"
        if op.kind == "cas" and op.succeeded and op.expected != state:
            return (
                f"it succeeded, so the value was {_show(op.expected)}, "
                f"but the value is {_show(state)}"
            )
        if op.kind == "cas" and not op.succeeded and op.expected == state:
            return f"its compare failed, but the value is {_show(state)}"
        return "it fits here, but no order of the remaining operations does after it"
