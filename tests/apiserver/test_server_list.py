"""Lists: pagination, resourceVersion semantics, label and field selectors.

Rules from upstream: ``storage/etcd3/store.go`` GetList (pages at one revision, ``continue``
tokens, ``remainingItemCount``), ``storage/cacher`` (``resourceVersion=0`` is served from the
cache and ignores ``limit``; a resourceVersion newer than the cache waits 3 s, then ``Too
large resource version``), ``etcd3/errors.go`` (410 for a compacted continue token),
``apimachinery/pkg/apis/meta/internalversion/validation`` (ListOptions errors) and the field
label conversions (``field label not supported``).
"""

from __future__ import annotations

import pytest
from test_server_fixtures import CONFIGMAPS, PODS, Lab, configmap, make_lab, pod

from kubelab.apiserver.storage import INCONSISTENT_CONTINUE


@pytest.fixture
def lab() -> Lab:
    return make_lab()


def _names(body: dict) -> list[str]:
    return [i["metadata"]["name"] for i in body["items"]]


def test_pagination_pages_one_snapshot(lab: Lab) -> None:
    for n in ("a", "b", "c", "d", "e"):
        lab.admin.post(CONFIGMAPS, configmap(n))
    first = lab.admin.get(CONFIGMAPS, limit="2").body
    assert _names(first) == ["a", "b"]
    rv = first["metadata"]["resourceVersion"]
    assert first["metadata"]["remainingItemCount"] == 3
    token = first["metadata"]["continue"]
    # changes after the first page are not seen by the next pages
    lab.admin.post(CONFIGMAPS, configmap("bb"))
    lab.admin.delete(f"{CONFIGMAPS}/d")
    second = lab.admin.get(CONFIGMAPS, limit="2", **{"continue": token}).body
    assert _names(second) == ["c", "d"]
    assert second["metadata"]["resourceVersion"] == rv
    third = lab.admin.get(CONFIGMAPS, limit="2", **{"continue": second["metadata"]["continue"]})
    assert _names(third.body) == ["e"]
    assert "continue" not in third.body["metadata"]
    # a fresh list sees the changes
    assert _names(lab.admin.get(CONFIGMAPS).body) == ["a", "b", "bb", "c", "e"]


def test_pagination_with_a_selector_fills_pages(lab: Lab) -> None:
    for i in range(10):
        lab.admin.post(CONFIGMAPS, configmap(f"cm{i}", labels={"even": str(i % 2 == 0).lower()}))
    page = lab.admin.get(CONFIGMAPS, limit="3", labelSelector="even=true").body
    assert _names(page) == ["cm0", "cm2", "cm4"]
    assert "remainingItemCount" not in page["metadata"]  # not exact with a selector
    rest = lab.admin.get(
        CONFIGMAPS,
        limit="3",
        labelSelector="even=true",
        **{"continue": page["metadata"]["continue"]},
    ).body
    assert _names(rest) == ["cm6", "cm8"]


def test_continue_errors(lab: Lab) -> None:
    for n in ("a", "b", "c"):
        lab.admin.post(CONFIGMAPS, configmap(n))
    token = lab.admin.get(CONFIGMAPS, limit="1").body["metadata"]["continue"]
    r = lab.admin.get(CONFIGMAPS, limit="1", resourceVersion="5", **{"continue": token})
    assert r.code == 400
    assert r.body["message"] == "specifying resource version is not allowed when using continue"
    r = lab.admin.get(CONFIGMAPS, limit="1", **{"continue": "!!!"})
    assert r.code == 400
    assert r.body["message"].startswith("invalid continue token: continue key is not valid")


def test_a_continue_token_older_than_the_compaction_is_410_with_a_new_token(lab: Lab) -> None:
    for n in ("a", "b", "c"):
        lab.admin.post(CONFIGMAPS, configmap(n))
    token = lab.admin.get(CONFIGMAPS, limit="1").body["metadata"]["continue"]
    lab.admin.post(CONFIGMAPS, configmap("d"))
    lab.etcdctl.compact(lab.revision())
    r = lab.admin.get(CONFIGMAPS, limit="1", **{"continue": token})
    assert r.code == 410 and r.body["reason"] == "Expired"
    assert r.body["message"] == INCONSISTENT_CONTINUE
    fresh = r.body["metadata"]["continue"]
    # the new token continues at the latest revision (rv -1): it sees "d"
    rest = lab.admin.get(CONFIGMAPS, limit="10", **{"continue": fresh}).body
    assert _names(rest) == ["b", "c", "d"]


def test_resource_version_match_exact_reads_history(lab: Lab) -> None:
    lab.admin.post(CONFIGMAPS, configmap("a"))
    rv = lab.admin.get(CONFIGMAPS).body["metadata"]["resourceVersion"]
    lab.admin.post(CONFIGMAPS, configmap("b"))
    old = lab.admin.get(CONFIGMAPS, resourceVersion=rv, resourceVersionMatch="Exact").body
    assert _names(old) == ["a"] and old["metadata"]["resourceVersion"] == rv
    now = lab.admin.get(CONFIGMAPS, resourceVersion=rv, resourceVersionMatch="NotOlderThan")
    assert _names(now.body) == ["a", "b"]
    assert int(now.body["metadata"]["resourceVersion"]) >= int(rv)
    lab.etcdctl.compact(lab.revision())
    gone = lab.admin.get(CONFIGMAPS, resourceVersion=rv, resourceVersionMatch="Exact")
    assert gone.code == 410
    assert gone.body["message"] == "The resourceVersion for the provided list is too old."


def test_resource_version_zero_is_served_from_the_cache_and_ignores_limit(lab: Lab) -> None:
    for n in ("a", "b", "c"):
        lab.admin.post(CONFIGMAPS, configmap(n))
    calls = dict(lab.server.runtime.etcd.calls)
    r = lab.admin.get(CONFIGMAPS, resourceVersion="0", limit="1").body
    assert _names(r) == ["a", "b", "c"] and "continue" not in r["metadata"]
    assert lab.server.runtime.etcd.calls == calls  # no etcd round trip at all


def test_a_consistent_list_asks_etcd_for_its_revision_only(lab: Lab) -> None:
    lab.admin.post(CONFIGMAPS, configmap("a"))
    before = dict(lab.server.runtime.etcd.calls)
    lab.admin.get(CONFIGMAPS)
    after = lab.server.runtime.etcd.calls
    assert after.get("revision", 0) == before.get("revision", 0) + 1
    assert after.get("list", 0) == before.get("list", 0)


def test_a_future_resource_version_times_out_after_three_seconds(lab: Lab) -> None:
    current = int(lab.admin.get(CONFIGMAPS).body["metadata"]["resourceVersion"])
    start = lab.world.now
    r = lab.admin.get(CONFIGMAPS, resourceVersion=str(current + 100))
    assert r.code == 504 and r.body["reason"] == "Timeout"
    assert r.body["message"] == (
        f"Timeout: Too large resource version: {current + 100}, current: {current}"
    )
    assert r.body["details"]["retryAfterSeconds"] == 1
    assert 3.0 <= lab.world.now - start < 3.1


def test_list_options_validation(lab: Lab) -> None:
    r = lab.admin.get(CONFIGMAPS, resourceVersionMatch="Exact")
    assert r.code == 422
    assert r.body["message"] == (
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: '
        "resourceVersionMatch is forbidden unless resourceVersion is provided"
    )
    r = lab.admin.get(CONFIGMAPS, resourceVersion="0", resourceVersionMatch="Exact")
    assert r.body["message"] == (
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: '
        'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'
    )
    r = lab.admin.get(CONFIGMAPS, resourceVersionMatch="NotARealMatch")
    assert r.body["message"] == (
        'ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: '
        "resourceVersionMatch is forbidden unless resourceVersion is provided, "
        'resourceVersionMatch: Unsupported value: "NotARealMatch": supported values: '
        '"Exact", "NotOlderThan", ""]'
    )
    r = lab.admin.get(CONFIGMAPS, resourceVersion="abc")
    assert r.code == 400


def test_label_selectors(lab: Lab) -> None:
    for name, labels in (
        ("a", {"app": "web", "tier": "front"}),
        ("b", {"app": "db"}),
        ("c", {"app": "cache", "tier": "back"}),
    ):
        lab.admin.post(CONFIGMAPS, configmap(name, labels=labels))
    assert _names(lab.admin.get(CONFIGMAPS, labelSelector="app=web").body) == ["a"]
    assert _names(lab.admin.get(CONFIGMAPS, labelSelector="app in (web,db)").body) == ["a", "b"]
    assert _names(lab.admin.get(CONFIGMAPS, labelSelector="!tier").body) == ["b"]
    assert _names(lab.admin.get(CONFIGMAPS, labelSelector="tier,app!=web").body) == ["c"]
    r = lab.admin.get(CONFIGMAPS, labelSelector="app not in (web)")
    assert r.code == 400
    assert r.body["message"].startswith("unable to parse requirement: found 'not', expected:")


def test_field_selectors(lab: Lab) -> None:
    lab.admin.post(PODS, pod("a"))
    lab.admin.post(PODS, pod("b"))
    lab.admin.post(
        f"{PODS}/b/binding",
        {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "b"},
         "target": {"kind": "Node", "name": "node-1"}},
    )  # fmt: skip
    assert _names(lab.admin.get(PODS, fieldSelector="spec.nodeName=node-1").body) == ["b"]
    assert _names(lab.admin.get(PODS, fieldSelector="spec.nodeName=").body) == ["a"]
    assert _names(lab.admin.get(PODS, fieldSelector="metadata.name!=a").body) == ["b"]
    assert _names(lab.admin.get(PODS, fieldSelector="status.phase=Pending").body) == ["a", "b"]
    r = lab.admin.get(PODS, fieldSelector="spec.foo=bar")
    assert r.code == 400 and r.body["message"] == "field label not supported: spec.foo"
    r = lab.admin.get(CONFIGMAPS, fieldSelector="data.k=v")
    assert r.code == 400
    assert r.body["message"] == (
        '"data.k" is not a known field selector: only "metadata.name", "metadata.namespace"'
    )


def test_listing_across_namespaces(lab: Lab) -> None:
    lab.admin.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                          "metadata": {"name": "zeta"}})  # fmt: skip
    lab.world.run(duration=0.1)
    lab.admin.post("/api/v1/namespaces/zeta/configmaps", configmap("a"))
    lab.admin.post(CONFIGMAPS, configmap("z"))
    all_cms = lab.admin.get("/api/v1/configmaps").body["items"]
    assert [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in all_cms] == [
        ("default", "z"),
        ("zeta", "a"),
    ]
    assert _names(lab.admin.get("/api/v1/namespaces/zeta/configmaps").body) == ["a"]
