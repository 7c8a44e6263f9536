"""``etcdctl`` (v3 API, etcd 3.5) in a notebook cell, against the simulated etcd cluster.

>>> from kubelab.sim import World
>>> from kubelab.etcd import EtcdCluster
>>> w = World(seed=1)
>>> cluster = EtcdCluster(w, members=3)
>>> _ = cluster.wait_for_leader()
>>> etcdctl = Etcdctl(cluster.client())
>>> print(etcdctl("put greeting hello"), end="")
OK
>>> print(etcdctl("get greeting"), end="")
greeting
hello

:meth:`Etcdctl.run` takes the words a user would type after ``etcdctl`` (a leading
``etcdctl`` word and an ``ETCDCTL_API=3`` assignment are accepted) and returns a
:class:`Result`: stdout, stderr and the exit code, exactly as etcdctl 3.5 prints them. The
printers follow etcd-io/etcd ``etcdctl/ctlv3/command/printer_simple.go``,
``printer_fields.go``, ``printer_json.go`` (Go's ``encoding/json`` of the protobuf structs:
numbers as numbers, ``omitempty`` fields left out, keys and values base64) and
``printer_table.go`` (``olekukonko/tablewriter`` v0.0.5); each command follows its
``*_command.go``; errors are ``Error: <message>`` with ``pkg/cobrautl`` exit codes
(:data:`EXIT_ERROR` ... :data:`EXIT_BAD_ARGS`). Command lines are parsed as cobra v1.1.3 and
pflag v1.0.5 do (with etcdctl's ``cobra.EnablePrefixMatching``: ``etcdctl ge foo`` is a get).

Commands: ``get``, ``put``, ``del``, ``watch``, ``compaction``, ``lease grant|revoke|
timetolive|list|keep-alive``, ``member list``, ``endpoint status|health``, ``move-leader``,
``version``. Global flags: ``-w/--write-out``, ``--hex``, ``--endpoints`` (member host names or
``http://<host>:2379`` URLs), ``--command-timeout``; the TLS, auth and dial flags are accepted
and have no effect (the model has no TLS or auth).

Differences from the real tool, all because a notebook cell must end:

* ``watch`` takes a kubelab option ``--duration`` (a Go duration, default ``0s``): the
  simulated world runs that long (at least :data:`WATCH_SETTLE`, so that responses already under
  way, such as the replay of ``--rev``, arrive), the events that arrived are printed, and
  etcdctl exits 0 (the real one runs until interrupted). ``lease keep-alive`` without ``--once``
  takes ``--duration`` too.
* ``put`` without a value reads the ``stdin`` argument of :meth:`Etcdctl.run`.
* Where etcdctl prints its long help text (``--help``, a group such as ``lease`` alone, a flag
  error) kubelab prints a short usage of its own on stdout; the stderr text is etcdctl's.
* ``-w protobuf`` (binary output), ``txn``, ``snapshot``, ``defrag``, ``alarm``, auth,
  ``lock``/``elect``, ``make-mirror``, ``check`` and member changes are not modelled; they
  answer ``Error: ... not modelled by kubelab`` with exit code 4 (:data:`EXIT_BAD_FEATURE`).
* Values that are not valid UTF-8 are shown with U+FFFD where a terminal shows raw bytes.

Where etcdctl 3.4 (Debian's ``etcd-client``) differs: 3.4 writes ``endpoint health`` results to
stderr (3.5: stdout), has no ``get --count-only`` and no ``del --range``, and does not print
the ``In etcd v3.6...`` notice for ``del`` with a range end.
"""

from __future__ import annotations

import base64
import shlex
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from kubelab.etcd.client import EtcdClient, WatchHandle, prefix_range_end, to_text
from kubelab.etcd.errors import ErrCompacted, EtcdError
from kubelab.etcd.server import ETCD_VERSION
from kubelab.kubectl.cli import (
    FlagError,
    FlagSpec,
    GoSyntaxError,
    go_duration_string,
    go_parse_int,
    go_parse_uint,
    parse_flags,
    strip_flags,
    suggestion_text,
    suggestions_for,
)
from kubelab.kubectl.goformat import go_json, go_quote
from kubelab.sim.host import RpcTimeout

__all__ = [
    "API_VERSION",
    "ETCDCTL_VERSION",
    "EXIT_BAD_ARGS",
    "EXIT_BAD_CONNECTION",
    "EXIT_BAD_FEATURE",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_INVALID_INPUT",
    "EXIT_IO",
    "Etcdctl",
    "Result",
    "humanize_bytes",
    "render_table",
]

#: ``version.Version`` of the etcd the model follows, and ``version.APIVersion`` (major.minor).
ETCDCTL_VERSION: Final = ETCD_VERSION
API_VERSION: Final = ".".join(ETCD_VERSION.split(".")[:2])

# pkg/cobrautl/error.go exit codes
EXIT_ERROR: Final = 1
EXIT_BAD_CONNECTION: Final = 2
EXIT_INVALID_INPUT: Final = 3
EXIT_BAD_FEATURE: Final = 4
EXIT_INTERRUPTED: Final = 5
EXIT_IO: Final = 6
EXIT_BAD_ARGS: Final = 128

#: etcdctl's client port: endpoints are shown as ``http://<host>:2379``.
CLIENT_URL_PORT: Final = 2379
#: kubelab's bounded watch: it always runs at least this long (simulated seconds), so that
#: responses already on the simulated network arrive, and checks for a cancel this often.
WATCH_SETTLE: Final = 0.05
WATCH_STEP: Final = 0.1


@dataclass(frozen=True)
class Result:
    """What one etcdctl run printed. ``str(result)`` (and the notebook display) is stdout
    followed by stderr, as a terminal shows them."""

    stdout: str
    stderr: str
    exit_code: int

    def __str__(self) -> str:
        return self.stdout + self.stderr

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))


class _Exit(Exception):
    """``cobrautl.ExitWithError``: ``Error: <message>`` on stderr and exit ``code``."""

    def __init__(self, code: int, message: str | None) -> None:
        super().__init__(message or "")
        self.code = code
        self.message = message


# ---------------------------------------------------------------------------------------------
# Go formatting helpers
# ---------------------------------------------------------------------------------------------


def _bytes(x: Any) -> bytes:
    if isinstance(x, bytes):
        return x
    if x is None:
        return b""
    return str(x).encode()


def _text(x: Any) -> str:
    """``string(b)`` as a terminal shows it."""
    return _bytes(x).decode("utf-8", errors="replace")


def _go_quote_bytes(b: bytes) -> str:
    """``%q`` of ``string(b)``: strconv.Quote, with ``\\xNN`` for bytes that are not UTF-8."""
    out = ['"']
    text = b.decode("utf-8", errors="surrogateescape")
    for ch in text:
        if "\udc80" <= ch <= "\udcff":
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        else:
            out.append(go_quote(ch)[1:-1])
    out.append('"')
    return "".join(out)


def _hex_prefixed(b: bytes) -> str:
    """util.go addHexPrefix(hex.EncodeToString(b)): ``\\x66\\x6f\\x6f``."""
    return "".join(f"\\x{c:02x}" for c in b)


def _go_list(items: Iterable[Any]) -> str:
    """``%v`` of a slice: ``[a b c]``."""
    return "[" + " ".join(str(i) for i in items) + "]"


def _id(x: Any) -> int:
    """A member/cluster ID as the model writes it (hex text) -> the uint64."""
    if isinstance(x, int):
        return x
    return int(x, 16) if x else 0


class _Raw:
    """Pre-encoded JSON."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _json_value(v: Any) -> str:
    if isinstance(v, _Raw):
        return v.text
    if isinstance(v, bytes):  # []byte: base64
        return go_json(base64.b64encode(v).decode())
    if isinstance(v, list):
        return "[" + ",".join(_json_value(x) for x in v) + "]"
    return go_json(v)


def _empty(v: Any) -> bool:
    return v is None or v is False or v == 0 or v == "" or v == b"" or v == []


def _obj(*fields: tuple[str, Any, bool]) -> _Raw:
    """A Go struct as encoding/json writes it: fields in declaration order, ``omitempty``
    ones left out when zero."""
    parts = []
    for name, value, omitempty in fields:
        if omitempty and not isinstance(value, _Raw) and _empty(value):
            continue
        parts.append(go_json(name) + ":" + _json_value(value))
    return _Raw("{" + ",".join(parts) + "}")


def _header_fields(h: Mapping[str, Any], revision: bool = True) -> list[tuple[str, Any, bool]]:
    # etcdserverpb.ResponseHeader: every field omitempty
    return [
        ("cluster_id", _id(h.get("cluster_id", 0)), True),
        ("member_id", _id(h.get("member_id", 0)), True),
        ("revision", int(h.get("revision", 0)) if revision else 0, True),
        ("raft_term", int(h.get("raft_term", 0)), True),
    ]


def _header_json(h: Mapping[str, Any], revision: bool = True) -> _Raw:
    return _obj(*_header_fields(h, revision))


def _kv_json(kv: Mapping[str, Any]) -> _Raw:
    # mvccpb.KeyValue
    return _obj(
        ("key", _bytes(kv.get("key")), True),
        ("create_revision", int(kv.get("create_revision", 0)), True),
        ("mod_revision", int(kv.get("mod_revision", 0)), True),
        ("version", int(kv.get("version", 0)), True),
        ("value", _bytes(kv.get("value")), True),
        ("lease", int(kv.get("lease", 0)), True),
    )


def humanize_bytes(n: int) -> str:
    """``go-humanize`` v1.0.0 ``Bytes``: SI units, ``20 kB``, ``1.5 MB``, ``7 B``."""
    if n < 10:
        return f"{n} B"
    sizes = ("B", "kB", "MB", "GB", "TB", "PB", "EB")
    e = 0
    while e + 1 < len(sizes) and n >= 1000 ** (e + 1):
        e += 1
    val = int(n / 1000**e * 10 + 0.5) / 10
    return f"{val:.1f} {sizes[e]}" if val < 10 else f"{val:.0f} {sizes[e]}"


# ---------------------------------------------------------------------------------------------
# olekukonko/tablewriter v0.0.5 (as printer_table.go uses it)
# ---------------------------------------------------------------------------------------------

_MAX_CELL_WIDTH: Final = 30  # tablewriter MAX_ROW_WIDTH, the autowrap width


def _width(s: str) -> int:
    w = 0
    for ch in s:
        if unicodedata.combining(ch):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


def _wrap_words(words: list[str], lim: int, penalty: int = 100_000) -> list[list[str]]:
    # wrap.go WrapWords: minimum raggedness by dynamic programming
    n = len(words)
    length = [[0] * n for _ in range(n)]
    for i in range(n):
        length[i][i] = _width(words[i])
        for j in range(i + 1, n):
            length[i][j] = length[i][j - 1] + 1 + _width(words[j])
    nbrk = [0] * n
    cost = [2**31 - 1] * n
    for i in range(n - 1, -1, -1):
        if length[i][n - 1] <= lim:
            cost[i] = 0
            nbrk[i] = n
            continue
        for j in range(i + 1, n):
            d = lim - length[i][j - 1]
            c = d * d + cost[j]
            if length[i][j - 1] > lim:
                c += penalty
            if c < cost[i]:
                cost[i] = c
                nbrk[i] = j
    lines = []
    i = 0
    while i < n:
        lines.append(words[i : nbrk[i]])
        i = nbrk[i]
    return lines


def _wrap_string(s: str, lim: int) -> list[str]:
    # wrap.go WrapString: split at spaces; a word longer than the limit raises the limit
    words = s.replace("\n", " ").split(" ")
    for w in words:
        lim = max(lim, _width(w))
    return [" ".join(line) for line in _wrap_words(words, lim)]


def _title(name: str) -> str:
    # util.go Title: "_" -> " ", a "." between non-digits -> " ", trimmed, upper case
    chars = list(name)
    for i, c in enumerate(chars):
        if c == "_":
            chars[i] = " "
        elif c == ".":
            prev_ok = i == 0 or chars[i - 1].isdigit() or chars[i - 1] == " "
            next_ok = i == len(chars) - 1 or name[i + 1].isdigit() or name[i + 1] == " "
            if not prev_ok or not next_ok:
                chars[i] = " "
    out = "".join(chars).strip()
    if not out and name:
        out = " "
    return out.upper()


def render_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """What ``tablewriter.NewWriter`` prints with etcdctl's settings (``SetHeader``,
    ``Append`` per row, ``SetAlignment(ALIGN_RIGHT)``, ``Render``): ``+---+`` borders, headers
    centred and upper-cased, cells right-aligned and wrapped at 30 columns on spaces."""
    widths: dict[int, int] = {}

    def dimension(text: str, col: int) -> list[str]:
        # table.go parseDimension (autoWrap and reflowText on)
        raw = text.split("\n")
        max_width = min(max(_width(line) for line in raw), _MAX_CELL_WIDTH)
        new_max = max_width
        lines: list[str] = []
        for i, para in enumerate([" ".join(raw)]):
            para_lines = _wrap_string(para, max_width)
            new_max = max([new_max, *(_width(line) for line in para_lines)])
            if i > 0:
                lines.append(" ")
            lines.extend(para_lines)
        current = widths.get(col)
        if current is None or current < new_max or current == 0:
            widths[col] = new_max
        return lines

    head = [dimension(h, i) for i, h in enumerate(header)]
    body = [[dimension(c, i) for i, c in enumerate(row)] for row in rows]
    ncols = len(widths)

    def line() -> str:
        return "+" + "".join("-" * (widths[i] + 2) + "+" for i in range(ncols)) + "\n"

    out = [line()]
    for x in range(max(len(h) for h in head)):
        cells = []
        for y in range(ncols):
            h = _title(head[y][x]) if y < len(head) and x < len(head[y]) else ""
            gap = widths[y] - _width(h)
            left = gap // 2 if gap > 0 else 0
            cells.append(" " + " " * left + h + " " * max(gap - left, 0) + " |")
        out.append("|" + "".join(cells) + "\n")
    out.append(line())
    for row in body:
        height = max(len(c) for c in row)
        for x in range(height):
            cells = []
            for y, cell in enumerate(row):
                text = cell[x] if x < len(cell) else "  "
                cells.append("| " + " " * max(widths[y] - _width(text), 0) + text + " ")
            out.append("".join(cells) + "|\n")
    out.append(line())
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# The command tree (etcdctl/ctlv3/ctl.go and command/*.go)
# ---------------------------------------------------------------------------------------------


def _b(name: str, default: bool = False, short: str = "") -> FlagSpec:
    return FlagSpec(name, "bool", default, short)


def _s(name: str, default: str = "", short: str = "") -> FlagSpec:
    return FlagSpec(name, "string", default, short)


#: ctl.go init: the persistent flags of the root command.
GLOBAL_FLAGS: Final[tuple[FlagSpec, ...]] = (
    FlagSpec("endpoints", "stringSlice", ["127.0.0.1:2379"]),
    _b("debug"),
    _s("write-out", "simple", "w"),
    _b("hex"),
    FlagSpec("dial-timeout", "duration", 2.0),
    FlagSpec("command-timeout", "duration", 5.0),
    FlagSpec("keepalive-time", "duration", 2.0),
    FlagSpec("keepalive-timeout", "duration", 6.0),
    _b("insecure-transport", True),
    _b("insecure-discovery", True),
    _b("insecure-skip-tls-verify"),
    _s("cert"),
    _s("key"),
    _s("cacert"),
    _s("user"),
    _s("password"),
    _s("discovery-srv", short="d"),
    _s("discovery-srv-name"),
)
_HELP: Final = _b("help", short="h")
#: kubelab: how long ``watch`` / ``lease keep-alive`` run (simulated).
_DURATION: Final = FlagSpec("duration", "duration", 0.0)


@dataclass(frozen=True)
class _Cmd:
    name: str
    use: str = ""
    flags: tuple[FlagSpec, ...] = ()
    subcommands: tuple[_Cmd, ...] = ()
    persistent: tuple[FlagSpec, ...] = ()
    modelled: bool = True

    @property
    def runnable(self) -> bool:
        return not self.subcommands


def _group(name: str, *subs: _Cmd, persistent: tuple[FlagSpec, ...] = ()) -> _Cmd:
    return _Cmd(name, f"{name} <subcommand>", subcommands=subs, persistent=persistent)


def _off(name: str, use: str = "") -> _Cmd:
    return _Cmd(name, use or name, modelled=False)


_COMMANDS: Final[tuple[_Cmd, ...]] = (
    _Cmd(
        "get",
        "get [options] <key> [range_end]",
        (
            _s("consistency", "l"),
            _s("order"),
            _s("sort-by"),
            FlagSpec("limit", "int64", 0),
            _b("prefix"),
            _b("from-key"),
            FlagSpec("rev", "int64", 0),
            _b("keys-only"),
            _b("count-only"),
            _b("print-value-only"),
        ),
    ),
    _Cmd(
        "put",
        "put [options] <key> <value> (<value> can also be given from stdin)",
        (_s("lease", "0"), _b("prev-kv"), _b("ignore-value"), _b("ignore-lease")),
    ),
    _Cmd(
        "del",
        "del [options] <key> [range_end]",
        (_b("prefix"), _b("prev-kv"), _b("from-key"), _b("range")),
    ),
    _off("txn", "txn [options]"),
    _Cmd("compaction", "compaction [options] <revision>", (_b("physical"),)),
    _group("alarm", _off("disarm"), _off("list")),
    _off("defrag"),
    _group(
        "endpoint",
        _Cmd("health", "health"),
        _Cmd("status", "status"),
        _off("hashkv"),
        persistent=(_b("cluster"),),
    ),
    _Cmd("move-leader", "move-leader <transferee-member-id>"),
    _Cmd(
        "watch",
        "watch [options] [key or prefix] [range_end] [--] [exec-command arg1 arg2 ...]",
        (
            _b("interactive", short="i"),
            _b("prefix"),
            FlagSpec("rev", "int64", 0),
            _b("prev-kv"),
            _b("progress-notify"),
            _DURATION,
        ),
    ),
    _Cmd("version", "version"),
    _group(
        "lease",
        _Cmd("grant", "grant <ttl>"),
        _Cmd("revoke", "revoke <leaseID>"),
        _Cmd("timetolive", "timetolive <leaseID> [options]", (_b("keys"),)),
        _Cmd("list", "list"),
        _Cmd("keep-alive", "keep-alive [options] <leaseID>", (_b("once"), _DURATION)),
    ),
    _group(
        "member",
        _off("add", "add <memberName> [options]"),
        _off("remove", "remove <memberID>"),
        _off("update", "update <memberID> [options]"),
        _Cmd("list", "list"),
        _off("promote", "promote <memberID>"),
    ),
    _group("snapshot", _off("save"), _off("restore"), _off("status")),
    _off("make-mirror"),
    _off("lock"),
    _off("elect"),
    _group("auth", _off("enable"), _off("disable"), _off("status")),
    _group("user", _off("add"), _off("delete"), _off("get"), _off("list"), _off("passwd")),
    _group("role", _off("add"), _off("delete"), _off("get"), _off("list")),
    _group("check", _off("perf"), _off("datascale")),
)
#: cobra adds its own ``help`` command to the root (excluded from suggestions).
_HELP_CMD: Final = _Cmd("help", "help [command]")


def _find_next(children: Sequence[_Cmd], word: str) -> _Cmd | None:
    # cobra v1.1.3 findNext with EnablePrefixMatching (ctl.go init)
    matches = []
    for c in children:
        if c.name == word:
            return c
        if c.name.startswith(word):
            matches.append(c)
    return matches[0] if len(matches) == 1 else None


def _usage(path: Sequence[_Cmd]) -> str:
    """A short usage (etcdctl prints its long help here): the usage line, subcommands,
    flags."""
    cmd = path[-1] if path else None
    use = "etcdctl " + " ".join([*(c.name for c in path[:-1]), cmd.use]) if cmd else "etcdctl"
    lines = ["USAGE:", f"\t{use}"]
    children = cmd.subcommands if cmd else _COMMANDS
    if children:
        lines += ["", "COMMANDS:", *(f"\t{c.name}" for c in children)]
    if cmd and cmd.flags:
        lines += ["", "OPTIONS:", *(f"\t--{f.name}" for f in cmd.flags)]
    return "\n".join(lines) + "\n\n"


# ---------------------------------------------------------------------------------------------
# Printers (printer_*.go)
# ---------------------------------------------------------------------------------------------


class _Printer:
    """One ``display`` of etcdctl: ``simple``, ``fields``, ``json`` or ``table``."""

    def __init__(self, kind: str, is_hex: bool, out: list[str], err: list[str]) -> None:
        self.kind = kind
        self.is_hex = is_hex
        self.value_only = False
        self.out = out
        self.err = err

    def p(self, text: str) -> None:
        self.out.append(text)

    def unsupported(self) -> _Exit:
        # printer.go newPrinterUnsupported
        return _Exit(EXIT_BAD_FEATURE, f"{self.kind} not supported as output format")

    # -- shared pieces ---------------------------------------------------------------------------
    def print_kv(self, kv: Mapping[str, Any]) -> None:
        # util.go printKV
        k, v = _bytes(kv.get("key")), _bytes(kv.get("value"))
        ks, vs = (_hex_prefixed(k), _hex_prefixed(v)) if self.is_hex else (_text(k), _text(v))
        if not self.value_only:
            self.p(ks + "\n")
        self.p(vs + "\n")

    def fields_kv(self, prefix: str, kv: Mapping[str, Any]) -> None:
        # printer_fields.go kv
        self.p(f'"{prefix}Key" : {_go_quote_bytes(_bytes(kv.get("key")))}\n')
        self.p(f'"{prefix}CreateRevision" : {int(kv.get("create_revision", 0))}\n')
        self.p(f'"{prefix}ModRevision" : {int(kv.get("mod_revision", 0))}\n')
        self.p(f'"{prefix}Version" : {int(kv.get("version", 0))}\n')
        self.p(f'"{prefix}Value" : {_go_quote_bytes(_bytes(kv.get("value")))}\n')
        self.p(f'"{prefix}Lease" : {int(kv.get("lease", 0))}\n')

    def fields_hdr(self, h: Mapping[str, Any], revision: bool = True) -> None:
        # printer_fields.go hdr
        self.p(f'"ClusterID" : {_id(h.get("cluster_id", 0))}\n')
        self.p(f'"MemberID" : {_id(h.get("member_id", 0))}\n')
        self.p(f'"Revision" : {int(h.get("revision", 0)) if revision else 0}\n')
        self.p(f'"RaftTerm" : {int(h.get("raft_term", 0))}\n')

    def json(self, value: _Raw) -> None:
        # printer_json.go printJSON: json.Marshal + Println
        self.p(value.text + "\n")

    # -- KV ----------------------------------------------------------------------------------------
    def get(self, r: Mapping[str, Any]) -> None:
        kvs = r.get("kvs") or []
        if self.kind == "simple":
            for kv in kvs:
                self.print_kv(kv)
        elif self.kind == "fields":
            self.fields_hdr(r["header"])
            for kv in kvs:
                self.fields_kv("", kv)
            self.p(f'"More" : {_go_bool(r.get("more", False))}\n')
            self.p(f'"Count" : {int(r.get("count", 0))}\n')
        elif self.kind == "json":
            self.json(
                _obj(
                    ("header", _header_json(r["header"]), True),
                    ("kvs", [_kv_json(kv) for kv in kvs], True),
                    ("more", bool(r.get("more", False)), True),
                    ("count", int(r.get("count", 0)), True),
                )
            )
        else:
            raise self.unsupported()

    def put(self, r: Mapping[str, Any]) -> None:
        prev = r.get("prev_kv")
        if self.kind == "simple":
            self.p("OK\n")
            if prev is not None:
                self.print_kv(prev)
        elif self.kind == "fields":
            self.fields_hdr(r["header"])
            if prev is not None:
                self.fields_kv("Prev", prev)
        elif self.kind == "json":
            self.json(
                _obj(
                    ("header", _header_json(r["header"]), True),
                    ("prev_kv", _kv_json(prev) if prev is not None else None, True),
                )
            )
        else:
            raise self.unsupported()

    def delete(self, r: Mapping[str, Any]) -> None:
        prevs = r.get("prev_kvs") or []
        deleted = int(r.get("deleted", 0))
        if self.kind == "simple":
            self.p(f"{deleted}\n")
            for kv in prevs:
                self.print_kv(kv)
        elif self.kind == "fields":
            self.fields_hdr(r["header"])
            self.p(f'"Deleted" : {deleted}\n')
            for kv in prevs:
                self.fields_kv("Prev", kv)
        elif self.kind == "json":
            self.json(
                _obj(
                    ("header", _header_json(r["header"]), True),
                    ("deleted", deleted, True),
                    ("prev_kvs", [_kv_json(kv) for kv in prevs], True),
                )
            )
        else:
            raise self.unsupported()

    def watch(self, r: Mapping[str, Any]) -> None:
        events = r.get("events") or []
        if self.kind == "simple":
            for e in events:
                self.p(f"{e['type']}\n")
                if e.get("prev_kv") is not None:
                    self.print_kv(e["prev_kv"])
                self.print_kv(e["kv"])
        elif self.kind == "fields":
            self.fields_hdr(r["header"])
            for e in events:
                self.p(f'"Type" : {e["type"]}\n')
                if e.get("prev_kv") is not None:
                    self.fields_kv("Prev", e["prev_kv"])
                self.fields_kv("", e["kv"])
        elif self.kind == "json":
            # clientv3.WatchResponse has no json tags: Go field names, nothing omitted; the
            # mvccpb.Event inside has omitempty tags (PUT is the zero EventType)
            evs = [
                _obj(
                    ("type", 1 if e["type"] == "DELETE" else 0, True),
                    ("kv", _kv_json(e["kv"]), True),
                    ("prev_kv", _kv_json(e["prev_kv"]) if e.get("prev_kv") else None, True),
                )
                for e in events
            ]
            self.json(
                _obj(
                    ("Header", _header_json(r["header"]), False),
                    ("Events", evs, False),
                    ("CompactRevision", int(r.get("compact_revision", 0)), False),
                    ("Canceled", bool(r.get("canceled", False)), False),
                    ("Created", False, False),
                )
            )
        else:
            raise self.unsupported()

    # -- leases ------------------------------------------------------------------------------------
    def grant(self, r: Mapping[str, Any]) -> None:
        lease_id, ttl = int(r["ID"]), int(r["TTL"])
        if self.kind == "simple":
            self.p(f"lease {lease_id:016x} granted with TTL({ttl}s)\n")
        elif self.kind == "fields":
            self.fields_hdr(r["header"])
            self.p(f'"ID" : {lease_id}\n"TTL" : {ttl}\n')
        elif self.kind == "json":
            # clientv3.LeaseGrantResponse embeds *pb.ResponseHeader: its fields come first
            self.json(
                _obj(
                    *_header_fields(r["header"]),
                    ("ID", lease_id, False),
                    ("TTL", ttl, False),
                    ("Error", "", False),
                )
            )
        else:
            raise self.unsupported()

    def revoke(self, lease_id: int, r: Mapping[str, Any]) -> None:
        if self.kind == "simple":
            self.p(f"lease {lease_id:016x} revoked\n")
        elif self.kind == "fields":
            self.fields_hdr(r["header"])
        elif self.kind == "json":
            self.json(_obj(("header", _header_json(r["header"]), True)))
        else:
            raise self.unsupported()

    def keep_alive(self, r: Mapping[str, Any]) -> None:
        lease_id, ttl = int(r["ID"]), int(r["TTL"])
        if self.kind == "simple":
            self.p(f"lease {lease_id:016x} keepalived with TTL({ttl})\n")
        elif self.kind == "fields":
            self.fields_hdr(r["header"])
            self.p(f'"ID" : {lease_id}\n"TTL" : {ttl}\n')
        elif self.kind == "json":
            self.json(
                _obj(*_header_fields(r["header"]), ("ID", lease_id, False), ("TTL", ttl, False))
            )
        else:
            raise self.unsupported()

    def time_to_live(self, r: Mapping[str, Any], keys: bool) -> None:
        lease_id, ttl, granted = int(r["ID"]), int(r["TTL"]), int(r.get("grantedTTL", 0))
        attached = [_bytes(k) for k in r.get("keys") or []]
        if self.kind == "simple":
            if granted == 0 and ttl == -1:
                self.p(f"lease {lease_id:016x} already expired\n")
                return
            txt = f"lease {lease_id:016x} granted with TTL({granted}s), remaining({ttl}s)"
            if keys:
                txt += f", attached keys({_go_list(_text(k) for k in attached)})"
            self.p(txt + "\n")
        elif self.kind == "fields":
            self.fields_hdr(r["header"])
            self.p(f'"ID" : {lease_id}\n"TTL" : {ttl}\n"GrantedTTL" : {granted}\n')
            for k in attached:
                self.p(f'"Key" : {_go_quote_bytes(k)}\n')
        elif self.kind == "json":
            self.json(
                _obj(
                    *_header_fields(r["header"]),
                    ("id", lease_id, False),
                    ("ttl", ttl, False),
                    ("granted-ttl", granted, False),
                    ("keys", attached if attached else None, False),
                )
            )
        else:
            raise self.unsupported()

    def leases(self, r: Mapping[str, Any]) -> None:
        ids = [int(item["ID"]) for item in r.get("leases") or []]
        if self.kind == "simple":
            self.p(f"found {len(ids)} leases\n")
            for i in ids:
                self.p(f"{i:016x}\n")
        elif self.kind == "fields":
            self.fields_hdr(r["header"])
            for i in ids:
                self.p(f'"ID" : {i}\n')
        elif self.kind == "json":
            self.json(
                _obj(
                    *_header_fields(r["header"]),
                    ("leases", [_obj(("id", i, False)) for i in ids], False),
                )
            )
        else:
            raise self.unsupported()

    # -- cluster -----------------------------------------------------------------------------------
    def member_list(self, r: Mapping[str, Any]) -> None:
        members = r.get("members") or []
        # The cluster API's header carries no revision (v3rpc/member.go ClusterServer.header).
        if self.kind in ("simple", "table"):
            header = ["ID", "Status", "Name", "Peer Addrs", "Client Addrs", "Is Learner"]
            rows = [
                [
                    f"{_id(m['ID']):x}",
                    "started" if m.get("name") else "unstarted",
                    str(m.get("name", "")),
                    ",".join(m.get("peerURLs") or []),
                    ",".join(m.get("clientURLs") or []),
                    _go_bool(bool(m.get("isLearner", False))),
                ]
                for m in members
            ]
            if self.kind == "simple":
                for row in rows:
                    self.p(", ".join(row) + "\n")
            else:
                self.p(render_table(header, rows))
        elif self.kind == "fields":
            self.fields_hdr(r["header"], revision=False)
            for m in members:
                self.p(f'"ID" : {_id(m["ID"])}\n')
                self.p(f'"Name" : {go_quote(str(m.get("name", "")))}\n')
                for u in m.get("peerURLs") or []:
                    self.p(f'"PeerURL" : {go_quote(u)}\n')
                for u in m.get("clientURLs") or []:
                    self.p(f'"ClientURL" : {go_quote(u)}\n')
                self.p(f'"IsLearner" : {_go_bool(bool(m.get("isLearner", False)))}\n\n')
        elif self.kind == "json" and self.is_hex:
            self.p(_member_list_hex_json(r) + "\n")
        elif self.kind == "json":
            self.json(
                _obj(
                    ("header", _header_json(r["header"], revision=False), True),
                    (
                        "members",
                        [
                            _obj(
                                ("ID", _id(m["ID"]), True),
                                ("name", str(m.get("name", "")), True),
                                ("peerURLs", list(m.get("peerURLs") or []), True),
                                ("clientURLs", list(m.get("clientURLs") or []), True),
                                ("isLearner", bool(m.get("isLearner", False)), True),
                            )
                            for m in members
                        ],
                        True,
                    ),
                )
            )

    def endpoint_status(self, statuses: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
        if self.kind in ("simple", "table"):
            header = [
                "endpoint",
                "ID",
                "version",
                "db size",
                "is leader",
                "is learner",
                "raft term",
                "raft index",
                "raft applied index",
                "errors",
            ]
            rows = [
                [
                    ep,
                    f"{_id(s['header']['member_id']):x}",
                    str(s.get("version", "")),
                    humanize_bytes(int(s.get("dbSize", 0))),
                    _go_bool(_id(s.get("leader", 0)) == _id(s["header"]["member_id"])),
                    _go_bool(bool(s.get("isLearner", False))),
                    str(int(s.get("raftTerm", 0))),
                    str(int(s.get("raftIndex", 0))),
                    str(int(s.get("raftAppliedIndex", 0))),
                    ", ".join(s.get("errors") or []),
                ]
                for ep, s in statuses
            ]
            if self.kind == "simple":
                for row in rows:
                    self.p(", ".join(row) + "\n")
            else:
                self.p(render_table(header, rows))
        elif self.kind == "fields":
            for ep, s in statuses:
                self.fields_hdr(s["header"])
                self.p(f'"Version" : {go_quote(str(s.get("version", "")))}\n')
                self.p(f'"DBSize" : {int(s.get("dbSize", 0))}\n')
                self.p(f'"Leader" : {_id(s.get("leader", 0))}\n')
                self.p(f'"IsLearner" : {_go_bool(bool(s.get("isLearner", False)))}\n')
                self.p(f'"RaftIndex" : {int(s.get("raftIndex", 0))}\n')
                self.p(f'"RaftTerm" : {int(s.get("raftTerm", 0))}\n')
                self.p(f'"RaftAppliedIndex" : {int(s.get("raftAppliedIndex", 0))}\n')
                self.p(f'"Errors" : {_go_list(s.get("errors") or [])}\n')
                self.p(f'"Endpoint" : {go_quote(ep)}\n\n')
        else:
            items = [
                _obj(
                    ("Endpoint", ep, False),
                    (
                        "Status",
                        _obj(
                            ("header", _header_json(s["header"]), True),
                            ("version", str(s.get("version", "")), True),
                            ("dbSize", int(s.get("dbSize", 0)), True),
                            ("leader", _id(s.get("leader", 0)), True),
                            ("raftIndex", int(s.get("raftIndex", 0)), True),
                            ("raftTerm", int(s.get("raftTerm", 0)), True),
                            ("raftAppliedIndex", int(s.get("raftAppliedIndex", 0)), True),
                            ("errors", list(s.get("errors") or []), True),
                            ("dbSizeInUse", int(s.get("dbSizeInUse", 0)), True),
                            ("isLearner", bool(s.get("isLearner", False)), True),
                        ),
                        False,
                    ),
                )
                for ep, s in statuses
            ]
            self.json(_Raw(_json_value(items)))

    def endpoint_health(self, checks: Sequence[tuple[str, bool, str, str]]) -> None:
        if self.kind == "simple":
            for ep, _healthy, took, error in checks:
                if not error:
                    self.p(f"{ep} is healthy: successfully committed proposal: took = {took}\n")
                else:
                    self.err.append(f"{ep} is unhealthy: failed to commit proposal: {error}\n")
        elif self.kind == "table":
            rows = [[ep, _go_bool(h), took, error] for ep, h, took, error in checks]
            self.p(render_table(["endpoint", "health", "took", "error"], rows))
        elif self.kind == "fields":
            for ep, h, took, error in checks:
                self.p(f'"Endpoint" : {go_quote(ep)}\n"Health" : {_go_bool(h)}\n')
                self.p(f'"Took" : {took}\n"Error" : {error}\n\n')
        else:
            items = [
                _obj(
                    ("endpoint", ep, False),
                    ("health", h, False),
                    ("took", took, False),
                    ("error", error, True),
                )
                for ep, h, took, error in checks
            ]
            self.json(_Raw(_json_value(items)))

    def move_leader(self, leader: int, target: int, r: Mapping[str, Any]) -> None:
        if self.kind == "simple":
            self.p(f"Leadership transferred from {leader:x} to {target:x}\n")
        elif self.kind == "json":
            self.json(_obj(("header", _header_json(r["header"]), True)))
        else:
            raise self.unsupported()


def _go_bool(b: bool) -> str:
    return "true" if b else "false"


def _member_list_hex_json(r: Mapping[str, Any]) -> str:
    # printer_json.go printMemberListWithHexJSON (hand-written: IDs in hex, no isLearner,
    # "clientURLS")
    h = r["header"]
    out = [
        '{"header":{"cluster_id":"',
        f"{_id(h['cluster_id']):x}",
        '","member_id":"',
        f"{_id(h['member_id']):x}",
        '","raft_term":',
        str(int(h.get("raft_term", 0))),
        "}",
    ]
    members = r.get("members") or []
    for i, m in enumerate(members):
        out.append(',"members":[{"ID":"' if i == 0 else ',{"ID":"')
        out.append(f"{_id(m['ID']):x}")
        out.append(f'","name":"{m.get("name", "")}","peerURLs":')
        out.append(_json_value(list(m.get("peerURLs") or [])))
        out.append(',"clientURLS":')
        out.append(_json_value(list(m.get("clientURLs") or [])))
        out.append("}")
        if i == len(members) - 1:
            out.append("]")
    out.append("}")
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Recording watch responses with their headers
# ---------------------------------------------------------------------------------------------


class _RecordingWatch(WatchHandle):
    """A :class:`WatchHandle` that also keeps every response as it arrived (header, events,
    cancel), since etcdctl prints per response."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.responses: list[dict[str, Any]] = []

    def _on_response(self, src: str, resp: dict[str, Any]) -> None:
        if (
            not self.canceled
            and src == self.endpoint
            and (resp.get("events") or resp.get("canceled"))
        ):
            self.responses.append(to_text(resp))
        super()._on_response(src, resp)


# ---------------------------------------------------------------------------------------------
# Etcdctl
# ---------------------------------------------------------------------------------------------


@dataclass
class _Run:
    """The state of one command run."""

    path: list[_Cmd]
    flags: dict[str, Any]
    changed: list[str]
    args: list[str]
    dash: int
    stdin: str | None
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)
    printer: _Printer | None = None


_TOO_MANY_ARGS: Final = (
    "too many arguments, only accept one argument when `--prefix` or `--from-key` is set"
)


def _err_text(err: BaseException) -> str:
    """The text clientv3 gives an error: the gRPC status message (``etcdserver: ...``), or
    ``context deadline exceeded`` when the client gave up waiting."""
    text = str(err)
    if isinstance(err, EtcdError):
        if text.startswith("context deadline exceeded"):
            return "context deadline exceeded"
        return err.grpc_message
    if isinstance(err, RpcTimeout | TimeoutError):
        return "context deadline exceeded"
    return text


class Etcdctl:
    """etcdctl 3.5 bound to an :class:`~kubelab.etcd.EtcdClient` (its endpoints are etcdctl's
    ``--endpoints``). ``etcdctl(line)`` is ``etcdctl.run(line)``."""

    def __init__(self, client: EtcdClient) -> None:
        self.client = client
        # clients for --endpoints and for endpoint health (one per endpoint set), kept so that
        # repeated runs reuse their connections
        self._clients: dict[tuple[tuple[str, ...], bool], EtcdClient] = {}

    def _client_for(self, hosts: Sequence[str], require_leader: bool, timeout: float) -> EtcdClient:
        key = (tuple(hosts), require_leader)
        client = self._clients.get(key)
        if client is None:
            client = EtcdClient(
                self.client.world,
                hosts,
                timeout=timeout,
                host=self.client.host.name,
                require_leader=require_leader,
            )
            self._clients[key] = client
        client.timeout = timeout
        return client

    def __call__(self, command_line: str, stdin: str | None = None) -> Result:
        return self.run(command_line, stdin)

    def run(self, command_line: str, stdin: str | None = None) -> Result:
        """Run one etcdctl command line; never raises for user input (errors are stderr text
        with etcdctl's exit code). ``stdin`` is what ``put KEY`` reads as the value."""
        out: list[str] = []
        err: list[str] = []
        try:
            code = self._run(command_line, stdin, out, err)
        except _Exit as ex:
            if ex.message is not None:
                err.append(f"Error: {ex.message}\n")
            code = ex.code
        except Exception as ex:  # a failure of the simulated client (its host crashed, ...)
            err.append(f"Error: {_err_text(ex)}\n")
            code = EXIT_ERROR
        return Result("".join(out), "".join(err), code)

    # -- parsing -----------------------------------------------------------------------------------
    def _run(self, line: str, stdin: str | None, out: list[str], err: list[str]) -> int:
        try:
            words = shlex.split(line)
        except ValueError as ex:
            raise _Exit(EXIT_INVALID_INPUT, f"cannot split the command line: {ex}") from None
        while words and "=" in words[0] and words[0].split("=", 1)[0].isidentifier():
            name, _, value = words.pop(0).partition("=")
            if name == "ETCDCTL_API" and value != "3":
                raise _Exit(
                    EXIT_BAD_FEATURE, f"ETCDCTL_API={value} is not modelled by kubelab (only 3)"
                )
        if words and words[0] == "etcdctl":
            words = words[1:]

        # cobra Find
        root_flags = (*GLOBAL_FLAGS, _HELP)
        path: list[_Cmd] = []
        children: Sequence[_Cmd] = (*_COMMANDS, _HELP_CMD)
        remaining = list(words)
        specs: tuple[FlagSpec, ...] = root_flags
        while children:
            plain = strip_flags(remaining, specs)
            if not plain:
                break
            nxt = _find_next(children, plain[0])
            if nxt is None:
                break
            path.append(nxt)
            idx = remaining.index(plain[0])
            remaining = remaining[:idx] + remaining[idx + 1 :]
            children = nxt.subcommands
            specs = self._specs(path)
        if not path:
            plain = strip_flags(remaining, root_flags)
            if plain:
                # command.go legacyArgs, printed by ExecuteC and again by ctl.go MustStart
                hints = suggestion_text(
                    suggestions_for(plain[0], [(c.name, ()) for c in _COMMANDS])
                )
                msg = f'unknown command {go_quote(plain[0])} for "etcdctl"{hints}'
                err.append(f"Error: {msg}\nRun 'etcdctl --help' for usage.\n")
                raise _Exit(EXIT_ERROR, msg)
        try:
            parsed = parse_flags(remaining, self._specs(path))
        except FlagError as ex:
            # ExecuteC prints the error and the usage (which etcdctl writes to stdout), then
            # MustStart prints the error again
            out.append(_usage(path))
            err.append(f"Error: {ex}\n\n")
            raise _Exit(EXIT_ERROR, str(ex)) from None
        if path and path[0].name == "help":
            target: list[_Cmd] = []
            kids: Sequence[_Cmd] = _COMMANDS
            for word in parsed.args:
                found = _find_next(kids, word)
                if found is None:
                    break
                target.append(found)
                kids = found.subcommands
            out.append(_usage(target))
            return 0
        if parsed.values.get("help") or not path or not path[-1].runnable:
            out.append(_usage(path))
            return 0
        cmd = path[-1]
        full = " ".join(c.name for c in path)
        if not cmd.modelled:
            raise _Exit(EXIT_BAD_FEATURE, f'"etcdctl {full}" is not modelled by kubelab')
        run = _Run(
            path,
            parsed.values,
            parsed.changed,
            parsed.args,
            parsed.args_len_at_dash,
            stdin,
            out,
            err,
        )
        handler = _HANDLERS[full]
        old_timeout = self.client.timeout
        try:
            self.client.timeout = float(run.flags["command-timeout"])
            handler(self, run)
        finally:
            self.client.timeout = old_timeout
        return 0

    @staticmethod
    def _specs(path: Sequence[_Cmd]) -> tuple[FlagSpec, ...]:
        specs: list[FlagSpec] = [*GLOBAL_FLAGS, _HELP]
        for c in path:
            specs.extend(c.persistent)
        if path:
            specs.extend(path[-1].flags)
        return tuple(specs)

    # -- shared steps --------------------------------------------------------------------------
    def _display(self, run: _Run) -> _Printer:
        """global.go initDisplayFromCmd (done when the client is made: mustClientFromCmd)."""
        kind = str(run.flags["write-out"])
        if kind not in ("simple", "fields", "json", "table", "protobuf"):
            raise _Exit(EXIT_BAD_FEATURE, "unsupported output format")
        if kind == "protobuf":
            raise _Exit(EXIT_BAD_FEATURE, "protobuf output is not modelled by kubelab")
        run.printer = _Printer(kind, bool(run.flags["hex"]), run.out, run.err)
        return run.printer

    def _endpoints(self, run: _Run) -> list[tuple[str, str]]:
        """(as shown, host) for each endpoint: ``--endpoints`` if given, else the client's."""
        if "endpoints" not in run.changed:
            return [(f"http://{h}:{CLIENT_URL_PORT}", h) for h in self.client.endpoints]
        out = []
        for ep in run.flags["endpoints"]:
            ep = ep.strip()
            host = ep.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
            out.append((ep, host))
        return out

    def _client(self, run: _Run) -> EtcdClient:
        """The client for this run: the bound one, or one on ``--endpoints``."""
        if "endpoints" not in run.changed:
            return self.client
        world = self.client.world
        hosts = [h for _, h in self._endpoints(run) if world.find_host(h) is not None]
        if not hosts:
            raise _Exit(EXIT_ERROR, "context deadline exceeded")
        return self._client_for(
            hosts, self.client.require_leader, float(run.flags["command-timeout"])
        )

    def _call(
        self, fn: Callable[[], dict[str, Any]], code: int = EXIT_ERROR, wrap: str = ""
    ) -> dict[str, Any]:
        try:
            return fn()
        except Exception as ex:
            text = _err_text(ex)
            raise _Exit(code, wrap.format(text) if wrap else text) from None

    # -- commands --------------------------------------------------------------------------------
    def _get(self, run: _Run) -> None:
        # get_command.go getGetOp, then getCommandFunc
        f, args = run.flags, run.args
        if not args:
            raise _Exit(
                EXIT_BAD_ARGS,
                "get command needs one argument as key and an optional argument as range_end",
            )
        if f["prefix"] and f["from-key"]:
            raise _Exit(
                EXIT_BAD_ARGS,
                "`--prefix` and `--from-key` cannot be set at the same time, choose one",
            )
        if f["keys-only"] and f["count-only"]:
            raise _Exit(
                EXIT_BAD_ARGS,
                "`--keys-only` and `--count-only` cannot be set at the same time, choose one",
            )
        consistency = str(f["consistency"])
        if consistency not in ("l", "s"):
            raise _Exit(EXIT_BAD_FEATURE, f"unknown consistency flag {go_quote(consistency)}")
        key = args[0]
        range_end: str | None = None
        if len(args) > 1:
            if f["prefix"] or f["from-key"]:
                raise _Exit(EXIT_BAD_ARGS, _TOO_MANY_ARGS)
            range_end = args[1]
        order = str(f["order"]).upper()
        if order not in ("", "ASCEND", "DESCEND"):
            raise _Exit(EXIT_BAD_FEATURE, f"bad sort order {f['order']}")
        target = str(f["sort-by"]).upper()
        targets = {
            "CREATE": "CREATE",
            "KEY": "KEY",
            "MODIFY": "MOD",
            "VALUE": "VALUE",
            "VERSION": "VERSION",
            "": "KEY",
        }
        if target not in targets:
            raise _Exit(EXIT_BAD_FEATURE, f"bad sort target {f['sort-by']}")
        sort_target = targets[target]
        sort_order = order or "NONE"
        if sort_target == "KEY" and sort_order == "ASCEND":
            sort_order = "NONE"  # clientv3 op.go WithSort: keys already come sorted
        printer = self._display(run)
        client = self._client(run)
        resp = self._call(
            lambda: client.get(
                key,
                range_end,
                prefix=bool(f["prefix"]),
                from_key=bool(f["from-key"]),
                revision=max(int(f["rev"]), 0),
                limit=int(f["limit"]),
                keys_only=bool(f["keys-only"]),
                count_only=bool(f["count-only"]),
                serializable=consistency == "s",
                sort_order=sort_order,
                sort_target=sort_target,
            )
        )
        if f["count-only"] and printer.kind != "fields":
            raise _Exit(EXIT_BAD_ARGS, "--count-only is only for `--write-out=fields`")
        if f["print-value-only"]:
            if printer.kind != "simple":
                raise _Exit(EXIT_BAD_ARGS, "print-value-only is only for `--write-out=simple`")
            printer.value_only = True
        printer.get(resp)

    def _put(self, run: _Run) -> None:
        # put_command.go getPutOp
        f, args = run.flags, run.args
        if not args:
            raise _Exit(
                EXIT_BAD_ARGS, "put command needs 1 argument and input from stdin or 2 arguments"
            )
        key = args[0]
        if f["ignore-value"] and len(args) > 1:
            raise _Exit(
                EXIT_BAD_ARGS, "put command needs only 1 argument when 'ignore-value' is set"
            )
        value = ""
        if not f["ignore-value"]:
            if len(args) > 1:
                value = args[1]
            elif run.stdin:
                value = run.stdin
            else:
                raise _Exit(
                    EXIT_BAD_ARGS,
                    "put command needs 1 argument and input from stdin or 2 arguments",
                )
        try:
            lease = go_parse_int(str(f["lease"]), 16, 64)
        except GoSyntaxError as ex:
            raise _Exit(EXIT_BAD_ARGS, f"bad lease ID ({ex}), expecting ID in Hex") from None
        printer = self._display(run)
        client = self._client(run)
        body = {
            "key": key.encode(),
            "value": value.encode(),
            "lease": lease,
            "prev_kv": bool(f["prev-kv"]),
            "ignore_value": bool(f["ignore-value"]),
            "ignore_lease": bool(f["ignore-lease"]),
        }
        resp = self._call(
            lambda: dict(client.world.wait(client.request_async("Put", body, transform=to_text)))
        )
        printer.put(resp)

    def _del(self, run: _Run) -> None:
        # del_command.go getDelOp
        f, args = run.flags, run.args
        if not args or len(args) > 2:
            raise _Exit(
                EXIT_BAD_ARGS,
                "del command needs one argument as key and an optional argument as range_end",
            )
        if f["prefix"] and f["from-key"]:
            raise _Exit(
                EXIT_BAD_ARGS,
                "`--prefix` and `--from-key` cannot be set at the same time, choose one",
            )
        key, end = args[0].encode(), b""
        if len(args) > 1:
            if f["prefix"] or f["from-key"]:
                raise _Exit(EXIT_BAD_ARGS, _TOO_MANY_ARGS)
            end = args[1].encode()
            if not f["range"]:
                run.err.append(
                    "In etcd v3.6, the operation will be suspended for a few seconds to provide "
                    "the user time to verify range.\n"
                )
        if f["prefix"]:
            key, end = (b"\x00", b"\x00") if not key else (key, prefix_range_end(key))
        if f["from-key"]:
            key, end = (key or b"\x00"), b"\x00"
        printer = self._display(run)
        client = self._client(run)
        body = {"key": key, "range_end": end, "prev_kv": bool(f["prev-kv"])}
        resp = self._call(
            lambda: dict(
                client.world.wait(client.request_async("DeleteRange", body, transform=to_text))
            )
        )
        printer.delete(resp)

    def _compaction(self, run: _Run) -> None:
        # compaction_command.go
        if len(run.args) != 1:
            raise _Exit(EXIT_BAD_ARGS, "compaction command needs 1 argument")
        try:
            rev = go_parse_int(run.args[0], 10, 64)
        except GoSyntaxError as ex:
            raise _Exit(EXIT_ERROR, str(ex)) from None
        self._display(run)
        client = self._client(run)
        self._call(lambda: client.compact(rev, physical=bool(run.flags["physical"])))
        run.out.append(f"compacted revision {rev}\n")

    def _version(self, run: _Run) -> None:
        run.out.append(f"etcdctl version: {ETCDCTL_VERSION}\nAPI version: {API_VERSION}\n")

    # leases
    def _lease_id(self, arg: str) -> int:
        # lease_command.go leaseFromArgs
        try:
            return go_parse_int(arg, 16, 64)
        except GoSyntaxError as ex:
            raise _Exit(EXIT_BAD_ARGS, f"bad lease ID arg ({ex}), expecting ID in Hex") from None

    def _lease_grant(self, run: _Run) -> None:
        if len(run.args) != 1:
            raise _Exit(EXIT_BAD_ARGS, "lease grant command needs TTL argument")
        try:
            ttl = go_parse_int(run.args[0], 10, 64)
        except GoSyntaxError as ex:
            raise _Exit(EXIT_BAD_ARGS, f"bad TTL ({ex})") from None
        printer = self._display(run)
        client = self._client(run)
        resp = self._call(lambda: client.lease_grant(ttl), wrap="failed to grant lease ({})")
        printer.grant(resp)

    def _lease_revoke(self, run: _Run) -> None:
        if len(run.args) != 1:
            raise _Exit(EXIT_BAD_ARGS, "lease revoke command needs 1 argument")
        lease_id = self._lease_id(run.args[0])
        printer = self._display(run)
        client = self._client(run)
        resp = self._call(lambda: client.lease_revoke(lease_id), wrap="failed to revoke lease ({})")
        printer.revoke(lease_id, resp)

    def _lease_timetolive(self, run: _Run) -> None:
        if len(run.args) != 1:
            raise _Exit(EXIT_BAD_ARGS, "lease timetolive command needs lease ID as argument")
        printer = self._display(run)
        client = self._client(run)
        lease_id = self._lease_id(run.args[0])
        keys = bool(run.flags["keys"])
        resp = self._call(
            lambda: client.lease_timetolive(lease_id, keys=keys), code=EXIT_BAD_CONNECTION
        )
        printer.time_to_live(resp, keys)

    def _lease_list(self, run: _Run) -> None:
        printer = self._display(run)
        client = self._client(run)
        printer.leases(self._call(client.lease_leases, code=EXIT_BAD_CONNECTION))

    def _lease_keep_alive(self, run: _Run) -> None:
        if len(run.args) != 1:
            raise _Exit(EXIT_BAD_ARGS, "lease keep-alive command needs lease ID as argument")
        lease_id = self._lease_id(run.args[0])
        printer = self._display(run)
        client = self._client(run)
        if run.flags["once"]:
            resp = self._call(lambda: client.lease_keepalive(lease_id), code=EXIT_BAD_CONNECTION)
            printer.keep_alive(resp)
            return
        # clientv3 lease.go: a keepalive at once, then one every TTL/3 (kubelab: for --duration)
        world = client.world
        deadline = world.now + float(run.flags["duration"])
        while True:
            try:
                resp = client.lease_keepalive(lease_id)
            except EtcdError:
                if printer.kind == "simple":
                    run.out.append(f"lease {lease_id:016x} expired or revoked.\n")
                return
            printer.keep_alive(resp)
            step = max(int(resp["TTL"]) / 3.0, 0.5)
            if world.now + step > deadline:
                world.run(until=max(deadline, world.now))
                return
            world.run(duration=step)

    # cluster
    def _member_list(self, run: _Run) -> None:
        printer = self._display(run)
        client = self._client(run)
        printer.member_list(self._call(client.member_list))

    def _cluster_endpoints(self, run: _Run) -> list[tuple[str, str]]:
        """ep_command.go endpointsFromCluster."""
        if not run.flags.get("cluster"):
            return self._endpoints(run)
        client = self._client(run)
        resp = self._call(
            client.member_list, wrap="failed to fetch endpoints from etcd cluster member list: {}"
        )
        eps = []
        for m in resp.get("members") or []:
            for url in m.get("clientURLs") or []:
                eps.append((url, url.split("://", 1)[-1].rsplit(":", 1)[0]))
        return eps

    def _endpoint_status(self, run: _Run) -> None:
        printer = self._display(run)
        client = self._client(run)
        statuses: list[tuple[str, Mapping[str, Any]]] = []
        failed = False
        for shown, host in self._cluster_endpoints(run):
            try:
                status = self._status(client, host)
            except _Exit as ex:
                failed = True
                run.err.append(f"Failed to get the status of endpoint {shown} ({ex.message})\n")
                continue
            statuses.append((shown, status))
        printer.endpoint_status(statuses)
        if failed:
            raise _Exit(EXIT_ERROR, None)  # os.Exit(ExitError): no message

    def _status(self, client: EtcdClient, host: str) -> dict[str, Any]:
        if client.world.find_host(host) is None:
            raise _Exit(EXIT_ERROR, "context deadline exceeded")
        ev = client.request_async("Status", {}, endpoint=host, idempotent=True)
        return self._call(lambda: dict(client.world.wait(ev)))

    def _endpoint_health(self, run: _Run) -> None:
        # ep_command.go epHealthCommandFunc: a get of the key "health" through each endpoint
        printer = self._display(run)
        world = self.client.world
        checks: list[tuple[str, bool, str, str]] = []
        for shown, host in self._cluster_endpoints(run):
            start = world.now
            error = ""
            if world.find_host(host) is None:
                error = "context deadline exceeded"
            else:
                # ep_command.go: a client of its own per endpoint, no WithRequireLeader
                client = self._client_for([host], False, float(run.flags["command-timeout"]))
                try:
                    client.get("health")
                except Exception as ex:
                    error = _err_text(ex)
            checks.append((shown, not error, go_duration_string(world.now - start), error))
        printer.endpoint_health(checks)
        if any(error for *_, error in checks):
            raise _Exit(EXIT_ERROR, "unhealthy cluster")

    def _move_leader(self, run: _Run) -> None:
        # move_leader_command.go transferLeadershipCommandFunc
        if len(run.args) != 1:
            raise _Exit(EXIT_BAD_ARGS, "move-leader command needs 1 argument")
        try:
            target = go_parse_uint(run.args[0], 16, 64)
        except GoSyntaxError as ex:
            raise _Exit(EXIT_BAD_ARGS, str(ex)) from None
        printer = self._display(run)
        client = self._client(run)
        leader_host, leader_id = None, 0
        eps = self._endpoints(run)
        for _shown, host in eps:
            status = self._status(client, host)
            if _id(status["header"]["member_id"]) == _id(status.get("leader", 0)):
                leader_host, leader_id = host, _id(status["leader"])
                break
        if leader_host is None:
            raise _Exit(EXIT_BAD_ARGS, f"no leader endpoint given at {_go_list(s for s, _ in eps)}")
        ev = client.request_async("MoveLeader", {"targetID": f"{target:x}"}, endpoint=leader_host)
        resp = self._call(lambda: dict(client.world.wait(ev)))
        printer.move_leader(leader_id, target, resp)

    # watch
    def _watch(self, run: _Run) -> None:
        # watch_command.go watchCommandFunc / parseWatchArgs / getWatchChan
        f = run.flags
        if f["interactive"]:
            raise _Exit(EXIT_BAD_FEATURE, "interactive watch is not modelled by kubelab")
        if run.dash >= 0:
            if run.dash == len(run.args):
                raise _Exit(
                    EXIT_BAD_ARGS, "bad number of arguments (found separator --, but no commands)"
                )
            raise _Exit(
                EXIT_BAD_FEATURE,
                "running a command for each watch event is not modelled by kubelab",
            )
        args = run.args
        if not args:
            raise _Exit(EXIT_BAD_ARGS, "bad number of arguments")
        printer = self._display(run)
        client = self._client(run)
        if len(args) == 2 and f["prefix"]:
            raise _Exit(EXIT_BAD_ARGS, "`range_end` and `--prefix` are mutually exclusive")
        key = args[0].encode()
        end = args[1].encode() if len(args) >= 2 else b""
        if f["prefix"]:
            key, end = (b"\x00", b"\x00") if not key else (key, prefix_range_end(key))
        handle = _RecordingWatch(client, key, end, max(int(f["rev"]), 0), bool(f["prev-kv"]))
        try:
            handle._open()
        except ErrCompacted:
            pass  # the canceled response was recorded and is printed below
        except EtcdError as ex:
            raise _Exit(EXIT_BAD_CONNECTION, _err_text(ex)) from None
        # Run the world for --duration (at least WATCH_SETTLE, so that what is already on its
        # way, such as the replay of --rev, arrives), printing each response as etcdctl does.
        world = client.world
        deadline = world.now + max(float(f["duration"]), WATCH_SETTLE)
        printed = 0
        try:
            while True:
                world.run(until=min(world.now + WATCH_STEP, deadline))
                for resp in handle.responses[printed:]:
                    printed += 1
                    if resp.get("canceled"):
                        # printWatchCh: the reason on stderr, the response through the
                        # printer, then watchCommandFunc ends with ExitInterrupted
                        reason = ErrCompacted().grpc_message
                        run.err.append(f"watch was canceled ({reason})\n")
                        printer.watch(resp)
                        raise _Exit(EXIT_INTERRUPTED, "watch is canceled by the server")
                    printer.watch(resp)
                if world.now >= deadline:
                    break
        finally:
            handle.cancel()


_HANDLERS: Final[dict[str, Callable[[Etcdctl, _Run], None]]] = {
    "get": Etcdctl._get,
    "put": Etcdctl._put,
    "del": Etcdctl._del,
    "compaction": Etcdctl._compaction,
    "version": Etcdctl._version,
    "watch": Etcdctl._watch,
    "lease grant": Etcdctl._lease_grant,
    "lease revoke": Etcdctl._lease_revoke,
    "lease timetolive": Etcdctl._lease_timetolive,
    "lease list": Etcdctl._lease_list,
    "lease keep-alive": Etcdctl._lease_keep_alive,
    "member list": Etcdctl._member_list,
    "endpoint status": Etcdctl._endpoint_status,
    "endpoint health": Etcdctl._endpoint_health,
    "move-leader": Etcdctl._move_leader,
}
