"""The proposing member's cheap size decision for a txn agrees with the exact request size.

etcd refuses a proposal whose marshalled request is over ``--max-request-bytes``
(``ErrRequestTooLarge``); kubelab decides it from a bound on the normalised txn and works the
exact size out only near the limit. The decision must be the exact one for every txn.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kubelab.etcd.mvcc import prepare_txn, prepared_txn_too_large, request_size

_KEYS = st.binary(min_size=1, max_size=40)
_VALUES = st.binary(max_size=600)


def _put() -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda k, v, lease: {"request_put": {"key": k, "value": v, "lease": lease}},
        _KEYS,
        _VALUES,
        st.sampled_from([0, 1, 2**40]),
    )


def _range() -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda k, end, limit: {"request_range": {"key": k, "range_end": end, "limit": limit}},
        _KEYS,
        st.sampled_from([b"", b"\x00"]) | _KEYS,
        st.integers(min_value=0, max_value=10**6),
    )


def _compare() -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda k, rev: {"key": k, "target": "MOD", "result": "EQUAL", "mod_revision": rev},
        _KEYS,
        st.integers(min_value=0, max_value=2**40),
    )


_TXNS = st.builds(
    lambda compare, success, failure: {"compare": compare, "success": success, "failure": failure},
    st.lists(_compare(), max_size=3),
    st.lists(_put() | _range(), max_size=4),
    st.lists(_range(), max_size=2),
)


@settings(max_examples=300)
@given(_TXNS, st.integers(min_value=0, max_value=3000))
def test_the_size_decision_is_the_exact_one(txn: dict[str, Any], limit: int) -> None:
    exact = request_size({"txn": txn})
    assert prepared_txn_too_large(prepare_txn(txn), limit) == (exact > limit)
