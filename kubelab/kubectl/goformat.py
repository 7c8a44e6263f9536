"""How Go writes values, for the parts of kubectl output that come straight from Go's libraries.

kubectl handles objects as unstructured JSON: ``map[string]interface{}`` of strings, ``int64``,
``float64``, ``bool``, ``nil``, slices and maps. Here a Python ``dict``/``list``/``str``/``int``/
``float``/``bool``/``None`` plays each of those parts. The functions reproduce:

* ``encoding/json`` ``Marshal``/``MarshalIndent`` (map keys sorted; ``<``, ``>``, ``&``, U+2028
  and U+2029 escaped; floats in the shortest form, ``1e+21`` style only beyond 1e21 or below
  1e-6 -- ``encode.go`` ``floatEncoder``);
* ``fmt`` ``%v`` (``map[a:1 b:2]``, ``[x y]``, ``<nil>``) and ``%#v`` (``map[string]interface
  {}{"a":1}``), with floats as ``strconv.FormatFloat(f, 'g', -1, 64)`` (``1e+06``);
* ``strconv.Quote``;
* ``time.RFC1123Z`` (``Mon, 02 Jan 2006 15:04:05 -0700``), which ``kubectl describe`` uses. Go
  prints it in the machine's local zone; kubelab prints UTC so every run prints the same.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from kubelab.sim.clock import EPOCH, parse_timestamp

__all__ = [
    "format_labels",
    "go_float_g",
    "go_json",
    "go_quote",
    "go_sharp_v",
    "go_type_name",
    "go_v",
    "rfc1123z",
]


def _digits(f: float) -> tuple[str, int]:
    """Shortest round-trip decimal digits of ``abs(f)`` (non-zero, finite) and the position of
    the decimal point: ``abs(f) == 0.<digits> * 10**dp``."""
    _, digit_tuple, exponent = Decimal(repr(abs(f))).as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(str(d) for d in digit_tuple)
    trimmed = digits.rstrip("0")
    exponent += len(digits) - len(trimmed)
    digits = trimmed.lstrip("0")
    return digits, len(digits) + exponent


def _fmt_e(digits: str, dp: int) -> str:
    mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    exp = dp - 1
    sign = "-" if exp < 0 else "+"
    return f"{mant}e{sign}{abs(exp):02d}"


def _fmt_f(digits: str, dp: int) -> str:
    if dp <= 0:
        return "0." + "0" * (-dp) + digits
    if dp >= len(digits):
        return digits + "0" * (dp - len(digits))
    return digits[:dp] + "." + digits[dp:]


def _special(f: float) -> str | None:
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    return None


def go_float_g(f: float) -> str:
    """``strconv.FormatFloat(f, 'g', -1, 64)``: what ``fmt`` ``%v`` prints for a float64."""
    special = _special(f)
    if special is not None:
        return special
    digits, dp = _digits(f)
    sign = "-" if f < 0 else ""
    exp = dp - 1
    # strconv ftoa.go: shortest %g switches to %e when exp < -4 || exp >= 6 (eprec = 6).
    if exp < -4 or exp >= 6:
        return sign + _fmt_e(digits, dp)
    return sign + _fmt_f(digits, dp)


def _json_float(f: float) -> str:
    special = _special(f)
    if special is not None:
        if special in ("0", "-0"):
            return special
        raise ValueError(f"json: unsupported value: {special}")
    digits, dp = _digits(f)
    sign = "-" if f < 0 else ""
    a = abs(f)
    if a < 1e-6 or a >= 1e21:
        text = _fmt_e(digits, dp)
        # encoding/json cleans up e-09 to e-9.
        if len(text) >= 4 and text[-4] == "e" and text[-3] == "-" and text[-2] == "0":
            text = text[:-2] + text[-1]
        return sign + text
    return sign + _fmt_f(digits, dp)


_JSON_ESCAPES: Final = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",  # Go 1.22+ writes \b and \f, not \u0008 / \u000c
    "\f": "\\f",
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def _json_string(s: str) -> str:
    parts = ['"']
    for ch in s:
        esc = _JSON_ESCAPES.get(ch)
        if esc is not None:
            parts.append(esc)
        elif ord(ch) < 0x20:
            parts.append(f"\\u{ord(ch):04x}")
        else:
            parts.append(ch)
    parts.append('"')
    return "".join(parts)


def go_json(value: Any, indent: str | None = None) -> str:
    """``json.Marshal`` (``indent=None``) or ``json.MarshalIndent(v, "", indent)`` of an
    unstructured value, byte for byte (no trailing newline)."""
    out: list[str] = []

    def emit(v: Any, level: int) -> None:
        if v is None:
            out.append("null")
        elif v is True:
            out.append("true")
        elif v is False:
            out.append("false")
        elif isinstance(v, int):
            out.append(str(v))
        elif isinstance(v, float):
            out.append(_json_float(v))
        elif isinstance(v, str):
            out.append(_json_string(v))
        elif isinstance(v, Mapping):
            if not v:
                out.append("{}")
                return
            out.append("{")
            for i, key in enumerate(sorted(v, key=str)):
                if i:
                    out.append(",")
                if indent is not None:
                    out.append("\n" + indent * (level + 1))
                out.append(_json_string(str(key)))
                out.append(": " if indent is not None else ":")
                emit(v[key], level + 1)
            if indent is not None:
                out.append("\n" + indent * level)
            out.append("}")
        elif isinstance(v, list | tuple):
            if not v:
                out.append("[]")
                return
            out.append("[")
            for i, item in enumerate(v):
                if i:
                    out.append(",")
                if indent is not None:
                    out.append("\n" + indent * (level + 1))
                emit(item, level + 1)
            if indent is not None:
                out.append("\n" + indent * level)
            out.append("]")
        else:
            raise TypeError(f"json: unsupported type: {type(v).__name__}")

    emit(value, 0)
    return "".join(out)


def go_quote(s: str) -> str:
    """``strconv.Quote``: a double-quoted Go string literal."""
    parts = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            parts.append('\\"')
        elif ch == "\\":
            parts.append("\\\\")
        elif ch in "\a\b\f\n\r\t\v":
            parts.append("\\" + "abfnrtv"["\a\b\f\n\r\t\v".index(ch)])
        elif ch.isprintable():
            parts.append(ch)
        elif o < 0x20 or o == 0x7F:
            parts.append(f"\\x{o:02x}")
        elif o < 0x10000:
            parts.append(f"\\u{o:04x}")
        else:
            parts.append(f"\\U{o:08x}")
    parts.append('"')
    return "".join(parts)


def go_v(value: Any) -> str:
    """``fmt.Sprint(v)`` (``%v``) of an unstructured value."""
    if value is None:
        return "<nil>"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float_g(value)
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        # fmt sorts map keys (internal/fmtsort).
        items = (f"{k}:{go_v(value[k])}" for k in sorted(value, key=str))
        return "map[" + " ".join(items) + "]"
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_v(x) for x in value) + "]"
    return str(value)


def go_type_name(value: Any) -> str:
    """The Go type an unstructured value has, as ``reflect.Type.String`` writes it."""
    if value is None:
        return "interface {}"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    if isinstance(value, list | tuple):
        return "[]interface {}"
    return type(value).__name__


def go_sharp_v(value: Any, *, in_interface: bool = False) -> str:
    """``fmt.Sprintf("%#v", v)`` of an unstructured value (Go-syntax representation)."""
    if value is None:
        return "interface {}(nil)" if in_interface else "<nil>"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float_g(value)
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, Mapping):
        items = (
            f"{go_quote(str(k))}:{go_sharp_v(value[k], in_interface=True)}"
            for k in sorted(value, key=str)
        )
        return "map[string]interface {}{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[]interface {}{" + ", ".join(go_sharp_v(x, in_interface=True) for x in value) + "}"
    return repr(value)


_DAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def rfc1123z(timestamp: str | None) -> str:
    """``t.Format(time.RFC1123Z)`` in UTC; a missing timestamp is Go's zero time."""
    if not timestamp:
        return "Mon, 01 Jan 0001 00:00:00 +0000"
    t = EPOCH + _dt.timedelta(seconds=parse_timestamp(timestamp))
    return (
        f"{_DAYS[t.weekday()]}, {t.day:02d} {_MONTHS[t.month - 1]} {t.year:04d} "
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d} +0000"
    )


def format_labels(labels: Mapping[str, str] | None) -> str:
    """``labels.FormatLabels``: ``k1=v1,k2=v2`` sorted by key, or ``<none>``."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))
