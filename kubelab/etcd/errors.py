"""etcd's client-visible errors, as exception classes.

Each class carries the text a client sees and the gRPC status code etcd sends with it.
Texts and codes: etcd-io/etcd api/v3rpc/rpctypes/error.go (`ErrGRPC*`); the two MVCC errors
keep their storage-layer text (server/storage/mvcc/kvstore.go `ErrCompacted`, `ErrFutureRev`),
and the server prefixes it with "etcdserver: " on the wire (`grpc_message`).
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "GRPC_CODE_NUMBERS",
    "ErrCompacted",
    "ErrDuplicateKey",
    "ErrEmptyKey",
    "ErrEmptyWatcherRange",
    "ErrFutureRev",
    "ErrInvalidSortOption",
    "ErrKeyNotFound",
    "ErrLeaseExist",
    "ErrLeaseNotFound",
    "ErrLeaseProvided",
    "ErrLeaseTTLTooLarge",
    "ErrNoLeader",
    "ErrNotPrimary",
    "ErrRequestTooLarge",
    "ErrTimeout",
    "ErrTooManyOps",
    "ErrValueProvided",
    "ErrWatcherDuplicateID",
    "ErrWatcherNotExist",
    "EtcdError",
    "error_from_message",
]

# google.golang.org/grpc/codes: the numeric value of each status code name.
GRPC_CODE_NUMBERS: dict[str, int] = {
    "OK": 0,
    "Canceled": 1,
    "Unknown": 2,
    "InvalidArgument": 3,
    "DeadlineExceeded": 4,
    "NotFound": 5,
    "AlreadyExists": 6,
    "PermissionDenied": 7,
    "ResourceExhausted": 8,
    "FailedPrecondition": 9,
    "Aborted": 10,
    "OutOfRange": 11,
    "Unimplemented": 12,
    "Internal": 13,
    "Unavailable": 14,
    "DataLoss": 15,
    "Unauthenticated": 16,
}


class EtcdError(Exception):
    """Base class of every etcd error the models raise.

    ``message`` is ``str(err)``; ``grpc_message`` is the text etcd puts in the gRPC status
    (what etcdctl prints after "Error: "); ``code`` is the gRPC status code name.
    """

    message: ClassVar[str] = "etcdserver: unknown error"
    grpc_prefix: ClassVar[str] = ""
    code: ClassVar[str] = "Unknown"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail if detail is not None else self.message)

    @property
    def grpc_message(self) -> str:
        """The text of the gRPC status etcd returns for this error."""
        return self.grpc_prefix + self.message

    @property
    def code_number(self) -> int:
        """The numeric gRPC status code (what the JSON gateway puts in ``"code"``)."""
        return GRPC_CODE_NUMBERS[self.code]


# --- MVCC (server/storage/mvcc/kvstore.go; rpctypes maps them to OutOfRange) ---


class ErrCompacted(EtcdError):
    """The requested revision is older than the compacted revision."""

    message = "mvcc: required revision has been compacted"
    grpc_prefix = "etcdserver: "
    code = "OutOfRange"


class ErrFutureRev(EtcdError):
    """The requested revision is newer than the current revision."""

    message = "mvcc: required revision is a future revision"
    grpc_prefix = "etcdserver: "
    code = "OutOfRange"


# --- request validation (api/v3rpc/key.go checks, rpctypes texts) ---


class ErrEmptyKey(EtcdError):
    message = "etcdserver: key is not provided"
    code = "InvalidArgument"


class ErrKeyNotFound(EtcdError):
    """A put with ignore_value/ignore_lease on a key that does not exist."""

    message = "etcdserver: key not found"
    code = "InvalidArgument"


class ErrValueProvided(EtcdError):
    message = "etcdserver: value is provided"
    code = "InvalidArgument"


class ErrLeaseProvided(EtcdError):
    message = "etcdserver: lease is provided"
    code = "InvalidArgument"


class ErrTooManyOps(EtcdError):
    message = "etcdserver: too many operations in txn request"
    code = "InvalidArgument"


class ErrDuplicateKey(EtcdError):
    message = "etcdserver: duplicate key given in txn request"
    code = "InvalidArgument"


class ErrInvalidSortOption(EtcdError):
    message = "etcdserver: invalid sort option"
    code = "InvalidArgument"


class ErrRequestTooLarge(EtcdError):
    message = "etcdserver: request is too large"
    code = "InvalidArgument"


# --- leases (server/lease/lessor.go errors, rpctypes texts) ---


class ErrLeaseNotFound(EtcdError):
    message = "etcdserver: requested lease not found"
    code = "NotFound"


class ErrLeaseExist(EtcdError):
    message = "etcdserver: lease already exists"
    code = "FailedPrecondition"


class ErrLeaseTTLTooLarge(EtcdError):
    message = "etcdserver: too large lease TTL"
    code = "OutOfRange"


class ErrNotPrimary(EtcdError):
    """Only the primary lessor (the leader's) keeps lease deadlines; lessor.go ErrNotPrimary."""

    message = "not a primary lessor"
    code = "Unknown"


# --- server availability (rpctypes) ---


class ErrNoLeader(EtcdError):
    message = "etcdserver: no leader"
    code = "Unavailable"


class ErrTimeout(EtcdError):
    message = "etcdserver: request timed out"
    code = "Unavailable"


# --- watch (server/storage/mvcc/watcher.go) ---


class ErrEmptyWatcherRange(EtcdError):
    message = "mvcc: watcher range is empty"
    code = "InvalidArgument"


class ErrWatcherDuplicateID(EtcdError):
    message = "mvcc: duplicate watch ID provided on the WatchStream"
    code = "InvalidArgument"


class ErrWatcherNotExist(EtcdError):
    message = "mvcc: watcher does not exist"
    code = "NotFound"


_ALL: tuple[type[EtcdError], ...] = (
    ErrCompacted,
    ErrFutureRev,
    ErrEmptyKey,
    ErrKeyNotFound,
    ErrValueProvided,
    ErrLeaseProvided,
    ErrTooManyOps,
    ErrDuplicateKey,
    ErrInvalidSortOption,
    ErrRequestTooLarge,
    ErrLeaseNotFound,
    ErrLeaseExist,
    ErrLeaseTTLTooLarge,
    ErrNotPrimary,
    ErrNoLeader,
    ErrTimeout,
    ErrEmptyWatcherRange,
    ErrWatcherDuplicateID,
    ErrWatcherNotExist,
)


def error_from_message(text: str) -> type[EtcdError] | None:
    """The error class whose message or gRPC message is ``text`` (as a client decodes it)."""
    for cls in _ALL:
        if text in (cls.message, cls.grpc_prefix + cls.message):
            return cls
    return None
