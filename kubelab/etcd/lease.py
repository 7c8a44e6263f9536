"""etcd's lessor: leases with a TTL, keys attached to them, and the deadlines only a leader keeps.

Follows etcd-io/etcd server/lease/lessor.go. A lease's ID, granted TTL and checkpointed
remaining TTL are replicated state (every member applies the same grants and revokes).
The *deadline* is not: only the primary lessor (the one on the Raft leader) refreshes
deadlines; every other member holds each lease "forever" until it is promoted. The model
never reads a clock — every method that needs time takes ``now`` in seconds — and it never
revokes anything by itself: the leader asks ``expired(now)`` and proposes revokes through Raft.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kubelab.etcd.errors import (
    ErrLeaseExist,
    ErrLeaseNotFound,
    ErrLeaseTTLTooLarge,
    ErrNotPrimary,
)

__all__ = [
    "DEFAULT_LEASE_CHECKPOINT_INTERVAL",
    "EXPIRED_LEASE_RETRY_INTERVAL",
    "LEASE_REVOKE_RATE",
    "MAX_LEASE_TTL",
    "MIN_LEASE_TTL",
    "NO_LEASE",
    "Lease",
    "Lessor",
    "min_lease_ttl",
]

# lessor.go: NoLease is the lease ID meaning "no lease".
NO_LEASE = 0
# lessor.go MaxLeaseTTL: 9,000,000,000 s.
MAX_LEASE_TTL = 9_000_000_000
# lessor.go leaseRevokeRate: at most 1000 leases revoked per second; the loop runs every
# 500 ms and hands out at most leaseRevokeRate/2 expired leases per pass.
LEASE_REVOKE_RATE = 1000
# lessor.go defaultExpiredleaseRetryInterval: an expired lease handed out for revoking is
# not handed out again for 3 s (its revoke is probably still going through Raft).
EXPIRED_LEASE_RETRY_INTERVAL = 3.0
# lessor.go defaultLeaseCheckpointInterval: 5 minutes.
DEFAULT_LEASE_CHECKPOINT_INTERVAL = 300.0


def min_lease_ttl(election_ticks: int = 10, heartbeat_ms: int = 100) -> int:
    """MinLeaseTTL in whole seconds: ceil(((3 * electionTicks) / 2) * heartbeat).

    etcd-io/etcd server/etcdserver/server.go `minTTL` (integer division of the tick count,
    then ceil of the seconds). With the defaults (10 ticks, 100 ms) it is 2 s.
    """
    ticks = (3 * election_ticks) // 2
    return math.ceil(ticks * heartbeat_ms / 1000)


MIN_LEASE_TTL = min_lease_ttl()


@dataclass
class Lease:
    """One lease. ``expiry`` is None for "forever" (no deadline on this member)."""

    id: int
    ttl: int
    remaining_ttl: int = 0  # last checkpointed remaining TTL; 0 = unset (lessor.go)
    expiry: float | None = None
    keys: set[bytes] = field(default_factory=set)

    def effective_ttl(self) -> int:
        """lessor.go Lease.RemainingTTL: the checkpointed remaining TTL if set, else the TTL."""
        return self.remaining_ttl if self.remaining_ttl > 0 else self.ttl

    def remaining(self, now: float) -> float:
        """Seconds until expiry (infinite when this member keeps no deadline)."""
        if self.expiry is None:
            return math.inf
        return self.expiry - now

    def expired(self, now: float) -> bool:
        """lessor.go Lease.expired: remaining time <= 0."""
        return self.remaining(now) <= 0


class Lessor:
    """Grants, renews and revokes leases; tracks which keys are attached to which lease.

    ``range_deleter`` is called by :meth:`revoke` with the attached keys (sorted, so every
    member deletes in the same order) and must delete them all in one write transaction —
    lessor.go Revoke. :class:`kubelab.etcd.mvcc.MVCCStore` installs it.
    """

    def __init__(
        self,
        *,
        min_ttl: int = MIN_LEASE_TTL,
        primary: bool = False,
        checkpoint_interval: float = DEFAULT_LEASE_CHECKPOINT_INTERVAL,
    ) -> None:
        self.min_ttl = min_ttl
        self.checkpoint_interval = checkpoint_interval
        self._primary = primary
        self._leases: dict[int, Lease] = {}
        self._items: dict[bytes, int] = {}
        # lease id -> the time before which expired() does not hand it out again
        self._retry_at: dict[int, float] = {}
        self.range_deleter: Callable[[Sequence[bytes]], None] | None = None

    # --- replicated operations (applied on every member) ---

    def grant(self, lease_id: int, ttl: int, now: float = 0.0) -> Lease:
        """Create a lease; a TTL below ``min_ttl`` is raised to it (lessor.go Grant).

        Raises ErrLeaseNotFound for ID 0, ErrLeaseTTLTooLarge above MaxLeaseTTL,
        ErrLeaseExist for a taken ID.
        """
        if lease_id == NO_LEASE:
            raise ErrLeaseNotFound()
        if ttl > MAX_LEASE_TTL:
            raise ErrLeaseTTLTooLarge()
        if lease_id in self._leases:
            raise ErrLeaseExist()
        lease = Lease(id=lease_id, ttl=max(ttl, self.min_ttl))
        if self._primary:
            lease.expiry = now + lease.effective_ttl()
        self._leases[lease_id] = lease
        return lease

    def revoke(self, lease_id: int) -> list[bytes]:
        """Delete the lease and, through ``range_deleter``, every key attached to it.

        Returns the deleted keys (sorted). Raises ErrLeaseNotFound.
        """
        lease = self._leases.get(lease_id)
        if lease is None:
            raise ErrLeaseNotFound()
        keys = sorted(lease.keys)
        if self.range_deleter is not None:
            self.range_deleter(keys)
        for key in keys:
            if self._items.get(key) == lease_id:
                del self._items[key]
        del self._leases[lease_id]
        self._retry_at.pop(lease_id, None)
        return keys

    def checkpoint(self, lease_id: int, remaining_ttl: int) -> None:
        """Record a lease's remaining TTL (lessor.go Checkpoint); unknown IDs are ignored."""
        lease = self._leases.get(lease_id)
        if lease is not None:
            lease.remaining_ttl = remaining_ttl

    def attach(self, lease_id: int, key: bytes) -> None:
        """Attach a key to a lease. Raises ErrLeaseNotFound."""
        lease = self._leases.get(lease_id)
        if lease is None:
            raise ErrLeaseNotFound()
        lease.keys.add(key)
        self._items[key] = lease_id

    def detach(self, lease_id: int, key: bytes) -> None:
        """Detach a key from a lease. Raises ErrLeaseNotFound."""
        lease = self._leases.get(lease_id)
        if lease is None:
            raise ErrLeaseNotFound()
        lease.keys.discard(key)
        self._items.pop(key, None)

    def get_lease(self, key: bytes) -> int:
        """The lease a key is attached to, or NO_LEASE."""
        return self._items.get(key, NO_LEASE)

    def lookup(self, lease_id: int) -> Lease | None:
        """The lease with this ID, if any."""
        return self._leases.get(lease_id)

    # --- leader-only operations (deadlines) ---

    @property
    def primary(self) -> bool:
        """True on the member that keeps deadlines (the Raft leader)."""
        return self._primary

    def promote(self, now: float, extend: float) -> None:
        """Become primary: every lease gets deadline now + extend + its remaining TTL.

        etcd calls this when its member becomes leader, with extend = the election timeout,
        so that leases do not expire because keepalives were lost during the election.
        With 1000 or more leases, deadlines that pile up in the same second are spread out
        so that at most 3/4 of the revoke rate expire per second (lessor.go Promote).
        """
        self._primary = True
        self._retry_at.clear()
        for lease in self._leases.values():
            lease.expiry = now + extend + lease.effective_ttl()
        if len(self._leases) < LEASE_REVOKE_RATE:
            return
        leases = sorted(self._leases.values(), key=lambda le: (le.remaining(now), le.id))
        base_window = leases[0].remaining(now)
        next_window = base_window + 1.0
        expires = 0
        target_per_second = (3 * LEASE_REVOKE_RATE) // 4
        for lease in leases:
            remaining = lease.remaining(now)
            if remaining > next_window:
                base_window = remaining
                next_window = base_window + 1.0
                expires = 1
                continue
            expires += 1
            if expires <= target_per_second:
                continue
            delay = expires / target_per_second - (remaining - base_window)
            next_window = base_window + delay
            lease.expiry = now + delay + extend + lease.effective_ttl()

    def demote(self) -> None:
        """Stop being primary: every lease is held forever again (lessor.go Demote)."""
        self._primary = False
        self._retry_at.clear()
        for lease in self._leases.values():
            lease.expiry = None

    def keepalive(self, lease_id: int, now: float) -> int:
        """Renew a lease to its full TTL and return that TTL (lessor.go Renew).

        Only the primary renews (ErrNotPrimary elsewhere: etcd forwards the request to the
        leader). An unknown lease, or one already past its deadline, raises ErrLeaseNotFound
        (etcd makes the caller wait for the pending revoke, then answers not found). A
        checkpointed remaining TTL is cleared.
        """
        if not self._primary:
            raise ErrNotPrimary()
        lease = self._leases.get(lease_id)
        if lease is None or lease.expired(now):
            raise ErrLeaseNotFound()
        lease.remaining_ttl = 0
        lease.expiry = now + lease.ttl
        self._retry_at.pop(lease_id, None)
        return lease.ttl

    def expired(self, now: float, limit: int = LEASE_REVOKE_RATE // 2) -> list[int]:
        """IDs of leases past their deadline, for the leader to propose revokes.

        Ordered by deadline then ID; at most ``limit`` (lessor.go revokeExpiredLeases hands
        out leaseRevokeRate/2 per pass). A lease handed out is not handed out again for
        EXPIRED_LEASE_RETRY_INTERVAL seconds. Empty on a non-primary lessor.
        """
        if not self._primary:
            return []
        due = [
            lease
            for lease in self._leases.values()
            if lease.expired(now) and self._retry_at.get(lease.id, -math.inf) <= now
        ]
        due.sort(key=lambda le: (le.expiry if le.expiry is not None else math.inf, le.id))
        out = [lease.id for lease in due[:limit]]
        for lease_id in out:
            self._retry_at[lease_id] = now + EXPIRED_LEASE_RETRY_INTERVAL
        return out

    def due_checkpoints(self, now: float) -> list[dict[str, int]]:
        """Checkpoints the leader would propose: remaining TTLs of long leases.

        Only leases whose remaining TTL exceeds the checkpoint interval are checkpointed
        (lessor.go scheduleCheckpointIfNeeded / findDueScheduledCheckpoints). Simplified: the
        caller decides how often to ask; each call reports every such lease whose remaining
        time, rounded up, is below its TTL.
        """
        if not self._primary:
            return []
        out: list[dict[str, int]] = []
        for lease_id in sorted(self._leases):
            lease = self._leases[lease_id]
            if lease.effective_ttl() <= self.checkpoint_interval or lease.expiry is None:
                continue
            if now >= lease.expiry:
                continue
            remaining = math.ceil(lease.expiry - now)
            if remaining < lease.ttl:
                out.append({"ID": lease_id, "remaining_TTL": remaining})
        return out

    # --- queries ---

    def time_to_live(self, lease_id: int, now: float, keys: bool = False) -> dict[str, Any]:
        """LeaseTimeToLive as the leader answers it (etcdserver/v3_server.go).

        ``TTL`` is the remaining time truncated to whole seconds, ``grantedTTL`` the TTL.
        Raises ErrLeaseNotFound (the gRPC layer turns that into TTL -1) and ErrNotPrimary.
        """
        if not self._primary:
            raise ErrNotPrimary()
        lease = self._leases.get(lease_id)
        if lease is None:
            raise ErrLeaseNotFound()
        out: dict[str, Any] = {
            "ID": lease_id,
            "TTL": int(lease.remaining(now)),
            "grantedTTL": lease.ttl,
            "keys": sorted(lease.keys) if keys else [],
        }
        return out

    def leases(self, now: float = 0.0) -> list[int]:
        """IDs of all leases, soonest deadline first (lessor.go Leases), ties by ID."""
        return [
            le.id for le in sorted(self._leases.values(), key=lambda le: (le.remaining(now), le.id))
        ]

    # --- persistence (what etcd keeps in its "lease" bucket: ID, TTL, remaining TTL) ---

    def to_dict(self) -> list[dict[str, int]]:
        """The replicated lease state; attached keys are rebuilt from the key-value pairs."""
        return [
            {"ID": le.id, "TTL": le.ttl, "remaining_TTL": le.remaining_ttl}
            for le in sorted(self._leases.values(), key=lambda le: le.id)
        ]

    def restore(self, leases: list[dict[str, int]], items: dict[bytes, int]) -> None:
        """Replace all leases (lessor.go Recover): deadlines become forever until promote."""
        self._leases = {}
        self._items = {}
        self._retry_at = {}
        for rec in leases:
            ttl = max(int(rec["TTL"]), self.min_ttl)
            lease_id = int(rec["ID"])
            self._leases[lease_id] = Lease(
                id=lease_id, ttl=ttl, remaining_ttl=int(rec.get("remaining_TTL", 0))
            )
        for key in sorted(items):
            lease_id = items[key]
            if lease_id in self._leases:
                self.attach(lease_id, key)
