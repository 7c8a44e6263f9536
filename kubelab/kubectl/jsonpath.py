"""kubectl's JSONPath dialect: the template language of ``-o jsonpath=``, custom columns and
``--sort-by``.

A port of the behaviour of ``k8s.io/client-go/util/jsonpath`` (``parser.go``, ``jsonpath.go``,
``node.go``; client-go v0.32): ``{...}`` actions between plain text, ``$``/``@`` for the current
object, ``.field`` and ``['field']`` children (``\\.`` escapes a dot in a key), ``..`` recursive
descent, ``*`` wildcard, ``[i]``, ``[start:end:step]`` with negative indices, ``[a,b]`` unions,
``[?(@.x=="y")]`` filters (``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, or a bare path for
"exists"), quoted text ``{"\\t"}``, and ``{range ...}...{end}`` loops.

Printing follows ``PrintResults``: the values of one action are separated by single spaces,
maps and lists are written as compact JSON, strings as they are, ``null`` for nil.

Go visits map entries in random order (wildcard and recursive descent over maps); kubelab visits
them in sorted key order so that output is reproducible.

Error messages are client-go's, e.g. ``unclosed action``, ``array index out of bounds: index 3,
length 2``, ``foo is not found`` (only when missing keys are not allowed -- kubectl allows them by
default, ``--allow-missing-template-keys=true``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from kubelab.kubectl.goformat import go_json, go_type_name, go_v

__all__ = ["JSONPath", "JSONPathError", "JSONPathParseError", "parse"]


class JSONPathParseError(ValueError):
    """A template that does not parse; the text is client-go's parser error."""


class JSONPathError(ValueError):
    """A template that fails while walking the data; the text is client-go's error."""


# ----------------------------------------------------------------------------- nodes (node.go)


@dataclass
class ListNode:
    nodes: list[Node] = field(default_factory=list)


@dataclass
class TextNode:
    text: str


@dataclass
class FieldNode:
    value: str


@dataclass
class Param:
    value: int = 0
    known: bool = False
    derived: bool = False


@dataclass
class ArrayNode:
    params: tuple[Param, Param, Param]


@dataclass
class FilterNode:
    left: ListNode
    right: ListNode
    operator: str


@dataclass
class IntNode:
    value: int


@dataclass
class FloatNode:
    value: float


@dataclass
class BoolNode:
    value: bool


@dataclass
class WildcardNode:
    pass


@dataclass
class RecursiveNode:
    pass


@dataclass
class UnionNode:
    nodes: list[ListNode]


@dataclass
class IdentifierNode:
    name: str


Node = (
    ListNode
    | TextNode
    | FieldNode
    | ArrayNode
    | FilterNode
    | IntNode
    | FloatNode
    | BoolNode
    | WildcardNode
    | RecursiveNode
    | UnionNode
    | IdentifierNode
)

# ----------------------------------------------------------------------------- parser.go

_EOF: Final = ""
_DICT_KEY: Final = re.compile(r"^'([^']*)'$")
_SLICE: Final = re.compile(r"^(-?[0-9]*)(:-?[0-9]*)?(:-?[0-9]*)?$")
_FILTER: Final = re.compile(r"^([^!<>=]+)([!<>=]+)(.+?)$")
_GO_INT: Final = re.compile(r"^[+-]?[0-9]+$")
_GO_FLOAT: Final = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$")


def _is_terminator(r: str) -> bool:
    return r in (_EOF, " ", "\t", "\r", "\n", ".", ",", "[", "]", "$", "@", "{", "}")


def _is_alphanumeric(r: str) -> bool:
    return r == "_" or (r != _EOF and (r.isalpha() or r.isdecimal()))


def _format_u(r: str) -> str:
    """Go's ``%#U``: ``U+007E '~'`` (the quoted character only when printable)."""
    code = f"U+{ord(r):04X}"
    return f"{code} '{r}'" if r.isprintable() else code


_SIMPLE_ESCAPES: Final = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
}


def unquote_extend(s: str) -> str:
    """``UnquoteExtend``: ``strconv.Unquote`` that also accepts single-quoted strings."""
    if len(s) < 2 or s[0] != s[-1] or s[0] not in "\"'":
        raise ValueError("invalid syntax")
    quote, body = s[0], s[1:-1]
    if "\\" not in body and quote not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == quote:
            raise ValueError("invalid syntax")
        if c != "\\":
            out.append(c)
            i += 1
            continue
        if i + 1 >= len(body):
            raise ValueError("invalid syntax")
        e = body[i + 1]
        i += 2
        if e in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[e])
        elif e in "'\"":
            if e != quote:
                raise ValueError("invalid syntax")
            out.append(e)
        elif e in "xuU":
            n = {"x": 2, "u": 4, "U": 8}[e]
            digits = body[i : i + n]
            if len(digits) != n or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise ValueError("invalid syntax")
            value = int(digits, 16)
            if e != "x" and (value > 0x10FFFF or 0xD800 <= value <= 0xDFFF):
                raise ValueError("invalid syntax")
            out.append(chr(value))
            i += n
        elif e in "01234567":
            digits = body[i - 1 : i + 2]
            if len(digits) != 3 or not all(d in "01234567" for d in digits):
                raise ValueError("invalid syntax")
            value = int(digits, 8)
            if value > 255:
                raise ValueError("invalid syntax")
            out.append(chr(value))
            i += 2
        else:
            raise ValueError("invalid syntax")
    return "".join(out)


class _Parser:
    def __init__(self, text: str) -> None:
        self.input = text
        self.pos = 0
        self.start = 0
        self.width = 0
        self.root = ListNode()

    # -- scanning

    def next(self) -> str:
        if self.pos >= len(self.input):
            self.width = 0
            return _EOF
        r = self.input[self.pos]
        self.width = 1
        self.pos += 1
        return r

    def peek(self) -> str:
        r = self.next()
        self.backup()
        return r

    def backup(self) -> None:
        self.pos -= self.width

    def consume(self) -> str:
        value = self.input[self.start : self.pos]
        self.start = self.pos
        return value

    # -- grammar

    def parse(self) -> ListNode:
        cur: ListNode | None = None  # None: outside any action
        while True:
            if cur is None:
                # parseText
                while True:
                    if self.input.startswith("{", self.pos):
                        if self.pos > self.start:
                            self.root.nodes.append(TextNode(self.consume()))
                        self.pos += 1
                        self.consume()
                        cur = ListNode()
                        self.root.nodes.append(cur)
                        break
                    if self.next() == _EOF:
                        if self.pos > self.start:
                            self.root.nodes.append(TextNode(self.consume()))
                        return self.root
            else:
                if not self.inside_action(cur):
                    cur = None

    def inside_action(self, cur: ListNode) -> bool:
        """One step of ``parseInsideAction``; False once the action is closed."""
        rest = self.input[self.pos :]
        if rest.startswith("}"):
            self.pos += 1
            self.consume()
            return False
        if rest.startswith("[?("):
            self.parse_filter(cur)
            return True
        if rest.startswith(".."):
            self.parse_recursive(cur)
            return True
        r = self.next()
        if r == _EOF or r in "\r\n":
            raise JSONPathParseError("unclosed action")
        if r in " @$":
            self.consume()
        elif r == "[":
            self.parse_array(cur)
        elif r in "\"'":
            self.parse_quote(cur, r)
        elif r == ".":
            self.parse_field(cur)
        elif r in "+-" or r.isdecimal():
            self.backup()
            self.parse_number(cur)
        elif _is_alphanumeric(r):
            self.backup()
            self.parse_identifier(cur)
        else:
            raise JSONPathParseError(f"unrecognized character in action: {_format_u(r)}")
        return True

    def parse_identifier(self, cur: ListNode) -> None:
        while True:
            r = self.next()
            if _is_terminator(r):
                self.backup()
                break
        value = self.consume()
        if value in ("true", "false"):
            cur.nodes.append(BoolNode(value == "true"))
        else:
            cur.nodes.append(IdentifierNode(value))

    def parse_recursive(self, cur: ListNode) -> None:
        if cur.nodes and isinstance(cur.nodes[-1], RecursiveNode):
            raise JSONPathParseError("invalid multiple recursive descent")
        self.pos += 2
        self.consume()
        cur.nodes.append(RecursiveNode())
        if _is_alphanumeric(self.peek()):
            self.parse_field(cur)

    def parse_number(self, cur: ListNode) -> None:
        if self.peek() in ("+", "-"):
            self.next()
        while True:
            r = self.next()
            if r != "." and not (r != _EOF and r in "0123456789"):
                self.backup()
                break
        value = self.consume()
        if _GO_INT.match(value) and -(2**63) <= int(value) < 2**63:
            cur.nodes.append(IntNode(int(value)))
        elif _GO_FLOAT.match(value):
            cur.nodes.append(FloatNode(float(value)))
        else:
            raise JSONPathParseError(f"cannot parse number {value}")

    def parse_array(self, cur: ListNode) -> None:
        while True:
            r = self.next()
            if r == _EOF or r == "\n":
                raise JSONPathParseError("unterminated array")
            if r == "]":
                break
        text = self.consume()[1:-1]
        if text == "*":
            text = ":"
        parts = text.split(",")
        if len(parts) > 1:
            cur.nodes.append(UnionNode([_parse_action(f"[{p.strip(' ')}]") for p in parts]))
            return
        key = _DICT_KEY.match(text)
        if key is not None:
            cur.nodes.extend(_parse_action(f".{key[1]}").nodes)
            return
        m = _SLICE.match(text)
        if m is None:
            raise JSONPathParseError(f"invalid array index {text}")
        groups = [m[1] or "", m[2] or "", m[3] or ""]
        params = (Param(), Param(), Param())
        for i in range(3):
            value = groups[i]
            if value:
                if i > 0:
                    value = value[1:]
                if i > 0 and value == "":
                    params[i].known = False
                else:
                    params[i].known = True
                    if not _GO_INT.match(value):
                        raise JSONPathParseError(f"array index {value} is not a number")
                    params[i].value = int(value)
            elif i == 1:
                params[i].known = True
                params[i].value = params[0].value + 1
                params[i].derived = True
        cur.nodes.append(ArrayNode(params))

    def parse_filter(self, cur: ListNode) -> None:
        self.pos += 3
        self.consume()
        begin = end = False
        pair = ""
        while True:
            r = self.next()
            if r == _EOF or r == "\n":
                raise JSONPathParseError("unterminated filter")
            if r in "\"'":
                if not begin:
                    begin = True
                    pair = r
                    continue
                if self.input[self.pos - 2] != "\\" and r == pair:
                    end = True
            elif r == ")" and begin == end:
                break
        if self.next() != "]":
            raise JSONPathParseError("unclosed array expect ]")
        text = self.consume()[:-2]
        m = _FILTER.match(text)
        if m is None:
            cur.nodes.append(FilterNode(_parse_action(text), ListNode(), "exists"))
        else:
            cur.nodes.append(FilterNode(_parse_action(m[1]), _parse_action(m[3]), m[2]))

    def parse_quote(self, cur: ListNode, end: str) -> None:
        while True:
            r = self.next()
            if r == _EOF or r == "\n":
                raise JSONPathParseError("unterminated quoted string")
            if r == end and self.input[self.pos - 2] != "\\":
                break
        value = self.consume()
        try:
            cur.nodes.append(TextNode(unquote_extend(value)))
        except ValueError as err:
            raise JSONPathParseError(f"unquote string {value} error {err}") from None

    def parse_field(self, cur: ListNode) -> None:
        self.consume()
        while True:
            r = self.next()
            if r == "\\":
                self.next()
            elif _is_terminator(r):
                self.backup()
                break
        value = self.consume()
        if value == "*":
            cur.nodes.append(WildcardNode())
        else:
            cur.nodes.append(FieldNode(value.replace("\\", "")))


def _parse_action(text: str) -> ListNode:
    """``parseAction``: parse ``{text}`` and return the action's list."""
    root = _Parser("{" + text + "}").parse()
    first = root.nodes[0]
    assert isinstance(first, ListNode)
    return first


def parse(template: str) -> ListNode:
    """Parse a template; raises :class:`JSONPathParseError` with client-go's message."""
    return _Parser(template).parse()


# ----------------------------------------------------------------------------- jsonpath.go


def _children(value: Any) -> list[Any]:
    """What a wildcard or recursive descent visits under ``value`` (map values in sorted key
    order; a string's bytes, as Go's ``reflect.Value.Index`` yields them)."""
    if isinstance(value, Mapping):
        return [value[k] for k in sorted(value, key=str)]
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str):
        return list(value.encode())
    return []


def _kind(value: Any) -> str:
    """``basicKind`` from the forked text/template funcs."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    raise JSONPathError("invalid type for comparison")


def _equal(a: Any, b: Any) -> bool:
    ka, kb = _kind(a), _kind(b)
    if ka != kb:
        raise JSONPathError("incompatible types for comparison")
    return bool(a == b)


def _less(a: Any, b: Any) -> bool:
    ka, kb = _kind(a), _kind(b)
    if ka != kb:
        raise JSONPathError("incompatible types for comparison")
    if ka == "bool":
        raise JSONPathError("invalid type for comparison")
    return bool(a < b)


def _compare(op: str, a: Any, b: Any) -> bool:
    if op == "<":
        return _less(a, b)
    if op == ">":
        return not (_less(a, b) or _equal(a, b))
    if op == "==":
        return _equal(a, b)
    if op == "!=":
        return not _equal(a, b)
    if op == "<=":
        return _less(a, b) or _equal(a, b)
    if op == ">=":
        return not _less(a, b)
    raise JSONPathError(f"unrecognized filter operator {op}")


def _text(value: Any) -> str:
    """``evalToText``: ``fmt.Fprint`` of a scalar; ``null`` for nil."""
    return "null" if value is None else go_v(value)


class JSONPath:
    """A parsed template (``jsonpath.New(name).Parse(text)``).

    ``allow_missing_keys`` is ``AllowMissingKeys`` (kubectl sets it for ``-o jsonpath``,
    custom columns and sorting). ``json_output`` is ``-o jsonpath-as-json``.
    """

    def __init__(
        self, template: str, *, allow_missing_keys: bool = True, json_output: bool = False
    ) -> None:
        self.template = template
        self.root = parse(template)
        self.allow_missing_keys = allow_missing_keys
        self.json_output = json_output
        self._begin_range = 0
        self._in_range = 0
        self._end_range = 0
        self._last_end_node = -1

    def find_results(self, data: Any) -> list[list[Any]]:
        """``FindResults``: one list of values per top-level node of the template."""
        self._begin_range = self._in_range = self._end_range = 0
        self._last_end_node = -1
        return self._find(data, 0)

    def _find(self, data: Any, start: int) -> list[list[Any]]:
        nodes = self.root.nodes
        full: list[list[Any]] = []
        i = start
        while i < len(nodes):
            results = self._walk([data], nodes[i])
            # An end node closes the current range block.
            if self._end_range > 0 and self._end_range <= self._in_range:
                self._end_range -= 1
                self._last_end_node = i
                break
            if self._begin_range > 0:
                self._begin_range -= 1
                self._in_range += 1
                if results:
                    for value in results:
                        full.extend(self._find(value, i + 1))
                else:
                    self._find(None, i + 1)
                self._in_range -= 1
                for k in range(i + 1, len(nodes)):
                    if k == self._last_end_node:
                        i = k
                        break
                i += 1
                continue
            full.append(results)
            i += 1
        return full

    def execute(self, data: Any) -> str:
        """``Execute``: the printed template."""
        return "".join(self.print_results(r) for r in self.find_results(data))

    def print_results(self, results: list[Any]) -> str:
        """``PrintResults``: values separated by a space; maps and lists as compact JSON."""
        if self.json_output:
            return go_json(list(results), "    ") + "\n"
        parts = []
        for value in results:
            if isinstance(value, Mapping | list | tuple):
                parts.append(go_json(value))
            else:
                parts.append(_text(value))
        return " ".join(parts)

    # -- evaluation

    def _walk(self, values: list[Any], node: Node) -> list[Any]:
        if isinstance(node, ListNode):
            return self._eval_list(values, node)
        if isinstance(node, TextNode):
            return [node.text]
        if isinstance(node, FieldNode):
            return self._eval_field(values, node)
        if isinstance(node, ArrayNode):
            return self._eval_array(values, node)
        if isinstance(node, FilterNode):
            return self._eval_filter(values, node)
        if isinstance(node, IntNode | FloatNode | BoolNode):
            return [node.value for _ in values]
        if isinstance(node, WildcardNode):
            return [c for v in values if v is not None for c in _children(v)]
        if isinstance(node, RecursiveNode):
            return self._eval_recursive(values)
        if isinstance(node, UnionNode):
            return [r for branch in node.nodes for r in self._eval_list(values, branch)]
        return self._eval_identifier(values, node)

    def _eval_list(self, values: list[Any], node: ListNode) -> list[Any]:
        current = values
        for child in node.nodes:
            current = self._walk(current, child)
        return current

    def _eval_identifier(self, values: list[Any], node: IdentifierNode) -> list[Any]:
        if node.name == "range":
            self._begin_range += 1
            return values
        if node.name == "end":
            if self._in_range > 0:
                self._end_range += 1
                return []
            raise JSONPathError("not in range, nothing to end")
        raise JSONPathError(f"unrecognized identifier {node.name}")

    def _eval_field(self, values: list[Any], node: FieldNode) -> list[Any]:
        results = []
        for value in values:
            if isinstance(value, Mapping) and node.value in value:
                results.append(value[node.value])
        if not results and values:
            if self.allow_missing_keys:
                return []
            raise JSONPathError(f"{node.value} is not found")
        return results

    def _eval_array(self, values: list[Any], node: ArrayNode) -> list[Any]:
        result: list[Any] = []
        for value in values:
            if value is None:
                continue
            if not isinstance(value, list | tuple):
                raise JSONPathError(f"{go_type_name(value)} is not array or slice")
            p0, p1, p2 = (Param(p.value, p.known, p.derived) for p in node.params)
            length = len(value)
            if not p0.known:
                p0.value = 0
            if p0.value < 0:
                p0.value += length
            if not p1.known:
                p1.value = length
            if p1.value < 0 or (p1.value == 0 and p1.derived):
                p1.value += length
            if p1.value == p0.value:
                return result  # zero elements requested
            if p0.value >= length or p0.value < 0:
                raise JSONPathError(f"array index out of bounds: index {p0.value}, length {length}")
            if p1.value > length or p1.value < 0:
                raise JSONPathError(
                    f"array index out of bounds: index {p1.value - 1}, length {length}"
                )
            if p0.value > p1.value:
                raise JSONPathError(
                    f"starting index {p0.value} is greater than ending index {p1.value}"
                )
            step = 1
            if p2.known:
                if p2.value <= 0:
                    raise JSONPathError("step must be > 0")
                step = p2.value
            result.extend(value[p0.value : p1.value : step])
        return result

    def _eval_recursive(self, values: list[Any]) -> list[Any]:
        result: list[Any] = []
        for value in values:
            if value is None:
                continue
            children = _children(value)
            if children:
                result.append(value)
                result.extend(self._eval_recursive(children))
        return result

    def _eval_filter(self, values: list[Any], node: FilterNode) -> list[Any]:
        results: list[Any] = []
        for value in values:
            if not isinstance(value, list | tuple):
                raise JSONPathError(f"{go_v(value)} is not array or slice and cannot be filtered")
            for item in value:
                error: JSONPathError | None = None
                try:
                    lefts = self._eval_list([item], node.left)
                except JSONPathError as err:
                    lefts, error = [], err
                if node.operator == "exists":
                    if lefts:
                        results.append(item)
                    continue
                if error is not None:
                    raise error
                if not lefts:
                    continue
                if len(lefts) > 1:
                    raise JSONPathError("can only compare one element at a time")
                rights = self._eval_list([item], node.right)
                if not rights:
                    continue
                if len(rights) > 1:
                    raise JSONPathError("can only compare one element at a time")
                if _compare(node.operator, lefts[0], rights[0]):
                    results.append(item)
        return results
