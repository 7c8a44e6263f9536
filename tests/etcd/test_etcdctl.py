"""etcdctl 3.5 against the simulated cluster: every command, every output format, the errors
and exit codes.

Expected texts are written from etcd-io/etcd v3.5 ``etcdctl/ctlv3/command``: the printers
(``printer_simple.go``, ``printer_fields.go``, ``printer_json.go``, ``printer_table.go``,
``printer.go``), the commands (``get_command.go``, ``put_command.go``, ...), ``util.go``
``printKV`` and ``pkg/cobrautl/error.go`` (``Error: ...``, exit codes). Where IDs are random
(member, cluster and lease IDs), the expected text is built from the model's values with the
upstream format verbs. At the end, a differential test runs Debian's real ``etcdctl`` (3.4)
against a real etcd for the commands whose output 3.4 and 3.5 print alike.
"""

from __future__ import annotations

import base64
import os
import re
import shlex
import shutil
import subprocess
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from real_etcd import NOT_FOUND_MESSAGE, find_etcd, running_etcd

from kubelab.etcd import EtcdCluster
from kubelab.etcdctl import (
    EXIT_BAD_ARGS,
    EXIT_BAD_CONNECTION,
    EXIT_BAD_FEATURE,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    Etcdctl,
    Result,
    humanize_bytes,
    render_table,
)
from kubelab.sim import World


@pytest.fixture
def env() -> tuple[World, EtcdCluster, Etcdctl]:
    w = World(seed=11)
    c = EtcdCluster(w, members=3)
    c.wait_for_leader()
    return w, c, Etcdctl(c.client())


def ok(r: Result) -> str:
    assert r.exit_code == 0, r.stderr
    assert r.stderr == ""
    return r.stdout


def cluster_ids(c: EtcdCluster) -> tuple[int, dict[str, int]]:
    members = c.client().member_list()
    cid = int(members["header"]["cluster_id"], 16)
    return cid, {m["name"]: int(m["ID"], 16) for m in members["members"]}


def b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


# --- put / get / del ---------------------------------------------------------------------------


def test_put_and_get_simple(env: tuple[World, EtcdCluster, Etcdctl]) -> None:
    _, _, e = env
    # put_command.go -> simplePrinter.Put: "OK"; with --prev-kv the old pair follows
    assert ok(e("put foo bar")) == "OK\n"
    assert ok(e("put foo baz --prev-kv")) == "OK\nfoo\nbar\n"
    # util.go printKV: key line, value line
    assert ok(e("get foo")) == "foo\nbaz\n"
    assert ok(e("get foo --print-value-only")) == "baz\n"
    # --keys-only: the value is empty, printKV still prints its (empty) line
    assert ok(e("get foo --keys-only")) == "foo\n\n"
    assert ok(e("get missing")) == ""
    # a leading "etcdctl" word and ETCDCTL_API=3 are what people paste
    assert ok(e("ETCDCTL_API=3 etcdctl get foo")) == "foo\nbaz\n"


def test_get_ranges_sorting_limits_and_revisions(env: tuple[World, EtcdCluster, Etcdctl]) -> None:
    _, _, e = env
    for k, v in [("/a/1", "z"), ("/a/2", "y"), ("/a/3", "x"), ("/b/1", "w")]:
        ok(e(f"put {k} {v}"))
    assert ok(e("get /a/ --prefix --keys-only")) == "/a/1\n\n/a/2\n\n/a/3\n\n"
    assert ok(e("get /a/1 /a/3 --print-value-only")) == "z\ny\n"  # [key, range_end)
    assert ok(e("get /a/2 --from-key --print-value-only")) == "y\nx\nw\n"
    assert ok(e("get /a/ --prefix --limit=2 --print-value-only")) == "z\ny\n"
    # --sort-by=VALUE alone sorts ascending (the server's rule for targets other than KEY)
    assert ok(e("get /a/ --prefix --sort-by=VALUE --print-value-only")) == "x\ny\nz\n"
    assert ok(e("get /a/ --prefix --order=DESCEND --print-value-only")) == "x\ny\nz\n"
    assert ok(e("get /a/ --prefix --order=descend --sort-by=value -w simple")).startswith("/a/1")
    assert ok(e("get '' --prefix --keys-only")).split() == ["/a/1", "/a/2", "/a/3", "/b/1"]
    # revision 2 is the first put
    assert ok(e("get /a/1 --rev=2")) == "/a/1\nz\n"
    ok(e("put /a/1 changed"))
    assert ok(e("get /a/1 --rev=2 --print-value-only")) == "z\n"
    assert ok(e("get /a/1 --consistency=s --print-value-only")) == "changed\n"


def test_get_json_is_go_json_of_the_range_response(env: tuple[World, EtcdCluster, Etcdctl]) -> None:
    _, c, e = env
    ok(e("put foo bar"))
    out = ok(e("get foo -w json"))
    # printJSON = json.Marshal(pb.RangeResponse): uint64 as numbers, []byte as base64,
    # omitempty drops "more": false and a zero lease
    m = re.fullmatch(
        r'\{"header":\{"cluster_id":(\d+),"member_id":(\d+),"revision":2,"raft_term":(\d+)\},'
        r'"kvs":\[\{"key":"Zm9v","create_revision":2,"mod_revision":2,"version":1,'
        r'"value":"YmFy"\}\],"count":1\}\n',
        out,
    )
    assert m is not None, out
    cid, ids = cluster_ids(c)
    assert int(m.group(1)) == cid
    assert int(m.group(2)) in ids.values()
    # nothing found: only the header is left
    assert re.fullmatch(r'\{"header":\{[^}]*\}\}\n', ok(e("get nothing -w json")))
    # a key with a lease: "lease" appears
    lease = int(ok(e("lease grant 30")).split()[1], 16)
    ok(e(f"put leased v --lease={lease:x}"))
    assert f'"lease":{lease}' in ok(e("get leased -w json"))


def test_get_fields(env: tuple[World, EtcdCluster, Etcdctl]) -> None:
    _, c, e = env
    ok(e('put k "va\\"l"'))
    out = ok(e("get k -w fields"))
    cid, ids = cluster_ids(c)
    lines = out.splitlines()
    # fieldsPrinter.hdr, kv (Go %q strings), More, Count
    assert lines[0] == f'"ClusterID" : {cid}'
    assert lines[1].startswith('"MemberID" : ') and int(lines[1].split(": ")[1]) in ids.values()
    assert lines[2] == '"Revision" : 2'
    assert lines[4:] == [
        '"Key" : "k"',
        '"CreateRevision" : 2',
        '"ModRevision" : 2',
        '"Version" : 1',
        '"Value" : "va\\"l"',
        '"Lease" : 0',
        '"More" : false',
        '"Count" : 1',
    ]
    # --count-only is only allowed with fields; there it prints header, More, Count
    ok(e("put k2 v"))
    counted = ok(e("get k --prefix --count-only -w fields")).splitlines()
    assert counted[4:] == ['"More" : false', '"Count" : 2']


def test_get_hex(env: tuple[World, EtcdCluster, Etcdctl]) -> None:
    _, _, e = env
    ok(e("put foo c"))
    # util.go printKV with isHex: addHexPrefix(hex.EncodeToString(...))
    assert ok(e("get foo --hex")) == "\\x66\\x6f\\x6f\n\\x63\n"


def test_put_reads_the_value_from_stdin_and_the_double_dash(
    env: tuple[World, EtcdCluster, Etcdctl],
) -> None:
    _, _, e = env
    assert ok(e.run("put fromstdin", stdin="hello\n")) == "OK\n"
    assert ok(e("get fromstdin --print-value-only")) == "hello\n\n"
    # put_command.go: a value starting with '-' needs "--"
    assert ok(e("put -- dash -1")) == "OK\n"
    assert ok(e("get dash --print-value-only")) == "-1\n"
    r = e("put dash -1")
    assert (r.exit_code, r.stderr) == (
        EXIT_ERROR,
        "Error: unknown shorthand flag: '1' in -1\n\nError: unknown shorthand flag: '1' in -1\n",
    )


def test_put_json_and_fields_with_prev_kv(env: tuple[World, EtcdCluster, Etcdctl]) -> None:
    _, _, e = env
    ok(e("put a 1"))
    out = ok(e("put a 2 --prev-kv -w json"))
    assert re.fullmatch(
        r'\{"header":\{[^}]*"revision":3[^}]*\},"prev_kv":\{"key":"YQ==","create_revision":2,'
        r'"mod_revision":2,"version":1,"value":"MQ=="\}\}\n',
        out,
    )
    fields = ok(e("put a 3 --prev-kv -w fields")).splitlines()
    assert fields[4:] == [
        '"PrevKey" : "a"',
        '"PrevCreateRevision" : 2',
        '"PrevModRevision" : 3',
        '"PrevVersion" : 2',
        '"PrevValue" : "2"',
        '"PrevLease" : 0',
    ]


def test_del(env: tuple[World, EtcdCluster, Etcdctl]) -> None:
    _, _, e = env
    for k in ("x/1", "x/2", "y"):
        ok(e(f"put {k} v-{k}"))
    # simplePrinter.Del: the count, then the previous pairs
    assert ok(e("del y --prev-kv")) == "1\ny\nv-y\n"
    assert ok(e("del nothing")) == "0\n"
    assert ok(e("del x/ --prefix")) == "2\n"
    # json: "deleted" is omitempty
    assert re.fullmatch(r'\{"header":\{[^}]*\}\}\n', ok(e("del nothing -w json")))
    ok(e("put z 1"))
    assert '"deleted":1' in ok(e("del z -w json"))
    # a range end without --range: v3.5's notice about v3.6 on stderr (del_command.go)
    r = e("del a b")
    assert (r.exit_code, r.stdout) == (0, "0\n")
    assert r.stderr == (
        "In etcd v3.6, the operation will be suspended for a few seconds to provide the user "
        "time to verify range.\n"
    )
    assert ok(e("del a b --range")) == "0\n"


# --- watch --------------------------------------------------------------------------------------


def test_watch_prints_each_event_during_the_duration(
    env: tuple[World, EtcdCluster, Etcdctl],
) -> None:
    w, c, e = env
    writer = c.client(host="writer")

    def later(delay: float, fn: Any) -> None:
        ev = w.env.timeout(delay)
        ev.callbacks.append(lambda _e: fn())

    later(1.0, lambda: writer.put_async("k1", "v1"))
    later(2.0, lambda: writer.put_async("k1", "v2"))
    later(3.0, lambda: writer.delete_async("k1"))
    start = w.now
    out = ok(e("watch k --prefix --prev-kv --duration=5s"))
    assert 5.0 <= w.now - start < 5.05  # plus the round trip that opens the watch
    # simplePrinter.Watch: type, previous pair (if any), pair; a delete's pair has no value
    assert out == "PUT\nk1\nv1\nPUT\nk1\nv1\nk1\nv2\nDELETE\nk1\nv2\nk1\n\n"


def test_watch_replays_history_from_rev_in_json(env: tuple[World, EtcdCluster, Etcdctl]) -> None:
    _, _, e = env
    ok(e("put foo bar"))
    ok(e("put foo baz"))
    ok(e("del foo"))
    out = ok(e("watch foo --rev=1 -w json"))
    # one response (the catch-up batch) with all three events; clientv3.WatchResponse has no
    # json tags (Go field names, nothing omitted), mvccpb.Event omits the PUT type (zero)
    m = re.fullmatch(
        r'\{"Header":\{"cluster_id":\d+,"member_id":\d+,"revision":4,"raft_term":\d+\},'
        r'"Events":\[(.*)\],"CompactRevision":0,"Canceled":false,"Created":false\}\n',
        out,
    )
    assert m is not None, out
    assert m.group(1) == (
        f'{{"kv":{{"key":"{b64("foo")}","create_revision":2,"mod_revision":2,"version":1,'
        f'"value":"{b64("bar")}"}}}},'
        f'{{"kv":{{"key":"{b64("foo")}","create_revision":2,"mod_revision":3,"version":2,'
        f'"value":"{b64("baz")}"}}}},'
        f'{{"type":1,"kv":{{"key":"{b64("foo")}","mod_revision":4}}}}'
    )
    fields = ok(e("watch foo --rev=4 -w fields")).splitlines()
    assert fields[4:] == [
        '"Type" : DELETE',
        '"Key" : "foo"',
        '"CreateRevision" : 0',
        '"ModRevision" : 4',
        '"Version" : 0',
        '"Value" : ""',
        '"Lease" : 0',
    ]


def test_watch_of_a_compacted_revision_is_canceled(env: tuple[World, EtcdCluster, Etcdctl]) -> None:
    _, _, e = env
    for v in "abc":
        ok(e(f"put foo {v}"))
    assert ok(e("compaction 3")) == "compacted revision 3\n"
    r = e("watch foo --rev=2")
    # printWatchCh: the cancel reason, then ExitWithError(ExitInterrupted, ...)
    assert (r.exit_code, r.stdout) == (EXIT_INTERRUPTED, "")
    assert r.stderr == (
        "watch was canceled (etcdserver: mvcc: required revision has been compacted)\n"
        "Error: watch is canceled by the server\n"
    )
    r = e("watch foo --rev=2 -w json")
    # the canceled response is printed too; its header has no revision
    assert re.fullmatch(
        r'\{"Header":\{"cluster_id":\d+,"member_id":\d+,"raft_term":\d+\},"Events":\[\],'
        r'"CompactRevision":3,"Canceled":true,"Created":false\}\n',
        r.stdout,
    )
    assert r.exit_code == EXIT_INTERRUPTED


def test_watch_argument_errors(env: tuple[World, EtcdCluster, Etcdctl]) -> None:
    _, _, e = env
    # watch_command.go errBadArgsNum, getWatchChan, errBadArgsNumSeparator
    assert (e("watch").exit_code, e("watch").stderr) == (
        EXIT_BAD_ARGS,
        "Error: bad number of arguments\n",
    )
    r = e("watch a b --prefix")
    assert (r.exit_code, r.stderr) == (
        EXIT_BAD_ARGS,
        "Error: `range_end` and `--prefix` are mutually exclusive\n",
    )
    r = e("watch a --")
    assert r.stderr == "Error: bad number of arguments (found separator --, but no commands)\n"
    r = e("watch a -w table --rev=1")
    assert r.exit_code == 0  # nothing happened: nothing to print, no printer error
    ok(e("put a 1"))
    r = e("watch a -w table --rev=1")
    assert (r.exit_code, r.stderr) == (
        EXIT_BAD_FEATURE,
        "Error: table not supported as output format\n",
    )


# --- leases -------------------------------------------------------------------------------------


def test_lease_lifecycle_simple(env: tuple[World, EtcdCluster, Etcdctl]) -> None:
    w, _, e = env
    out = ok(e("lease grant 10"))
    m = re.fullmatch(r"lease ([0-9a-f]{16}) granted with TTL\(10s\)\n", out)
    assert m is not None, out
    lid = m.group(1)
    assert ok(e("lease list")) == f"found 1 leases\n{lid}\n"
    ok(e(f"put held v --lease={lid}"))
    w.run(duration=3)
    ttl = ok(e(f"lease timetolive {lid} --keys"))
    assert re.fullmatch(
        rf"lease {lid} granted with TTL\(10s\), remaining\((6|7)s\), attached keys\(\[held\]\)\n",
        ttl,
    )
    assert re.fullmatch(
        rf"lease {lid} keepalived with TTL\(10\)\n", ok(e(f"lease keep-alive --once {lid}"))
    )
    assert ok(e(f"lease revoke {lid}")) == f"lease {lid} revoked\n"
    assert ok(e("get held")) == ""  # the key went with its lease
    # simplePrinter.TimeToLive: an unknown lease answers TTL -1, granted 0
    assert ok(e(f"lease timetolive {lid}")) == f"lease {lid} already expired\n"
    assert ok(e("lease timetolive 1234")) == "lease 0000000000001234 already expired\n"


def test_lease_json_and_fields(env: tuple[World, EtcdCluster, Etcdctl]) -> None:
    _, _, e = env
    out = ok(e("lease grant 20 -w json"))
    # clientv3.LeaseGrantResponse embeds *pb.ResponseHeader (its fields are promoted), then
    # ID, TTL and an always-present Error
    m = re.fullmatch(
        r'\{"cluster_id":\d+,"member_id":\d+,"revision":1,"raft_term":\d+,'
        r'"ID":(\d+),"TTL":20,"Error":""\}\n',
        out,
    )
    assert m is not None, out
    lid = int(m.group(1))
    assert re.fullmatch(
        rf'\{{"cluster_id":\d+,"member_id":\d+,"revision":1,"raft_term":\d+,'
        rf'"leases":\[\{{"id":{lid}\}}\]\}}\n',
        ok(e("lease list -w json")),
    )
    ttl = ok(e(f"lease timetolive {lid:x} -w json"))
    # LeaseTimeToLiveResponse: lower-case json tags, keys null when none
    assert re.search(rf'"id":{lid},"ttl":\d+,"granted-ttl":20,"keys":null\}}\n$', ttl)
    ok(e(f"put k1 v --lease={lid:x}"))
    assert f'"keys":["{b64("k1")}"]' in ok(e(f"lease timetolive {lid:x} --keys -w json"))
    fields = ok(e(f"lease timetolive {lid:x} --keys -w fields")).splitlines()
    assert fields[4] == f'"ID" : {lid}'
    assert fields[6:] == ['"GrantedTTL" : 20', '"Key" : "k1"']
    assert ok(e(f"lease revoke {lid:x} -w fields")).splitlines()[2] == '"Revision" : 3'
    # LeaseRevokeResponse is a plain pb struct: {"header":{...}}
    lid2 = ok(e("lease grant 5")).split()[1]
    assert re.fullmatch(r'\{"header":\{[^{}]*\}\}\n', ok(e(f"lease revoke {lid2} -w json")))


def test_lease_keep_alive_runs_for_the_duration(env: tuple[World, EtcdCluster, Etcdctl]) -> None:
    w, _, e = env
    lid = ok(e("lease grant 9")).split()[1]
    start = w.now
    out = ok(e(f"lease keep-alive {lid} --duration=7s"))
    # clientv3: one keepalive at once, then every TTL/3 = 3 s: at 0, 3 and 6 s
    assert out == f"lease {lid} keepalived with TTL(9)\n" * 3
    assert w.now == pytest.approx(start + 7.0)
    ok(e(f"lease revoke {lid}"))
    # lease_command.go: a lease that is gone ends the loop with this line (simple printer)
    assert ok(e(f"lease keep-alive {lid}")) == f"lease {lid} expired or revoked.\n"


def test_lease_errors(env: tuple[World, EtcdCluster, Etcdctl]) -> None:
    _, _, e = env
    cases = {
        # (command): (exit code, stderr)
        "lease grant": (EXIT_BAD_ARGS, "Error: lease grant command needs TTL argument\n"),
        "lease grant abc": (
            EXIT_BAD_ARGS,
            'Error: bad TTL (strconv.ParseInt: parsing "abc": invalid syntax)\n',
        ),
        "lease revoke zz": (
            EXIT_BAD_ARGS,
            'Error: bad lease ID arg (strconv.ParseInt: parsing "zz": invalid syntax), '
            "expecting ID in Hex\n",
        ),
        "lease revoke 1234": (
            EXIT_ERROR,
            "Error: failed to revoke lease (etcdserver: requested lease not found)\n",
        ),
        "lease keep-alive --once 1234": (
            EXIT_BAD_CONNECTION,
            "Error: etcdserver: requested lease not found\n",
        ),
        "lease timetolive": (
            EXIT_BAD_ARGS,
            "Error: lease timetolive command needs lease ID as argument\n",
        ),
        "put k v --lease=xyz": (
            EXIT_BAD_ARGS,
            'Error: bad lease ID (strconv.ParseInt: parsing "xyz": invalid syntax), '
            "expecting ID in Hex\n",
        ),
        "put k v --lease=1234": (EXIT_ERROR, "Error: etcdserver: requested lease not found\n"),
        "lease grant 99999999999": (
            EXIT_ERROR,
            "Error: failed to grant lease (etcdserver: too large lease TTL)\n",
        ),
    }
    for line, expected in cases.items():
        r = e(line)
        assert (r.exit_code, r.stderr) == expected, line
    # the printer runs after the call: a table request still grants the lease
    r = e("lease grant 10 -w table")
    assert (r.exit_code, r.stderr) == (
        EXIT_BAD_FEATURE,
        "Error: table not supported as output format\n",
    )
    assert ok(e("lease list")).startswith("found 1 leases\n")


# --- compaction, version ------------------------------------------------------------------------


def test_compaction_and_revision_errors(env: tuple[World, EtcdCluster, Etcdctl]) -> None:
    _, _, e = env
    for v in "abc":
        ok(e(f"put foo {v}"))
    # compaction_command.go prints this whatever -w says
    assert ok(e("compaction 2 -w json")) == "compacted revision 2\n"
    assert ok(e("compaction 3 --physical")) == "compacted revision 3\n"
    cases = {
        "compaction 2": (
            EXIT_ERROR,
            "Error: etcdserver: mvcc: required revision has been compacted\n",
        ),
        "get foo --rev=2": (
            EXIT_ERROR,
            "Error: etcdserver: mvcc: required revision has been compacted\n",
        ),
        "get foo --rev=99": (
            EXIT_ERROR,
            "Error: etcdserver: mvcc: required revision is a future revision\n",
        ),
        "compaction abc": (EXIT_ERROR, 'Error: strconv.ParseInt: parsing "abc": invalid syntax\n'),
        "compaction": (EXIT_BAD_ARGS, "Error: compaction command needs 1 argument\n"),
        "put '' x": (EXIT_ERROR, "Error: etcdserver: key is not provided\n"),
    }
    for line, expected in cases.items():
        r = e(line)
        assert (r.exit_code, r.stderr) == expected, line


def test_version(env: tuple[World, EtcdCluster, Etcdctl]) -> None:
    _, _, e = env
    # version_command.go; APIVersion is major.minor of the version
    assert ok(e("version")) == "etcdctl version: 3.5.17\nAPI version: 3.5\n"
    assert ok(e("version -w json")) == "etcdctl version: 3.5.17\nAPI version: 3.5\n"


# --- cluster commands ---------------------------------------------------------------------------


def test_member_list_in_every_format(env: tuple[World, EtcdCluster, Etcdctl]) -> None:
    _, c, e = env
    cid, ids = cluster_ids(c)
    order = sorted(ids, key=lambda n: ids[n])
    # printer.go makeMemberListTable; simple joins the row with ", "
    rows = [
        [f"{ids[n]:x}", "started", n, f"http://{n}:2380", f"http://{n}:2379", "false"]
        for n in order
    ]
    assert ok(e("member list")) == "".join(", ".join(r) + "\n" for r in rows)
    table = ok(e("member list -w table"))
    assert table == render_table(
        ["ID", "Status", "Name", "Peer Addrs", "Client Addrs", "Is Learner"], rows
    )
    assert table.splitlines()[1] == (
        "|        ID        | STATUS  |  NAME  |     PEER ADDRS     |    CLIENT ADDRS    "
        "| IS LEARNER |"
    )
    assert table.splitlines()[3] == (
        f"| {ids[order[0]]:x} | started | {order[0]} | http://{order[0]}:2380 "
        f"| http://{order[0]}:2379 |      false |"
    )
    out = ok(e("member list -w json"))
    # the cluster service's header has no revision (v3rpc/member.go); isLearner false omitted
    members = ",".join(
        f'{{"ID":{ids[n]},"name":"{n}","peerURLs":["http://{n}:2380"],'
        f'"clientURLs":["http://{n}:2379"]}}'
        for n in order
    )
    assert re.fullmatch(
        rf'\{{"header":\{{"cluster_id":{cid},"member_id":\d+,"raft_term":\d+\}},'
        rf'"members":\[{re.escape(members)}\]\}}\n',
        out,
    )
    hexed = ok(e("member list -w json --hex"))
    # printMemberListWithHexJSON: IDs as hex strings, "clientURLS", no isLearner
    assert hexed.startswith(f'{{"header":{{"cluster_id":"{cid:x}","member_id":"')
    assert f'"members":[{{"ID":"{ids[order[0]]:x}","name":"{order[0]}","peerURLs":' in hexed
    assert '"clientURLS":' in hexed and hexed.endswith("]}\n")
    fields = ok(e("member list -w fields")).split("\n")
    assert fields[2] == '"Revision" : 0'
    assert fields[4:10] == [
        f'"ID" : {ids[order[0]]}',
        f'"Name" : "{order[0]}"',
        f'"PeerURL" : "http://{order[0]}:2380"',
        f'"ClientURL" : "http://{order[0]}:2379"',
        '"IsLearner" : false',
        "",
    ]


def test_endpoint_status(env: tuple[World, EtcdCluster, Etcdctl]) -> None:
    w, c, e = env
    _, ids = cluster_ids(c)
    leader = c.leader()
    assert leader is not None
    out = ok(e("endpoint status"))
    lines = out.splitlines()
    assert len(lines) == 3
    for name, line in zip(sorted(ids), lines, strict=True):
        parts = line.split(", ")
        # ep_command.go status list: endpoint, ID, version, db size, is leader, is learner,
        # raft term, raft index, raft applied index, errors
        assert parts[:3] == [f"http://{name}:2379", f"{ids[name]:x}", "3.5.17"]
        assert parts[3].endswith(" B") or parts[3].endswith(" kB")
        assert parts[4] == ("true" if name == leader.name else "false")
        assert parts[5] == "false" and parts[9] == ""
    table = ok(e("endpoint status -w table")).splitlines()
    assert table[1] == (
        "|      ENDPOINT      |        ID        | VERSION | DB SIZE | IS LEADER | IS LEARNER "
        "| RAFT TERM | RAFT INDEX | RAFT APPLIED INDEX | ERRORS |"
    )
    js = ok(e("endpoint status -w json"))
    assert js.startswith('[{"Endpoint":"http://etcd-1:2379","Status":{"header":{"cluster_id":')
    assert f'"leader":{ids[leader.name]},' in js and '"errors"' not in js
    fields = ok(e("endpoint status -w fields")).split("\n")
    assert fields[4] == '"Version" : "3.5.17"'
    assert fields[11:14] == ['"Errors" : []', '"Endpoint" : "http://etcd-1:2379"', ""]
    # --cluster: the client URLs of the member list
    assert ok(e("endpoint status --cluster")).count("\n") == 3
    # one member down: it is reported on stderr, the others printed, exit code 1
    follower = next(m for m in c.members if m is not leader)
    w.host(follower.name).crash()
    r = e("endpoint status")
    assert r.exit_code == EXIT_ERROR
    assert r.stderr == (
        f"Failed to get the status of endpoint http://{follower.name}:2379 "
        "(context deadline exceeded)\n"
    )
    assert r.stdout.count("\n") == 2 and follower.name not in r.stdout


def test_endpoint_health(env: tuple[World, EtcdCluster, Etcdctl]) -> None:
    w, c, e = env
    out = ok(e("endpoint health"))
    lines = out.splitlines()
    assert len(lines) == 3
    for line in lines:
        # printer_simple.go EndpointHealth (3.5: on stdout), took = time.Duration String
        assert re.fullmatch(
            r"http://etcd-\d:2379 is healthy: successfully committed proposal: "
            r"took = \d+(\.\d+)?(ms|µs|s)",
            line,
        ), line
    js = ok(e("endpoint health -w json"))
    assert re.fullmatch(
        r'\[(\{"endpoint":"http://etcd-\d:2379","health":true,"took":"[^"]+"\},?){3}\]\n', js
    )
    table = ok(e("endpoint health -w table")).splitlines()
    assert re.fullmatch(r"\|\s+ENDPOINT\s+\|\s+HEALTH\s+\|\s+TOOK\s+\|\s+ERROR\s+\|", table[1])
    follower = next(m for m in c.members if m is not c.leader())
    w.host(follower.name).crash()
    r = e("endpoint health --command-timeout=1s")
    assert r.exit_code == EXIT_ERROR
    assert r.stderr == (
        f"http://{follower.name}:2379 is unhealthy: failed to commit proposal: context deadline "
        "exceeded\nError: unhealthy cluster\n"
    )
    assert r.stdout.count("is healthy") == 2


def test_move_leader(env: tuple[World, EtcdCluster, Etcdctl]) -> None:
    _, c, e = env
    old = c.leader()
    assert old is not None
    _, ids = cluster_ids(c)
    target = next(n for n in sorted(ids) if n != old.name)
    out = ok(e(f"move-leader {ids[target]:x}"))
    # simplePrinter.MoveLeader: types.ID String (hex)
    assert out == f"Leadership transferred from {ids[old.name]:x} to {ids[target]:x}\n"
    new = c.leader()
    assert new is not None and new.name == target
    r = e("move-leader zz")
    assert (r.exit_code, r.stderr) == (
        EXIT_BAD_ARGS,
        'Error: strconv.ParseUint: parsing "zz": invalid syntax\n',
    )
    r = e("move-leader 1")
    assert (r.exit_code, r.stderr) == (EXIT_ERROR, "Error: etcdserver: bad leader transferee\n")
    r = e(f"move-leader {ids[target]:x} -w fields")
    assert (r.exit_code, r.stderr) == (
        EXIT_BAD_FEATURE,
        "Error: fields not supported as output format\n",
    )


# --- command-line errors ------------------------------------------------------------------------

ERRORS: dict[str, tuple[int, str]] = {
    # cobra legacyArgs, printed by ExecuteC then again by MustStart (cobrautl.ExitWithError)
    "gett foo": (
        EXIT_ERROR,
        'Error: unknown command "gett" for "etcdctl"\n\nDid you mean this?\n\tget\n\n'
        "Run 'etcdctl --help' for usage.\n"
        'Error: unknown command "gett" for "etcdctl"\n\nDid you mean this?\n\tget\n\n',
    ),
    # suggestions in registration order: Levenshtein <= 2 ("del") or a prefix
    "l": (
        EXIT_ERROR,
        'Error: unknown command "l" for "etcdctl"\n\nDid you mean this?\n\tdel\n\tlease\n\t'
        "lock\n\nRun 'etcdctl --help' for usage.\n"
        'Error: unknown command "l" for "etcdctl"\n\nDid you mean this?\n\tdel\n\tlease\n\t'
        "lock\n\n",
    ),
    "zzzzz": (
        EXIT_ERROR,
        'Error: unknown command "zzzzz" for "etcdctl"\n'
        "Run 'etcdctl --help' for usage.\n"
        'Error: unknown command "zzzzz" for "etcdctl"\n',
    ),
    # pflag errors: printed, usage (stdout), printed again
    "get --foo x": (EXIT_ERROR, "Error: unknown flag: --foo\n\nError: unknown flag: --foo\n"),
    "get -x foo": (
        EXIT_ERROR,
        "Error: unknown shorthand flag: 'x' in -x\n\nError: unknown shorthand flag: 'x' in -x\n",
    ),
    "get --rev=abc foo": (
        EXIT_ERROR,
        'Error: invalid argument "abc" for "--rev" flag: strconv.ParseInt: parsing "abc": '
        'invalid syntax\n\nError: invalid argument "abc" for "--rev" flag: strconv.ParseInt: '
        'parsing "abc": invalid syntax\n',
    ),
    "get foo --prefix=maybe": (
        EXIT_ERROR,
        'Error: invalid argument "maybe" for "--prefix" flag: strconv.ParseBool: parsing '
        '"maybe": invalid syntax\n\nError: invalid argument "maybe" for "--prefix" flag: '
        'strconv.ParseBool: parsing "maybe": invalid syntax\n',
    ),
    "get foo --limit": (
        EXIT_ERROR,
        "Error: flag needs an argument: --limit\n\nError: flag needs an argument: --limit\n",
    ),
    # get_command.go
    "get": (
        EXIT_BAD_ARGS,
        "Error: get command needs one argument as key and an optional argument as range_end\n",
    ),
    "get foo --prefix --from-key": (
        EXIT_BAD_ARGS,
        "Error: `--prefix` and `--from-key` cannot be set at the same time, choose one\n",
    ),
    "get foo bar --prefix": (
        EXIT_BAD_ARGS,
        "Error: too many arguments, only accept one argument when `--prefix` or `--from-key` "
        "is set\n",
    ),
    "get foo --keys-only --count-only": (
        EXIT_BAD_ARGS,
        "Error: `--keys-only` and `--count-only` cannot be set at the same time, choose one\n",
    ),
    "get foo --consistency=x": (EXIT_BAD_FEATURE, 'Error: unknown consistency flag "x"\n'),
    "get foo --order=up": (EXIT_BAD_FEATURE, "Error: bad sort order up\n"),
    "get foo --sort-by=x": (EXIT_BAD_FEATURE, "Error: bad sort target x\n"),
    "get foo -w yaml": (EXIT_BAD_FEATURE, "Error: unsupported output format\n"),
    "get foo -w table": (EXIT_BAD_FEATURE, "Error: table not supported as output format\n"),
    "get foo --count-only": (
        EXIT_BAD_ARGS,
        "Error: --count-only is only for `--write-out=fields`\n",
    ),
    "get foo --print-value-only -w json": (
        EXIT_BAD_ARGS,
        "Error: print-value-only is only for `--write-out=simple`\n",
    ),
    # put_command.go, del_command.go
    "put": (
        EXIT_BAD_ARGS,
        "Error: put command needs 1 argument and input from stdin or 2 arguments\n",
    ),
    "put onlykey": (
        EXIT_BAD_ARGS,
        "Error: put command needs 1 argument and input from stdin or 2 arguments\n",
    ),
    "put k v --ignore-value": (
        EXIT_BAD_ARGS,
        "Error: put command needs only 1 argument when 'ignore-value' is set\n",
    ),
    "del": (
        EXIT_BAD_ARGS,
        "Error: del command needs one argument as key and an optional argument as range_end\n",
    ),
    "del a b c": (
        EXIT_BAD_ARGS,
        "Error: del command needs one argument as key and an optional argument as range_end\n",
    ),
    "move-leader": (EXIT_BAD_ARGS, "Error: move-leader command needs 1 argument\n"),
    "lease revoke": (EXIT_BAD_ARGS, "Error: lease revoke command needs 1 argument\n"),
    "lease keep-alive": (
        EXIT_BAD_ARGS,
        "Error: lease keep-alive command needs lease ID as argument\n",
    ),
}


@pytest.mark.parametrize("line", sorted(ERRORS))
def test_command_line_errors(env: tuple[World, EtcdCluster, Etcdctl], line: str) -> None:
    _, _, e = env
    r = e(line)
    assert (r.exit_code, r.stderr) == ERRORS[line]


def test_prefix_matching_help_and_unmodelled_commands(
    env: tuple[World, EtcdCluster, Etcdctl],
) -> None:
    _, _, e = env
    ok(e("put foo bar"))
    # ctl.go: cobra.EnablePrefixMatching = true; "ge" is only a prefix of "get"
    assert ok(e("ge foo")) == "foo\nbar\n"
    assert ok(e("lea li")) == "found 0 leases\n"
    # a group without its subcommand, --help, help: the usage, exit code 0
    for line in ("lease", "lease foo", "get --help", "help get", "", "member -h"):
        r = e(line)
        assert (r.exit_code, r.stderr) == (0, ""), line
        assert r.stdout.startswith("USAGE:\n\tetcdctl"), line
    r = e("txn")
    assert (r.exit_code, r.stderr) == (
        EXIT_BAD_FEATURE,
        'Error: "etcdctl txn" is not modelled by kubelab\n',
    )
    r = e("get 'unterminated")
    assert r.exit_code != 0 and r.stderr.startswith("Error: ")


def test_result_shows_as_a_terminal_would() -> None:
    r = Result("out\n", "Error: x\n", 1)
    assert str(r) == repr(r) == "out\nError: x\n"
    shown: list[str] = []

    class Printer:  # what IPython passes to _repr_pretty_
        def text(self, s: str) -> None:
            shown.append(s)

    r._repr_pretty_(Printer(), False)
    assert shown == ["out\nError: x\n"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "get",
                "put",
                "del",
                "watch",
                "lease",
                "grant",
                "revoke",
                "member",
                "list",
                "endpoint",
                "status",
                "health",
                "compaction",
                "move-leader",
                "version",
                "k",
                "v",
                "--prefix",
                "--rev=1",
                "-w",
                "json",
                "fields",
                "table",
                "--hex",
                "--",
                "--limit=x",
                "-x",
                "'",
                "10",
                "--duration=0s",
                "--once",
                "--keys",
                "ffff",
            ]
        ),
        max_size=5,
    )
)
def test_user_input_never_raises(words: list[str]) -> None:
    w = World(seed=3)
    c = EtcdCluster(w, members=1)
    c.wait_for_leader()
    r = Etcdctl(c.client()).run(" ".join(words))
    assert r.exit_code in (0, 1, 2, 3, 4, 5, 6, 128)
    if r.exit_code not in (0,) and r.stderr:
        assert "Error" in r.stderr or "Failed" in r.stderr or "unhealthy" in r.stderr


def test_helpers() -> None:
    # go-humanize Bytes: SI units, one decimal below 10
    assert humanize_bytes(0) == "0 B"
    assert humanize_bytes(9) == "9 B"
    assert humanize_bytes(188) == "188 B"
    assert humanize_bytes(20480) == "20 kB"
    assert humanize_bytes(1500) == "1.5 kB"
    assert humanize_bytes(82854982) == "83 MB"
    # tablewriter: centred header (extra space right), right-aligned cells, wrap at 30
    assert render_table(["a_b", "x"], [["1", "long"]]) == (
        "+-----+------+\n|  A B  |  X   |\n+-----+------+\n|   1 | long |\n+-----+------+\n"
    ).replace("|  A B  |", "| A B |")
    # parseDimension: a 39-character cell is wrapped at 30 (minimum raggedness: the break
    # before "seven" leaves 3 columns free on the first line), and the column is 30 wide
    wrapped = render_table(["e"], [["one two three four five six seven eight"]])
    assert wrapped.splitlines()[1:5] == [
        "|               E                |",
        "+--------------------------------+",
        "|    one two three four five six |",
        "|                    seven eight |",
    ]


# --- differential: Debian's etcdctl 3.4 against a real etcd -------------------------------------

ETCDCTL = shutil.which("etcdctl")


def _normalize(text: str) -> str:
    """Blank out what differs between two clusters: IDs, terms, lease IDs."""
    text = re.sub(r'"(cluster_id|member_id|raft_term|ID|id)":\d+', r'"\1":N', text)
    text = re.sub(r'"(ClusterID|MemberID|RaftTerm|ID)" : \d+', r'"\1" : N', text)
    return re.sub(r"lease [0-9a-f]{16}", "lease L", text)


DIFFERENTIAL = [
    "put foo bar",
    "get foo",
    "get foo -w json",
    "get foo -w fields",
    "put foo baz --prev-kv",
    "put foo qux --prev-kv -w json",
    "get foo --print-value-only",
    "get foo --keys-only",
    "get foo --hex",
    "put foo/a 1",
    "put foo/b 2",
    "get foo/ --prefix",
    "get foo/ --prefix --limit=1 -w json",
    "get foo/ --prefix --sort-by=VALUE --order=DESCEND",
    "del foo/a --prev-kv",
    "del foo/ --prefix -w json",
    "del nothing -w fields",
    "get nothing -w json",
    "lease grant 10",
    "lease grant 0",
    "lease timetolive 1234",
    "lease revoke 1234",
    "lease grant abc",
    "put k v --lease=xyz",
    "compaction 5",
    "get foo --rev=2",
    "get foo --rev=99",
    "get foo -w table",
    "get foo --order=up",
    "get foo --print-value-only -w json",
    "get foo --prefix --from-key",
    "get",
    "put onlykey",
    "del",
    "move-leader zz",
    "gett foo",
    "l",
    "zzzzz",
]


@pytest.mark.skipif(ETCDCTL is None, reason="real etcdctl not found: apt-get install etcd-client")
@pytest.mark.skipif(find_etcd() is None, reason=NOT_FOUND_MESSAGE)
def test_differential_against_real_etcdctl() -> None:
    assert ETCDCTL is not None
    w = World(seed=5)
    c = EtcdCluster(w, members=1)
    c.wait_for_leader()
    model = Etcdctl(c.client())
    env = dict(os.environ, ETCDCTL_API="3")
    with running_etcd() as real:
        for line in DIFFERENTIAL:
            p = subprocess.run(
                [ETCDCTL, f"--endpoints={real.client_url}", *shlex.split(line)],
                capture_output=True,
                text=True,
                env=env,
                timeout=30,
            )
            real_err = "".join(
                ln + "\n" for ln in p.stderr.splitlines() if not ln.startswith('{"level"')
            )
            mine = model(line)
            assert mine.exit_code == p.returncode, (line, mine, p.stderr)
            assert _normalize(mine.stdout) == _normalize(p.stdout), line
            assert mine.stderr == real_err, line
