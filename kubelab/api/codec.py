"""Compact JSON for objects on the wire and in etcd.

The API server stores and sends objects as compact JSON (Go's ``encoding/json``: no spaces,
UTF-8, keys in the order the object holds them). :func:`dumps` writes it with ``orjson`` — a C
extension several times faster than the standard library on the objects the API server
writes thousands of times a second — and falls back to the standard library for what
``orjson`` refuses (integers beyond 64 bits, non-string keys), so every value the standard
library writes is still written. :func:`loads` reads with ``orjson`` too, except where it
would read a number differently from the standard library.

``orjson`` writes floats in the shortest round-trip form without a zero-padded exponent
(``1e-7``), as Go does; the standard library writes ``1e-07``. It writes ``NaN`` and the
infinities as ``null`` (Go refuses them; the standard library writes ``NaN``, which is not
JSON). Dataclasses and datetimes are refused with ``TypeError``, as the standard library does.
"""

from __future__ import annotations

import json
from typing import Any, Final

import orjson

__all__ = ["dumps", "loads"]

# every digit as "0", so a run of 19 digits is a run of 19 zeros (bytes.translate and a
# substring search are a few times cheaper than a regular expression here)
_DIGITS_TO_ZERO: Final = bytes.maketrans(b"123456789", b"000000000")
_LONG_RUN: Final = b"0" * 19
# orjson would write these; json refuses them, and so does kubelab
_STRICT: Final = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
# the standard library's compact, UTF-8 form, made once; no cycle check (objects are trees)
_FALLBACK: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False)


def dumps(obj: Any) -> bytes:
    """``obj`` as compact UTF-8 JSON bytes, keys in insertion order."""
    try:
        return orjson.dumps(obj, option=_STRICT)
    except TypeError:  # orjson.JSONEncodeError: big ints, non-str keys, surrogates, ...
        return _FALLBACK.encode(obj).encode()


def loads(data: bytes | str) -> Any:
    """Parse JSON ``data``; raises ``ValueError`` (``json.JSONDecodeError``) when it is not
    JSON. As ``json.loads`` reads it: orjson when ``data`` is bytes without a run of 19 digits
    (orjson reads integers outside -2**63 .. 2**64-1, which have 19 digits or more, as floats),
    else the standard library."""
    if type(data) is bytes and _LONG_RUN not in data.translate(_DIGITS_TO_ZERO):
        try:
            return orjson.loads(data)
        except ValueError:  # not JSON for orjson (NaN, say): json decides
            pass
    return json.loads(data)
