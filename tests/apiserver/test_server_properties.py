"""Properties: a malformed object or patch is always refused with a Status naming the bad
field, and never changes etcd (no new revision)."""

from __future__ import annotations

import copy
import functools
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_server_fixtures import DEPLOYMENTS, PODS, Lab, deployment, make_lab, pod

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)


@functools.lru_cache(maxsize=1)
def _lab() -> Lab:
    lab = make_lab(seed=21)
    assert lab.admin.post(DEPLOYMENTS, deployment("web")).code == 201
    return lab


def _set(obj: dict[str, Any], path: list[str | int], value: Any) -> None:
    cur: Any = obj
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = value


def _dotted(path: list[str | int]) -> str:
    """The field path as both error kinds name it, list indices removed."""
    return ".".join(str(p) for p in path if not isinstance(p, int))


def _unindexed(text: str) -> str:
    return re.sub(r"\[\d+\]", "", text)


# (path in a Pod, values that are invalid there): validation errors, answered 422
_BAD_VALUES: list[tuple[list[str | int], st.SearchStrategy[Any]]] = [
    (["metadata", "name"], st.sampled_from(["Bad_Name", "-web", "web.", "x" * 254, "a b"])),
    (
        ["metadata", "labels"],
        st.sampled_from([{"app": "no spaces"}, {"bad key!": "v"}, {"app": "x" * 64}]),
    ),
    (["spec", "containers", 0, "image"], st.sampled_from(["", " nginx", "nginx "])),
    (["spec", "containers", 0, "name"], st.sampled_from(["Bad_Name", "", "x" * 64])),
    (
        ["spec", "containers", 0, "ports"],
        st.integers(min_value=65536, max_value=10**6).map(lambda p: [{"containerPort": p}]),
    ),
    (["spec", "restartPolicy"], st.text(alphabet="abcxyz", min_size=1, max_size=8)),
    (["spec", "containers"], st.just([])),
]

# (path, JSON values of the wrong type there): decode errors, answered 400
_WRONG_TYPES: list[tuple[list[str | int], st.SearchStrategy[Any]]] = [
    (["metadata", "name"], st.one_of(st.integers(), st.booleans(), st.lists(st.integers()))),
    (["metadata", "labels"], st.one_of(st.text(max_size=5), st.lists(st.text(max_size=3)))),
    (
        ["spec", "containers"],
        st.one_of(st.text(max_size=5), st.dictionaries(st.text(max_size=3), st.integers())),
    ),
    (["spec", "containers", 0, "image"], st.one_of(st.integers(), st.booleans())),
    (["spec", "restartPolicy"], st.one_of(st.integers(), st.lists(st.text(max_size=2)))),
    (
        ["spec", "terminationGracePeriodSeconds"],
        st.one_of(st.text(max_size=4), st.floats(0.1, 9.9)),
    ),
]


@st.composite
def malformed_pods(draw: st.DrawFn) -> tuple[dict[str, Any], str, int]:
    kind = draw(st.sampled_from(["value", "type", "unknown"]))
    manifest = pod("web")
    manifest["spec"]["containers"][0]["ports"] = [{"containerPort": 80}]
    if kind == "value":
        path, values = draw(st.sampled_from(_BAD_VALUES))
        _set(manifest, path, draw(values))
        return manifest, _dotted(path), 422
    if kind == "type":
        path, values = draw(st.sampled_from(_WRONG_TYPES))
        _set(manifest, path, draw(values))
        return manifest, _dotted(path), 400
    where = draw(st.sampled_from([["spec"], ["metadata"], ["spec", "containers", 0]]))
    field = draw(st.sampled_from(["imagePolicy", "nodename", "labelz", "x"]))
    _set(manifest, [*where, field], "v")
    return manifest, _dotted([*where, field]), 400


@SETTINGS
@given(malformed_pods())
def test_a_malformed_object_is_refused_with_its_field_and_writes_nothing(
    case: tuple[dict[str, Any], str, int],
) -> None:
    manifest, field, code = case
    lab = _lab()
    rev = lab.revision()
    r = lab.admin.post(PODS, manifest, fieldValidation="Strict")
    assert r.code == code, r.body
    assert r.body["kind"] == "Status" and r.body["status"] == "Failure"
    assert field in _unindexed(r.body["message"])
    if code == 422:
        assert r.body["reason"] == "Invalid"
        assert all(c.get("field") for c in r.body["details"]["causes"])
        assert any(_unindexed(c["field"]).startswith(field) for c in r.body["details"]["causes"])
    assert lab.revision() == rev


_DEPLOYMENT_PATCHES: list[tuple[dict[str, Any], str, int]] = [
    ({"spec": {"replicas": -3}}, "spec.replicas", 422),
    ({"spec": {"replicas": "three"}}, "spec.replicas", 400),
    ({"spec": {"selector": {"matchLabels": {"app": "other"}}}}, "spec.selector", 422),
    ({"spec": {"strategy": {"type": "Sometimes"}}}, "spec.strategy", 422),
    ({"metadata": {"labels": {"bad key!": "x"}}}, "metadata.labels", 422),
    (
        {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": ""}]}}}},
        "spec.template.spec.containers.image",
        422,
    ),
    (
        {"spec": {"template": {"spec": {"restartPolicy": "Never"}}}},
        "spec.template.spec.restartPolicy",
        422,
    ),
    ({"spec": {"minReadySeconds": -1}}, "spec.minReadySeconds", 422),
    ({"spec": {"paused": "yes"}}, "spec.paused", 400),
    ({"spec": {"revisionHistoryLimit": []}}, "spec.revisionHistoryLimit", 400),
]


@SETTINGS
@given(
    st.sampled_from(_DEPLOYMENT_PATCHES),
    st.sampled_from(["application/merge-patch+json", "application/strategic-merge-patch+json"]),
    st.booleans(),
)
def test_a_malformed_patch_is_refused_with_its_field_and_writes_nothing(
    case: tuple[dict[str, Any], str, int], content_type: str, with_noise: bool
) -> None:
    patch, field, code = case
    patch = copy.deepcopy(patch)
    if with_noise:
        patch.setdefault("metadata", {}).setdefault("annotations", {})["note"] = "x"
    lab = _lab()
    rev = lab.revision()
    r = lab.admin.patch(f"{DEPLOYMENTS}/web", patch, content_type=content_type)
    assert r.code == code, r.body
    assert r.body["kind"] == "Status" and r.body["status"] == "Failure"
    assert field in _unindexed(r.body["message"])
    assert lab.revision() == rev


@SETTINGS
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "op": st.sampled_from(["add", "remove", "replace", "move", "copy", "test", "nope"]),
                "path": st.sampled_from(
                    ["/spec/nothing/here", "/metadata/nope/x", "/x/y/z", "bad"]
                ),
            }
        ),
        min_size=1,
        max_size=3,
    )
)
def test_a_failing_json_patch_is_a_status_and_writes_nothing(ops: list[dict[str, Any]]) -> None:
    lab = _lab()
    rev = lab.revision()
    r = lab.admin.patch(f"{DEPLOYMENTS}/web", ops, content_type="application/json-patch+json")
    assert r.code in (400, 422), r.body
    assert r.body["kind"] == "Status" and r.body["status"] == "Failure"
    assert lab.revision() == rev
