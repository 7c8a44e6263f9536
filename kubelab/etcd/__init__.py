"""etcd: the key-value store holding all cluster state — Raft, MVCC, leases, watch.

``EtcdCluster(world, members=3)`` starts members on simulated hosts; ``cluster.client()``
returns an etcdctl-like :class:`EtcdClient`.
"""

from kubelab.etcd.client import EtcdClient, WatchHandle, prefix_range_end
from kubelab.etcd.cluster import EtcdCluster
from kubelab.etcd.errors import (
    ErrCompacted,
    ErrDuplicateKey,
    ErrEmptyKey,
    ErrFutureRev,
    ErrKeyNotFound,
    ErrLeaseExist,
    ErrLeaseNotFound,
    ErrLeaseTTLTooLarge,
    ErrNoLeader,
    ErrNotPrimary,
    ErrRequestTooLarge,
    ErrTimeout,
    ErrTooManyOps,
    EtcdError,
)
from kubelab.etcd.server import (
    ErrBadLeaderTransferee,
    ErrLeaderChanged,
    ErrMemberExist,
    ErrMemberNotFound,
    ErrNotLeader,
    ErrProposalDropped,
    ErrStopped,
    ErrTimeoutLeaderTransfer,
    ErrTooManyRequests,
    EtcdMember,
    member_id,
)

__all__ = [
    "ErrBadLeaderTransferee",
    "ErrCompacted",
    "ErrDuplicateKey",
    "ErrEmptyKey",
    "ErrFutureRev",
    "ErrKeyNotFound",
    "ErrLeaderChanged",
    "ErrLeaseExist",
    "ErrLeaseNotFound",
    "ErrLeaseTTLTooLarge",
    "ErrMemberExist",
    "ErrMemberNotFound",
    "ErrNoLeader",
    "ErrNotLeader",
    "ErrNotPrimary",
    "ErrProposalDropped",
    "ErrRequestTooLarge",
    "ErrStopped",
    "ErrTimeout",
    "ErrTimeoutLeaderTransfer",
    "ErrTooManyOps",
    "ErrTooManyRequests",
    "EtcdClient",
    "EtcdCluster",
    "EtcdError",
    "EtcdMember",
    "WatchHandle",
    "member_id",
    "prefix_range_end",
]
