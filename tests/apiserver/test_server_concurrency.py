"""Optimistic concurrency: resourceVersion preconditions and GuaranteedUpdate's retry loop.

The rule (``registry/generic/registry/store.go`` Update, ``storage/etcd3/store.go``
GuaranteedUpdate): a write that carries a resourceVersion other than the stored one is a
``409 Conflict`` -- ``Operation cannot be fulfilled on <resource> "<name>": the object has been
modified; please apply your changes to the latest version and try again`` -- while a write
without one is retried against the newest object until its compare-and-swap wins.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_server_fixtures import CONFIGMAPS, PODS, Lab, configmap, make_lab, pod

from kubelab.apiserver.wire import PORT, APIRequest, APIResponse

CONFLICT = (
    'Operation cannot be fulfilled on configmaps "a": the object has been modified; please '
    "apply your changes to the latest version and try again"
)


@pytest.fixture
def lab() -> Lab:
    return make_lab()


def _send_together(lab: Lab, requests: list[APIRequest]) -> list[APIResponse]:
    """Issue every request at the same simulated instant, from separate hosts."""
    events = [
        lab.world.host(f"writer-{i}").call("cp-1", PORT, req, 30.0)
        for i, req in enumerate(requests)
    ]
    lab.world.run(duration=1.0)
    out = []
    for ev in events:
        assert ev.triggered and ev.ok
        out.append(ev.value)
    return out


def _put(lab: Lab, path: str, body: Any, **kw: Any) -> APIRequest:
    return APIRequest("PUT", path, body=body, certificate=lab.server.admin_certificate(), **kw)


def test_two_writers_race_on_one_object_exactly_one_wins(lab: Lab) -> None:
    lab.admin.post(CONFIGMAPS, configmap("a"))
    seen = lab.admin.get(f"{CONFIGMAPS}/a").body
    mine = {**seen, "data": {"k": "mine"}}
    theirs = {**seen, "data": {"k": "theirs"}}
    rev = lab.revision()
    r1, r2 = _send_together(lab, [_put(lab, f"{CONFIGMAPS}/a", mine),
                                  _put(lab, f"{CONFIGMAPS}/a", theirs)])  # fmt: skip
    codes = sorted([r1.code, r2.code])
    assert codes == [200, 409]
    loser = r1 if r1.code == 409 else r2
    winner = r1 if r1.code == 200 else r2
    assert loser.body["reason"] == "Conflict"
    assert loser.body["message"] == CONFLICT
    assert loser.body["details"] == {"name": "a", "kind": "configmaps"}
    # exactly one write reached etcd, and it is the winner's
    assert lab.revision() == rev + 1
    stored = lab.admin.get(f"{CONFIGMAPS}/a").body
    assert stored["data"] == winner.body["data"]


def test_a_stale_resource_version_is_a_conflict(lab: Lab) -> None:
    lab.admin.post(CONFIGMAPS, configmap("a"))
    old = lab.admin.get(f"{CONFIGMAPS}/a").body
    lab.admin.patch(f"{CONFIGMAPS}/a", {"data": {"k": "v2"}})
    old["data"] = {"k": "stale"}
    r = lab.admin.put(f"{CONFIGMAPS}/a", old)
    assert r.code == 409 and r.body["message"] == CONFLICT
    assert lab.admin.get(f"{CONFIGMAPS}/a").body["data"] == {"k": "v2"}


def test_concurrent_unconditional_patches_are_both_applied(lab: Lab) -> None:
    lab.admin.post(CONFIGMAPS, configmap("a"))
    cert = lab.server.admin_certificate()
    reqs = [
        APIRequest(
            "PATCH",
            f"{CONFIGMAPS}/a",
            body={"metadata": {"labels": {f"l{i}": "x"}}},
            content_type="application/merge-patch+json",
            certificate=cert,
        )
        for i in range(3)
    ]
    rev = lab.revision()
    rs = _send_together(lab, reqs)
    assert [r.code for r in rs] == [200, 200, 200]
    labels = lab.admin.get(f"{CONFIGMAPS}/a").body["metadata"]["labels"]
    assert labels == {"l0": "x", "l1": "x", "l2": "x"}  # no update was lost
    assert lab.revision() == rev + 3
    # the losers of the compare-and-swap read the key again and retried
    retried = [
        ctx for ctx in lab.server.traces.values()
        if ctx.info.verb == "patch" and ctx.data.get("retries")
    ]  # fmt: skip
    assert retried


def test_a_patch_naming_a_stale_resource_version_conflicts(lab: Lab) -> None:
    first = lab.admin.post(CONFIGMAPS, configmap("a")).body["metadata"]["resourceVersion"]
    lab.admin.patch(f"{CONFIGMAPS}/a", {"data": {"k": "v2"}})
    r = lab.admin.patch(
        f"{CONFIGMAPS}/a", {"metadata": {"resourceVersion": first}, "data": {"k": "v3"}}
    )
    assert r.code == 409 and r.body["message"] == CONFLICT


def test_delete_preconditions_are_checked(lab: Lab) -> None:
    created = lab.admin.post(CONFIGMAPS, configmap("a")).body["metadata"]
    lab.admin.patch(f"{CONFIGMAPS}/a", {"data": {"k": "v2"}})
    current = lab.admin.get(f"{CONFIGMAPS}/a").body["metadata"]["resourceVersion"]
    r = lab.admin.delete(
        f"{CONFIGMAPS}/a", {"preconditions": {"resourceVersion": created["resourceVersion"]}}
    )
    assert r.code == 409
    assert r.body["message"] == (
        'Operation cannot be fulfilled on configmaps "a": the ResourceVersion in the '
        f"precondition ({created['resourceVersion']}) does not match the ResourceVersion in "
        f"record ({current}). The object might have been modified"
    )
    r = lab.admin.delete(f"{CONFIGMAPS}/a", {"preconditions": {"uid": "other"}})
    assert r.code == 409
    assert r.body["message"] == (
        'Operation cannot be fulfilled on configmaps "a": the UID in the precondition (other) '
        f"does not match the UID in record ({created['uid']}). The object might have been "
        "deleted and then recreated"
    )
    r = lab.admin.delete(f"{CONFIGMAPS}/a", {"preconditions": {"uid": created["uid"]}})
    assert r.code == 200


def test_two_creates_of_one_name_race_and_one_gets_already_exists(lab: Lab) -> None:
    cert = lab.server.admin_certificate()
    reqs = [APIRequest("POST", PODS, body=pod("web"), certificate=cert) for _ in range(2)]
    rs = _send_together(lab, reqs)
    assert sorted(r.code for r in rs) == [201, 409]
    loser = next(r for r in rs if r.code == 409)
    assert loser.body["message"] == 'pods "web" already exists'
