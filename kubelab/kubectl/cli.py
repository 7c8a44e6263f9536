"""Reading a kubectl 1.32 command line: which verb, which resources, which flags.

:func:`parse` turns ``"get pods -n prod -o wide"`` into a :class:`Command`, or raises
:class:`ParseError` carrying the exact text kubectl writes to stderr and its exit code. It is
pure: resource types resolve through the kinds registry (:func:`kubelab.api.kinds.
kind_for_resource`) instead of API discovery, and nothing is sent anywhere.

The command line is split like a POSIX shell does (``shlex``); a leading ``kubectl`` word is
optional. The parsing itself follows the Go libraries kubectl is built on:

* ``spf13/cobra`` v1.8.1 (``command.go``): finding the subcommand (``Find``, ``stripFlags``),
  ``unknown command "x" for "kubectl"`` with "Did you mean this?" suggestions (Levenshtein
  distance up to 2, or a prefix; ``SuggestionsFor``), required flags;
* ``spf13/pflag`` v1.0.5 (``flag.go``): long and short flags, ``--flag=value``, ``-fvalue``,
  grouped booleans, ``--``, flags after arguments, and its error texts (``unknown flag``,
  ``flag needs an argument``, ``invalid argument "x" for "--rev" flag: ...``); typed values
  parsed like Go's ``strconv`` and ``time.ParseDuration``;
* ``k8s.io/kubectl/pkg/cmd`` (each verb's ``Complete``/``Validate``) and
  ``k8s.io/cli-runtime/pkg/resource/builder.go`` (``ResourceTypeOrNameArgs``,
  ``visitorResult``) for the argument rules and their error texts;
* ``k8s.io/kubectl/pkg/cmd/util/helpers.go`` ``CheckErr``: every error is printed as
  ``error: <message>`` and kubectl exits with code 1.

The flag machinery (:class:`FlagSpec`, :func:`parse_flags`, :func:`suggestions_for`, the Go
number and duration parsers) is public: :mod:`kubelab.etcdctl` uses it too, etcdctl being a
cobra/pflag program as well.

kubelab additions: ``--duration`` (a Go duration such as ``30s``) on ``get``, ``logs`` and
``rollout status`` bounds a watch or a follow in simulated time, since a notebook cell cannot
block. Left out: the help texts (``--help`` and a bare ``kubectl`` give a :class:`Command`
with verb ``help``; what to print is the caller's business), kubectl plugins, and the verbs
kubelab does not model (``exec``, ``port-forward``, ``edit``, ...), which are recognised and
refused with a ParseError saying so.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from kubelab.api.kinds import KindInfo, UnknownResourceError, all_kinds, kind_for_resource
from kubelab.api.names import is_qualified_name, is_valid_label_value
from kubelab.kubectl.goformat import go_quote

__all__ = [
    "Command",
    "FlagError",
    "FlagSpec",
    "GoSyntaxError",
    "ParseError",
    "ParsedFlags",
    "go_csv_record",
    "go_duration_string",
    "go_parse_bool",
    "go_parse_int",
    "go_parse_uint",
    "go_quote_rune",
    "levenshtein",
    "parse",
    "parse_flags",
    "parse_go_duration",
    "suggestions_for",
]


# ---------------------------------------------------------------------------------------------
# Go's strconv and time parsers (the messages pflag wraps into its own)
# ---------------------------------------------------------------------------------------------


class GoSyntaxError(ValueError):
    """A ``*strconv.NumError`` or a ``time.ParseDuration`` error; ``str()`` is Go's text."""


def _num_error(func: str, s: str, what: str) -> GoSyntaxError:
    # strconv/atoi.go NumError.Error: "strconv." + Func + ": parsing " + Quote(Num) + ": " + Err
    return GoSyntaxError(f"strconv.{func}: parsing {go_quote(s)}: {what}")


def go_parse_bool(s: str) -> bool:
    """``strconv.ParseBool``."""
    if s in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if s in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise _num_error("ParseBool", s, "invalid syntax")


def _underscore_ok(s: str) -> bool:
    # strconv/atoi.go underscoreOK: '_' only between digits (a base prefix counts as a digit).
    saw = "^"
    i = 0
    if s[:1] in ("-", "+"):
        s = s[1:]
    hexa = False
    if len(s) >= 2 and s[0] == "0" and s[1].lower() in "box":
        i = 2
        saw = "0"
        hexa = s[1].lower() == "x"
    while i < len(s):
        c = s[i]
        if (c.isascii() and c.isdigit()) or (hexa and c.lower() in "abcdef"):
            saw = "0"
        elif c == "_":
            if saw != "0":
                return False
            saw = "_"
        else:
            if saw == "_":
                return False
            saw = "!"
        i += 1
    return saw != "_"


def go_parse_uint(s: str, base: int = 10, bits: int = 64, func: str = "ParseUint") -> int:
    """``strconv.ParseUint`` (``base`` 0 reads ``0x``/``0o``/``0b``/leading-``0`` prefixes and
    allows ``_`` separators)."""
    s0 = s
    if not s:
        raise _num_error(func, s0, "invalid syntax")
    base0 = base == 0
    if base0:
        base = 10
        if s[0] == "0":
            if len(s) >= 3 and s[1].lower() == "b":
                base, s = 2, s[2:]
            elif len(s) >= 3 and s[1].lower() == "o":
                base, s = 8, s[2:]
            elif len(s) >= 3 and s[1].lower() == "x":
                base, s = 16, s[2:]
            else:
                base, s = 8, s[1:]
    max_val = (1 << bits) - 1
    n = 0
    underscores = False
    for c in s:
        if c == "_" and base0:
            underscores = True
            continue
        if "0" <= c <= "9":
            d = ord(c) - ord("0")
        elif "a" <= c.lower() <= "z":
            d = ord(c.lower()) - ord("a") + 10
        else:
            raise _num_error(func, s0, "invalid syntax")
        if d >= base:
            raise _num_error(func, s0, "invalid syntax")
        n = n * base + d
        if n > max_val:
            raise _num_error(func, s0, "value out of range")
    if underscores and not _underscore_ok(s0):
        raise _num_error(func, s0, "invalid syntax")
    return n


def go_parse_int(s: str, base: int = 10, bits: int = 64) -> int:
    """``strconv.ParseInt``: an optional sign, then :func:`go_parse_uint`; the error names
    ``ParseInt`` and quotes the whole input."""
    if not s:
        raise _num_error("ParseInt", s, "invalid syntax")
    body, neg = s, False
    if s[0] == "+":
        body = s[1:]
    elif s[0] == "-":
        body, neg = s[1:], True
    try:
        un = go_parse_uint(body, base, bits, "ParseInt")
    except GoSyntaxError as err:
        what = "value out of range" if str(err).endswith("value out of range") else "invalid syntax"
        raise _num_error("ParseInt", s, what) from None
    cutoff = 1 << (bits - 1)
    if (not neg and un >= cutoff) or (neg and un > cutoff):
        raise _num_error("ParseInt", s, "value out of range")
    return -un if neg else un


_UNITS: Final[dict[str, int]] = {
    # time/format.go unitMap
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,  # U+00B5
    "μs": 1_000,  # U+03BC
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}


def parse_go_duration(s: str) -> float:
    """``time.ParseDuration``, in seconds (``"1m30s"`` -> 90.0); Go's error texts."""
    orig = s
    invalid = GoSyntaxError("time: invalid duration " + go_quote(orig))
    neg = False
    if s and s[0] in "+-":
        neg = s[0] == "-"
        s = s[1:]
    if s == "0":
        return 0.0
    if not s:
        raise invalid
    total = 0
    while s:
        if not (s[0] == "." or "0" <= s[0] <= "9"):
            raise invalid
        i = 0
        while i < len(s) and "0" <= s[i] <= "9":
            i += 1
        pre = i > 0
        v = int(s[:i]) if pre else 0
        if v > 1 << 63:
            raise invalid
        s = s[i:]
        frac, scale, post = 0, 1, False
        if s and s[0] == ".":
            s = s[1:]
            j = 0
            while j < len(s) and "0" <= s[j] <= "9":
                j += 1
            post = j > 0
            digits = s[:j]
            if digits:
                frac, scale = int(digits), 10 ** len(digits)
            s = s[j:]
        if not pre and not post:
            raise invalid
        k = 0
        while k < len(s) and not (s[k] == "." or "0" <= s[k] <= "9"):
            k += 1
        if k == 0:
            raise GoSyntaxError("time: missing unit in duration " + go_quote(orig))
        unit_name, s = s[:k], s[k:]
        unit = _UNITS.get(unit_name)
        if unit is None:
            raise GoSyntaxError(
                "time: unknown unit " + go_quote(unit_name) + " in duration " + go_quote(orig)
            )
        if v > (1 << 63) // unit:
            raise invalid
        v *= unit
        if frac:
            v += int(frac * (unit / scale))
        total += v
        if total > 1 << 63:
            raise invalid
    if not neg and total > (1 << 63) - 1:
        raise invalid
    return (-total if neg else total) / 1e9


def _fmt_frac(v: int, prec: int) -> tuple[str, int]:
    # time/time.go fmtFrac: the fraction v mod 10**prec, trailing zeros dropped.
    digits = []
    printed = False
    for _ in range(prec):
        d = v % 10
        printed = printed or d != 0
        if printed:
            digits.append(str(d))
        v //= 10
    text = ("." + "".join(reversed(digits))) if printed else ""
    return text, v


def go_duration_string(seconds: float) -> str:
    """``time.Duration.String`` of ``seconds`` (rounded to whole nanoseconds): ``1.5s``,
    ``2m0s``, ``1.350665ms``, ``0s``."""
    u = round(seconds * 1e9)
    neg = u < 0
    u = abs(u)
    if u == 0:
        return "0s"
    if u < 1_000_000_000:
        if u < 1_000:
            frac, rest, unit = "", u, "ns"
        elif u < 1_000_000:
            frac, rest = _fmt_frac(u, 3)
            unit = "µs"
        else:
            frac, rest = _fmt_frac(u, 6)
            unit = "ms"
        out = f"{rest}{frac}{unit}"
    else:
        frac, secs = _fmt_frac(u, 9)
        out = f"{secs % 60}{frac}s"
        minutes = secs // 60
        if minutes:
            out = f"{minutes % 60}m" + out
            hours = minutes // 60
            if hours:
                out = f"{hours}h" + out
    return "-" + out if neg else out


def go_quote_rune(c: str) -> str:
    """``strconv.QuoteRune`` (what ``%q`` prints for a byte or rune): ``'x'``."""
    inner = go_quote(c)[1:-1]
    if c == '"':
        inner = '"'
    elif c == "'":
        inner = "\\'"
    return "'" + inner + "'"


# ---------------------------------------------------------------------------------------------
# pflag
# ---------------------------------------------------------------------------------------------

#: The flag value types handled (pflag's names for them).
FLAG_TYPES: Final = frozenset(
    {"bool", "string", "int", "int32", "int64", "duration", "stringSlice", "stringArray"}
)


@dataclass(frozen=True)
class FlagSpec:
    """One flag as pflag declares it: long name, type, default, optional one-letter shorthand,
    and ``no_opt_default`` (pflag ``NoOptDefVal``: the value of a bare ``--flag``; ``"true"``
    for every bool)."""

    name: str
    type: str
    default: Any
    shorthand: str = ""
    no_opt_default: str | None = None

    def __post_init__(self) -> None:
        if self.type not in FLAG_TYPES:
            raise ValueError(f"unknown flag type {self.type!r}")

    @property
    def optional_value(self) -> str | None:
        """The value a bare ``--flag`` takes, if it may be given without one."""
        if self.no_opt_default is not None:
            return self.no_opt_default
        return "true" if self.type == "bool" else None

    def display_name(self) -> str:
        """How pflag names the flag in ``invalid argument`` errors (flag.go ``Set``)."""
        return f"-{self.shorthand}, --{self.name}" if self.shorthand else f"--{self.name}"


class FlagError(Exception):
    """A pflag parse error; ``str()`` is pflag's message (``unknown flag: --foo``)."""


@dataclass
class ParsedFlags:
    """What :func:`parse_flags` found: every flag's value (defaults included), the names set
    on the command line (in the order first set), the positional arguments, and how many
    positional arguments came before ``--`` (``-1`` without one; pflag ``ArgsLenAtDash``)."""

    values: dict[str, Any]
    changed: list[str]
    args: list[str]
    args_len_at_dash: int = -1


def _convert(spec: FlagSpec, raw: str, current: Any, changed: bool) -> Any:
    t = spec.type
    if t == "bool":
        return go_parse_bool(raw)
    if t == "string":
        return raw
    if t in ("int", "int64"):
        # pflag int/int64 Set: strconv.ParseInt(s, 0, 64)
        return go_parse_int(raw, 0, 64)
    if t == "int32":
        return go_parse_int(raw, 0, 32)
    if t == "duration":
        return parse_go_duration(raw)
    if t == "stringArray":
        # pflag string_array.go Set: the first Set replaces the default, later ones append
        return [*current, raw] if changed else [raw]
    # stringSlice: each value is a CSV record (string_slice.go readAsCSV)
    items = [] if raw == "" else go_csv_record(raw)
    return [*current, *items] if changed else items


def go_csv_record(line: str) -> list[str]:
    """The first record of ``line`` as Go's ``encoding/csv`` ``Reader.Read`` reads it (comma
    separated; a field may be double-quoted, with ``""`` for a quote). Raises GoSyntaxError
    with Go's ``parse error on line 1, column N: ...`` text."""
    line = line.split("\n", 1)[0].removesuffix("\r")
    fields: list[str] = []
    i, n = 0, len(line)
    while True:
        if i < n and line[i] == '"':
            i += 1
            buf: list[str] = []
            while True:
                j = line.find('"', i)
                if j < 0:
                    # reader.go: EOF inside a quoted field
                    raise GoSyntaxError(
                        f'parse error on line 1, column {n + 1}: extraneous or missing " in '
                        "quoted-field"
                    )
                buf.append(line[i:j])
                i = j + 1
                if i < n and line[i] == '"':
                    buf.append('"')
                    i += 1
                    continue
                if i >= n or line[i] == ",":
                    break
                raise GoSyntaxError(  # the column of the closing quote
                    f'parse error on line 1, column {i}: extraneous or missing " in quoted-field'
                )
            fields.append("".join(buf))
        else:
            j = line.find(",", i)
            end = n if j < 0 else j
            field_text = line[i:end]
            q = field_text.find('"')
            if q >= 0:
                raise GoSyntaxError(
                    f'parse error on line 1, column {i + q + 1}: bare " in non-quoted-field'
                )
            fields.append(field_text)
            i = end
        if i >= n:
            return fields
        i += 1  # the comma


def parse_flags(
    args: Sequence[str],
    specs: Iterable[FlagSpec],
    *,
    normalize: Callable[[str], str] | None = None,
) -> ParsedFlags:
    """Parse ``args`` as pflag's ``FlagSet.Parse`` does (interspersed flags and arguments).

    Raises :class:`FlagError` with pflag's message. ``normalize`` maps a typed flag name to
    the declared one (kubectl turns ``_`` into ``-``: ``cliflag.WordSepNormalizeFunc``).
    """
    by_name: dict[str, FlagSpec] = {}
    by_short: dict[str, FlagSpec] = {}
    for spec in specs:
        by_name[spec.name] = spec
        if spec.shorthand:
            by_short[spec.shorthand] = spec
    norm = normalize or (lambda n: n)
    values: dict[str, Any] = {s.name: s.default for s in by_name.values()}
    changed: list[str] = []
    positional: list[str] = []
    dash = -1

    def set_value(spec: FlagSpec, raw: str) -> None:
        try:
            values[spec.name] = _convert(spec, raw, values[spec.name], spec.name in changed)
        except GoSyntaxError as err:
            # flag.go (f *FlagSet) Set
            raise FlagError(
                f"invalid argument {go_quote(raw)} for {go_quote(spec.display_name())} flag: {err}"
            ) from None
        if spec.name not in changed:
            changed.append(spec.name)

    rest = list(args)
    while rest:
        s = rest.pop(0)
        if len(s) < 2 or s[0] != "-":
            positional.append(s)
            continue
        if s[1] == "-":
            if len(s) == 2:  # "--" ends the flags
                dash = len(positional)
                positional.extend(rest)
                break
            # flag.go parseLongArg
            name = s[2:]
            if name[0] in "-=":
                raise FlagError(f"bad flag syntax: {s}")
            fname, eq, value = name.partition("=")
            long_spec = by_name.get(norm(fname))
            if long_spec is None:
                raise FlagError(f"unknown flag: --{fname}")
            spec = long_spec
            if eq:
                set_value(spec, value)
            elif spec.optional_value is not None:
                set_value(spec, spec.optional_value)
            elif rest:
                set_value(spec, rest.pop(0))
            else:
                raise FlagError(f"flag needs an argument: {s}")
            continue
        # flag.go parseShortArg / parseSingleShortArg
        shorthands = s[1:]
        while shorthands:
            c = shorthands[0]
            short_spec = by_short.get(c)
            if short_spec is None:
                raise FlagError(f"unknown shorthand flag: {go_quote_rune(c)} in -{shorthands}")
            spec = short_spec
            if len(shorthands) > 2 and shorthands[1] == "=":
                set_value(spec, shorthands[2:])
                shorthands = ""
            elif spec.optional_value is not None:
                set_value(spec, spec.optional_value)
                shorthands = shorthands[1:]
            elif len(shorthands) > 1:
                set_value(spec, shorthands[1:])
                shorthands = ""
            elif rest:
                set_value(spec, rest.pop(0))
                shorthands = ""
            else:
                raise FlagError(f"flag needs an argument: {go_quote_rune(c)} in -{shorthands}")
    return ParsedFlags(values, changed, positional, dash)


# ---------------------------------------------------------------------------------------------
# cobra: finding the command, suggestions
# ---------------------------------------------------------------------------------------------


def levenshtein(a: str, b: str, ignore_case: bool = True) -> int:
    """cobra.go ``ld``: the edit distance (insert, delete, substitute)."""
    if ignore_case:
        a, b = a.lower(), b.lower()
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def suggestions_for(
    typed: str,
    commands: Iterable[tuple[str, Sequence[str]]],
    minimum_distance: int = 2,
) -> list[str]:
    """cobra ``SuggestionsFor``: the available commands (name, explicit ``SuggestFor`` words),
    in registration order, within ``minimum_distance`` edits of ``typed`` or starting with it."""
    out: list[str] = []
    for name, suggest_for in commands:
        close = levenshtein(typed, name) <= minimum_distance
        if close or name.lower().startswith(typed.lower()):
            out.append(name)
        for word in suggest_for:
            if word.lower() == typed.lower():
                out.append(name)
    return out


def suggestion_text(names: Sequence[str]) -> str:
    """cobra ``findSuggestions``: the "Did you mean this?" block (empty without names)."""
    if not names:
        return ""
    return "\n\nDid you mean this?\n" + "".join(f"\t{n}\n" for n in names)


def strip_flags(args: Sequence[str], specs: Iterable[FlagSpec]) -> list[str]:
    """cobra ``stripFlags``: the words that are not flags or flag values (as cobra guesses
    them while looking for a subcommand name)."""
    by_name = {s.name: s for s in specs}
    by_short = {s.shorthand: s for s in by_name.values() if s.shorthand}

    def takes_value_long(name: str) -> bool:
        spec = by_name.get(name)
        return spec is None or spec.optional_value is None

    def takes_value_short(name: str) -> bool:
        spec = by_short.get(name[:1])
        return spec is None or spec.optional_value is None

    commands: list[str] = []
    rest = list(args)
    while rest:
        s = rest.pop(0)
        if s == "--":
            break
        if s.startswith("--") and "=" not in s and takes_value_long(s[2:]):
            if len(rest) <= 1:
                break
            rest.pop(0)
            continue
        if s.startswith("-") and "=" not in s and len(s) == 2 and takes_value_short(s[1:]):
            if len(rest) <= 1:
                break
            rest.pop(0)
            continue
        if s and not s.startswith("-"):
            commands.append(s)
    return commands


# ---------------------------------------------------------------------------------------------
# kubectl: the command tree and flags
# ---------------------------------------------------------------------------------------------


def _b(name: str, default: bool = False, short: str = "") -> FlagSpec:
    return FlagSpec(name, "bool", default, short)


def _s(name: str, default: str = "", short: str = "", noopt: str | None = None) -> FlagSpec:
    return FlagSpec(name, "string", default, short, noopt)


def _i(name: str, default: int = 0, short: str = "", kind: str = "int") -> FlagSpec:
    return FlagSpec(name, kind, default, short)


def _d(name: str, default: float = 0.0) -> FlagSpec:
    return FlagSpec(name, "duration", default)


def _sl(name: str, short: str = "", kind: str = "stringSlice") -> FlagSpec:
    return FlagSpec(name, kind, [], short)


#: The persistent flags of the root command (``kubectl options``): genericclioptions
#: ConfigFlags, klog's -v/--vmodule, profiling, --match-server-version, --warnings-as-errors.
KUBECTL_GLOBAL_FLAGS: Final[tuple[FlagSpec, ...]] = (
    _s("as"),
    _sl("as-group", kind="stringArray"),
    _s("as-uid"),
    _s("cache-dir", "$HOME/.kube/cache"),
    _s("certificate-authority"),
    _s("client-certificate"),
    _s("client-key"),
    _s("cluster"),
    _s("context"),
    _b("disable-compression"),
    _b("insecure-skip-tls-verify"),
    _s("kubeconfig"),
    _d("log-flush-frequency", 5.0),
    _b("match-server-version"),
    _s("namespace", short="n"),
    _s("password"),
    _s("profile", "none"),
    _s("profile-output", "profile.pprof"),
    _s("request-timeout", "0"),
    _s("server", short="s"),
    _s("tls-server-name"),
    _s("token"),
    _s("user"),
    _s("username"),
    _i("v", 0, "v", "int32"),
    _s("vmodule"),
    _b("warnings-as-errors"),
)
_HELP: Final = _b("help", short="h")

# Flag groups shared by several verbs (kubectl/pkg/cmd/util/helpers.go, cli-runtime
# genericclioptions PrintFlags / KubeTemplatePrintFlags, get/humanreadable_flags.go).
_PRINT: Final = (
    _s("output", short="o"),
    _s("template"),
    _b("allow-missing-template-keys", True),
    _b("show-managed-fields"),
)
_FILES: Final = (_sl("filename", "f"), _s("kustomize", short="k"), _b("recursive", short="R"))
_SELECTOR: Final = _s("selector", short="l")
_DRY_RUN: Final = _s("dry-run", "none", noopt="unchanged")  # AddDryRunFlag
_VALIDATE: Final = _s("validate", "strict", noopt="strict")  # AddValidateFlags
_ALL_NS: Final = _b("all-namespaces", short="A")
_DURATION: Final = _d("duration")  # kubelab: how long a watch/follow runs, simulated


def _fm(default: str) -> FlagSpec:
    return _s("field-manager", default)


_GET_FLAGS: Final = (
    *_PRINT,
    _b("show-kind"),
    _b("show-labels"),
    _s("sort-by"),
    _sl("label-columns", "L"),
    _b("no-headers"),
    _s("raw"),
    _b("watch", short="w"),
    _b("watch-only"),
    _b("output-watch-events"),
    _b("ignore-not-found"),
    _s("field-selector"),
    _ALL_NS,
    _b("server-print", True),
    *_FILES,
    _i("chunk-size", 500, kind="int64"),
    _SELECTOR,
    _s("subresource"),
    _DURATION,
)
_DELETE_FLAGS: Final = (
    *_FILES,
    _SELECTOR,
    _s("field-selector"),
    _b("all"),
    _ALL_NS,
    _b("force"),
    _s("cascade", "background", noopt="background"),
    _b("now"),
    _i("grace-period", -1),
    _d("timeout"),
    _b("ignore-not-found"),
    _b("wait", True),
    _s("output", short="o"),
    _s("raw"),
    _b("interactive", short="i"),
    _DRY_RUN,
)
_LABEL_FLAGS: Final = (
    *_PRINT,
    _b("overwrite"),
    _b("list"),
    _b("local"),
    _SELECTOR,
    _s("field-selector"),
    _b("all"),
    _ALL_NS,
    _s("resource-version"),
    *_FILES,
    _DRY_RUN,
)


@dataclass(frozen=True)
class _CmdDef:
    name: str
    flags: tuple[FlagSpec, ...] = ()
    subcommands: tuple[_CmdDef, ...] = ()
    aliases: tuple[str, ...] = ()
    suggest_for: tuple[str, ...] = ()
    modelled: bool = True
    required: tuple[str, ...] = ()
    available: bool = True


def _unmodelled(name: str, *subs: str) -> _CmdDef:
    return _CmdDef(
        name, subcommands=tuple(_CmdDef(s, modelled=False) for s in subs), modelled=False
    )


_CREATE_SUBS: Final = (
    _CmdDef(
        "namespace",
        (_DRY_RUN, *_PRINT, _fm("kubectl-create"), _b("save-config"), _VALIDATE),
        (),
        ("ns",),
    ),
    _CmdDef(
        "serviceaccount",
        (_DRY_RUN, *_PRINT, _fm("kubectl-create"), _b("save-config"), _VALIDATE),
        (),
        ("sa",),
    ),
    _CmdDef(
        "configmap",
        (
            _DRY_RUN,
            *_PRINT,
            _fm("kubectl-create"),
            _b("save-config"),
            _b("append-hash"),
            _sl("from-env-file"),
            _sl("from-file"),
            _sl("from-literal", kind="stringArray"),
            _VALIDATE,
        ),
        (),
        ("cm",),
    ),
    _CmdDef(
        "deployment",
        (
            _DRY_RUN,
            *_PRINT,
            _fm("kubectl-create"),
            _b("save-config"),
            _sl("image"),
            _i("port", -1, kind="int32"),
            _i("replicas", 1, "r", "int32"),
            _VALIDATE,
        ),
        (),
        ("deploy",),
        required=("image",),
    ),
    *(
        _CmdDef(n, modelled=False, aliases=a)
        for n, a in (
            ("clusterrole", ()),
            ("clusterrolebinding", ()),
            ("cronjob", ("cj",)),
            ("ingress", ("ing",)),
            ("job", ()),
            ("poddisruptionbudget", ("pdb",)),
            ("priorityclass", ("pc",)),
            ("quota", ("resourcequota",)),
            ("role", ()),
            ("rolebinding", ()),
            ("secret", ()),
            ("service", ("svc",)),
            ("token", ()),
        )
    ),
)

_ROLLOUT_SUBS: Final = (
    _CmdDef("history", (*_PRINT, *_FILES, _SELECTOR, _i("revision", 0, kind="int64"))),
    _CmdDef("pause", (*_PRINT, *_FILES, _SELECTOR, _fm("kubectl-rollout"))),
    _CmdDef("restart", (*_PRINT, *_FILES, _SELECTOR, _fm("kubectl-rollout"))),
    _CmdDef("resume", (*_PRINT, *_FILES, _SELECTOR, _fm("kubectl-rollout"))),
    _CmdDef(
        "status",
        (
            *_FILES,
            _SELECTOR,
            _i("revision", 0, kind="int64"),
            _d("timeout"),
            _b("watch", True, "w"),
            _DURATION,
        ),
    ),
    _CmdDef("undo", (*_PRINT, *_FILES, _SELECTOR, _i("to-revision", 0, kind="int64"), _DRY_RUN)),
)

#: kubectl's commands in the order cmd.go registers them (the order of suggestions).
_KUBECTL: Final[tuple[_CmdDef, ...]] = (
    _CmdDef(
        "create",
        (
            *_PRINT,
            *_FILES,
            _SELECTOR,
            _DRY_RUN,
            _fm("kubectl-create"),
            _VALIDATE,
            _b("edit"),
            _s("raw"),
            _b("save-config"),
            _b("windows-line-endings"),
        ),
        _CREATE_SUBS,
    ),
    _unmodelled("expose"),
    _unmodelled("run"),
    _unmodelled("set", "env", "image", "resources", "selector", "serviceaccount", "subject"),
    _CmdDef(
        "explain",
        (_s("api-version"), _s("output", "plaintext", "o"), _b("recursive")),
    ),
    _CmdDef("get", _GET_FLAGS, suggest_for=("list", "ps")),
    _unmodelled("edit"),
    _CmdDef("delete", _DELETE_FLAGS, suggest_for=("rm",)),
    _CmdDef("rollout", (), _ROLLOUT_SUBS),
    _CmdDef(
        "scale",
        (
            *_PRINT,
            *_FILES,
            _SELECTOR,
            _b("all"),
            _i("current-replicas", -1),
            _i("replicas", 0),
            _s("resource-version"),
            _d("timeout"),
            _DRY_RUN,
        ),
        required=("replicas",),
    ),
    _unmodelled("autoscale"),
    _unmodelled("certificate", "approve", "deny"),
    _CmdDef("cluster-info", (), (_CmdDef("dump", modelled=False),)),
    _unmodelled("top", "node", "pod"),
    _CmdDef("cordon", (_DRY_RUN, _SELECTOR)),
    _CmdDef("uncordon", (_DRY_RUN, _SELECTOR)),
    _CmdDef(
        "drain",
        (
            _i("chunk-size", 500, kind="int64"),
            _b("delete-emptydir-data"),
            _b("disable-eviction"),
            _DRY_RUN,
            _b("force"),
            _i("grace-period", -1),
            _b("ignore-daemonsets"),
            _s("pod-selector"),
            _SELECTOR,
            _i("skip-wait-for-delete-timeout", 0),
            _d("timeout"),
        ),
    ),
    _CmdDef(
        "taint",
        (*_PRINT, _b("all"), _DRY_RUN, _fm("kubectl-taint"), _b("overwrite"), _SELECTOR, _VALIDATE),
    ),
    _CmdDef(
        "describe",
        (_ALL_NS, _i("chunk-size", 500, kind="int64"), *_FILES, _SELECTOR, _b("show-events", True)),
    ),
    _CmdDef(
        "logs",
        (
            _b("all-containers"),
            _b("all-pods"),
            _s("container", short="c"),
            _b("follow", short="f"),
            _b("ignore-errors"),
            _b("insecure-skip-tls-verify-backend"),
            _i("limit-bytes", 0, kind="int64"),
            _i("max-log-requests", 5),
            _d("pod-running-timeout", 20.0),
            _b("prefix"),
            _b("previous", short="p"),
            _SELECTOR,
            _d("since"),
            _s("since-time"),
            _i("tail", -1, kind="int64"),
            _b("timestamps"),
            _DURATION,
        ),
    ),
    _unmodelled("attach"),
    _unmodelled("exec"),
    _unmodelled("port-forward"),
    _unmodelled("proxy"),
    _unmodelled("cp"),
    _CmdDef(
        "auth",
        (),
        (
            _CmdDef(
                "can-i",
                (
                    _ALL_NS,
                    _b("quiet", short="q"),
                    _s("subresource"),
                    _b("list"),
                    _b("no-headers"),
                ),
            ),
            _CmdDef("reconcile", modelled=False),
            _CmdDef("whoami", _PRINT),
        ),
    ),
    _unmodelled("debug"),
    _unmodelled("events"),
    _unmodelled("diff"),
    _CmdDef(
        "apply",
        (
            *_PRINT,
            *_FILES,
            _SELECTOR,
            _b("all"),
            _s("cascade", "background", noopt="background"),
            _DRY_RUN,
            _fm("kubectl-client-side-apply"),
            _b("force"),
            _b("force-conflicts"),
            _i("grace-period", -1),
            _b("openapi-patch", True),
            _b("overwrite", True),
            _b("prune"),
            _sl("prune-allowlist", kind="stringArray"),
            _b("server-side"),
            _s("subresource"),
            _d("timeout"),
            _VALIDATE,
            _b("wait"),
        ),
        (
            _CmdDef("edit-last-applied", modelled=False),
            _CmdDef("set-last-applied", modelled=False),
            _CmdDef("view-last-applied", modelled=False),
        ),
    ),
    _CmdDef(
        "patch",
        (
            *_PRINT,
            *_FILES,
            _DRY_RUN,
            _fm("kubectl-patch"),
            _b("local"),
            _s("patch", short="p"),
            _s("patch-file"),
            _s("subresource"),
            _s("type", "strategic"),
        ),
    ),
    _CmdDef(
        "replace",
        (
            *_PRINT,
            *_FILES,
            _s("cascade", "background", noopt="background"),
            _DRY_RUN,
            _fm("kubectl-replace"),
            _b("force"),
            _i("grace-period", -1),
            _s("raw"),
            _b("save-config"),
            _s("subresource"),
            _d("timeout"),
            _VALIDATE,
            _b("wait"),
        ),
    ),
    _CmdDef("wait", suggest_for=("list", "ps"), modelled=False),
    _unmodelled("kustomize"),
    _CmdDef("label", (*_LABEL_FLAGS, _fm("kubectl-label"))),
    _CmdDef("annotate", (*_LABEL_FLAGS, _fm("kubectl-annotate"))),
    _unmodelled("completion"),
    _CmdDef("alpha", modelled=False, available=False),
    _unmodelled("config", "current-context", "get-contexts", "set-context", "use-context", "view"),
    _unmodelled("plugin", "list"),
    _CmdDef("version", (_b("client"), _s("output", short="o"))),
    _CmdDef("api-versions"),
    _CmdDef(
        "api-resources",
        (
            _s("api-group"),
            _b("cached"),
            _sl("categories"),
            _b("namespaced", True),
            _b("no-headers"),
            _s("output", short="o"),
            _s("sort-by"),
            _sl("verbs"),
        ),
    ),
    _unmodelled("options"),
    _CmdDef("help", available=False),
)

#: Commands whose Run prints the help and fails without a subcommand (DefaultSubCommandRun).
_GROUPS_WITH_HELP_RUN: Final = frozenset({"rollout", "auth", "set", "certificate", "top"})

#: pflag's accepted output formats for ``get`` (genericclioptions PrintFlags.AllowedFormats
#: plus ``wide`` from the human-readable printer), in the order kubectl lists them.
GET_OUTPUT_FORMATS: Final = (
    "custom-columns",
    "custom-columns-file",
    "go-template",
    "go-template-file",
    "json",
    "jsonpath",
    "jsonpath-as-json",
    "jsonpath-file",
    "name",
    "template",
    "templatefile",
    "wide",
    "yaml",
)

#: The resources of the ``all`` category among the kinds kubelab serves, in discovery order
#: (pods, replicationcontrollers, services, daemonsets, deployments, replicasets,
#: statefulsets, horizontalpodautoscalers, cronjobs, jobs carry ``categories: ["all"]``).
ALL_CATEGORY: Final = ("pods", "services", "deployments", "replicasets")


# ---------------------------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------------------------


class ParseError(Exception):
    """A command line kubectl would refuse. ``stderr`` is the exact text kubectl prints
    there (newline-terminated), ``stdout`` what it prints on stdout (usually nothing), and
    ``exit_code`` its exit status (always 1, ``cmdutil.DefaultErrorExitCode``)."""

    def __init__(self, stderr: str, exit_code: int = 1, stdout: str = "") -> None:
        super().__init__(stderr.rstrip("\n"))
        self.stderr = stderr
        self.stdout = stdout
        self.exit_code = exit_code


@dataclass
class Command:
    """One parsed kubectl command line.

    ``verb``/``subverb``: ``"rollout"``/``"status"``, ``"auth"``/``"can-i"``,
    ``"create"``/``"namespace"``, ``"get"``/``None``; verb ``"help"`` for ``--help``, ``help``
    or a bare ``kubectl``. ``resources``: ``[(KindInfo, [names])]`` in the order given (an empty
    name list means "every object of that type"). ``flags``: every flag of the verb and every
    global flag, by long name, with typed values (defaults included; durations in seconds);
    ``changed`` the ones given on the line. ``args``: the positional words after the verb;
    ``raw``: every word of the line. Verb-specific parts: ``pairs``/``removals``
    (label/annotate), ``taints_to_add``/``taints_to_remove`` (taint), ``field_path``
    (explain), ``access_verb``/``non_resource_url`` (auth can-i), ``container`` (logs),
    ``patch`` (patch). ``warnings``: what kubectl writes to stderr before it does anything.
    """

    verb: str
    subverb: str | None = None
    resources: list[tuple[KindInfo, list[str]]] = field(default_factory=list)
    flags: dict[str, Any] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)
    filenames: list[str] = field(default_factory=list)
    patch: str | None = None
    args: list[str] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    pairs: dict[str, str] = field(default_factory=dict)
    removals: list[str] = field(default_factory=list)
    taints_to_add: list[dict[str, str]] = field(default_factory=list)
    taints_to_remove: list[dict[str, str]] = field(default_factory=list)
    field_path: list[str] = field(default_factory=list)
    access_verb: str | None = None
    non_resource_url: str | None = None
    container: str | None = None
    warnings: list[str] = field(default_factory=list)

    # -- conveniences over ``flags`` ---------------------------------------------------------
    def flag(self, name: str, default: Any = None) -> Any:
        """The value of flag ``name`` (``default`` if the verb has no such flag)."""
        return self.flags.get(name, default)

    @property
    def namespace(self) -> str | None:
        """``-n/--namespace`` if given, else None (the caller's default namespace applies)."""
        ns = self.flags.get("namespace", "")
        return str(ns) if ns else None

    @property
    def all_namespaces(self) -> bool:
        """``-A/--all-namespaces``."""
        return bool(self.flags.get("all-namespaces", False))

    @property
    def output(self) -> str | None:
        """``-o/--output`` as typed (``"wide"``, ``"jsonpath={.x}"``), or None."""
        out = self.flags.get("output", "")
        if not out or (self.verb == "explain" and "output" not in self.changed):
            return None
        return str(out)

    @property
    def output_format(self) -> str | None:
        """The format part of ``-o``: ``"jsonpath"`` for ``jsonpath={.x}``."""
        out = self.output
        return None if out is None else out.split("=", 1)[0]

    @property
    def output_template(self) -> str | None:
        """The argument of ``-o`` after ``=`` (a JSONPath or custom-columns spec), or None."""
        out = self.output
        if out is None or "=" not in out:
            return None
        return out.split("=", 1)[1]

    @property
    def selector(self) -> str | None:
        """``-l/--selector``, or None."""
        sel = self.flags.get("selector", "")
        return str(sel) if sel else None

    @property
    def field_selector(self) -> str | None:
        """``--field-selector``, or None."""
        sel = self.flags.get("field-selector", "")
        return str(sel) if sel else None

    @property
    def dry_run(self) -> str:
        """``none``, ``client`` or ``server`` (``--dry-run`` normalised as kubectl does)."""
        return _dry_run_strategy(self.flags)[0] if "dry-run" in self.flags else "none"

    @property
    def as_user(self) -> str | None:
        """``--as``, or None."""
        who = self.flags.get("as", "")
        return str(who) if who else None

    @property
    def as_groups(self) -> list[str]:
        """``--as-group`` (repeatable)."""
        return list(self.flags.get("as-group", []))

    @property
    def duration(self) -> float:
        """kubelab's ``--duration`` in simulated seconds (0 when not given)."""
        return float(self.flags.get("duration", 0.0))


# ---------------------------------------------------------------------------------------------
# Error texts
# ---------------------------------------------------------------------------------------------


def _check_err(msg: str) -> ParseError:
    """helpers.go checkErr/fatal: ``error: `` unless already there; newline-terminated."""
    if not msg.startswith("error: "):
        msg = "error: " + msg
    if not msg.endswith("\n"):
        msg += "\n"
    return ParseError(msg)


def _usage_error(path: str, msg: str) -> ParseError:
    """helpers.go UsageErrorf."""
    return _check_err(f"{msg}\nSee '{path} -h' for help and examples")


def _flag_error(path: str, msg: str) -> ParseError:
    """templates.go FlagErrorFunc: the pflag message and where to find the usage."""
    return _check_err(f"{msg}\nSee '{path} --help' for usage.")


_MISSING_RESOURCE: Final = (
    "You must provide one or more resources by argument or filename.\n"
    "Example resource specifications include:\n"
    "   '-f rsrc.yaml'\n"
    "   '--filename=rsrc.json'\n"
    "   '<resource> <name>'\n"
    "   '<resource>'"
)
_SUGGEST_API_RESOURCES: Final = (
    'Use "kubectl api-resources" for a complete list of supported resources.'
)


def _go_list(items: Sequence[str]) -> str:
    """``fmt`` ``%v`` of a ``[]string``."""
    return "[" + " ".join(items) + "]"


# ---------------------------------------------------------------------------------------------
# Resource arguments (cli-runtime resource builder)
# ---------------------------------------------------------------------------------------------


def _split_resource_argument(arg: str) -> list[str]:
    """builder.go SplitResourceArgument: comma-separated types, empty items dropped, duplicates
    kept once."""
    out: list[str] = []
    for s in arg.split(","):
        if s and s not in out:
            out.append(s)
    return out


def resolve_resource(arg: str, *, rest_mapper: bool = False) -> KindInfo:
    """Map a resource word to a kind as the REST mapper does: plural, singular, short name,
    kind (any case), ``resource.group`` and ``resource.version.group``. Raises ParseError with
    kubectl's ``the server doesn't have a resource type`` (naming the resource part only, as
    ``schema.ParseResourceArg`` splits it). The resource builder words it as a plain error
    (``error: ...``); a lookup straight in the REST mapper (``rest_mapper``: taint, explain)
    fails with a ``meta.NoResourceMatchError``, which ``CheckErr`` prints without the prefix."""
    try:
        return kind_for_resource(arg)
    except UnknownResourceError:
        pass
    parts = arg.split(".")
    if len(parts) >= 3:
        # TYPE.VERSION.GROUP: schema.ParseResourceArg's fully specified form
        group = ".".join(parts[2:])
        try:
            info = kind_for_resource(f"{parts[0]}.{group}")
        except UnknownResourceError:
            pass
        else:
            if info.version == parts[1]:
                return info
    msg = f"the server doesn't have a resource type {go_quote(parts[0])}"
    if rest_mapper:
        raise ParseError(msg + "\n")
    raise _check_err(msg)


@dataclass
class _Builder:
    """The parts of cli-runtime's resource.Builder that decide errors without the server."""

    names: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    tuples: list[tuple[str, str]] = field(default_factory=list)
    errs: list[str] = field(default_factory=list)
    label_selector: str | None = None
    field_selector: str | None = None
    select_all: bool = False
    all_namespaces: bool = False
    paths: list[str] = field(default_factory=list)
    subresource: str = ""
    single_type: bool = False

    def filenames(self, names: Sequence[str]) -> None:
        self.paths.extend(names)

    def label_selector_param(self, s: str) -> None:
        s = s.strip()
        if not s:
            return
        if self.select_all:
            self.errs.append(
                f"found non-empty label selector {go_quote(s)} with previously set 'all' "
                "parameter. "
            )
            return
        self.label_selector = s

    def field_selector_param(self, s: str) -> None:
        s = s.strip()
        if not s:
            return
        if self.select_all:
            self.errs.append(
                f"found non-empty field selector {go_quote(s)} with previously set 'all' "
                "parameter. "
            )
            return
        self.field_selector = s

    def select_all_param(self, select_all: bool) -> None:
        if select_all and (self.label_selector is not None or self.field_selector is not None):
            self.errs.append("setting 'all' parameter but found a non empty selector. ")
            return
        self.select_all = select_all

    def resource_names(self, default_type: str, names: Sequence[str]) -> None:
        for name in names:
            tup = self._split_type_name(name)
            if tup is None:
                if self.errs:
                    return
                self.tuples.append((default_type, name))
            else:
                self.tuples.append(tup)

    def _split_type_name(self, s: str) -> tuple[str, str] | None:
        # builder.go splitResourceTypeName
        if "/" not in s:
            return None
        seg = s.split("/")
        if len(seg) != 2:
            self.errs.append("arguments in resource/name form may not have more than one slash")
            return None
        resource, name = seg
        if not resource or not name or len(_split_resource_argument(resource)) != 1:
            self.errs.append("arguments in resource/name form must have a single resource and name")
            return None
        return resource, name

    def type_or_name_args(self, allow_empty_selector: bool, args: Sequence[str]) -> None:
        """builder.go ResourceTypeOrNameArgs."""
        args = list(args)
        if len(args) >= 2:  # normalizeMultipleResourcesArgs: "a,b x y" -> a/x a/y b/x b/y
            types = _split_resource_argument(args[0])
            if len(types) > 1:
                args = [f"{t}/{n}" for t in types for n in args[1:]]
        slashed = sum(1 for a in args if "/" in a)
        if slashed:
            if slashed != len(args):
                # hasCombinedTypeArgs (it names os.Args[0]: "kubectl")
                self.errs.append(
                    "there is no need to specify a resource type as a separate argument when "
                    "passing arguments in resource/name form (e.g. 'kubectl get "
                    "resource/<resource_name>' instead of 'kubectl get resource "
                    "resource/<resource_name>'"
                )
                return
            for a in args:
                tup = self._split_type_name(a)
                if tup is None:
                    return
                self.tuples.append(tup)
            return
        if args:
            args[0] = _expand_categories(args[0])
        if len(args) >= 2:
            self.names.extend(args[1:])
            self.types.extend(_split_resource_argument(args[0]))
        elif len(args) == 1:
            self.types.extend(_split_resource_argument(args[0]))
            if self.label_selector is None and allow_empty_selector:
                self.label_selector = ""

    def result(self) -> list[tuple[KindInfo, list[str]]]:
        """builder.go visitorResult: the checks in its order; raises ParseError."""
        if self.errs:
            raise _check_err(self.errs[0])
        if self.select_all:
            self.label_selector = ""
        if self.paths:
            if self.types:
                raise _check_err(
                    "when paths, URLs, or stdin is provided as input, you may not specify "
                    "resource arguments as well"
                )
            if self.names:
                raise _check_err("name cannot be provided when a path is specified")
            if self.tuples:
                raise _check_err(
                    "resource/name arguments cannot be provided when a path is specified"
                )
            return []
        if self.label_selector is not None or self.field_selector is not None:
            if self.names:
                raise _check_err("name cannot be provided when a selector is specified")
            if self.tuples:
                raise _check_err(
                    "selectors and the all flag cannot be used when passing resource/name arguments"
                )
            if not self.types:
                raise _check_err("at least one resource must be specified to use a selector")
            if self.subresource:
                raise _check_err("subresource cannot be used when bulk resources are specified")
            return self._mappings([(t, []) for t in self.types])
        if self.tuples:
            if self.types:
                raise _check_err(
                    "you may not specify individual resources and bulk resources in the same call"
                )
            kinds = self._mappings([(t, [n]) for t, n in self.tuples], merge=True)
            self._check_namespace(k for k, _ in kinds)
            return kinds
        if self.names:
            if not self.types:
                raise _check_err("you must provide a resource and a resource name together")
            if len(self.types) > 1:
                raise _check_err("you must specify only one resource")
            kinds = self._mappings([(self.types[0], list(self.names))])
            self._check_namespace(k for k, _ in kinds)
            return kinds
        if self.types:
            for t in self.types:
                resolve_resource(t)
            raise _check_err("resource(s) were provided, but no name was specified")
        raise _check_err(_MISSING_RESOURCE)

    def _check_namespace(self, kinds: Iterable[KindInfo]) -> None:
        if self.all_namespaces and any(k.namespaced for k in kinds):
            raise _check_err("a resource cannot be retrieved by name across all namespaces")

    def _mappings(
        self, items: Sequence[tuple[str, list[str]]], merge: bool = False
    ) -> list[tuple[KindInfo, list[str]]]:
        out: list[tuple[KindInfo, list[str]]] = []
        seen: dict[tuple[str, str], int] = {}
        for word, names in items:
            info = resolve_resource(word)
            key = (info.api_version, info.kind)
            if key in seen and (merge or not names):
                out[seen[key]][1].extend(n for n in names if n not in out[seen[key]][1])
                continue
            seen[key] = len(out)
            out.append((info, list(names)))
        if self.single_type and len(out) > 1:
            raise _check_err("you may only specify a single resource type")
        return out


def _expand_categories(arg: str) -> str:
    """builder.go ReplaceAliases: ``all`` becomes the resources of that category."""
    out = []
    for word in arg.split(","):
        out.append(",".join(ALL_CATEGORY) if word == "all" else word)
    return ",".join(out)


# ---------------------------------------------------------------------------------------------
# Flag interpretations shared by verbs (cmd/util/helpers.go)
# ---------------------------------------------------------------------------------------------


def _dry_run_strategy(flags: Mapping[str, Any]) -> tuple[str, list[str]]:
    """helpers.go GetDryRunStrategy: (strategy, klog warnings). Raises ParseError."""
    value = str(flags.get("dry-run", "none"))
    try:
        b = go_parse_bool(value)
    except GoSyntaxError:
        if value == "unchanged":
            return "client", ["--dry-run is deprecated and can be replaced with --dry-run=client."]
        if value in ("client", "server", "none"):
            return value, []
        raise _check_err(
            f'Invalid dry-run value ({value}). Must be "none", "server", or "client".'
        ) from None
    repl = "client" if b else "none"
    return repl, [
        f"--dry-run={value} is deprecated (boolean value) and can be replaced with "
        f"--dry-run={repl}."
    ]


def _validation_directive(flags: Mapping[str, Any]) -> str:
    """helpers.go GetValidationDirective."""
    value = str(flags.get("validate", "strict"))
    try:
        return "Strict" if go_parse_bool(value) else "Ignore"
    except GoSyntaxError:
        directives = {"strict": "Strict", "warn": "Warn", "ignore": "Ignore"}
        if value in directives:
            return directives[value]
        raise _check_err(
            f"invalid - validate option {go_quote(value)}; must be one of: strict (or true), "
            "warn, ignore (or false)"
        ) from None


def _cascade(flags: Mapping[str, Any], warnings: list[str]) -> str:
    """delete_flags.go parseCascadingFlag: Background, Foreground or Orphan."""
    value = str(flags.get("cascade", "background"))
    try:
        b = go_parse_bool(value)
    except GoSyntaxError:
        named = {"orphan": "Orphan", "foreground": "Foreground", "background": "Background"}
        if value in named:
            return named[value]
        raise _check_err(
            f'invalid cascade value ({value}). Must be "background", "foreground", or "orphan"'
        ) from None
    repl = "background" if b else "orphan"
    warnings.append(
        f"warning: --cascade={value} is deprecated (boolean value) and can be replaced with "
        f"--cascade={repl}."
    )
    return "Background" if b else "Orphan"


def _check_output(flags: Mapping[str, Any], allowed: Sequence[str]) -> None:
    """genericclioptions PrintFlags.ToPrinter: the format must be one kubectl knows."""
    out = str(flags.get("output", ""))
    if not out:
        return
    fmt, eq, arg = out.partition("=")
    if fmt not in allowed:
        raise _check_err(
            f"unable to match a printer suitable for the output format {go_quote(out)}, "
            f"allowed formats are: {','.join(allowed)}"
        )
    if fmt in ("custom-columns",) and not arg:
        raise _check_err("custom-columns format specified but no custom columns given")
    templated = ("jsonpath", "jsonpath-as-json", "go-template", "template")
    if fmt in templated and not arg and not flags.get("template"):
        raise _check_err("template format specified but no template given")
    del eq


#: genericclioptions PrintFlags.AllowedFormats: what the other verbs' -o accepts.
_PRINT_FORMATS: Final = tuple(
    f for f in GET_OUTPUT_FORMATS if f not in ("wide", "custom-columns", "custom-columns-file")
)


def _filenames(flags: Mapping[str, Any]) -> list[str]:
    return [str(f) for f in flags.get("filename", [])]


def _filename_or_kustomize_required(flags: Mapping[str, Any]) -> None:
    # cli-runtime FilenameOptions.RequireFilenameOrKustomize
    files, kust = _filenames(flags), str(flags.get("kustomize", ""))
    if files and kust:
        raise _check_err("only one of -f or -k can be specified")
    if kust and flags.get("recursive"):
        raise _check_err("the -k flag can't be used with -f or -R")
    if not files and not kust:
        raise _check_err("must specify one of -f and -k")


def _parse_label_pairs(specs: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """label.go parseLabels."""
    labels: dict[str, str] = {}
    remove: list[str] = []
    for spec in specs:
        if "=" in spec:
            parts = spec.split("=")
            if len(parts) != 2:
                raise _check_err(f"invalid label spec: {spec}")
            errs = is_valid_label_value(parts[1])
            if errs:
                raise _check_err(f"invalid label value: {go_quote(spec)}: {';'.join(errs)}")
            labels[parts[0]] = parts[1]
        elif spec.endswith("-"):
            remove.append(spec[:-1])
        else:
            raise _check_err(f"unknown label spec: {spec}")
    for key in remove:
        if key in labels:
            raise _check_err("can not both modify and remove a label in the same command")
    return labels, remove


def _parse_annotation_pairs(specs: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """helpers.go ParsePairs(..., "annotation", true) and annotate.go validateAnnotations."""
    new: dict[str, str] = {}
    remove: list[str] = []
    invalid: list[str] = []
    for spec in specs:
        if "=" in spec and spec[0] != "=":
            key, _, value = spec.partition("=")
            new[key] = value
        elif spec.endswith("-") and spec != "-":
            remove.append(spec[:-1])
        else:
            invalid.append(spec)
    if invalid:
        raise _check_err(f"invalid annotation format: {', '.join(invalid)}")
    both = [k for k in remove if k in new]
    if both:
        raise _check_err(
            "can not both modify and remove the following annotation(s) in the same command: "
            + ", ".join(both)
        )
    return new, remove


def _resources_and_pairs(args: Sequence[str], pair_type: str) -> tuple[list[str], list[str]]:
    """helpers.go GetResourcesAndPairs."""
    resources: list[str] = []
    pairs: list[str] = []
    found = False
    for s in args:
        non_resource = ("=" in s and not s.startswith("=")) or (s.endswith("-") and s != "-")
        if non_resource:
            found = True
            pairs.append(s)
        elif not found:
            resources.append(s)
        else:
            raise _check_err(f"all resources must be specified before {pair_type} changes: {s}")
    return resources, pairs


_TAINT_EFFECTS: Final = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def _parse_taint(st: str) -> dict[str, str]:
    """taint/utils.go parseTaint."""
    key, value, effect = "", "", ""
    parts = st.split(":")
    if len(parts) == 1:
        key = parts[0]
    elif len(parts) == 2:
        effect = parts[1]
        if effect not in _TAINT_EFFECTS:
            raise ValueError(f"invalid taint effect: {effect}, unsupported taint effect")
        kv = parts[0].split("=")
        if len(kv) > 2:
            raise ValueError(f"invalid taint spec: {st}")
        key = kv[0]
        if len(kv) == 2:
            value = kv[1]
            errs = is_valid_label_value(value)
            if errs:
                raise ValueError(f"invalid taint spec: {st}, {'; '.join(errs)}")
    else:
        raise ValueError(f"invalid taint spec: {st}")
    errs = is_qualified_name(key)
    if errs:
        raise ValueError(f"invalid taint spec: {st}, {'; '.join(errs)}")
    return {"key": key, "value": value, "effect": effect}


def _parse_taints(specs: Sequence[str]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """taint/utils.go parseTaints (raises ValueError with its message)."""
    add: list[dict[str, str]] = []
    remove: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for spec in specs:
        if spec.endswith("-"):
            t = _parse_taint(spec[:-1])
            remove.append({"key": t["key"], "effect": t["effect"]})
            continue
        t = _parse_taint(spec)
        if not t["effect"]:
            raise ValueError(f"invalid taint spec: {spec}")
        if (t["effect"], t["key"]) in seen:
            # %v of a corev1.Taint value: {key value effect <nil>}
            raise ValueError(
                "duplicated taints with the same key and effect: "
                f"{{{t['key']} {t['value']} {t['effect']} <nil>}}"
            )
        seen.add((t["effect"], t["key"]))
        add.append(t)
    return add, remove


# ---------------------------------------------------------------------------------------------
# parse()
# ---------------------------------------------------------------------------------------------


def _normalize(name: str) -> str:
    # cliflag.WordSepNormalizeFunc
    return name.replace("_", "-")


def _find(defs: Sequence[_CmdDef], name: str) -> _CmdDef | None:
    for d in defs:
        if d.name == name or name in d.aliases:
            return d
    return None


def _available(defs: Sequence[_CmdDef]) -> list[tuple[str, Sequence[str]]]:
    return [(d.name, d.suggest_for) for d in defs if d.available]


def _remove_first(args: list[str], word: str) -> list[str]:
    # cobra argsMinusFirstX
    if word in args:
        i = args.index(word)
        return args[:i] + args[i + 1 :]
    return args


def parse(command_line: str) -> Command:
    """Parse a kubectl 1.32 command line. Raises :class:`ParseError` (kubectl's stderr text,
    exit code 1) for anything kubectl would refuse before talking to the API server."""
    try:
        words = shlex.split(command_line)
    except ValueError as err:
        raise _check_err(f"cannot split the command line: {err}") from None
    if words and words[0] == "kubectl":
        words = words[1:]
    raw = list(words)

    root_flags = (*KUBECTL_GLOBAL_FLAGS, _HELP)
    # cobra Command.Find over the tree (kubectl turns off prefix matching)
    path: list[_CmdDef] = []
    children: Sequence[_CmdDef] = _KUBECTL
    remaining = list(words)
    current_flags: tuple[FlagSpec, ...] = root_flags
    while True:
        plain = strip_flags(remaining, current_flags)
        if not plain or not children:
            break
        nxt = _find(children, plain[0])
        if nxt is None:
            break
        path.append(nxt)
        remaining = _remove_first(remaining, plain[0])
        children = nxt.subcommands
        current_flags = (*nxt.flags, *KUBECTL_GLOBAL_FLAGS, _HELP)

    if not path:
        plain = strip_flags(remaining, root_flags)
        if plain:
            # cmd.go: before cobra reports it, kubectl looks for a plugin; flags placed
            # before the first word make HandlePluginCommand fail (plugin.go).
            if words[0].startswith("-") and plain[0] not in ("help", "__complete"):
                raise ParseError(f"Error: flags cannot be placed before plugin name: {words[0]}\n")
            # command.go legacyArgs
            hints = suggestion_text(suggestions_for(plain[0], _available(_KUBECTL)))
            raise _check_err(f'unknown command {go_quote(plain[0])} for "kubectl"{hints}')
        parsed = _parse_or_raise(remaining, root_flags, "kubectl")
        return Command("help", flags=parsed.values, changed=parsed.changed, raw=raw)

    cmd_path = "kubectl " + " ".join(d.name for d in path)
    top = path[0]
    leaf = path[-1]
    specs = (*leaf.flags, *KUBECTL_GLOBAL_FLAGS, _HELP)
    if not leaf.modelled:
        # the flags of a verb kubelab does not model are not known here: refuse it first
        raise _check_err(f'kubelab does not model "{cmd_path}"')
    parsed = _parse_or_raise(remaining, specs, cmd_path)
    if parsed.values.get("help") or top.name == "help":
        args = parsed.args if top.name == "help" else [d.name for d in path]
        return Command("help", flags=parsed.values, changed=parsed.changed, args=args, raw=raw)
    missing = [r for r in leaf.required if r not in parsed.changed]
    if missing:
        # cobra validateRequiredFlags
        raise _check_err(f"required flag(s) {', '.join(go_quote(m) for m in missing)} not set")
    if len(path) == 1 and top.name in _GROUPS_WITH_HELP_RUN:
        # cmdutil.DefaultSubCommandRun: any word left is an unknown subcommand; none: the help
        # (auth writes it to stderr, rollout to stdout) and exit code 1
        if parsed.args:
            raise _usage_error(cmd_path, f"unknown command {go_quote(' '.join(parsed.args))}")
        usage = _group_usage(top)
        if top.name == "auth":
            raise ParseError(usage)
        raise ParseError("", stdout=usage)
    cmd = Command(
        verb=top.name,
        subverb=path[1].name if len(path) > 1 else None,
        flags=parsed.values,
        changed=parsed.changed,
        filenames=_filenames(parsed.values),
        args=parsed.args,
        raw=raw,
    )
    handler = _VERBS.get((cmd.verb, cmd.subverb)) or _VERBS.get((cmd.verb, "*"))
    if handler is not None:
        handler(cmd, cmd_path)
    return cmd


def _group_usage(group: _CmdDef) -> str:
    """A short list of a command group's subcommands (kubectl prints its full help here)."""
    lines = ["Available Commands:"]
    lines += [f"  {d.name}" for d in group.subcommands if d.available]
    lines += ["", "Usage:", f"  kubectl {group.name} SUBCOMMAND [options]", ""]
    return "\n".join(lines)


def _parse_or_raise(args: Sequence[str], specs: Sequence[FlagSpec], path: str) -> ParsedFlags:
    try:
        return parse_flags(args, specs, normalize=_normalize)
    except FlagError as err:
        raise _flag_error(path, str(err)) from None


# ---------------------------------------------------------------------------------------------
# Per-verb rules
# ---------------------------------------------------------------------------------------------


def _builder(cmd: Command) -> _Builder:
    b = _Builder()
    b.all_namespaces = cmd.all_namespaces
    return b


def _verb_get(cmd: Command, path: str) -> None:
    f = cmd.flags
    if f["raw"]:
        if cmd.args:
            raise _check_err("arguments may not be passed when --raw is specified")
        return
    no_input = not cmd.args and not cmd.filenames and not f["kustomize"]
    if not f["watch"] and not f["watch-only"] and no_input:
        usage = (
            "Required resource not specified.\n"
            'Use "kubectl explain <resource>" for a detailed description of that resource '
            "(e.g. kubectl explain pods)."
        )
        err = _usage_error(path, usage)
        raise ParseError(
            f"You must specify the type of resource to get. {_SUGGEST_API_RESOURCES}\n\n"
            + err.stderr
        )
    if f["sort-by"] and (f["watch"] or f["watch-only"]):
        which = "--watch requested, --sort-by will be ignored for watch events received"
        if not f["watch"]:
            which = "--watch-only requested, --sort-by will be ignored"
        cmd.warnings.append(f"warning: {which}")
    out = str(f["output"])
    if f["show-labels"] and out and out != "wide":
        raise _check_err(f"--show-labels option cannot be used with {out} printer")
    if f["output-watch-events"] and not (f["watch"] or f["watch-only"]):
        raise _check_err(
            "--output-watch-events option can only be used with --watch or --watch-only"
        )
    b = _builder(cmd)
    b.filenames(cmd.filenames)
    b.label_selector_param(str(f["selector"]))
    b.field_selector_param(str(f["field-selector"]))
    b.subresource = str(f["subresource"])
    b.type_or_name_args(True, cmd.args)
    cmd.resources = b.result()
    _check_output(f, GET_OUTPUT_FORMATS)


def _verb_describe(cmd: Command, path: str) -> None:
    if not cmd.args and not cmd.filenames and not cmd.flags["kustomize"]:
        raise _check_err(
            f"You must specify the type of resource to describe. {_SUGGEST_API_RESOURCES}\n"
        )
    b = _builder(cmd)
    b.filenames(cmd.filenames)
    b.label_selector_param(str(cmd.flags["selector"]))
    b.type_or_name_args(True, cmd.args)
    cmd.resources = b.result()


def _verb_apply(cmd: Command, path: str) -> None:
    # apply.go ApplyFlags.ToOptions, then ApplyOptions.Validate
    f = cmd.flags
    if cmd.args:
        raise _usage_error(path, f"Unexpected args: {_go_list(cmd.args)}")
    dry, warns = _dry_run_strategy(f)
    cmd.warnings.extend(warns)
    f["cascade"] = _cascade(f, cmd.warnings).lower()
    _filename_or_kustomize_required(f)
    _validation_directive(f)
    if f["force-conflicts"] and not f["server-side"]:
        raise _check_err("--force-conflicts only works with --server-side")
    if dry == "client" and f["server-side"]:
        raise _check_err(
            "--dry-run=client doesn't work with --server-side (did you mean --dry-run=server "
            "instead?)"
        )
    if f["force"] and f["server-side"]:
        raise _check_err("--force cannot be used with --server-side")
    if dry == "server" and f["force"]:
        raise _check_err("--dry-run=server cannot be used with --force")
    if f["all"] and f["selector"]:
        raise _check_err("cannot set --all and --selector at the same time")
    if f["prune"] and f["force"]:
        raise _check_err("--force cannot be used with --prune")
    if f["subresource"] and not f["server-side"]:
        raise _check_err("--subresource can only be specified for --server-side")
    if f["server-side"] and "field-manager" not in cmd.changed:
        f["field-manager"] = "kubectl"  # apply.go fieldManagerServerSideApply
    _check_output(f, _PRINT_FORMATS)


def _verb_create(cmd: Command, path: str) -> None:
    # create.go Complete, then Validate
    f = cmd.flags
    if cmd.subverb is not None:
        _verb_create_sub(cmd, path)
        return
    if cmd.args:
        raise _usage_error(path, f"Unexpected args: {_go_list(cmd.args)}")
    cmd.warnings.extend(_dry_run_strategy(f)[1])
    _validation_directive(f)
    _check_output(f, _PRINT_FORMATS)
    _filename_or_kustomize_required(f)
    if f["raw"]:
        if f["edit"]:
            raise _check_err("--raw and --edit are mutually exclusive")
        if len(cmd.filenames) != 1:
            raise _check_err("--raw can only use a single local file or stdin")
        if f["recursive"]:
            raise _check_err("--raw and --recursive are mutually exclusive")
        if f["selector"]:
            raise _check_err("--raw and --selector (-l) are mutually exclusive")
        if f["output"]:
            raise _check_err("--raw and --output are mutually exclusive")


def _verb_create_sub(cmd: Command, path: str) -> None:
    # create_namespace.go & co: exactly one NAME (cmdutil.NameFromCommandArgs)
    if len(cmd.args) != 1:
        raise _usage_error(path, f"exactly one NAME is required, got {len(cmd.args)}")
    cmd.warnings.extend(_dry_run_strategy(cmd.flags)[1])
    _check_output(cmd.flags, _PRINT_FORMATS)
    kinds = {
        "namespace": "namespaces",
        "serviceaccount": "serviceaccounts",
        "configmap": "configmaps",
        "deployment": "deployments",
    }
    if cmd.subverb in kinds:
        cmd.resources = [(kind_for_resource(kinds[cmd.subverb]), [cmd.args[0]])]


def _verb_replace(cmd: Command, path: str) -> None:
    # replace.go Complete, then Validate
    f = cmd.flags
    _validation_directive(f)
    dry, warns = _dry_run_strategy(f)
    cmd.warnings.extend(warns)
    _check_output(f, _PRINT_FORMATS)
    f["cascade"] = _cascade(f, cmd.warnings).lower()
    _filename_or_kustomize_required(f)
    if "grace-period" in cmd.changed and not f["force"]:
        raise _check_err("--grace-period must have --force specified")
    if "timeout" in cmd.changed and not f["force"]:
        raise _check_err("--timeout must have --force specified")
    if f["force"] and dry != "none":
        raise _check_err("--dry-run can not be used when --force is set")


def _verb_delete(cmd: Command, path: str) -> None:
    f = cmd.flags
    cascade = _cascade(f, cmd.warnings)
    f["cascade"] = cascade.lower()
    grace = int(f["grace-period"])
    if f["now"]:
        if grace != -1:
            raise _check_err("--now and --grace-period cannot be specified together")
        grace = 1
    if grace == 0 and not f["force"]:
        grace = 1
    if f["force"] and grace < 0:
        grace = 0
    f["grace-period"] = grace
    dry, warns = _dry_run_strategy(f)
    cmd.warnings.extend(warns)
    if f["raw"]:
        return
    if (f["all"] or f["selector"] or f["field-selector"]) and "ignore-not-found" not in cmd.changed:
        f["ignore-not-found"] = True
    b = _builder(cmd)
    b.filenames(cmd.filenames)
    b.label_selector_param(str(f["selector"]))
    b.field_selector_param(str(f["field-selector"]))
    b.select_all_param(bool(f["all"]))
    b.type_or_name_args(False, cmd.args)
    cmd.resources = b.result()
    # delete.go Validate
    out = str(f["output"])
    if out and out != "name":
        raise _check_err(f"unexpected -o output mode: {out}. We only support '-o name'")
    if f["all"] and f["selector"]:
        raise _check_err("cannot set --all and --selector at the same time")
    if f["all"] and f["field-selector"]:
        raise _check_err("cannot set --all and --field-selector at the same time")
    if grace == 0 and f["force"]:
        cmd.warnings.append(
            "Warning: Immediate deletion does not wait for confirmation that the running "
            "resource has been terminated. The resource may continue to run on the cluster "
            "indefinitely."
        )
    elif grace > 0 and f["force"]:
        raise _check_err("--force and --grace-period greater than 0 cannot be specified together")
    del dry


def _label_like(cmd: Command, path: str, what: str) -> None:
    f = cmd.flags
    dry, warns = _dry_run_strategy(f)
    cmd.warnings.extend(warns)
    resources, pair_args = _resources_and_pairs(cmd.args, what)
    if what == "label":
        cmd.pairs, cmd.removals = _parse_label_pairs(pair_args)
    else:
        cmd.pairs, cmd.removals = _parse_annotation_pairs(pair_args)
    if f["list"] and f["output"]:
        raise _check_err("--list and --output may not be specified together")
    if f["all"] and f["selector"]:
        raise _check_err("cannot set --all and --selector at the same time")
    if f["all"] and f["field-selector"]:
        raise _check_err("cannot set --all and --field-selector at the same time")
    example = "pod.yaml" if what == "label" else "rsrc.yaml"
    example_json = "pod.json" if what == "label" else "rsrc.json"
    if f["local"]:
        if dry == "server":
            raise _check_err(
                "cannot specify --local and --dry-run=server - did you mean --dry-run=client?"
            )
        if resources:
            raise _check_err(
                f"can only use local files by -f {example} or --filename={example_json} when "
                "--local=true is set"
            )
        if not cmd.filenames and not f["kustomize"]:
            raise _check_err(
                f"one or more files must be specified as -f {example} or --filename={example_json}"
            )
    elif not resources and not cmd.filenames and not f["kustomize"]:
        raise _check_err(
            "one or more resources must be specified as <resource> <name> or <resource>/<name>"
        )
    if not cmd.pairs and not cmd.removals and not f["list"]:
        raise _check_err(f"at least one {what} update is required")
    _check_output(f, _PRINT_FORMATS)
    if f["local"]:
        return
    b = _builder(cmd)
    b.filenames(cmd.filenames)
    b.label_selector_param(str(f["selector"]))
    b.field_selector_param(str(f["field-selector"]))
    b.type_or_name_args(bool(f["all"]), resources)
    cmd.resources = b.result()


def _verb_label(cmd: Command, path: str) -> None:
    _label_like(cmd, path, "label")


def _verb_annotate(cmd: Command, path: str) -> None:
    _label_like(cmd, path, "annotation")


_PATCH_TYPES: Final = ("json", "merge", "strategic")


def _verb_patch(cmd: Command, path: str) -> None:
    f = cmd.flags
    dry, warns = _dry_run_strategy(f)
    cmd.warnings.extend(warns)
    if f["patch"] and f["patch-file"]:
        raise _check_err("cannot specify --patch and --patch-file together")
    if not f["patch"] and not f["patch-file"]:
        raise _check_err(
            "must specify --patch or --patch-file containing the contents of the patch"
        )
    if f["local"] and cmd.args:
        raise _check_err("cannot specify --local and server resources")
    if f["local"] and dry == "server":
        raise _check_err(
            "cannot specify --local and --dry-run=server - did you mean --dry-run=client?"
        )
    ptype = str(f["type"])
    if ptype and ptype.lower() not in _PATCH_TYPES:
        raise _check_err(f"--type must be one of {_go_list(_PATCH_TYPES)}, not {go_quote(ptype)}")
    f["type"] = ptype.lower() or "strategic"
    cmd.patch = str(f["patch"]) or None
    _check_output(f, _PRINT_FORMATS)
    if f["local"]:
        return
    b = _builder(cmd)
    b.filenames(cmd.filenames)
    b.type_or_name_args(False, cmd.args)
    b.single_type = True
    cmd.resources = b.result()


def _verb_scale(cmd: Command, path: str) -> None:
    f = cmd.flags
    cmd.warnings.extend(_dry_run_strategy(f)[1])
    if int(f["replicas"]) < 0:
        raise _check_err(
            "The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0"
        )
    if int(f["current-replicas"]) < -1:
        raise _check_err("The --current-replicas must specify an integer of -1 or greater")
    _check_output(f, _PRINT_FORMATS)
    b = _builder(cmd)
    b.filenames(cmd.filenames)
    b.label_selector_param(str(f["selector"]))
    b.type_or_name_args(bool(f["all"]), cmd.args)
    b.single_type = True
    cmd.resources = b.result()
    if f["resource-version"] and sum(len(n) or 1 for _, n in cmd.resources) > 1:
        raise _check_err("cannot use --resource-version with multiple resources")


def _verb_cordon(cmd: Command, path: str) -> None:
    # drain.go (o *DrainCmdOptions) Complete
    f = cmd.flags
    if not cmd.args and "selector" not in cmd.changed:
        raise _usage_error(path, f"USAGE: {cmd.verb} NODE [flags]")
    if cmd.args and f["selector"]:
        raise _usage_error(path, "error: cannot specify both a node name and a --selector option")
    cmd.warnings.extend(_dry_run_strategy(f)[1])
    b = _builder(cmd)
    if f["selector"]:
        b.label_selector_param(str(f["selector"]))
        b.types.append("nodes")
    b.resource_names("nodes", cmd.args)
    cmd.resources = b.result()
    for info, _ in cmd.resources:
        if info.kind != "Node":
            raise _check_err(
                f"error: expected resource of type node, got {go_quote(info.resource)}"
            )


def _verb_taint(cmd: Command, path: str) -> None:
    f = cmd.flags
    cmd.warnings.extend(_dry_run_strategy(f)[1])
    _validation_directive(f)
    resources: list[str] = []
    taint_args: list[str] = []
    met = False
    for s in cmd.args:
        is_taint = "=" in s or ":" in s or s.endswith("-")
        if is_taint:
            met = True
            taint_args.append(s)
        elif not met:
            resources.append(s)
        else:
            raise _check_err(f"all resources must be specified before taint changes: {s}")
    if not resources:
        raise _check_err("one or more resources must be specified as <resource> <name>")
    if not taint_args:
        raise _check_err("at least one taint update is required")
    try:
        cmd.taints_to_add, cmd.taints_to_remove = _parse_taints(taint_args)
    except ValueError as err:
        raise _usage_error(path, str(err)) from None
    # taint.go Validate
    type_word = resources[0].lower()
    info = resolve_resource(type_word.split(".", 1)[0], rest_mapper=True)
    if info.kind != "Node":
        raise _check_err(f"invalid resource type {type_word}, only node types are supported")
    conflicts = [
        f"{r['key']}={r['effect']}"
        for a in cmd.taints_to_add
        for r in cmd.taints_to_remove
        if a["key"] == r["key"] and (not r["effect"] or a["effect"] == r["effect"])
    ]
    if conflicts:
        raise _check_err(
            "can not both modify and remove the following taint(s) in the same command: "
            + ", ".join(conflicts)
        )
    if f["all"] and f["selector"]:
        raise _check_err("setting 'all' parameter with a non empty selector is prohibited")
    if not f["all"] and not f["selector"] and len(resources) < 2:
        raise _check_err(
            "at least one resource name must be specified since 'all' parameter is not set"
        )
    _check_output(f, _PRINT_FORMATS)
    names = resources[1:]
    b = _builder(cmd)
    b.resource_names("node", names)
    if b.errs:
        raise _check_err(b.errs[0])
    cmd.resources = [(info, [n for _, n in b.tuples])]


def _verb_rollout(cmd: Command, path: str) -> None:
    f = cmd.flags
    if not cmd.args and not cmd.filenames and not f["kustomize"]:
        raise _check_err("required resource not specified")
    for rev_flag in ("revision",):
        if rev_flag in f and int(f[rev_flag]) < 0:
            raise _check_err(f"revision must be a positive integer: {f[rev_flag]}")
    if "dry-run" in f:
        cmd.warnings.extend(_dry_run_strategy(f)[1])
    if "output" in f:
        _check_output(f, _PRINT_FORMATS)
    b = _builder(cmd)
    b.filenames(cmd.filenames)
    b.label_selector_param(str(f["selector"]))
    b.type_or_name_args(True, cmd.args)
    if cmd.subverb == "status":
        b.single_type = True
    cmd.resources = b.result()


_LOGS_USAGE: Final = (
    "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
    "POD or TYPE/NAME is a required argument for the logs command"
)


def _verb_logs(cmd: Command, path: str) -> None:
    f = cmd.flags
    args = cmd.args
    if not args:
        if not f["selector"]:
            raise _usage_error(path, _LOGS_USAGE)
    elif len(args) == 1:
        if f["selector"]:
            raise _usage_error(path, "only a selector (-l) or a POD name is allowed")
    elif len(args) == 2:
        cmd.container = args[1]
    else:
        raise _usage_error(path, _LOGS_USAGE)
    if f["container"] and len(args) != 2:
        cmd.container = str(f["container"])
    # logs.go Validate
    if f["since-time"] and f["since"]:
        raise _check_err("at most one of `sinceTime` or `sinceSeconds` may be specified")
    if f["all-containers"] and cmd.container:
        raise _check_err(
            f"--all-containers=true should not be specified with container name {cmd.container}"
        )
    if "container" in cmd.changed and len(args) == 2:
        raise _check_err("only one of -c or an inline [CONTAINER] arg is allowed")
    if int(f["limit-bytes"]) < 0:
        raise _check_err("--limit-bytes must be greater than 0")
    if float(f["since"]) < 0:
        raise _check_err("--since must be greater than 0")
    if int(f["tail"]) < -1:
        raise _check_err("--tail must be greater than or equal to -1")
    if args:
        b = _builder(cmd)
        b.resource_names("pods", [args[0]])
        if b.errs:
            raise _check_err(b.errs[0])
        word, name = b.tuples[0]
        cmd.resources = [(resolve_resource(word), [name])]
    else:
        cmd.resources = [(kind_for_resource("pods"), [])]


_RESOURCE_VERBS: Final = frozenset(
    {
        "get",
        "list",
        "watch",
        "create",
        "update",
        "patch",
        "delete",
        "deletecollection",
        "use",
        "bind",
        "impersonate",
        "*",
        "approve",
        "sign",
        "escalate",
        "attest",
    }
)
_NON_RESOURCE_VERBS: Final = frozenset(
    {"get", "put", "post", "head", "options", "delete", "patch", "*"}
)


def _verb_can_i(cmd: Command, path: str) -> None:
    f = cmd.flags
    if f["list"]:
        if cmd.args:
            raise _check_err("list option must be specified with no arguments")
    elif len(cmd.args) == 2:
        cmd.access_verb = cmd.args[0]
        target = cmd.args[1]
        if target.startswith("/"):
            cmd.non_resource_url = target
        else:
            word, _, name = target.partition("/")
            if word != "*":
                try:
                    cmd.resources = [(resolve_resource(word.lower()), [name] if name else [])]
                except ParseError:
                    # cani.go resourceFor: a warning, then the request names the word as typed
                    if word.lower() not in ("users", "groups"):
                        cmd.warnings.append(
                            f"Warning: the server doesn't have a resource type '{word.lower()}'\n"
                        )
    else:
        raise _check_err(
            "you must specify two arguments: verb resource or verb resource/resourceName.\n"
            "See 'kubectl auth can-i -h' for help and examples."
        )
    # cani.go Validate
    if f["list"]:
        if f["quiet"] or f["all-namespaces"] or f["subresource"]:
            raise _check_err(
                "list option can't be specified with neither quiet, all-namespaces nor "
                "subresource options"
            )
        return
    if cmd.non_resource_url is not None:
        if f["subresource"]:
            raise _check_err("--subresource can not be used with NonResourceURL")
        if cmd.access_verb not in _NON_RESOURCE_VERBS:
            cmd.warnings.append(f"Warning: verb '{cmd.access_verb}' is not a known verb\n")
    elif cmd.resources and not f["all-namespaces"]:
        info = cmd.resources[0][0]
        if not info.namespaced:
            where = "" if not info.group else f" in group '{info.group}'"
            cmd.warnings.append(
                f"Warning: resource '{info.resource}' is not namespace scoped{where}\n"
            )
        if cmd.access_verb not in _RESOURCE_VERBS:
            cmd.warnings.append(f"Warning: verb '{cmd.access_verb}' is not a known verb\n")
    if f["no-headers"]:
        raise _check_err("--no-headers cannot be set without --list specified")


def _verb_whoami(cmd: Command, path: str) -> None:
    _check_output(cmd.flags, _PRINT_FORMATS)


def _no_args(cmd: Command, path: str) -> None:
    if cmd.args:
        raise _usage_error(path, f"unexpected arguments: {_go_list(cmd.args)}")


def _verb_api_resources(cmd: Command, path: str) -> None:
    _no_args(cmd, path)
    out = str(cmd.flags["output"])
    if out not in ("", "wide", "name"):
        raise _check_err(f"--output {out} is not available")
    if cmd.flags["sort-by"] and cmd.flags["sort-by"] not in ("name", "kind"):
        raise _check_err("--sort-by accepts only name or kind")


def _verb_explain(cmd: Command, path: str) -> None:
    if not cmd.args:
        raise _check_err(
            f"You must specify the type of resource to explain. {_SUGGEST_API_RESOURCES}\n"
        )
    if len(cmd.args) > 1:
        raise _check_err("We accept only this format: explain RESOURCE\n")
    # explain.go SplitAndParseResourceRequest / splitDotNotation
    model = cmd.args[0].removesuffix(".")
    word, *rest = model.split(".")
    cmd.field_path = rest
    cmd.resources = [(resolve_resource(word, rest_mapper=True), [])]


def _verb_version(cmd: Command, path: str) -> None:
    if cmd.args:
        raise _check_err(f"extra arguments: {_go_list(cmd.args)}")
    if cmd.flags["output"] not in ("", "yaml", "json"):
        raise _check_err("--output must be 'yaml' or 'json'")


def _verb_cluster_info(cmd: Command, path: str) -> None:
    return None


_Handler = Callable[[Command, str], None]
_VERBS: Final[dict[tuple[str, str | None], _Handler]] = {
    ("get", None): _verb_get,
    ("describe", None): _verb_describe,
    ("apply", None): _verb_apply,
    ("create", None): _verb_create,
    ("create", "*"): _verb_create,
    ("replace", None): _verb_replace,
    ("delete", None): _verb_delete,
    ("label", None): _verb_label,
    ("annotate", None): _verb_annotate,
    ("patch", None): _verb_patch,
    ("scale", None): _verb_scale,
    ("cordon", None): _verb_cordon,
    ("uncordon", None): _verb_cordon,
    ("drain", None): _verb_cordon,
    ("taint", None): _verb_taint,
    ("rollout", "*"): _verb_rollout,
    ("logs", None): _verb_logs,
    ("auth", "can-i"): _verb_can_i,
    ("auth", "whoami"): _verb_whoami,
    ("api-resources", None): _verb_api_resources,
    ("api-versions", None): _no_args,
    ("explain", None): _verb_explain,
    ("version", None): _verb_version,
    ("cluster-info", None): _verb_cluster_info,
}


def known_kinds() -> list[KindInfo]:
    """The kinds :func:`parse` can resolve (the kinds registry)."""
    return all_kinds()
