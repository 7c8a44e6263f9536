"""The Raft log (etcd-io/raft log.go + log_unstable.go) and stable storage (storage.go).

``RaftLog`` is the member's in-memory view: one Python list of entries after a
compaction point ("dummy" entry, as in MemoryStorage's ``ents[0]``), so a term lookup
is one subtraction and one list index.  Two cursors replace upstream's
stable/unstable split: ``unstable_from`` (first index not yet handed to the driver in
a Ready) and ``applying`` (last index handed out for applying).

``Storage`` is the driver's durable copy (MemoryStorage): it survives a crash and a
new ``RawNode`` is rebuilt from it.
"""

from __future__ import annotations

from kubelab.etcd.raft_types import Entry, EntryType, HardState, Ready, Snapshot

__all__ = ["EMPTY_SNAPSHOT", "RaftLog", "Storage"]

#: Placeholder snapshot at index 0 (upstream: an empty pb.Snapshot).
EMPTY_SNAPSHOT = Snapshot(index=0, term=0, voters=())


class RaftLog:
    """Entries after a compaction point, plus commit/apply cursors (log.go ``raftLog``)."""

    __slots__ = (
        "applied",
        "applying",
        "committed",
        "dummy_index",
        "dummy_term",
        "ents",
        "pending_snapshot",
        "snapshot",
        "snapshot_offered",
        "unstable_from",
    )

    def __init__(self) -> None:
        self.dummy_index = 0  # index of the last compacted entry (MemoryStorage ents[0])
        self.dummy_term = 0
        self.ents: list[Entry] = []  # ents[k].index == dummy_index + 1 + k
        self.committed = 0
        self.applying = 0  # highest index handed out in Ready.committed_entries
        self.applied = 0  # highest index the driver reported applied (advance)
        self.unstable_from = 1  # first index not yet handed out in Ready.entries
        self.snapshot = EMPTY_SNAPSHOT  # latest snapshot, sent to lagging followers
        self.pending_snapshot: Snapshot | None = None  # received, not yet applied
        self.snapshot_offered = False  # pending_snapshot already handed out in a Ready

    # --- reading -------------------------------------------------------------------

    @property
    def first_index(self) -> int:
        """First index still held (log.go ``firstIndex``)."""
        return self.dummy_index + 1

    @property
    def last_index(self) -> int:
        """Index of the last entry, or of the compaction point when empty."""
        return self.dummy_index + len(self.ents)

    def last_term(self) -> int:
        """Term of the last entry (log.go ``lastEntryID().term``)."""
        return self.ents[-1].term if self.ents else self.dummy_term

    def term(self, i: int) -> int | None:
        """Term at index ``i``; ``None`` when compacted or not yet written (log.go ``term``)."""
        k = i - self.dummy_index
        if k > 0:
            return self.ents[k - 1].term if k <= len(self.ents) else None
        return self.dummy_term if k == 0 else None

    def entry(self, i: int) -> Entry | None:
        """The entry at index ``i`` if held."""
        k = i - self.dummy_index - 1
        return self.ents[k] if 0 <= k < len(self.ents) else None

    def slice(self, lo: int, hi: int) -> list[Entry]:
        """Entries [lo, hi) — callers guarantee lo > dummy_index and hi <= last+1."""
        d = self.dummy_index + 1
        return self.ents[lo - d : hi - d]

    def is_up_to_date(self, last_index: int, last_term: int) -> bool:
        """Paper §5.4.1: later term wins; same term, longer log wins (log.go ``isUpToDate``)."""
        our_term = self.last_term()
        return last_term > our_term or (last_term == our_term and last_index >= self.last_index)

    def find_conflict_by_term(self, index: int, term: int) -> tuple[int, int]:
        """Largest index <= ``index`` whose term is <= ``term`` (log.go ``findConflictByTerm``).

        Used on both sides of a rejected MsgApp to skip a whole term per round trip.
        An unknown (compacted) term answers ``(index, 0)``.
        """
        while index > 0:
            t = self.term(index)
            if t is None:
                return index, 0
            if t <= term:
                return index, t
            index -= 1
        return 0, 0

    def has_pending_snapshot(self) -> bool:
        """log.go ``hasNextOrInProgressSnapshot``: a received snapshot not yet applied."""
        return self.pending_snapshot is not None

    # --- writing -------------------------------------------------------------------

    def append(self, entries: list[Entry] | tuple[Entry, ...]) -> None:
        """Append, truncating any suffix from ``entries[0].index`` on (log.go ``append``)."""
        first = entries[0].index
        k = first - self.dummy_index - 1
        if k < 0 or first <= self.committed:
            raise RuntimeError(f"after({first - 1}) is out of range [committed({self.committed})]")
        if k < len(self.ents):
            del self.ents[k:]
        elif k > len(self.ents):
            raise RuntimeError(f"missing log entries before index {first}")
        self.ents.extend(entries)
        if first < self.unstable_from:
            self.unstable_from = first

    def find_conflict(self, entries: tuple[Entry, ...]) -> int:
        """First index where ``entries`` disagree with the log or go past it, else 0.

        log.go ``findConflict``; only the overlap with the existing log needs a term
        comparison, so the common case (a MsgApp extending the log) costs O(1).
        """
        if not entries:
            return 0
        first = entries[0].index
        overlap = min(len(entries), self.last_index - first + 1)
        if overlap > 0:
            base = first - self.dummy_index - 1
            ents = self.ents
            for k in range(overlap):
                if ents[base + k].term != entries[k].term:
                    return entries[k].index
        if overlap < 0:
            overlap = 0
        return entries[overlap].index if overlap < len(entries) else 0

    def maybe_append(
        self, prev_index: int, prev_term: int, committed: int, entries: tuple[Entry, ...]
    ) -> int | None:
        """The follower side of AppendEntries (paper §5.3, log.go ``maybeAppend``).

        Reject (``None``) unless the log holds ``prev_index`` with ``prev_term``
        (consistency check); drop conflicting suffixes, append what is new, and move
        the commit index to min(leader commit, last new index).  Returns the last index
        the message vouched for.
        """
        if self.term(prev_index) != prev_term:
            return None
        last_new = prev_index + len(entries)
        ci = self.find_conflict(entries)
        if ci:
            if ci <= self.committed:
                raise RuntimeError(
                    f"entry {ci} conflict with committed entry [committed({self.committed})]"
                )
            off = ci - (prev_index + 1)
            self.append(entries[off:] if off else entries)
        self.commit_to(min(committed, last_new))
        return last_new

    def commit_to(self, to_commit: int) -> None:
        """Never decreases the commit index (log.go ``commitTo``)."""
        if to_commit > self.committed:
            if to_commit > self.last_index:
                raise RuntimeError(
                    f"tocommit({to_commit}) is out of range [lastIndex({self.last_index})]. "
                    "Was the raft log corrupted, truncated, or lost?"
                )
            self.committed = to_commit

    def maybe_commit(self, index: int, term: int) -> bool:
        """Commit ``index`` only if its entry is from ``term`` (paper §5.4.2, log.go)."""
        if term != 0 and index > self.committed and self.term(index) == term:
            self.commit_to(index)
            return True
        return False

    def restore(self, snap: Snapshot) -> None:
        """Replace the log by a received snapshot (log.go ``restore``)."""
        self.ents = []
        self.dummy_index = snap.index
        self.dummy_term = snap.term
        self.committed = snap.index
        self.unstable_from = snap.index + 1
        self.snapshot = snap
        self.pending_snapshot = snap
        self.snapshot_offered = False

    def compact_to(self, index: int) -> None:
        """Discard entries up to and including ``index`` (MemoryStorage ``Compact``)."""
        if index <= self.dummy_index:
            return
        t = self.term(index)
        assert t is not None
        del self.ents[: index - self.dummy_index]
        self.dummy_index = index
        self.dummy_term = t

    # --- handing work to the driver -------------------------------------------------

    def has_unstable(self) -> bool:
        """Entries not yet handed out for persistence."""
        return self.unstable_from <= self.last_index

    def unstable_entries(self) -> list[Entry]:
        """Entries to persist (log_unstable.go ``nextEntries``)."""
        if self.unstable_from > self.last_index:
            return []
        return self.ents[self.unstable_from - self.dummy_index - 1 :]

    def has_next_committed(self) -> bool:
        """log.go ``hasNextCommittedEnts`` (entries may still be unstable: sync writes)."""
        return self.pending_snapshot is None and self.committed > self.applying

    def next_committed_entries(self) -> list[Entry]:
        """Committed entries not yet handed out for applying (log.go ``nextCommittedEnts``)."""
        if not self.has_next_committed():
            return []
        d = self.dummy_index + 1
        return self.ents[self.applying + 1 - d : self.committed + 1 - d]

    def has_unapplied_conf_changes(self) -> bool:
        """raft.go ``hasUnappliedConfChanges``: a conf change committed but not yet applied."""
        if self.applied >= self.committed:
            return False
        lo = max(self.applied + 1, self.dummy_index + 1)
        return any(e.type is EntryType.EntryConfChange for e in self.slice(lo, self.committed + 1))


class Storage:
    """Durable per-member state (storage.go ``MemoryStorage``).

    The driver writes every Ready into it (``save_ready``) before sending the Ready's
    messages; after a crash ``RawNode(config, rng, storage)`` resumes from it.
    Log compaction: ``create_snapshot(snap)`` then ``compact(index)`` with
    index <= snap.index, as etcd does with SnapshotCatchUpEntries.
    """

    def __init__(self) -> None:
        self.hard_state = HardState()
        self.snapshot = EMPTY_SNAPSHOT
        self._dummy_index = 0
        self._dummy_term = 0
        self._ents: list[Entry] = []

    def first_index(self) -> int:
        """First index held."""
        return self._dummy_index + 1

    def last_index(self) -> int:
        """Last index held (the compaction point when empty)."""
        return self._dummy_index + len(self._ents)

    def term(self, i: int) -> int:
        """Term at ``i``; ValueError when compacted or unavailable (ErrCompacted/ErrUnavailable)."""
        k = i - self._dummy_index
        if k == 0:
            return self._dummy_term
        if k < 0:
            raise ValueError("requested index is unavailable due to compaction")
        if k > len(self._ents):
            raise ValueError("requested entry at index is unavailable")
        return self._ents[k - 1].term

    def entries(self, lo: int, hi: int) -> list[Entry]:
        """Entries [lo, hi)."""
        if lo <= self._dummy_index:
            raise ValueError("requested index is unavailable due to compaction")
        if hi > self.last_index() + 1:
            raise ValueError(f"entries' hi({hi}) is out of bound lastindex({self.last_index()})")
        d = self._dummy_index + 1
        return self._ents[lo - d : hi - d]

    def all_entries(self) -> list[Entry]:
        """Every entry held, oldest first (a copy)."""
        return list(self._ents)

    def append(self, entries: list[Entry] | tuple[Entry, ...]) -> None:
        """Append, replacing any conflicting suffix (MemoryStorage ``Append``)."""
        if not entries:
            return
        first = entries[0].index
        if entries[-1].index <= self._dummy_index:
            return  # all already compacted
        if first <= self._dummy_index:
            entries = entries[self._dummy_index + 1 - first :]
            first = self._dummy_index + 1
        k = first - self._dummy_index - 1
        if k > len(self._ents):
            raise ValueError(f"missing log entry [last: {self.last_index()}, append at: {first}]")
        del self._ents[k:]
        self._ents.extend(entries)

    def set_hard_state(self, hs: HardState) -> None:
        """Save term, vote and commit."""
        self.hard_state = hs

    def apply_snapshot(self, snap: Snapshot) -> None:
        """Replace everything by a snapshot received from the leader (``ApplySnapshot``)."""
        if snap.index <= self.snapshot.index:
            raise ValueError("requested index is older than the existing snapshot")
        self.snapshot = snap
        self._dummy_index = snap.index
        self._dummy_term = snap.term
        self._ents = []

    def create_snapshot(self, snap: Snapshot) -> None:
        """Record a locally taken snapshot (``CreateSnapshot``); entries stay until compact."""
        if snap.index <= self.snapshot.index:
            raise ValueError("requested index is older than the existing snapshot")
        if snap.index > self.last_index():
            raise ValueError(
                f"snapshot {snap.index} is out of bound lastindex({self.last_index()})"
            )
        self.snapshot = snap

    def compact(self, index: int) -> None:
        """Drop entries up to ``index`` (``Compact``); never past the snapshot."""
        if index <= self._dummy_index:
            raise ValueError("requested index is unavailable due to compaction")
        if index > self.snapshot.index:
            raise ValueError(f"compact {index} is beyond the snapshot ({self.snapshot.index})")
        t = self.term(index)
        del self._ents[: index - self._dummy_index]
        self._dummy_index = index
        self._dummy_term = t

    def save_ready(self, rd: Ready) -> None:
        """Persist one Ready: snapshot, then entries, then hard state (etcd raftNode order)."""
        if rd.snapshot is not None:
            self.apply_snapshot(rd.snapshot)
        if rd.entries:
            self.append(rd.entries)
        if rd.hard_state is not None:
            self.set_hard_state(rd.hard_state)
