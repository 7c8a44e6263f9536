"""Run a real single-member etcd on 127.0.0.1 and talk to it through its v3 JSON gateway.

Used by the differential tests: the same requests go to the real etcd and to
:class:`kubelab.etcd.mvcc.MVCCStore`, and the answers are compared in the model's shapes.

The gateway (etcd 3.4: ``/v3/kv/put``, ``/v3/kv/range``, ``/v3/kv/deleterange``,
``/v3/kv/txn``, ``/v3/kv/compaction``, ``/v3/lease/*``, ``/v3/watch``) speaks protobuf JSON:
bytes fields are base64, int64 fields are strings, and zero values are left out. This
module converts both ways, and turns an error body ``{"error": ..., "code": n}`` into the
matching :class:`kubelab.etcd.errors.EtcdError` subclass.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import platform
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kubelab.etcd.errors import EtcdError, error_from_message

NOT_FOUND_MESSAGE = "real etcd not found: apt-get install etcd-server"

_BYTES_FIELDS = {"key", "value", "range_end"}
_INT_FIELDS = {
    "revision",
    "create_revision",
    "mod_revision",
    "version",
    "lease",
    "count",
    "deleted",
    "ID",
    "TTL",
    "grantedTTL",
    "compact_revision",
    "watch_id",
    "raft_term",
    "cluster_id",
    "member_id",
    "limit",
    "min_mod_revision",
    "max_mod_revision",
    "min_create_revision",
    "max_create_revision",
    "start_revision",
}


def find_etcd() -> str | None:
    """Path of the etcd binary, if installed."""
    found = shutil.which("etcd")
    if found:
        return found
    return "/usr/bin/etcd" if os.path.exists("/usr/bin/etcd") else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def encode(value: Any) -> Any:
    """Model-shaped request data -> gateway JSON (bytes as base64)."""
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def decode(value: Any, name: str = "") -> Any:
    """Gateway JSON -> Python values (base64 -> bytes, int64 strings -> int)."""
    if isinstance(value, dict):
        return {k: decode(v, k) for k, v in value.items()}
    if isinstance(value, list):
        if name == "keys":
            return [base64.b64decode(v) for v in value]
        return [decode(v, name) for v in value]
    if name in _BYTES_FIELDS and isinstance(value, str):
        return base64.b64decode(value)
    if name in _INT_FIELDS and isinstance(value, str):
        return int(value)
    return value


def norm_kv(kv: dict[str, Any] | None) -> dict[str, Any] | None:
    """A decoded KeyValue with every field present (the gateway omits zero ones)."""
    if kv is None:
        return None
    return {
        "key": kv.get("key", b""),
        "create_revision": kv.get("create_revision", 0),
        "mod_revision": kv.get("mod_revision", 0),
        "version": kv.get("version", 0),
        "value": kv.get("value", b""),
        "lease": kv.get("lease", 0),
    }


def norm_header(h: dict[str, Any] | None) -> dict[str, Any]:
    return {"revision": (h or {}).get("revision", 0)}


def norm_range(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "header": norm_header(r.get("header")),
        "kvs": [norm_kv(kv) for kv in r.get("kvs", [])],
        "count": r.get("count", 0),
        "more": r.get("more", False),
    }


def norm_put(r: dict[str, Any]) -> dict[str, Any]:
    return {"header": norm_header(r.get("header")), "prev_kv": norm_kv(r.get("prev_kv"))}


def norm_delete(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "header": norm_header(r.get("header")),
        "deleted": r.get("deleted", 0),
        "prev_kvs": [norm_kv(kv) for kv in r.get("prev_kvs", [])],
    }


def norm_txn(r: dict[str, Any]) -> dict[str, Any]:
    responses = []
    for op in r.get("responses", []):
        if "response_range" in op:
            responses.append({"response_range": norm_range(op["response_range"])})
        elif "response_put" in op:
            responses.append({"response_put": norm_put(op["response_put"])})
        elif "response_delete_range" in op:
            responses.append({"response_delete_range": norm_delete(op["response_delete_range"])})
        elif "response_txn" in op:
            responses.append({"response_txn": norm_txn(op["response_txn"])})
    return {
        "header": norm_header(r.get("header")),
        "succeeded": r.get("succeeded", False),
        "responses": responses,
    }


def norm_event(ev: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": ev.get("type", "PUT"),
        "kv": norm_kv(ev.get("kv")),
        "prev_kv": norm_kv(ev.get("prev_kv")),
    }


def norm_watch_response(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "header": norm_header(r.get("header")),
        "watch_id": r.get("watch_id", 0),
        "events": [norm_event(ev) for ev in r.get("events", [])],
        "compact_revision": r.get("compact_revision", 0),
        "canceled": r.get("canceled", False),
        "created": r.get("created", False),
    }


class GatewayError(Exception):
    """An error answer whose message is not one of the modelled errors."""


class WatchStream:
    """One streaming POST /v3/watch; yields decoded WatchResponse bodies."""

    def __init__(self, port: int, create_request: dict[str, Any], timeout: float) -> None:
        self._conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        body = json.dumps({"create_request": encode(create_request)})
        self._conn.request("POST", "/v3/watch", body, {"Content-Type": "application/json"})
        self._resp = self._conn.getresponse()

    def read(self, max_messages: int, until_revision: int | None = None) -> list[dict[str, Any]]:
        """Read up to ``max_messages`` responses, stopping early on a socket timeout or once a
        response at ``until_revision`` or later arrived."""
        out: list[dict[str, Any]] = []
        while len(out) < max_messages:
            try:
                line = self._resp.readline()
            except TimeoutError:
                break
            if not line:
                break
            line = line.strip()
            if not line:
                continue
            msg = json.loads(line)
            result = decode(msg.get("result", msg))
            out.append(norm_watch_response(result))
            rev = out[-1]["header"]["revision"]
            if until_revision is not None and out[-1]["events"] and rev >= until_revision:
                break
        return out

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._conn.close()


class RealEtcd:
    """A running single-member etcd with a temporary data dir, reached over HTTP."""

    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary = binary
        self.workdir = workdir
        self.client_port = _free_port()
        self.peer_port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def client_url(self) -> str:
        return f"http://127.0.0.1:{self.client_port}"

    def start(self, timeout: float = 15.0) -> None:
        peer = f"http://127.0.0.1:{self.peer_port}"
        env = dict(os.environ)
        arch = platform.machine().lower()
        goarch = {"x86_64": "amd64", "aarch64": "arm64", "ppc64le": "ppc64le"}.get(arch, arch)
        if goarch not in ("amd64", "ppc64le"):
            env["ETCD_UNSUPPORTED_ARCH"] = goarch  # etcd 3.4 refuses other arches without it
        log = open(self.workdir / "etcd.log", "wb")  # noqa: SIM115 - closed in stop()
        self._log = log
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--name",
                "default",
                "--data-dir",
                str(self.workdir / "data"),
                "--listen-client-urls",
                self.client_url,
                "--advertise-client-urls",
                self.client_url,
                "--listen-peer-urls",
                peer,
                "--initial-advertise-peer-urls",
                peer,
                "--initial-cluster",
                f"default={peer}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"etcd exited early; see {self.workdir / 'etcd.log'}")
            try:
                with urllib.request.urlopen(self.client_url + "/health", timeout=1) as r:
                    if json.loads(r.read()).get("health") == "true":
                        return
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("etcd did not become healthy in time")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None
        log = getattr(self, "_log", None)
        if log is not None:
            log.close()

    # --- requests ---

    def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST to the gateway; returns the decoded body or raises the mapped EtcdError."""
        data = json.dumps(encode(body)).encode()
        req = urllib.request.Request(
            self.client_url + path, data=data, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                out: dict[str, Any] = decode(json.loads(r.read()))
        except urllib.error.HTTPError as e:
            out = json.loads(e.read())
        if "error" in out and "header" not in out:
            cls = error_from_message(out["error"])
            if cls is None:
                raise GatewayError(f"{out['error']} (code {out.get('code')})")
            err: EtcdError = cls()
            if out.get("code") != err.code_number:
                raise GatewayError(f"{out['error']}: code {out.get('code')} != {err.code_number}")
            raise err
        return out

    def put(self, body: dict[str, Any]) -> dict[str, Any]:
        return norm_put(self.call("/v3/kv/put", body))

    def range(self, body: dict[str, Any]) -> dict[str, Any]:
        return norm_range(self.call("/v3/kv/range", body))

    def delete_range(self, body: dict[str, Any]) -> dict[str, Any]:
        return norm_delete(self.call("/v3/kv/deleterange", body))

    def txn(self, body: dict[str, Any]) -> dict[str, Any]:
        return norm_txn(self.call("/v3/kv/txn", body))

    def compact(self, revision: int) -> dict[str, Any]:
        out = self.call("/v3/kv/compaction", {"revision": revision})
        return {"header": norm_header(out.get("header"))}

    def lease_grant(self, lease_id: int, ttl: int) -> dict[str, Any]:
        out = self.call("/v3/lease/grant", {"ID": lease_id, "TTL": ttl})
        return {
            "header": norm_header(out.get("header")),
            "ID": out.get("ID", 0),
            "TTL": out.get("TTL", 0),
        }

    def lease_revoke(self, lease_id: int) -> dict[str, Any]:
        return {
            "header": norm_header(self.call("/v3/lease/revoke", {"ID": lease_id}).get("header"))
        }

    def lease_time_to_live(self, lease_id: int, keys: bool = False) -> dict[str, Any]:
        out = self.call("/v3/lease/timetolive", {"ID": lease_id, "keys": keys})
        return {
            "ID": out.get("ID", 0),
            "TTL": out.get("TTL", 0),
            "grantedTTL": out.get("grantedTTL", 0),
            "keys": sorted(out.get("keys", [])),
        }

    def watch(self, create_request: dict[str, Any], timeout: float = 1.0) -> WatchStream:
        return WatchStream(self.client_port, create_request, timeout)


@contextlib.contextmanager
def running_etcd() -> Iterator[RealEtcd]:
    """Start etcd in a temporary directory; stop it (by its PID) and clean up afterwards."""
    binary = find_etcd()
    if binary is None:
        raise FileNotFoundError(NOT_FOUND_MESSAGE)
    with tempfile.TemporaryDirectory(prefix="kubelab-etcd-") as tmp:
        etcd = RealEtcd(binary, Path(tmp))
        try:
            etcd.start()
            yield etcd
        finally:
            etcd.stop()
