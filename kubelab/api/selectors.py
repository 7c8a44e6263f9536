"""Label selectors and field selectors, parsed, printed and matched as the API server does.

Label selectors model ``k8s.io/apimachinery/pkg/labels/selector.go``: the same lexer (special
symbols ``= ! ( ) , > <``, whitespace ignored, ``in``/``notin`` keywords that are plain words
inside a value list), the same recursive-descent parser and its error texts (``unable to parse
requirement: ...``, ``found ',', expected: ...``), requirements sorted by key, value sets sorted
when printed. :func:`selector_from_dict` is ``metav1.LabelSelectorAsSelector`` for the
``matchLabels``/``matchExpressions`` form found in Deployments and ReplicaSets.

Field selectors model ``k8s.io/apimachinery/pkg/fields/selector.go``: comma-separated terms with
``=``, ``==`` or ``!=``, values escaped with backslashes (``\\,`` ``\\=`` ``\\\\``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Final

from kubelab.api.errors import FieldError, GoLiteral, go_quote
from kubelab.api.names import is_qualified_name, is_valid_label_value

__all__ = [
    "DOES_NOT_EXIST",
    "DOUBLE_EQUALS",
    "EQUALS",
    "EXISTS",
    "GREATER_THAN",
    "IN",
    "LESS_THAN",
    "NOT_EQUALS",
    "NOT_IN",
    "FieldRequirement",
    "FieldSelector",
    "Requirement",
    "Selector",
    "SelectorError",
    "escape_field_value",
    "new_requirement",
    "parse_field_selector",
    "parse_selector",
    "selector_from_dict",
    "selector_from_set",
]

# selection/operator.go: the operator strings.
DOES_NOT_EXIST: Final = "!"
EQUALS: Final = "="
DOUBLE_EQUALS: Final = "=="
IN: Final = "in"
NOT_EQUALS: Final = "!="
NOT_IN: Final = "notin"
EXISTS: Final = "exists"
GREATER_THAN: Final = "gt"
LESS_THAN: Final = "lt"

# selector.go: binaryOperators (the order the "expected:" message lists them in) and the rest.
_BINARY_OPERATORS: Final = (IN, NOT_IN, EQUALS, DOUBLE_EQUALS, NOT_EQUALS, GREATER_THAN, LESS_THAN)
_UNARY_OPERATORS: Final = (EXISTS, DOES_NOT_EXIST)
_VALID_OPERATORS: Final = _BINARY_OPERATORS + _UNARY_OPERATORS

_INT64_RE: Final = re.compile(r"[+-]?[0-9]+\Z")


class SelectorError(ValueError):
    """A selector that cannot be parsed or built; the text is the upstream error text."""


def _parse_int64(text: str) -> int | None:
    # strconv.ParseInt(s, 10, 64)
    if not _INT64_RE.match(text):
        return None
    value = int(text)
    if not -(2**63) <= value < 2**63:
        return None
    return value


def _child(path: str | None, name: str) -> str:
    return f"{path}.{name}" if path else name


def _aggregate(errors: Sequence[FieldError]) -> str:
    seen: list[str] = []
    for err in errors:
        msg = str(err)
        if msg not in seen:
            seen.append(msg)
    return seen[0] if len(seen) == 1 else "[" + ", ".join(seen) + "]"


@dataclass(frozen=True)
class Requirement:
    """One clause of a label selector: ``key operator values``."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """selector.go ``Requirement.Matches``."""
        op = self.operator
        if op in (IN, EQUALS, DOUBLE_EQUALS):
            return self.key in labels and labels[self.key] in self.values
        if op in (NOT_IN, NOT_EQUALS):
            return self.key not in labels or labels[self.key] not in self.values
        if op == EXISTS:
            return self.key in labels
        if op == DOES_NOT_EXIST:
            return self.key not in labels
        if op in (GREATER_THAN, LESS_THAN):
            if self.key not in labels or len(self.values) != 1:
                return False
            have = _parse_int64(labels[self.key])
            want = _parse_int64(self.values[0])
            if have is None or want is None:
                return False
            return have > want if op == GREATER_THAN else have < want
        return False

    def __str__(self) -> str:
        """selector.go ``Requirement.String``: ``a=b``, ``a in (x,y)``, ``!a`` ..."""
        op = self.operator
        if op == DOES_NOT_EXIST:
            return "!" + self.key
        if op == EXISTS:
            return self.key
        symbol = {
            EQUALS: "=",
            DOUBLE_EQUALS: "==",
            NOT_EQUALS: "!=",
            IN: " in ",
            NOT_IN: " notin ",
            GREATER_THAN: ">",
            LESS_THAN: "<",
        }[op]
        # One value prints as is; several print sorted (upstream safeSort), without changing
        # the stored order.
        vals = self.values[0] if len(self.values) == 1 else ",".join(sorted(self.values))
        if op in (IN, NOT_IN):
            return f"{self.key}{symbol}({vals})"
        return f"{self.key}{symbol}{vals}"


def _validate_label_key(key: str, path: str) -> FieldError | None:
    errs = is_qualified_name(key)
    if errs:
        return FieldError.invalid(path, key, "; ".join(errs))
    return None


def _values_literal(values: Sequence[str] | None) -> object:
    if values is None:
        return GoLiteral("[]string(nil)")
    return list(values)


def new_requirement(
    key: str, operator: str, values: Sequence[str] | None, path: str | None = None
) -> Requirement:
    """Build and check one requirement (selector.go ``NewRequirement``).

    The rules: the key is a qualified name; ``in``/``notin`` need at least one value; ``=``,
    ``==``, ``!=``, ``gt``, ``lt`` exactly one (an integer for ``gt``/``lt``); ``exists`` and
    ``!`` none; every value a valid label value. ``values=None`` stands for a Go nil slice (it
    prints as ``[]string(nil)``). Raises :class:`SelectorError` with all problems found.
    """
    errors: list[FieldError] = []
    key_err = _validate_label_key(key, _child(path, "key"))
    if key_err is not None:
        errors.append(key_err)
    vals = list(values) if values is not None else []
    value_path = _child(path, "values")
    if operator in (IN, NOT_IN):
        if not vals:
            errors.append(
                FieldError.invalid(
                    value_path,
                    _values_literal(values),
                    "for 'in', 'notin' operators, values set can't be empty",
                )
            )
    elif operator in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS):
        if len(vals) != 1:
            errors.append(
                FieldError.invalid(
                    value_path,
                    _values_literal(values),
                    "exact-match compatibility requires one single value",
                )
            )
    elif operator in (EXISTS, DOES_NOT_EXIST):
        if vals:
            errors.append(
                FieldError.invalid(
                    value_path,
                    _values_literal(values),
                    "values set must be empty for exists and does not exist",
                )
            )
    elif operator in (GREATER_THAN, LESS_THAN):
        if len(vals) != 1:
            errors.append(
                FieldError.invalid(
                    value_path,
                    _values_literal(values),
                    "for 'Gt', 'Lt' operators, exactly one value is required",
                )
            )
        for i, v in enumerate(vals):
            if _parse_int64(v) is None:
                errors.append(
                    FieldError.invalid(
                        f"{value_path}[{i}]",
                        v,
                        "for 'Gt', 'Lt' operators, the value must be an integer",
                    )
                )
    else:
        errors.append(
            FieldError.not_supported(_child(path, "operator"), operator, _VALID_OPERATORS)
        )
    for i, v in enumerate(vals):
        msgs = is_valid_label_value(v)
        if msgs:
            errors.append(FieldError.invalid(f"{value_path}[{i}][{key}]", v, "; ".join(msgs)))
    if errors:
        raise SelectorError(_aggregate(errors))
    return Requirement(key, operator, tuple(vals))


@dataclass(frozen=True)
class Selector:
    """A label selector: the AND of its requirements, kept sorted by key.

    ``Selector()`` matches everything; :meth:`nothing` matches nothing (what a missing
    ``LabelSelector`` means to ``LabelSelectorAsSelector``).
    """

    requirements: tuple[Requirement, ...] = ()
    matches_nothing: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        # internalSelector.Add and parse sort by key; a stable sort keeps equal keys in order.
        ordered = tuple(sorted(self.requirements, key=lambda r: r.key))
        object.__setattr__(self, "requirements", ordered)

    @classmethod
    def everything(cls) -> Selector:
        """``labels.Everything()``: matches every label set."""
        return cls()

    @classmethod
    def nothing(cls) -> Selector:
        """``labels.Nothing()``: matches no label set."""
        return cls((), matches_nothing=True)

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """True when every requirement holds for ``labels``."""
        if self.matches_nothing:
            return False
        have = labels or {}
        return all(r.matches(have) for r in self.requirements)

    def empty(self) -> bool:
        """True when the selector does not restrict anything (``Selector.Empty``)."""
        return not self.matches_nothing and not self.requirements

    def add(self, *requirements: Requirement) -> Selector:
        """A new selector with more requirements (``Selector.Add``)."""
        if self.matches_nothing:
            return self
        return Selector(self.requirements + requirements)

    def requires_exact_match(self, label: str) -> str | None:
        """The single value ``label`` must have, if this selector pins it (else None)."""
        for req in self.requirements:
            if req.key == label:
                if req.operator in (EQUALS, DOUBLE_EQUALS, IN) and len(req.values) == 1:
                    return req.values[0]
                return None
        return None

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


# ----------------------------------------------------------------------------- the lexer


class _Tok(Enum):
    ERROR = 0
    EOS = 1
    CLOSED_PAR = 2
    COMMA = 3
    DOES_NOT_EXIST = 4
    DOUBLE_EQUALS = 5
    EQUALS = 6
    GREATER_THAN = 7
    IDENTIFIER = 8
    IN = 9
    LESS_THAN = 10
    NOT_EQUALS = 11
    NOT_IN = 12
    OPEN_PAR = 13


_STRING_TO_TOKEN: Final[dict[str, _Tok]] = {
    ")": _Tok.CLOSED_PAR,
    ",": _Tok.COMMA,
    "!": _Tok.DOES_NOT_EXIST,
    "==": _Tok.DOUBLE_EQUALS,
    "=": _Tok.EQUALS,
    ">": _Tok.GREATER_THAN,
    "in": _Tok.IN,
    "<": _Tok.LESS_THAN,
    "!=": _Tok.NOT_EQUALS,
    "notin": _Tok.NOT_IN,
    "(": _Tok.OPEN_PAR,
}
_SPECIAL: Final = frozenset("=!(),><")
_WHITESPACE: Final = frozenset(" \t\r\n")


def _lex(text: str) -> list[tuple[_Tok, str]]:
    """Split ``text`` into tokens, ending with EOS (selector.go ``Lexer.Lex`` in a loop)."""
    items: list[tuple[_Tok, str]] = []
    pos, n = 0, len(text)
    while True:
        while pos < n and text[pos] in _WHITESPACE:
            pos += 1
        if pos >= n:
            items.append((_Tok.EOS, ""))
            return items
        if text[pos] in _SPECIAL:
            # The longest run of special symbols that is still a token.
            buffer = ""
            last: tuple[_Tok, str] | None = None
            while pos < n and text[pos] in _SPECIAL:
                buffer += text[pos]
                tok = _STRING_TO_TOKEN.get(buffer)
                if tok is not None:
                    last = (tok, buffer)
                elif last is not None:
                    break
                pos += 1
            if last is None:
                items.append((_Tok.ERROR, f"error expected: keyword found '{buffer}'"))
            else:
                items.append(last)
            continue
        start = pos
        while pos < n and text[pos] not in _SPECIAL and text[pos] not in _WHITESPACE:
            pos += 1
        word = text[start:pos]
        items.append((_STRING_TO_TOKEN.get(word, _Tok.IDENTIFIER), word))


# ----------------------------------------------------------------------------- the parser


class _Parser:
    """selector.go ``Parser``: lookahead/consume over the scanned tokens."""

    _KEY_AND_OPERATOR: Final = 0
    _VALUES: Final = 1

    def __init__(self, text: str) -> None:
        self.items = _lex(text)
        self.position = 0

    def _adjust(self, tok: _Tok, context: int) -> _Tok:
        # In a value context "in" and "notin" are ordinary words.
        if context == self._VALUES and tok in (_Tok.IN, _Tok.NOT_IN):
            return _Tok.IDENTIFIER
        return tok

    def lookahead(self, context: int) -> tuple[_Tok, str]:
        tok, lit = self.items[self.position]
        return self._adjust(tok, context), lit

    def consume(self, context: int) -> tuple[_Tok, str]:
        tok, lit = self.items[self.position]
        self.position += 1
        return self._adjust(tok, context), lit

    def parse(self) -> list[Requirement]:
        requirements: list[Requirement] = []
        while True:
            tok, lit = self.lookahead(self._VALUES)
            if tok in (_Tok.IDENTIFIER, _Tok.DOES_NOT_EXIST):
                try:
                    requirements.append(self.parse_requirement())
                except SelectorError as err:
                    raise SelectorError(f"unable to parse requirement: {err}") from None
                t, lit2 = self.consume(self._VALUES)
                if t == _Tok.EOS:
                    return requirements
                if t == _Tok.COMMA:
                    t2, lit3 = self.lookahead(self._VALUES)
                    if t2 not in (_Tok.IDENTIFIER, _Tok.DOES_NOT_EXIST):
                        raise SelectorError(f"found '{lit3}', expected: identifier after ','")
                else:
                    raise SelectorError(f"found '{lit2}', expected: ',' or 'end of string'")
            elif tok == _Tok.EOS:
                return requirements
            else:
                raise SelectorError(f"found '{lit}', expected: !, identifier, or 'end of string'")

    def parse_requirement(self) -> Requirement:
        key, operator = self.parse_key_and_infer_operator()
        if operator in (EXISTS, DOES_NOT_EXIST):
            return new_requirement(key, operator, [])
        operator = self.parse_operator()
        values = self.parse_values() if operator in (IN, NOT_IN) else self.parse_exact_value()
        # sets.String.List(): the values deduplicated and sorted.
        return new_requirement(key, operator, sorted(values))

    def parse_key_and_infer_operator(self) -> tuple[str, str]:
        operator = ""
        tok, literal = self.consume(self._VALUES)
        if tok == _Tok.DOES_NOT_EXIST:
            operator = DOES_NOT_EXIST
            tok, literal = self.consume(self._VALUES)
        if tok != _Tok.IDENTIFIER:
            raise SelectorError(f"found '{literal}', expected: identifier")
        # The parser has no field path: upstream prints a nil *field.Path as "<nil>".
        err = _validate_label_key(literal, "<nil>")
        if err is not None:
            raise SelectorError(str(err))
        t, _ = self.lookahead(self._VALUES)
        if t in (_Tok.EOS, _Tok.COMMA) and operator != DOES_NOT_EXIST:
            operator = EXISTS
        return literal, operator

    def parse_operator(self) -> str:
        tok, lit = self.consume(self._KEY_AND_OPERATOR)
        ops = {
            _Tok.IN: IN,
            _Tok.EQUALS: EQUALS,
            _Tok.DOUBLE_EQUALS: DOUBLE_EQUALS,
            _Tok.GREATER_THAN: GREATER_THAN,
            _Tok.LESS_THAN: LESS_THAN,
            _Tok.NOT_IN: NOT_IN,
            _Tok.NOT_EQUALS: NOT_EQUALS,
        }
        if tok not in ops:
            raise SelectorError(f"found '{lit}', expected: {', '.join(_BINARY_OPERATORS)}")
        return ops[tok]

    def parse_values(self) -> set[str]:
        tok, lit = self.consume(self._VALUES)
        if tok != _Tok.OPEN_PAR:
            raise SelectorError(f"found '{lit}' expected: '('")
        tok, lit = self.lookahead(self._VALUES)
        if tok in (_Tok.IDENTIFIER, _Tok.COMMA):
            values = self.parse_identifiers_list()
            tok2, _ = self.consume(self._VALUES)
            if tok2 != _Tok.CLOSED_PAR:
                raise SelectorError(f"found '{lit}', expected: ')'")
            return values
        if tok == _Tok.CLOSED_PAR:  # "()" is the set holding the empty string
            self.consume(self._VALUES)
            return {""}
        raise SelectorError(f"found '{lit}', expected: ',', ')' or identifier")

    def parse_identifiers_list(self) -> set[str]:
        values: set[str] = set()
        while True:
            tok, lit = self.consume(self._VALUES)
            if tok == _Tok.IDENTIFIER:
                values.add(lit)
                tok2, lit2 = self.lookahead(self._VALUES)
                if tok2 == _Tok.COMMA:
                    continue
                if tok2 == _Tok.CLOSED_PAR:
                    return values
                raise SelectorError(f"found '{lit2}', expected: ',' or ')'")
            if tok == _Tok.COMMA:
                # "(," ",)" and ",," each stand for an empty value.
                if not values:
                    values.add("")
                tok2, _ = self.lookahead(self._VALUES)
                if tok2 == _Tok.CLOSED_PAR:
                    values.add("")
                    return values
                if tok2 == _Tok.COMMA:
                    values.add("")
                continue
            raise SelectorError(f"found '{lit}', expected: ',', or identifier")

    def parse_exact_value(self) -> set[str]:
        tok, _ = self.lookahead(self._VALUES)
        if tok in (_Tok.EOS, _Tok.COMMA):
            return {""}
        tok, lit = self.consume(self._VALUES)
        if tok == _Tok.IDENTIFIER:
            return {lit}
        raise SelectorError(f"found '{lit}', expected: identifier")


def parse_selector(text: str) -> Selector:
    """Parse kubectl's ``-l`` syntax (selector.go ``Parse``).

    ``a=b``, ``a==b``, ``a!=b``, ``a in (x,y)``, ``a notin (x)``, ``a`` (exists), ``!a`` (does
    not exist), ``a>1``, ``a<1``, joined by commas; blanks around tokens are ignored. The empty
    string selects everything. Raises :class:`SelectorError` with the upstream message.
    """
    return Selector(tuple(_Parser(text).parse()))


def selector_from_set(labels: Mapping[str, str] | None) -> Selector:
    """``labels.SelectorFromSet``: ``key=value`` for every pair, without validation."""
    if not labels:
        return Selector()
    return Selector(tuple(Requirement(k, EQUALS, (v,)) for k, v in labels.items()))


_LABEL_SELECTOR_OPERATORS: Final = {
    "In": IN,
    "NotIn": NOT_IN,
    "Exists": EXISTS,
    "DoesNotExist": DOES_NOT_EXIST,
}


def selector_from_dict(label_selector: Mapping[str, Any] | None) -> Selector:
    """``metav1.LabelSelectorAsSelector``: a ``{matchLabels, matchExpressions}`` dict to a selector.

    ``None`` selects nothing; an empty selector selects everything. ``matchLabels`` entries
    become ``key=value``; ``matchExpressions`` use ``In``, ``NotIn``, ``Exists``,
    ``DoesNotExist`` (``In``/``NotIn`` need values, ``Exists``/``DoesNotExist`` must have none).
    Raises :class:`SelectorError` with the upstream text, e.g.
    ``values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be
    empty``.
    """
    if label_selector is None:
        return Selector.nothing()
    if not isinstance(label_selector, Mapping):
        raise SelectorError(
            f"label selector must be a mapping, not {type(label_selector).__name__}"
        )
    match_labels = label_selector.get("matchLabels") or {}
    match_expressions = label_selector.get("matchExpressions") or []
    if not isinstance(match_labels, Mapping):
        raise SelectorError("matchLabels must be a mapping of strings to strings")
    if not isinstance(match_expressions, list):
        raise SelectorError("matchExpressions must be a list")
    if not match_labels and not match_expressions:
        return Selector.everything()
    requirements: list[Requirement] = []
    # Go iterates the map in random order and stops at the first error; sorted keys make the
    # reported error deterministic.
    for key in sorted(match_labels, key=str):
        value = match_labels[key]
        if not isinstance(key, str) or not isinstance(value, str):
            raise SelectorError("matchLabels must be a mapping of strings to strings")
        requirements.append(new_requirement(key, EQUALS, [value]))
    for expr in match_expressions:
        if not isinstance(expr, Mapping):
            raise SelectorError("each matchExpressions item must be a mapping")
        raw_op = expr.get("operator", "")
        op = _LABEL_SELECTOR_OPERATORS.get(raw_op) if isinstance(raw_op, str) else None
        if op is None:
            raise SelectorError(f"{go_quote(str(raw_op))} is not a valid label selector operator")
        raw_values = expr.get("values")
        if raw_values is not None and (
            not isinstance(raw_values, list) or not all(isinstance(v, str) for v in raw_values)
        ):
            raise SelectorError("matchExpressions values must be a list of strings")
        # append([]string(nil), expr.Values...) is nil when there are no values.
        values: list[str] | None = list(raw_values) if raw_values else None
        key = expr.get("key", "")
        if not isinstance(key, str):
            raise SelectorError("matchExpressions key must be a string")
        requirements.append(new_requirement(key, op, values))
    return Selector(tuple(requirements))


# ----------------------------------------------------------------------------- field selectors


@dataclass(frozen=True)
class FieldRequirement:
    """One term of a field selector: ``field=value`` or ``field!=value``."""

    field: str
    operator: str  # "=" (also for "==") or "!="
    value: str

    def matches(self, fields: Mapping[str, str]) -> bool:
        """``hasTerm``/``notHasTerm``: a missing field reads as the empty string."""
        have = fields.get(self.field, "")
        return have == self.value if self.operator == EQUALS else have != self.value

    def __str__(self) -> str:
        return f"{self.field}{self.operator}{escape_field_value(self.value)}"


def escape_field_value(value: str) -> str:
    """fields ``EscapeValue``: backslash-escape ``\\``, ``,`` and ``=``."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def _unescape_field_value(text: str) -> str:
    # fields UnescapeValue
    if not any(c in text for c in "\\,="):
        return text
    out: list[str] = []
    in_slash = False
    for ch in text:
        if in_slash:
            if ch in "\\,=":
                out.append(ch)
            else:
                raise SelectorError(f"invalid field selector: invalid escape sequence: \\{ch}")
            in_slash = False
            continue
        if ch == "\\":
            in_slash = True
        elif ch in ",=":
            # Go formats the rune with %v: its code point number.
            raise SelectorError(f"invalid field selector: unescaped character in value: {ord(ch)}")
        else:
            out.append(ch)
    if in_slash:
        raise SelectorError("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def _split_terms(text: str) -> list[str]:
    # fields splitTerms: split on commas not escaped by a backslash.
    if not text:
        return []
    terms: list[str] = []
    start = 0
    in_slash = False
    for i, ch in enumerate(text):
        if in_slash:
            in_slash = False
        elif ch == "\\":
            in_slash = True
        elif ch == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    # fields splitTerm: the first operator found, trying "!=" then "==" then "=" at each place.
    for i in range(len(term)):
        for op in ("!=", "==", "="):
            if term.startswith(op, i):
                return term[:i], op, term[i + len(op) :]
    return None


def _field_value(obj: Mapping[str, Any], path: str) -> str:
    value: Any = obj
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return ""
        value = value[part]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return ""


@dataclass(frozen=True)
class FieldSelector:
    """A field selector such as ``metadata.name=web,status.phase!=Running``."""

    requirements: tuple[FieldRequirement, ...] = ()

    def matches(self, obj: Mapping[str, Any]) -> bool:
        """True when every term holds for the object's fields, read by dotted path.

        Booleans read as ``true``/``false`` and numbers as their decimal text (the way the
        registries' ``GetAttrs`` functions fill ``fields.Set``); a missing field reads as ``""``.
        """
        fields = {r.field: _field_value(obj, r.field) for r in self.requirements}
        return all(r.matches(fields) for r in self.requirements)

    def matches_fields(self, fields: Mapping[str, str]) -> bool:
        """Match against a prepared ``field -> value`` map (a registry's ``fields.Set``)."""
        return all(r.matches(fields) for r in self.requirements)

    def empty(self) -> bool:
        """True when the selector does not restrict anything."""
        return not self.requirements

    def requires_exact_match(self, field_name: str) -> str | None:
        """The value an ``=`` term pins ``field_name`` to, if any."""
        for req in self.requirements:
            if req.field == field_name and req.operator == EQUALS:
                return req.value
        return None

    def fields(self) -> list[str]:
        """The field names the selector reads, in order."""
        return [r.field for r in self.requirements]

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


def parse_field_selector(text: str) -> FieldSelector:
    """Parse a field selector (fields/selector.go ``ParseSelector``).

    Terms are split on unescaped commas and sorted as strings; each needs ``=``, ``==`` or
    ``!=``. Raises :class:`SelectorError`, e.g. ``invalid selector: 'x'; can't understand 'x'``.
    """
    parts = sorted(_split_terms(text))
    items: list[FieldRequirement] = []
    for part in parts:
        if part == "":
            continue
        split = _split_term(part)
        if split is None:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{part}'")
        lhs, op, rhs = split
        value = _unescape_field_value(rhs)
        items.append(FieldRequirement(lhs, NOT_EQUALS if op == "!=" else EQUALS, value))
    return FieldSelector(tuple(items))
