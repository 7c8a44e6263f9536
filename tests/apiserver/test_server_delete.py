"""Deletion: graceful pod deletion, finalizers, propagation policies, namespaces.

Rules: ``registry/rest/delete.go`` BeforeDelete, ``registry/generic/registry/store.go``
(``updateForGracefulDeletionAndFinalizers``, ``deletionFinalizersForGarbageCollection``,
``markAsDeleting``, ``ShouldDeleteDuringUpdate``), ``pkg/registry/core/pod/strategy.go``
CheckGracefulDelete (default grace = ``terminationGracePeriodSeconds``, 30; unscheduled or
terminated pods go at once), ``pkg/registry/core/namespace/storage`` (Terminating first).
"""

from __future__ import annotations

from typing import Any

import pytest
from test_server_fixtures import (
    CONFIGMAPS,
    DEPLOYMENTS,
    PODS,
    Lab,
    configmap,
    deployment,
    make_lab,
    pod,
)

from kubelab.sim.clock import parse_timestamp


@pytest.fixture
def lab() -> Lab:
    return make_lab()


def _bound_pod(lab: Lab, name: str, **spec: Any) -> None:
    assert lab.admin.post(PODS, pod(name, **spec)).code == 201
    binding = {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": name},
        "target": {"kind": "Node", "name": "node-1"},
    }
    assert lab.admin.post(f"{PODS}/{name}/binding", binding).code == 201


def test_a_bound_pod_is_deleted_gracefully_with_its_grace_period(lab: Lab) -> None:
    _bound_pod(lab, "web")
    rev = lab.revision()
    r = lab.admin.delete(f"{PODS}/web")
    assert r.code == 200
    meta = r.body["metadata"]
    assert meta["deletionGracePeriodSeconds"] == 30  # DefaultTerminationGracePeriodSeconds
    # deletionTimestamp = now + grace period (metav1.Time: whole seconds)
    assert parse_timestamp(meta["deletionTimestamp"]) == int(lab.world.now + 30)
    assert lab.revision() == rev + 1  # one update, no delete
    still = lab.admin.get(f"{PODS}/web")
    assert still.code == 200 and still.body["metadata"]["deletionTimestamp"]
    # a second delete without a shorter grace period changes nothing
    again = lab.admin.delete(f"{PODS}/web")
    assert again.code == 200
    assert again.body["metadata"]["resourceVersion"] == still.body["metadata"]["resourceVersion"]
    assert lab.revision() == rev + 1
    # the kubelet's final delete has grace period 0
    final = lab.admin.delete(f"{PODS}/web", {"gracePeriodSeconds": 0})
    assert final.code == 200
    assert lab.admin.get(f"{PODS}/web").code == 404


def test_the_grace_period_comes_from_the_pod_spec_and_may_only_shrink(lab: Lab) -> None:
    _bound_pod(lab, "web", terminationGracePeriodSeconds=5)
    r = lab.admin.delete(f"{PODS}/web")
    assert r.body["metadata"]["deletionGracePeriodSeconds"] == 5
    longer = lab.admin.delete(f"{PODS}/web", {"gracePeriodSeconds": 60})
    assert longer.body["metadata"]["deletionGracePeriodSeconds"] == 5
    shorter = lab.admin.delete(f"{PODS}/web", {"gracePeriodSeconds": 2})
    assert shorter.body["metadata"]["deletionGracePeriodSeconds"] == 2
    first = parse_timestamp(r.body["metadata"]["deletionTimestamp"])
    assert parse_timestamp(shorter.body["metadata"]["deletionTimestamp"]) == first - 3


def test_an_unscheduled_pod_is_deleted_at_once_in_two_writes(lab: Lab) -> None:
    lab.admin.post(PODS, pod("web"))
    watch = lab.admin.watch(
        PODS, resourceVersion=lab.admin.get(PODS).body["metadata"]["resourceVersion"]
    )
    rev = lab.revision()
    r = lab.admin.delete(f"{PODS}/web")
    assert r.code == 200 and r.body["metadata"]["deletionGracePeriodSeconds"] == 0
    assert lab.admin.get(f"{PODS}/web").code == 404
    # the graceful path writes deletionTimestamp (grace 0) first, then deletes
    assert lab.revision() == rev + 2
    assert [e["type"] for e in watch.events(0.1)] == ["MODIFIED", "DELETED"]


def test_finalizers_hold_an_object_until_the_last_one_is_removed(lab: Lab) -> None:
    lab.admin.post(CONFIGMAPS, configmap("a", finalizers=["example.com/hold"]))
    r = lab.admin.delete(f"{CONFIGMAPS}/a")
    assert r.code == 200 and r.body["kind"] == "ConfigMap"  # the object, not a Status
    meta = r.body["metadata"]
    assert meta["deletionTimestamp"] and meta["deletionGracePeriodSeconds"] == 0
    assert lab.admin.get(f"{CONFIGMAPS}/a").code == 200
    # no finalizer may be added while the object is being deleted
    bad = lab.admin.patch(
        f"{CONFIGMAPS}/a", {"metadata": {"finalizers": ["example.com/hold", "example.com/b"]}}
    )
    assert bad.code == 422
    assert bad.body["message"] == (
        'ConfigMap "a" is invalid: metadata.finalizers: Forbidden: no new finalizers can be '
        'added if the object is being deleted, found new finalizers []string{"example.com/b"}'
    )
    # removing the last finalizer deletes the object
    done = lab.admin.patch(f"{CONFIGMAPS}/a", {"metadata": {"finalizers": None}})
    assert done.code == 200
    assert lab.admin.get(f"{CONFIGMAPS}/a").code == 404


@pytest.mark.parametrize(
    ("policy", "finalizer"), [("Foreground", "foregroundDeletion"), ("Orphan", "orphan")]
)
def test_propagation_policies_add_the_garbage_collector_finalizers(
    lab: Lab, policy: str, finalizer: str
) -> None:
    lab.admin.post(DEPLOYMENTS, deployment("web"))
    r = lab.admin.delete(f"{DEPLOYMENTS}/web", {"propagationPolicy": policy})
    assert r.code == 200
    assert r.body["metadata"]["finalizers"] == [finalizer]
    assert r.body["metadata"]["generation"] == 2  # markAsDeleting bumps the generation
    kept = lab.admin.get(f"{DEPLOYMENTS}/web").body
    assert kept["metadata"]["deletionTimestamp"] and kept["metadata"]["finalizers"] == [finalizer]


def test_background_propagation_deletes_at_once(lab: Lab) -> None:
    lab.admin.post(DEPLOYMENTS, deployment("web"))
    r = lab.admin.delete(f"{DEPLOYMENTS}/web", propagationPolicy="Background")
    assert r.code == 200 and r.body["status"] == "Success"
    assert r.body["details"]["group"] == "apps" and r.body["details"]["kind"] == "deployments"
    assert lab.admin.get(f"{DEPLOYMENTS}/web").code == 404


def test_delete_options_are_validated(lab: Lab) -> None:
    lab.admin.post(CONFIGMAPS, configmap("a"))
    r = lab.admin.delete(f"{CONFIGMAPS}/a", {"propagationPolicy": "Sometimes"})
    assert r.code == 422
    assert r.body["message"] == (
        'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: '
        '"Sometimes": supported values: "Foreground", "Background", "Orphan", "nil"'
    )
    r = lab.admin.delete(
        f"{CONFIGMAPS}/a", {"propagationPolicy": "Orphan", "orphanDependents": True}
    )
    assert r.code == 422 and "cannot be both set" in r.body["message"]
    assert lab.admin.get(f"{CONFIGMAPS}/a").code == 200


def test_a_namespace_terminates_before_it_goes(lab: Lab) -> None:
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}}
    lab.admin.post("/api/v1/namespaces", ns)
    lab.world.run(duration=0.1)
    r = lab.admin.delete("/api/v1/namespaces/prod")
    assert r.code == 200
    assert r.body["status"]["phase"] == "Terminating"
    assert r.body["metadata"]["deletionTimestamp"]
    assert r.body["spec"]["finalizers"] == ["kubernetes"]
    # nothing new may be created in it
    created = lab.admin.post("/api/v1/namespaces/prod/configmaps", configmap("a"))
    assert created.code == 403
    assert created.body["message"] == (
        'configmaps "a" is forbidden: unable to create new content in namespace prod because '
        "it is being terminated"
    )
    # the namespace controller empties spec.finalizers through /finalize, then deletes
    current = lab.admin.get("/api/v1/namespaces/prod").body
    current["spec"]["finalizers"] = []
    fin = lab.admin.put("/api/v1/namespaces/prod/finalize", current)
    assert fin.code == 200 and fin.body["spec"].get("finalizers", []) == []
    gone = lab.admin.delete("/api/v1/namespaces/prod")
    assert gone.code == 200
    assert lab.admin.get("/api/v1/namespaces/prod").code == 404


def test_the_immortal_namespaces_cannot_be_deleted(lab: Lab) -> None:
    rev = lab.revision()
    r = lab.admin.delete("/api/v1/namespaces/default")
    assert r.code == 403
    assert (
        r.body["message"] == 'namespaces "default" is forbidden: this namespace may not be deleted'
    )
    assert lab.revision() == rev
