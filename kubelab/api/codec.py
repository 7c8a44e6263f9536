"""Compact JSON for objects on the wire and in etcd.

The API server stores and sends objects as compact JSON (Go's ``encoding/json``: no spaces,
UTF-8, keys in the order the object holds them). :func:`dumps` writes it with ``orjson`` — a C
extension several times faster than the standard library on the objects the API server
writes thousands of times a second — and falls back to the standard library for what
``orjson`` refuses (integers beyond 64 bits, non-string keys), so every value the standard
library writes is still written. :func:`loads` reads with the standard library.

``orjson`` writes floats in the shortest round-trip form without a zero-padded exponent
(``1e-7``), as Go does; the standard library writes ``1e-07``. It writes ``NaN`` and the
infinities as ``null`` (Go refuses them; the standard library writes ``NaN``, which is not
JSON). Dataclasses and datetimes are refused with ``TypeError``, as the standard library does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

import orjson

__all__ = ["dumps", "loads"]

#: The standard decoder's scanner: ``(text, index) -> (value, end index)``.
_SCAN: Final[Callable[[str, int], tuple[Any, int]]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
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
    """Parse JSON ``data`` with the standard library (``json.loads``), its fast way for a
    UTF-8 object. Raises ``ValueError`` (``json.JSONDecodeError``) when it is not JSON.

    Not orjson: it reads integers outside -2**63 .. 2**64-1 as floats, where json (and Go,
    for the API's int64 fields, with an error) keeps them exact.
    """
    if type(data) is bytes and data[:1] == b"{":
        try:
            text = data.decode()
            obj, end = _SCAN(text, 0)
        except (ValueError, StopIteration):  # not UTF-8, or not valid JSON
            return json.loads(data)
        if end == len(text):
            return obj
    return json.loads(data)
