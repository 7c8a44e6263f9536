"""``resource.Quantity``: the fixed-point numbers of ``cpu: 500m`` and ``memory: 1Gi``.

A model of ``k8s.io/apimachinery/pkg/api/resource`` (quantity.go, suffix.go, amount.go, math.go,
scale_int.go). A quantity is an exact decimal number plus the *format* it was written in, which
decides how it is printed again:

* ``DecimalSI`` -- suffixes ``n u m "" k M G T P E`` (powers of 1000),
* ``BinarySI`` -- suffixes ``Ki Mi Gi Ti Pi Ei`` (powers of 1024),
* ``DecimalExponent`` -- ``e<n>`` / ``E<n>`` (powers of ten).

The rules kept here, each beside the code that applies it:

* the grammar and the three error messages of ``ParseQuantity``;
* values are rounded *up* (away from zero) to nano precision when parsed;
* ``BinarySI`` values are capped at 2^63-1 in magnitude, and a non-zero ``BinarySI`` value
  below 1 in magnitude becomes ``DecimalSI``;
* the canonical form: no fractional digits, the largest suffix (exponent a multiple of 3, or
  a power of 1024) that keeps the mantissa an integer; ``BinarySI`` values below 1024 in
  magnitude, or not whole numbers, print as ``DecimalSI``;
* ``String()`` returns the *input text unchanged* when the parser's fast path judged it already
  canonical (quantity.go ``ParseQuantity``: ``s: str``). That judgement is coarse, so
  ``"+1"``, ``"007"``, ``"1E3"`` and ``"1.500k"`` print as written; :meth:`Quantity.canonical`
  always gives the computed form (``CanonicalizeBytes``).

What is left out: the int64 wrap-around of ``Value()``/``MilliValue()`` on overflow (this model
returns the exact integer), the inf.Dec code path's different rounding of negative fractions in
``ScaledValue`` (this model always rounds away from zero, as the int64 path and the doc comment
do), ``Mul``, ``RoundUp``, protobuf and CBOR.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final, Literal, cast

Format = Literal["DecimalSI", "BinarySI", "DecimalExponent"]

#: quantity.go ``Format`` constants.
DECIMAL_SI: Final = "DecimalSI"
BINARY_SI: Final = "BinarySI"
DECIMAL_EXPONENT: Final = "DecimalExponent"
FORMATS: Final[tuple[Format, ...]] = (DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT)

#: amount.go ``Scale`` constants (powers of ten), for :meth:`Quantity.scaled_value`.
NANO: Final = -9
MICRO: Final = -6
MILLI: Final = -3
KILO: Final = 3
MEGA: Final = 6
GIGA: Final = 9
TERA: Final = 12
PETA: Final = 15
EXA: Final = 18

#: math.go ``maxAllowed``: the cap for ``BinarySI`` values (max int64).
MAX_ALLOWED: Final = (1 << 63) - 1
#: math.go ``MaxMilliValue``: the largest value whose milli-value fits an int64.
MAX_MILLI_VALUE: Final = MAX_ALLOWED // 1000

#: quantity.go ``splitREString``: quoted in the format error, though parsing uses a scanner.
SPLIT_RE_STRING: Final = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
#: quantity.go ``ErrFormatWrong``, ``ErrNumeric``, ``ErrSuffix``: the exact messages.
ERR_FORMAT_WRONG: Final = "quantities must match the regular expression '" + SPLIT_RE_STRING + "'"
ERR_NUMERIC: Final = "unable to parse numeric part of quantity"
ERR_SUFFIX: Final = "unable to parse quantity's suffix"

# suffix.go newSuffixer: decimal suffixes as powers of ten, binary ones as powers of two.
_DECIMAL_SUFFIXES: Final[dict[str, int]] = {
    "n": -9,
    "u": -6,
    "m": -3,
    "": 0,
    "k": 3,
    "M": 6,
    "G": 9,
    "T": 12,
    "P": 15,
    "E": 18,
}
_BINARY_SUFFIXES: Final[dict[str, int]] = {
    "Ki": 10,
    "Mi": 20,
    "Gi": 30,
    "Ti": 40,
    "Pi": 50,
    "Ei": 60,
}
_DECIMAL_BY_EXPONENT: Final = {e: s for s, e in _DECIMAL_SUFFIXES.items()}
_BINARY_BY_EXPONENT: Final = {e: s for s, e in _BINARY_SUFFIXES.items()}

# The characters parseQuantityString lets into a suffix before an optional sign and digits.
_SUFFIX_LETTERS: Final = frozenset("eEinumkKMGTP")
_DIGITS: Final = frozenset("0123456789")
# strconv.ParseInt(s, 10, 64) syntax, for the exponent of "e<n>".
_GO_INT_RE: Final = re.compile(r"[+-]?[0-9]+")
_INT64_MIN: Final = -(1 << 63)

# Above this many decimal digits an exact integer is refused rather than built.
_MAX_INT_DIGITS: Final = 10_000


class QuantityError(ValueError):
    """A string that is not a quantity. ``str(err)`` is upstream's message, e.g.
    :data:`ERR_FORMAT_WRONG` or :data:`ERR_SUFFIX`; ``err.text`` is the rejected input."""

    def __init__(self, message: str, text: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.text = text


class Quantity:
    """An immutable fixed-point quantity (``resource.Quantity``).

    Build one with :func:`parse_quantity` (or ``Quantity("500m")``, the same thing),
    :meth:`from_int`, :meth:`from_milli`, :meth:`from_scaled` or :meth:`from_decimal`.
    Equality, ordering and hashing are by value, whatever the format (quantity.go ``Cmp``).
    """

    __slots__ = ("_coef", "_exp", "_format", "_s")

    _coef: int
    _exp: int
    _format: Format
    _s: str | None

    def __init__(self, text: str) -> None:
        parsed = parse_quantity(text)
        object.__setattr__(self, "_coef", parsed._coef)
        object.__setattr__(self, "_exp", parsed._exp)
        object.__setattr__(self, "_format", parsed._format)
        object.__setattr__(self, "_s", parsed._s)

    @classmethod
    def _make(cls, coef: int, exp: int, fmt: Format, cached: str | None = None) -> Quantity:
        """The quantity ``coef * 10**exp``; ``cached`` is what ``String()`` returns verbatim."""
        if fmt not in FORMATS:
            raise ValueError(f"unknown quantity format {fmt!r}; want one of {FORMATS}")
        coef, exp = _normalize(coef, exp)
        q = object.__new__(cls)
        object.__setattr__(q, "_coef", coef)
        object.__setattr__(q, "_exp", exp)
        object.__setattr__(q, "_format", fmt)
        object.__setattr__(q, "_s", cached)
        return q

    # -- constructors (quantity.go NewQuantity, NewMilliQuantity, NewScaledQuantity, ...) --

    @classmethod
    def from_int(cls, value: int, format: Format = DECIMAL_SI) -> Quantity:
        """``NewQuantity(value, format)``: e.g. ``from_int(1024, "BinarySI")`` prints ``1Ki``."""
        return cls._make(value, 0, format)

    @classmethod
    def from_milli(cls, value: int, format: Format = DECIMAL_SI) -> Quantity:
        """``NewMilliQuantity(value, format)``: ``value`` thousandths, e.g. 500 -> ``500m``."""
        return cls._make(value, MILLI, format)

    @classmethod
    def from_scaled(cls, value: int, scale: int) -> Quantity:
        """``NewScaledQuantity(value, scale)``: ``value * 10**scale`` in ``DecimalSI``."""
        return cls._make(value, scale, DECIMAL_SI)

    @classmethod
    def from_decimal(cls, value: Decimal, format: Format = DECIMAL_SI) -> Quantity:
        """``NewDecimalQuantity(value, format)``: an exact decimal, not rounded."""
        if not value.is_finite():
            raise ValueError(f"a quantity must be a finite number, not {value}")
        sign, digits, exponent = value.as_tuple()
        coef = int("".join(map(str, digits)) or "0")
        return cls._make(-coef if sign else coef, cast(int, exponent), format)

    # -- immutability --

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Quantity is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Quantity is immutable; cannot delete {name!r}")

    def __copy__(self) -> Quantity:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Quantity:
        return self

    def __reduce__(self) -> tuple[object, ...]:
        return (Quantity._make, (self._coef, self._exp, self._format, self._s))

    # -- accessors --

    @property
    def format(self) -> Format:
        """``"DecimalSI"``, ``"BinarySI"`` or ``"DecimalExponent"`` (the ``Format`` field)."""
        return self._format

    def as_decimal(self) -> Decimal:
        """The exact value (``AsDec``), e.g. ``Decimal("0.5")`` for ``500m``."""
        if self._coef == 0:
            return Decimal(0)
        digits = tuple(int(d) for d in str(abs(self._coef)))
        return Decimal((1 if self._coef < 0 else 0, digits, self._exp))

    def sign(self) -> int:
        """-1, 0 or 1 (``Sign``)."""
        return (self._coef > 0) - (self._coef < 0)

    def is_zero(self) -> bool:
        """Whether the value is zero (``IsZero``)."""
        return self._coef == 0

    def scaled_value(self, scale: int) -> int:
        """``ScaledValue(scale)``: ``value / 10**scale`` rounded up, away from zero
        (amount.go ``AsScaledInt64`` via math.go ``negativeScaleInt64``). Exact: upstream's
        int64 would wrap on overflow."""
        shift = self._exp - scale
        if shift >= 0:
            if _digits(self._coef) + shift > _MAX_INT_DIGITS:
                raise OverflowError(f"quantity {self} is too large for an integer value")
            return self._coef * _pow10(shift)
        return _div_round_away(self._coef, -shift)

    def value(self) -> int:
        """``Value()``: the value rounded up (away from zero) to an integer; ``1500m`` -> 2."""
        return self.scaled_value(0)

    def milli_value(self) -> int:
        """``MilliValue()``: ``ceil(value * 1000)`` away from zero; ``0.1m`` never occurs
        because parsing already rounded to nano, so ``1n`` -> 1."""
        return self.scaled_value(MILLI)

    # -- printing --

    def canonical(self) -> str:
        """The computed canonical form (quantity.go ``CanonicalizeBytes``), ignoring any
        input text the parser kept: ``Quantity("1.500k").canonical() == "1500"``."""
        if self._coef == 0:
            return "0"
        fmt = self._format
        below_1024 = (
            _cmp(self._coef, self._exp, -1024, 0) > 0 and _cmp(self._coef, self._exp, 1024, 0) < 0
        )
        if fmt == BINARY_SI and (below_1024 or self._exp < 0):
            # quantity.go CanonicalizeBytes: BinarySI between -1024 and 1024, or not a whole
            # number ("Don't lose precision"), is shown as DecimalSI.
            fmt = DECIMAL_SI
        if fmt == BINARY_SI:
            n = self._coef * _pow10(self._exp)
            times = 0
            while n % 1024 == 0:
                n //= 1024
                times += 1
            suffix = _BINARY_BY_EXPONENT.get(10 * times) if times else ""
            if suffix is not None:
                return f"{n}{suffix}"
            # Beyond Ei suffix.go has no suffix; upstream would drop the magnitude. Show the
            # value as DecimalSI instead, as CanonicalizeBytes does for inexact BinarySI.
            fmt = DECIMAL_SI
        # amount.go AsCanonicalBytes: all factors of ten moved into the exponent (done by
        # _normalize), then the exponent lowered to a multiple of 3.
        rest = self._exp % 3
        mantissa = self._coef * _pow10(rest)
        exponent = self._exp - rest
        if fmt == DECIMAL_SI and exponent in _DECIMAL_BY_EXPONENT:
            return f"{mantissa}{_DECIMAL_BY_EXPONENT[exponent]}"
        # DecimalExponent; and DecimalSI beyond E (10^18) or below n, which upstream printed
        # without a suffix until kubernetes/kubernetes#140459 made it fall back to "e<n>".
        return f"{mantissa}e{exponent}" if exponent else str(mantissa)

    def __str__(self) -> str:
        """The canonical Kubernetes form (:meth:`canonical`)."""
        return self.canonical()

    def string(self) -> str:
        """Upstream ``String()`` exactly: the input text when the parser's fast path judged it
        canonical and kept it (so ``"1.001"`` and ``"+1"`` come back as typed, as a real API
        server echoes them), else :meth:`canonical`."""
        return self._s if self._s is not None else self.canonical()

    def __repr__(self) -> str:
        return f"Quantity({self.string()!r})"

    # -- arithmetic (quantity.go Add, Sub, Neg) --

    def __add__(self, other: object) -> Quantity:
        """``Add``: the result keeps this quantity's format, or takes ``other``'s when this
        one is zero."""
        if not isinstance(other, Quantity):
            return NotImplemented
        coef, exp = _aligned_sum(self._coef, self._exp, other._coef, other._exp)
        fmt = other._format if self._coef == 0 else self._format
        return Quantity._make(coef, exp, fmt)

    def __sub__(self, other: object) -> Quantity:
        """``Sub``: as :meth:`__add__`, with ``other`` negated."""
        if not isinstance(other, Quantity):
            return NotImplemented
        coef, exp = _aligned_sum(self._coef, self._exp, -other._coef, other._exp)
        fmt = other._format if self._coef == 0 else self._format
        return Quantity._make(coef, exp, fmt)

    def __neg__(self) -> Quantity:
        """``Neg``: same format, sign flipped."""
        return Quantity._make(-self._coef, self._exp, self._format)

    def __pos__(self) -> Quantity:
        return self

    # -- comparison (quantity.go Cmp) --

    def cmp(self, other: Quantity) -> int:
        """``Cmp``: -1, 0 or 1 as this quantity is less than, equal to or greater than
        ``other``, by value only."""
        return _cmp(self._coef, self._exp, other._coef, other._exp)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self._coef == other._coef and self._exp == other._exp

    def __ne__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return not (self._coef == other._coef and self._exp == other._exp)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.cmp(other) < 0

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.cmp(other) <= 0

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.cmp(other) > 0

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.cmp(other) >= 0

    def __hash__(self) -> int:
        # (coefficient, exponent) is normalized, so equal values hash equally.
        return hash((self._coef, self._exp))


def parse_quantity(text: str) -> Quantity:
    """``ParseQuantity``: the quantity ``text`` stands for, or :class:`QuantityError`.

    >>> str(parse_quantity("1.5Gi")), str(parse_quantity("0.5")), parse_quantity("1Ki").format
    ('1536Mi', '500m', 'BinarySI')
    """
    if len(text) == 0:
        raise QuantityError(ERR_FORMAT_WRONG, text)
    if text == "0":
        return Quantity._make(0, 0, DECIMAL_SI, "0")

    positive, value, num, denom, suffix = _scan(text)
    base, exponent, fmt = _interpret(suffix, text)

    cached = _fast_path_string(text, fmt, exponent, num, denom)

    digits = num + denom
    if not any(c in _DIGITS for c in value) and not _takes_fast_path(fmt, exponent, num, denom):
        # inf.Dec SetString on "." or "-." ("no digits read") outside the int64 fast path.
        raise QuantityError(ERR_NUMERIC, text)
    coef = int(digits)
    if not positive:
        coef = -coef

    if base == 10:
        # The scale is an int32 upstream: exponent minus the fraction's digits, wrapping.
        coef, exp = _round_up_to_nano(coef, _wrap_int32(exponent - len(denom)))
        return Quantity._make(coef, exp, fmt, cached)

    # Binary: digits * 2**exponent / 10**len(denom), exactly, then rounded up to nano
    # (quantity.go ParseQuantity: inf.RoundUp at Nano).
    coef, exp = _round_up_to_nano(coef << exponent, -len(denom))
    # "The max is just a simple cap" -- only for BinarySI.
    if _cmp(abs(coef), exp, MAX_ALLOWED, 0) > 0:
        coef, exp = (MAX_ALLOWED if coef > 0 else -MAX_ALLOWED), 0
    # A non-zero BinarySI value below 1 in magnitude becomes DecimalSI.
    if coef != 0 and _cmp(abs(coef), exp, 1, 0) < 0:
        fmt = DECIMAL_SI
    return Quantity._make(coef, exp, fmt, cached)


# -- the scanner (quantity.go parseQuantityString) --


def _scan(text: str) -> tuple[bool, str, str, str, str]:
    """Split ``text`` into (positive, number text, integer digits, fraction digits, suffix)
    exactly as parseQuantityString does, or raise the format error."""
    positive = True
    pos = 0
    end = len(text)
    if pos < end and text[0] in "+-":
        positive = text[0] == "+"
        pos += 1

    # Leading zeros are dropped; a string of only sign and zeros is zero ("-" too).
    while pos < end and text[pos] == "0":
        pos += 1
    if pos >= end:
        return positive, "0", "0", "", ""

    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    num = text[start:pos]
    if pos >= end:
        return positive, text, num, "", ""
    if not num:
        num = "0"

    denom = ""
    if text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        denom = text[start:pos]
        if pos >= end:
            return positive, text, num, denom, ""
        # upstream: "we currently allow 1.G" -- an empty fraction is accepted.
    value = text[:pos]

    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_LETTERS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        raise QuantityError(ERR_FORMAT_WRONG, text)
    return positive, value, num, denom, text[suffix_start:]


def _interpret(suffix: str, text: str) -> tuple[int, int, Format]:
    """suffix.go ``interpret``: (base, exponent, format) for a suffix, or ErrSuffix."""
    if suffix in _DECIMAL_SUFFIXES:
        return 10, _DECIMAL_SUFFIXES[suffix], DECIMAL_SI
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE":
        rest = suffix[1:]
        if _GO_INT_RE.fullmatch(rest):
            parsed = int(rest)
            if _INT64_MIN <= parsed <= MAX_ALLOWED:
                # suffix.go: int32(parsed) -- the exponent wraps to 32 bits.
                return 10, _wrap_int32(parsed), DECIMAL_EXPONENT
    raise QuantityError(ERR_SUFFIX, text)


def _takes_fast_path(fmt: Format, exponent: int, num: str, denom: str) -> bool:
    """Whether ParseQuantity's int64 fast path handles the number (no inf.Dec parse)."""
    if fmt == BINARY_SI:
        if denom or exponent < 0:
            return False
        # "1Mi (2^20) has ~6 digits of decimal precision, so exponent*3/10 -1 is roughly the
        # precision"
        precision = 15 - len(num) - (exponent * 3) // 10 - 1
        return precision >= 0 and (int(num) << exponent) <= MAX_ALLOWED
    precision = 18 - (len(num) + len(denom))  # math.go maxInt64Factors = 18
    return precision >= 0 and _wrap_int32(exponent - len(denom)) >= NANO


def _fast_path_string(text: str, fmt: Format, exponent: int, num: str, denom: str) -> str | None:
    """The input text, if ParseQuantity keeps it as the quantity's string (``s: str``)."""
    if not _takes_fast_path(fmt, exponent, num, denom):
        return None
    shifted = num + denom
    if fmt == BINARY_SI:
        # "exponent%10 == 0 && (value&0x07 != 0)"
        return text if exponent % 10 == 0 and int(shifted) & 0x07 != 0 else None
    scale = _wrap_int32(exponent - len(denom))
    # "scale%3 == 0 && !strings.HasSuffix(shifted, "000") && shifted[0] != '0'"
    if scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0":
        return text
    return None


# -- exact arithmetic on (coefficient, exponent) pairs --


def _normalize(coef: int, exp: int) -> tuple[int, int]:
    """Move every factor of ten of ``coef`` into ``exp``; zero is (0, 0)."""
    if coef == 0:
        return 0, 0
    text = str(abs(coef))
    stripped = text.rstrip("0")
    zeros = len(text) - len(stripped)
    if zeros:
        coef = int(stripped) if coef > 0 else -int(stripped)
        exp += zeros
    return coef, exp


def _digits(coef: int) -> int:
    return len(str(abs(coef))) if coef else 0


def _pow10(n: int) -> int:
    return cast(int, 10**n)


def _wrap_int32(n: int) -> int:
    return (n + (1 << 31)) % (1 << 32) - (1 << 31)


def _div_round_away(coef: int, places: int) -> int:
    """``coef / 10**places`` rounded away from zero (inf.RoundUp, negativeScaleInt64)."""
    if coef == 0:
        return 0
    if places > _digits(coef):
        return 1 if coef > 0 else -1
    q, r = divmod(abs(coef), _pow10(places))
    if r:
        q += 1
    return q if coef > 0 else -q


def _round_up_to_nano(coef: int, exp: int) -> tuple[int, int]:
    """Round ``coef * 10**exp`` up, away from zero, to a multiple of 10^-9 (quantity.go:
    "rounds non-zero values up to the minimum representable value")."""
    if exp >= NANO:
        return coef, exp
    return _div_round_away(coef, NANO - exp), NANO


def _cmp(c1: int, e1: int, c2: int, e2: int) -> int:
    """Compare ``c1 * 10**e1`` with ``c2 * 10**e2`` without building huge integers."""
    s1 = (c1 > 0) - (c1 < 0)
    s2 = (c2 > 0) - (c2 < 0)
    if s1 != s2:
        return -1 if s1 < s2 else 1
    if s1 == 0:
        return 0
    # Same sign: compare magnitudes by their leading digit's position first.
    a1 = _digits(c1) + e1
    a2 = _digits(c2) + e2
    if a1 != a2:
        return s1 if a1 > a2 else -s1
    low = min(e1, e2)
    m1 = abs(c1) * _pow10(e1 - low)
    m2 = abs(c2) * _pow10(e2 - low)
    if m1 == m2:
        return 0
    return s1 if m1 > m2 else -s1


def _aligned_sum(c1: int, e1: int, c2: int, e2: int) -> tuple[int, int]:
    low = min(e1, e2)
    return c1 * _pow10(e1 - low) + c2 * _pow10(e2 - low), low
