"""The YAML kubectl prints for ``-o yaml``.

kubectl's YAML printer calls ``sigs.k8s.io/yaml.Marshal`` (v1.4.0): the object goes to JSON, the
JSON is decoded by go-yaml v2 (``sigs.k8s.io/yaml/goyaml.v2``) and encoded again by go-yaml v2's
emitter, a port of libyaml. What that produces, and what this module reproduces:

* map keys sorted by go-yaml's ``keyList.Less`` (``sorter.go``): rune by rune, letters after
  non-letters, runs of digits compared as numbers;
* block style, 2-space indent, sequences inside a mapping not indented (``key:`` then ``- a``),
  empty maps and lists as ``{}`` and ``[]``;
* a string is written plain unless plain text would read back as something else
  (``true``, ``yes``, ``on``, ``null``, ``~``, ``""``, numbers such as ``80`` or ``1e3``,
  timestamps such as ``2024-01-01T00:00:00Z``, base-60 ``1:20``) -- those are double-quoted
  (``encode.go`` ``stringv``) -- or unless the emitter finds characters that a plain scalar
  cannot hold (a leading ``*``, ``- ``, ``: ``, `` #``, leading/trailing spaces...), which makes
  it single-quoted, or double-quoted when it also has special characters
  (``emitterc.go`` ``yaml_emitter_analyze_scalar`` and ``select_scalar_style``);
* strings with a newline as literal blocks (``|``, ``|-``, ``|+``);
* long plain and quoted scalars folded at the first space past column 80 (``best_width``), the
  continuation indented two more than the key;
* numbers as JSON wrote them (a float with an integral value, e.g. ``2.0``, becomes ``2``;
  other floats as ``strconv.FormatFloat(f, 'g', -1, 64)``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cmp_to_key
from typing import Any, Final

from kubelab.kubectl.goformat import go_float_g

__all__ = ["marshal", "yaml_key_less"]

_PLAIN: Final = 1
_SINGLE: Final = 2
_DOUBLE: Final = 3
_LITERAL: Final = 4

# ---------------------------------------------------------------------------- key order


def yaml_key_less(a: str, b: str) -> bool:
    """go-yaml v2 ``keyList.Less`` for two string keys."""
    ar, br = a, b
    for i in range(min(len(ar), len(br))):
        if ar[i] == br[i]:
            continue
        al = ar[i].isalpha()
        bl = br[i].isalpha()
        if al and bl:
            return ar[i] < br[i]
        if al or bl:
            return bl
        an = bn = 0
        if ar[i] == "0" or br[i] == "0":
            j = i - 1
            while j >= 0 and ar[j].isdigit():
                if ar[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        ai = i
        while ai < len(ar) and ar[ai].isdigit():
            an = an * 10 + int(ar[ai])
            ai += 1
        bi = i
        while bi < len(br) and br[bi].isdigit():
            bn = bn * 10 + int(br[bi])
            bi += 1
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return ar[i] < br[i]
    return len(ar) < len(br)


def _key_cmp(a: str, b: str) -> int:
    if yaml_key_less(a, b):
        return -1
    if yaml_key_less(b, a):
        return 1
    return 0


# ---------------------------------------------------------------------------- resolve.go

_RESOLVE_TABLE: Final = {
    **dict.fromkeys("+-", "S"),
    **dict.fromkeys("0123456789", "D"),
    **dict.fromkeys("yYnNtTfFoO~", "M"),
    ".": ".",
}
_RESOLVE_WORDS: Final = (
    "y Y yes Yes YES true True TRUE on On ON n N no No NO false False FALSE off Off OFF "
    "~ null Null NULL .nan .NaN .NAN .inf .Inf .INF +.inf +.Inf +.INF -.inf -.Inf -.INF <<"
)
_RESOLVE_MAP: Final = frozenset(_RESOLVE_WORDS.split(" ")) | {""}
_YAML_FLOAT: Final = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_GO_INT: Final = re.compile(
    r"^[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$"
)
_TIMESTAMP: Final = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:([Tt ])(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$"
)
_BASE60: Final = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_DAYS_IN: Final = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _is_timestamp(s: str) -> bool:
    """``parseTimestamp``: the four ``time.Parse`` layouts go-yaml v2 tries."""
    m = _TIMESTAMP.match(s)
    if m is None:
        return False
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    if not 1 <= month <= 12 or not 1 <= day <= _DAYS_IN[month - 1]:
        return False
    if month == 2 and day == 29 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        return False
    sep = m[4]
    if sep is None:
        return True
    if int(m[5]) > 23 or int(m[6]) > 59 or int(m[7]) > 59:
        return False
    # "T"/"t" layouts carry a zone; the space-separated one has none.
    return (m[8] is not None) == (sep in "Tt")


def _int_fits(text: str) -> bool:
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    base = 10
    if body[:2] in ("0x", "0X"):
        base, body = 16, body[2:]
    elif body[:2] in ("0o", "0O"):
        base, body = 8, body[2:]
    elif body[:2] in ("0b", "0B"):
        base, body = 2, body[2:]
    elif len(body) > 1 and body[0] == "0":
        base = 8
    value = sign * int(body, base)
    # ParseInt (int64), or ParseUint (no sign) for larger positive values.
    return -(2**63) <= value < 2**63 or (text[0] not in "+-" and value < 2**64)


def _resolves_to_str(s: str) -> bool:
    """True when go-yaml would read ``s`` back as a string if it were written plain."""
    if s in _RESOLVE_MAP:
        return False
    hint = _RESOLVE_TABLE.get(s[0])
    if hint is None or hint == "M":
        return True
    if hint == ".":
        return _YAML_FLOAT.match(s) is None or float(s) in (float("inf"), float("-inf"))
    if _is_timestamp(s):
        return False
    plain = s.replace("_", "")
    if plain and _GO_INT.match(plain) and _int_fits(plain):
        return False
    if _YAML_FLOAT.match(plain):
        return abs(float(plain)) == float("inf")  # ParseFloat overflow is an error
    return True


def _is_base60_float(s: str) -> bool:
    return bool(s) and (s[0] in "+-" or s[0].isdigit()) and ":" in s and bool(_BASE60.match(s))


# ---------------------------------------------------------------------------- the emitter


def _is_printable(ch: str) -> bool:
    o = ord(ch)
    return (
        o == 0x0A
        or 0x20 <= o <= 0x7E
        or 0xA0 <= o <= 0xD7FF
        or (0xE000 <= o <= 0xFFFD and o != 0xFEFF)
    )


_BREAKS: Final = "\r\n\x85\u2028\u2029"


def _is_blankz(s: str, i: int) -> bool:
    return i >= len(s) or s[i] in " \t" or s[i] in _BREAKS or s[i] == "\x00"


class _Scalar:
    __slots__ = (
        "block_allowed",
        "block_plain_allowed",
        "flow_plain_allowed",
        "multiline",
        "single_quoted_allowed",
        "value",
    )

    def __init__(self, value: str) -> None:
        self.value = value
        if not value:
            self.multiline = False
            self.flow_plain_allowed = False
            self.block_plain_allowed = True
            self.single_quoted_allowed = True
            self.block_allowed = False
            return
        block_ind = flow_ind = line_breaks = special = False
        leading_space = leading_break = trailing_space = trailing_break = False
        break_space = space_break = previous_space = previous_break = False
        if value.startswith(("---", "...")):
            block_ind = flow_ind = True
        preceded_by_ws = True
        n = len(value)
        for i, ch in enumerate(value):
            followed_by_ws = i + 1 >= n or value[i + 1] in " \t"
            if i == 0:
                if ch in "#,[]{}&*!|>'\"%@`":
                    flow_ind = block_ind = True
                elif ch in "?:":
                    flow_ind = True
                    block_ind = block_ind or followed_by_ws
                elif ch == "-" and followed_by_ws:
                    flow_ind = block_ind = True
            elif ch in ",?[]{}":
                flow_ind = True
            elif ch == ":":
                flow_ind = True
                block_ind = block_ind or followed_by_ws
            elif ch == "#" and preceded_by_ws:
                flow_ind = block_ind = True
            if not _is_printable(ch):
                special = True
            if ch == " ":
                leading_space = leading_space or i == 0
                trailing_space = trailing_space or i == n - 1
                break_space = break_space or previous_break
                previous_space, previous_break = True, False
            elif ch in _BREAKS:
                line_breaks = True
                leading_break = leading_break or i == 0
                trailing_break = trailing_break or i == n - 1
                space_break = space_break or previous_space
                previous_space, previous_break = False, True
            else:
                previous_space = previous_break = False
            preceded_by_ws = _is_blankz(value, i)
        self.multiline = line_breaks
        self.flow_plain_allowed = self.block_plain_allowed = True
        self.single_quoted_allowed = self.block_allowed = True
        if leading_space or leading_break or trailing_space or trailing_break:
            self.flow_plain_allowed = self.block_plain_allowed = False
        if trailing_space:
            self.block_allowed = False
        if break_space:
            self.flow_plain_allowed = self.block_plain_allowed = False
            self.single_quoted_allowed = False
        if space_break or special:
            self.flow_plain_allowed = self.block_plain_allowed = False
            self.single_quoted_allowed = self.block_allowed = False
        if line_breaks:
            self.flow_plain_allowed = self.block_plain_allowed = False
        if flow_ind:
            self.flow_plain_allowed = False
        if block_ind:
            self.block_plain_allowed = False


_DQ_ESCAPES: Final = {
    "\x00": "0",
    "\x07": "a",
    "\x08": "b",
    "\x09": "t",
    "\x0a": "n",
    "\x0b": "v",
    "\x0c": "f",
    "\x0d": "r",
    "\x1b": "e",
    '"': '"',
    "\\": "\\",
    "\x85": "N",
    "\xa0": "_",
    "\u2028": "L",
    "\u2029": "P",
}


class _Emitter:
    best_indent: Final = 2
    best_width: Final = 80

    def __init__(self) -> None:
        self.out: list[str] = []
        self.column = 0
        self.whitespace = True
        self.indention = True
        self.indent = -1
        self.indents: list[int] = []
        self.flow_level = 0
        self.mapping_context = False
        self.simple_key_context = False

    # -- low-level writers (emitterc.go put/write/write_indent/write_indicator)

    def put(self, text: str) -> None:
        self.out.append(text)
        self.column += len(text)

    def put_break(self) -> None:
        self.out.append("\n")
        self.column = 0

    def write_break(self, ch: str) -> None:
        if ch == "\n":
            self.put_break()
        else:
            self.out.append(ch)
            self.column = 0

    def increase_indent(self, flow: bool, indentless: bool) -> None:
        self.indents.append(self.indent)
        if self.indent < 0:
            self.indent = self.best_indent if flow else 0
        elif not indentless:
            self.indent += self.best_indent

    def pop_indent(self) -> None:
        self.indent = self.indents.pop()

    def write_indent(self) -> None:
        indent = max(self.indent, 0)
        if (
            not self.indention
            or self.column > indent
            or (self.column == indent and not self.whitespace)
        ):
            self.put_break()
        if self.column < indent:
            self.put(" " * (indent - self.column))
        self.whitespace = True
        self.indention = True

    def write_indicator(
        self, indicator: str, need_whitespace: bool, is_whitespace: bool, is_indention: bool
    ) -> None:
        if need_whitespace and not self.whitespace:
            self.put(" ")
        self.put(indicator)
        self.whitespace = is_whitespace
        self.indention = self.indention and is_indention

    # -- scalars

    def write_plain(self, value: str, allow_breaks: bool) -> None:
        if not self.whitespace:
            self.put(" ")
        spaces = breaks = False
        for i, ch in enumerate(value):
            if ch == " ":
                nxt = value[i + 1] if i + 1 < len(value) else ""
                if allow_breaks and not spaces and self.column > self.best_width and nxt != " ":
                    self.write_indent()
                else:
                    self.put(ch)
                spaces = True
            elif ch in _BREAKS:
                if not breaks and ch == "\n":
                    self.put_break()
                self.write_break(ch)
                self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                self.put(ch)
                self.indention = False
                spaces = breaks = False
        self.whitespace = False
        self.indention = False

    def write_single_quoted(self, value: str, allow_breaks: bool) -> None:
        self.write_indicator("'", True, False, False)
        spaces = breaks = False
        n = len(value)
        for i, ch in enumerate(value):
            if ch == " ":
                nxt = value[i + 1] if i + 1 < n else ""
                if (
                    allow_breaks
                    and not spaces
                    and self.column > self.best_width
                    and 0 < i < n - 1
                    and nxt != " "
                ):
                    self.write_indent()
                else:
                    self.put(ch)
                spaces = True
            elif ch in _BREAKS:
                if not breaks and ch == "\n":
                    self.put_break()
                self.write_break(ch)
                self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                if ch == "'":
                    self.put("'")
                self.put(ch)
                self.indention = False
                spaces = breaks = False
        self.write_indicator("'", False, False, False)
        self.whitespace = False
        self.indention = False

    def write_double_quoted(self, value: str, allow_breaks: bool) -> None:
        spaces = False
        self.write_indicator('"', True, False, False)
        bom = value.startswith("\ufeff")
        n = len(value)
        for i, ch in enumerate(value):
            o = ord(ch)
            if not _is_printable(ch) or bom or ch in _BREAKS or ch in '"\\':
                esc = _DQ_ESCAPES.get(ch)
                if esc is not None:
                    self.put("\\" + esc)
                elif o <= 0xFF:
                    self.put(f"\\x{o:02X}")
                elif o <= 0xFFFF:
                    self.put(f"\\u{o:04X}")
                else:
                    self.put(f"\\U{o:08X}")
                spaces = False
            elif ch == " ":
                if allow_breaks and not spaces and self.column > self.best_width and 0 < i < n - 1:
                    self.write_indent()
                    if i + 1 < n and value[i + 1] == " ":
                        self.put("\\")
                else:
                    self.put(ch)
                spaces = True
            else:
                self.put(ch)
                spaces = False
        self.write_indicator('"', False, False, False)
        self.whitespace = False
        self.indention = False

    def write_literal(self, value: str) -> None:
        self.write_indicator("|", True, False, False)
        if value[:1] in (" ", *_BREAKS):
            self.write_indicator(str(self.best_indent), False, False, False)
        chomp = ""
        if not value or value[-1] not in _BREAKS:
            chomp = "-"
        elif len(value) == 1 or value[-2] in _BREAKS:
            chomp = "+"
        if chomp:
            self.write_indicator(chomp, False, False, False)
        self.put_break()
        self.indention = True
        self.whitespace = True
        breaks = True
        for ch in value:
            if ch in _BREAKS:
                self.write_break(ch)
                self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                    breaks = False
                self.put(ch)
                self.indention = False

    def emit_scalar(self, value: str, requested: int) -> None:
        data = _Scalar(value)
        style = requested
        if self.simple_key_context and data.multiline:
            style = _DOUBLE
        if style == _PLAIN:
            plain_ok = data.flow_plain_allowed if self.flow_level else data.block_plain_allowed
            if not plain_ok or (not value and (self.flow_level or self.simple_key_context)):
                style = _SINGLE
        if style == _SINGLE and not data.single_quoted_allowed:
            style = _DOUBLE
        if style == _LITERAL and (
            not data.block_allowed or self.flow_level or self.simple_key_context
        ):
            style = _DOUBLE
        self.increase_indent(True, False)
        allow_breaks = not self.simple_key_context
        if style == _PLAIN:
            self.write_plain(value, allow_breaks)
        elif style == _SINGLE:
            self.write_single_quoted(value, allow_breaks)
        elif style == _DOUBLE:
            self.write_double_quoted(value, allow_breaks)
        else:
            self.write_literal(value)
        self.pop_indent()

    # -- nodes

    def emit_node(self, value: Any, *, mapping: bool = False, simple_key: bool = False) -> None:
        self.mapping_context = mapping
        self.simple_key_context = simple_key
        if isinstance(value, Mapping):
            self.emit_mapping(value)
        elif isinstance(value, list | tuple):
            self.emit_sequence(value)
        else:
            text, style = _scalar_text(value)
            self.emit_scalar(text, style)

    def emit_flow_empty(self, open_: str, close: str) -> None:
        self.write_indicator(open_, True, True, False)
        self.increase_indent(True, False)
        self.flow_level += 1
        self.flow_level -= 1
        self.pop_indent()
        self.write_indicator(close, False, False, False)

    def emit_mapping(self, value: Mapping[str, Any]) -> None:
        if not value:
            self.emit_flow_empty("{", "}")
            return
        self.increase_indent(False, False)
        for key in sorted((str(k) for k in value), key=cmp_to_key(_key_cmp)):
            self.write_indent()
            item = value[key]
            key_data = _Scalar(key)
            if not key_data.multiline and len(key) <= 128:
                self.emit_node(key, mapping=True, simple_key=True)
                self.write_indicator(":", False, False, False)
            else:
                self.write_indicator("?", True, False, True)
                self.emit_node(key, mapping=True)
                self.write_indent()
                self.write_indicator(":", True, False, True)
            self.emit_node(item, mapping=True)
        self.pop_indent()

    def emit_sequence(self, value: list[Any] | tuple[Any, ...]) -> None:
        if not value:
            self.emit_flow_empty("[", "]")
            return
        self.increase_indent(False, self.mapping_context and not self.indention)
        for item in value:
            self.write_indent()
            self.write_indicator("-", True, False, True)
            self.emit_node(item)
        self.pop_indent()


def _scalar_text(value: Any) -> tuple[str, int]:
    """The scalar text and requested style of a JSON value, as go-yaml's encoder picks them."""
    if value is None:
        return "null", _PLAIN
    if value is True:
        return "true", _PLAIN
    if value is False:
        return "false", _PLAIN
    if isinstance(value, int):
        return str(value), _PLAIN
    if isinstance(value, float):
        # JSON writes integral floats below 1e21 without a fraction; go-yaml decodes them as ints.
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value)), _PLAIN
        text = go_float_g(value)
        return {"+Inf": ".inf", "-Inf": "-.inf", "NaN": ".nan"}.get(text, text), _PLAIN
    s = str(value)
    if "\n" in s:
        return s, _LITERAL
    if _resolves_to_str(s) and not _is_base60_float(s):
        return s, _PLAIN
    return s, _DOUBLE


def marshal(value: Any) -> str:
    """``sigs.k8s.io/yaml.Marshal(value)`` for an unstructured (JSON-like) value."""
    emitter = _Emitter()
    emitter.emit_node(value)
    # Document end (implicit): yaml_emitter_emit_document_end writes an indent.
    emitter.indent = -1
    emitter.write_indent()
    return "".join(emitter.out)
