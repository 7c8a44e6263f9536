"""Compact JSON (``kubelab.api.codec``): Go's ``encoding/json`` shape, with the standard
library's reach and errors."""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubelab.api import codec


def test_compact_utf8_in_insertion_order() -> None:
    obj = {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "wëb", "b": 1, "a": [True]}}
    # no spaces, keys as the object holds them (not sorted), non-ASCII as UTF-8 bytes
    assert codec.dumps(obj) == (
        '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"wëb","b":1,"a":[true]}}'.encode()
    )


def test_what_orjson_refuses_goes_through_the_standard_library() -> None:
    # integers beyond 64 bits and non-string keys: json writes them, so codec does too
    assert codec.dumps({"n": 2**70}) == b'{"n":1180591620717411303424}'
    assert codec.dumps({1: "a"}) == b'{"1":"a"}'
    # NaN is not JSON: written as null (json would write NaN); read back when given
    assert codec.dumps([math.nan, math.inf]) == b"[null,null]"
    assert codec.loads(b'{"n":1180591620717411303424}') == {"n": 2**70}
    assert math.isnan(codec.loads(b"[NaN]")[0])


def test_integers_at_the_64_bit_edges_stay_exact() -> None:
    for n in (-(2**63), -(2**63) - 1, 2**64 - 1, 2**64, -(10**30), 10**30):
        data = json.dumps({"n": n, "s": "x"}).encode()
        value = codec.loads(data)["n"]
        assert value == n and type(value) is int


def test_values_json_cannot_encode_are_refused() -> None:
    @dataclasses.dataclass
    class Point:
        x: int

    for bad in ({1, 2}, object(), Point(1), datetime.datetime(2024, 1, 1)):
        with pytest.raises(TypeError):
            json.dumps(bad)
        with pytest.raises(TypeError):
            codec.dumps({"v": bad})


def test_bad_json_raises_value_error() -> None:
    for text in (b"{", b"", b'{"a":1} x', b"\xff\xfe{"):
        with pytest.raises(ValueError):
            codec.loads(text)


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(_JSON)
def test_round_trip_agrees_with_the_standard_library(value: Any) -> None:
    data = codec.dumps(value)
    assert codec.loads(data) == value
    assert json.loads(data) == value
    assert codec.loads(json.dumps(value, ensure_ascii=False).encode()) == value
