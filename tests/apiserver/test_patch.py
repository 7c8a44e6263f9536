"""The three PATCH formats and kubectl's apply patches.

Expected values come from the RFCs' appendices (RFC 7386 appendix A, RFC 6902 appendix A),
from upstream tests of ``k8s.io/apimachinery/pkg/util/strategicpatch/patch_test.go`` (cases
named by their ``Description``, their generic fields mapped onto real Pod/Deployment fields),
from the "Update API Objects in Place Using kubectl patch" task page of kubernetes.io, and from
the PATCH bodies real kubectl 1.32 sent (/work/shared/reference/KUBECTL.md, section 3).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubelab.apiserver.merge_keys import MergeInfo, merge_info, supports_strategic_merge
from kubelab.apiserver.patch import (
    PatchError,
    create_merge_patch,
    create_three_way_json_merge_patch,
    create_three_way_merge_patch,
    create_two_way_merge_patch,
    json_merge_patch,
    json_patch,
    merge_patch,
    strategic_merge_patch,
)

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
GENERIC_422 = "the server rejected our request due to an error in our request"


# --------------------------------------------------------------------------------------------
# RFC 7386 JSON Merge Patch

RFC7386_APPENDIX_A = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("target", "patch", "result"), RFC7386_APPENDIX_A)
def test_rfc7386_appendix_a(target: Any, patch: Any, result: Any) -> None:
    before = copy.deepcopy(target)
    assert merge_patch(target, patch) == result
    assert target == before


def test_rfc7386_section_3_example() -> None:
    target = {
        "title": "Goodbye!",
        "author": {"givenName": "John", "familyName": "Doe"},
        "tags": ["example", "sample"],
        "content": "This will be unchanged",
    }
    patch = {
        "title": "Hello!",
        "phoneNumber": "+01-123-456-7890",
        "author": {"familyName": None},
        "tags": ["example"],
    }
    assert json_merge_patch(target, patch) == {
        "title": "Hello!",
        "author": {"givenName": "John"},
        "tags": ["example"],
        "content": "This will be unchanged",
        "phoneNumber": "+01-123-456-7890",
    }


def test_merge_patch_replaces_lists_whole_as_the_kubectl_patch_page_shows() -> None:
    # kubectl patch --type merge with one container: the list of one replaces the old list.
    live = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "patch-demo-ctr-2", "image": "redis"},
                        {"name": "patch-demo-ctr", "image": "nginx"},
                    ]
                }
            }
        }
    }
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "patch-demo-ctr-3",
                            "image": "gcr.io/google-samples/node-hello:1.0",
                        },
                    ]
                }
            }
        }
    }
    result = json_merge_patch(live, patch)
    assert result["spec"]["template"]["spec"]["containers"] == [
        {"name": "patch-demo-ctr-3", "image": "gcr.io/google-samples/node-hello:1.0"}
    ]


def test_merge_patch_body_must_be_an_object() -> None:
    with pytest.raises(PatchError) as null:
        json_merge_patch({"a": 1}, None)
    assert null.value.status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Invalid JSON Patch",
        "reason": "BadRequest",
        "code": 400,
    }
    with pytest.raises(PatchError) as array:
        json_merge_patch({"a": 1}, ["c"])
    assert array.value.code == 400
    assert "cannot unmarshal array into Go value of type map[string]interface {}" in str(
        array.value
    )


def test_create_merge_patch_sets_changes_and_nulls_removals() -> None:
    original = {"a": "b", "keep": {"x": 1, "y": 2}, "tags": ["a", "b"], "gone": True}
    modified = {"a": "c", "keep": {"x": 1, "y": 3}, "tags": ["a", "b"], "new": [1]}
    assert create_merge_patch(original, modified) == {
        "a": "c",
        "keep": {"y": 3},
        "new": [1],
        "gone": None,
    }


json_scalars = st.one_of(
    st.booleans(), st.integers(-3, 3), st.sampled_from(["a", "b", ""]), st.just(1.5)
)


def json_values(with_nulls: bool) -> st.SearchStrategy[Any]:
    leaves = st.one_of(json_scalars, st.none()) if with_nulls else json_scalars
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.dictionaries(st.sampled_from(["k", "l", "m"]), inner, max_size=3),
        ),
        max_leaves=8,
    )


def json_objects(with_nulls: bool) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(
        st.sampled_from(["k", "l", "m", "n"]), json_values(with_nulls), max_size=4
    )


@settings(max_examples=200, deadline=None)
@given(json_objects(with_nulls=True), json_objects(with_nulls=False))
def test_property_merge_patch_from_a_to_b_yields_b(a: dict[str, Any], b: dict[str, Any]) -> None:
    patch = create_merge_patch(a, b)
    assert json_merge_patch(a, patch) == b


# --------------------------------------------------------------------------------------------
# RFC 6902 JSON Patch

RFC6902_APPENDIX_A_OK = [
    (  # A.1 Adding an Object Member
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux"}],
        {"baz": "qux", "foo": "bar"},
    ),
    (  # A.2 Adding an Array Element
        {"foo": ["bar", "baz"]},
        [{"op": "add", "path": "/foo/1", "value": "qux"}],
        {"foo": ["bar", "qux", "baz"]},
    ),
    (  # A.3 Removing an Object Member
        {"baz": "qux", "foo": "bar"},
        [{"op": "remove", "path": "/baz"}],
        {"foo": "bar"},
    ),
    (  # A.4 Removing an Array Element
        {"foo": ["bar", "qux", "baz"]},
        [{"op": "remove", "path": "/foo/1"}],
        {"foo": ["bar", "baz"]},
    ),
    (  # A.5 Replacing a Value
        {"baz": "qux", "foo": "bar"},
        [{"op": "replace", "path": "/baz", "value": "boo"}],
        {"baz": "boo", "foo": "bar"},
    ),
    (  # A.6 Moving a Value
        {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
        [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
        {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}},
    ),
    (  # A.7 Moving an Array Element
        {"foo": ["all", "grass", "cows", "eat"]},
        [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
        {"foo": ["all", "cows", "eat", "grass"]},
    ),
    (  # A.8 Testing a Value: Success
        {"baz": "qux", "foo": ["a", 2, "c"]},
        [
            {"op": "test", "path": "/baz", "value": "qux"},
            {"op": "test", "path": "/foo/1", "value": 2},
        ],
        {"baz": "qux", "foo": ["a", 2, "c"]},
    ),
    (  # A.10 Adding a Nested Member Object
        {"foo": "bar"},
        [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
        {"foo": "bar", "child": {"grandchild": {}}},
    ),
    (  # A.11 Ignoring Unrecognized Elements
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}],
        {"foo": "bar", "baz": "qux"},
    ),
    (  # A.14 ~ Escape Ordering
        {"/": 9, "~1": 10},
        [{"op": "test", "path": "/~01", "value": 10}],
        {"/": 9, "~1": 10},
    ),
    (  # A.16 Adding an Array Value
        {"foo": ["bar"]},
        [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
        {"foo": ["bar", ["abc", "def"]]},
    ),
]


@pytest.mark.parametrize(("doc", "ops", "result"), RFC6902_APPENDIX_A_OK)
def test_rfc6902_appendix_a(doc: dict[str, Any], ops: list[Any], result: Any) -> None:
    before = copy.deepcopy(doc)
    assert json_patch(doc, ops) == result
    assert doc == before


RFC6902_APPENDIX_A_ERRORS = [
    # A.9 Testing a Value: Error
    ({"baz": "qux"}, [{"op": "test", "path": "/baz", "value": "bar"}], "/baz"),
    # A.12 Adding to a Nonexistent Target
    ({"foo": "bar"}, [{"op": "add", "path": "/baz/bat", "value": "qux"}], "/baz/bat"),
    # A.13 Invalid JSON Patch Document: the last "op" wins when decoded, and removing the
    # missing /baz fails.
    (
        {"foo": "bar"},
        json.loads('[{"op": "add", "path": "/baz", "value": "qux", "op": "remove"}]'),
        "/baz",
    ),
    # A.15 Comparing Strings and Numbers
    ({"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": "10"}], "/~01"),
]


@pytest.mark.parametrize(("doc", "ops", "path"), RFC6902_APPENDIX_A_ERRORS)
def test_rfc6902_appendix_a_errors(doc: dict[str, Any], ops: list[Any], path: str) -> None:
    with pytest.raises(PatchError) as err:
        json_patch(doc, ops)
    assert "operation 0" in str(err.value) and path in str(err.value)
    # handlers/patch.go answers NewGenericServerResponse(422, ...): the detail is dropped.
    assert err.value.status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": GENERIC_422,
        "reason": "Invalid",
        "details": {},
        "code": 422,
    }


def test_json_patch_test_failure_uses_the_library_wording() -> None:
    with pytest.raises(PatchError, match=r"testing value /baz failed: test failed"):
        json_patch({"baz": "qux"}, [{"op": "test", "path": "/baz", "value": "bar"}])


def test_json_patch_is_atomic_and_names_the_failing_operation() -> None:
    doc = {"metadata": {"labels": {"app": "web"}}}
    ops = [
        {"op": "add", "path": "/metadata/labels/tier", "value": "front"},
        {"op": "remove", "path": "/metadata/annotations/x"},
    ]
    with pytest.raises(PatchError) as err:
        json_patch(doc, ops)
    assert "operation 1" in str(err.value)
    assert "/metadata/annotations/x" in str(err.value)
    assert doc == {"metadata": {"labels": {"app": "web"}}}


@pytest.mark.parametrize(
    ("doc", "ops"),
    [
        # evanphx/json-patch patch_test.go BadCases
        ({"a": {"b": {"d": 1}}}, [{"op": "remove", "path": "/a/b/c"}]),
        ({"a": {"b": {"d": 1}}}, [{"op": "move", "from": "/a/b/c", "path": "/a/b/e"}]),
        ({"a": {"b": [1]}}, [{"op": "remove", "path": "/a/b/1"}]),
        ({"foo": "bar"}, [{"op": "add", "pathz": "/baz", "value": "qux"}]),
        ({"foo": ["bar", "baz"]}, [{"op": "replace", "path": "/foo/2", "value": "bum"}]),
        ({"foo": ["bar", "baz"]}, [{"op": "add", "path": "/foo/-4", "value": "bum"}]),
        ({"name": {"foo": "bat"}}, [{"op": "replace", "path": "/foo/bar", "value": "baz"}]),
        ({"foo": ["bar"]}, [{"op": "add", "path": "/foo/2", "value": "bum"}]),
        ({"foo": []}, [{"op": "remove", "path": "/foo/-"}]),
        ({"foo": []}, [{"op": "remove", "path": "/foo/-1"}]),
        ({"foo": ["bar"]}, [{"op": "remove", "path": "/foo/-2"}]),
        ({}, [{"op": None, "path": ""}]),
        ({"foo": ["bar"]}, [{"op": "copy", "path": "/foo/2", "from": "/foo/0"}]),
        (
            {"foo": ["all", "grass", "cows", "eat"]},
            [{"op": "move", "from": "/foo/1", "path": "/foo/4"}],
        ),
        # RFC 6902 section 4.3: the target of replace must exist.
        ({"foo": "bar"}, [{"op": "replace", "path": "/baz", "value": 1}]),
        # Section 4.4: a location cannot be moved into one of its children.
        ({"a": {"b": 1}}, [{"op": "move", "from": "/a", "path": "/a/b/c"}]),
        # Sections 4.1, 4.3, 4.6: value is required.
        ({"foo": "bar"}, [{"op": "test", "path": "/foo"}]),
    ],
)
def test_json_patch_bad_cases(doc: dict[str, Any], ops: list[Any]) -> None:
    with pytest.raises(PatchError) as err:
        json_patch(doc, ops)
    assert err.value.code == 422


def test_json_patch_negative_indices_count_from_the_end_like_the_api_server() -> None:
    # evanphx/json-patch v4 SupportNegativeIndices defaults to true (patch_test.go Cases).
    assert json_patch({"foo": []}, [{"op": "add", "path": "/foo/-1", "value": "qux"}]) == {
        "foo": ["qux"]
    }
    assert json_patch({"foo": [1, 2, 3]}, [{"op": "remove", "path": "/foo/-1"}]) == {"foo": [1, 2]}


def test_json_patch_copy_and_escaped_pointer_on_an_annotation() -> None:
    doc = {"metadata": {"annotations": {"a/b": "x"}}}
    ops = [
        {"op": "copy", "from": "/metadata/annotations/a~1b", "path": "/metadata/annotations/c"},
        {"op": "replace", "path": "/metadata/annotations/a~1b", "value": "y"},
    ]
    assert json_patch(doc, ops) == {"metadata": {"annotations": {"a/b": "y", "c": "x"}}}


def test_json_patch_body_errors() -> None:
    with pytest.raises(PatchError) as not_a_list:
        json_patch({}, {"op": "add"})
    assert not_a_list.value.code == 400
    assert str(not_a_list.value) == (
        "error decoding patch: json: cannot unmarshal object into Go value of type "
        "[]handlers.jsonPatchOp"
    )
    with pytest.raises(PatchError) as bad_path:
        json_patch({}, [{"op": "remove", "path": 3}])
    assert bad_path.value.code == 400
    with pytest.raises(PatchError) as too_many:
        json_patch({}, [{"op": "test", "path": "", "value": {}}] * 10001)
    assert too_many.value.status()["code"] == 413
    assert too_many.value.status()["reason"] == "RequestEntityTooLarge"
    assert too_many.value.status()["message"] == (
        "Request entity too large: The allowed maximum operations in a JSON patch is 10000, "
        "got 10001"
    )


# --------------------------------------------------------------------------------------------
# Patch metadata


@pytest.mark.parametrize(
    ("kind", "path", "expected"),
    [
        ("Deployment", "spec.template.spec.containers[*].env", MergeInfo("name", "merge")),
        ("Pod", "spec.containers", MergeInfo("name", "merge")),
        ("Pod", "spec.initContainers[*].ports", MergeInfo("containerPort", "merge")),
        ("Pod", "spec.containers.volumeMounts", MergeInfo("mountPath", "merge")),
        ("Pod", "spec.ephemeralContainers[*].env", MergeInfo("name", "merge")),
        ("Pod", "spec.volumes", MergeInfo("name", "merge,retainKeys")),
        ("Pod", "spec.imagePullSecrets", MergeInfo("name", "merge")),
        ("Pod", "spec.tolerations", MergeInfo(None, "")),
        ("Pod", "status.conditions", MergeInfo("type", "merge")),
        ("Pod", "metadata.finalizers", MergeInfo(None, "merge")),
        ("Pod", "metadata.ownerReferences", MergeInfo("uid", "merge")),
        ("Service", "spec.ports", MergeInfo("port", "merge")),
        ("Node", "spec.podCIDRs", MergeInfo(None, "merge")),
        ("Node", "spec.taints", MergeInfo(None, "")),
        ("Node", "status.addresses", MergeInfo("type", "merge")),
        ("ServiceAccount", "secrets", MergeInfo("name", "merge")),
        ("Deployment", "spec.strategy", MergeInfo(None, "retainKeys")),
        ("CronJob", "spec.jobTemplate.spec.template.spec.containers", MergeInfo("name", "merge")),
        ("Role", "rules", MergeInfo(None, "")),
        ("ClusterRoleBinding", "subjects", MergeInfo(None, "")),
        ("Endpoints", "subsets", MergeInfo(None, "")),
        ("PodDisruptionBudget", "spec.selector", MergeInfo(None, "replace")),
    ],
)
def test_merge_info_follows_the_v1_32_struct_tags(
    kind: str, path: str, expected: MergeInfo
) -> None:
    assert merge_info(kind, path) == expected


def test_merge_info_unknown_kind() -> None:
    assert not supports_strategic_merge("Widget")
    with pytest.raises(KeyError):
        merge_info("Widget", "spec.items")


# --------------------------------------------------------------------------------------------
# Strategic merge patch: applying


def deployment(containers: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "patch-demo", "namespace": "default"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": {"containers": containers, **spec},
            },
            **{k: v for k, v in spec.items() if k == "strategy"},
        },
    }


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    spec = obj["spec"]["template"]["spec"] if obj["kind"] == "Deployment" else obj["spec"]
    assert isinstance(spec, dict)
    return spec


def test_smp_adds_a_container_ahead_of_the_existing_ones_as_the_kubectl_patch_page_shows() -> None:
    live = deployment(
        [{"name": "patch-demo-ctr", "image": "nginx", "imagePullPolicy": "Always"}],
        tolerations=[{"effect": "NoSchedule", "key": "dedicated", "value": "test-team"}],
    )
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "patch-demo-ctr-2", "image": "redis"},
                    ]
                }
            }
        }
    }
    result = strategic_merge_patch("Deployment", live, patch)
    assert pod_spec(result)["containers"] == [
        {"name": "patch-demo-ctr-2", "image": "redis"},
        {"name": "patch-demo-ctr", "image": "nginx", "imagePullPolicy": "Always"},
    ]
    # tolerations carry no patchStrategy: the patch's list replaces the old one.
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "tolerations": [
                        {"effect": "NoSchedule", "key": "disktype", "value": "ssd"},
                    ]
                }
            }
        }
    }
    result = strategic_merge_patch("Deployment", result, patch)
    assert pod_spec(result)["tolerations"] == [
        {"effect": "NoSchedule", "key": "disktype", "value": "ssd"}
    ]
    assert len(pod_spec(result)["containers"]) == 2


def test_smp_merges_containers_env_ports_and_mounts_by_their_keys() -> None:
    live: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "labels": {"app": "web", "tier": "front"}},
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "nginx:1",
                    "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                    "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                },
                {"name": "sidecar", "image": "busybox"},
            ],
            "volumes": [{"name": "data", "emptyDir": {}}],
        },
    }
    patch = {
        "metadata": {"labels": {"tier": None}},
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "env": [{"name": "B", "value": "20"}],
                    "ports": [{"containerPort": 80, "name": "http"}],
                    "volumeMounts": [{"mountPath": "/data", "readOnly": True}],
                }
            ],
            "volumes": [{"name": "data", "emptyDir": {"medium": "Memory"}}],
        },
    }
    result = strategic_merge_patch("Pod", live, patch)
    assert result["metadata"]["labels"] == {"app": "web"}
    app, sidecar = result["spec"]["containers"]
    assert sidecar == {"name": "sidecar", "image": "busybox"}
    assert app["image"] == "nginx:1"
    assert app["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "20"}]
    assert app["ports"] == [{"containerPort": 80, "protocol": "TCP", "name": "http"}]
    assert app["volumeMounts"] == [{"name": "data", "mountPath": "/data", "readOnly": True}]
    assert result["spec"]["volumes"] == [{"name": "data", "emptyDir": {"medium": "Memory"}}]
    assert live["metadata"]["labels"] == {"app": "web", "tier": "front"}  # input untouched


def test_smp_patch_delete_removes_a_list_item_and_replace_replaces_the_list() -> None:
    live = {
        "kind": "Pod",
        "spec": {
            "containers": [
                {"name": "a", "image": "x"},
                {"name": "b", "image": "y"},
                {"name": "c", "image": "z"},
            ]
        },
    }
    deleted = strategic_merge_patch(
        "Pod", live, {"spec": {"containers": [{"name": "b", "$patch": "delete"}]}}
    )
    assert [c["name"] for c in deleted["spec"]["containers"]] == ["a", "c"]
    replaced = strategic_merge_patch(
        "Pod",
        live,
        {"spec": {"containers": [{"name": "d", "image": "w"}, {"$patch": "replace"}]}},
    )
    assert replaced["spec"]["containers"] == [{"name": "d", "image": "w"}]


def test_smp_patch_directives_on_maps() -> None:
    live = {"kind": "Pod", "metadata": {"labels": {"a": "1", "b": "2"}}}
    replaced = strategic_merge_patch(
        "Pod", live, {"metadata": {"labels": {"$patch": "replace", "c": "3"}}}
    )
    assert replaced["metadata"]["labels"] == {"c": "3"}
    # $patch: delete empties the map (mergeMap returns an empty map for it).
    deleted = strategic_merge_patch("Pod", live, {"metadata": {"labels": {"$patch": "delete"}}})
    assert deleted["metadata"]["labels"] == {}
    with pytest.raises(PatchError) as err:
        strategic_merge_patch("Pod", live, {"metadata": {"labels": {"$patch": "merge", "c": "3"}}})
    assert str(err.value) == "unknown patch type: merge in map: map[$patch:merge c:3]"


def test_smp_merge_directive_in_a_list_is_refused() -> None:
    live = {"kind": "Pod", "spec": {"containers": [{"name": "a"}]}}
    with pytest.raises(PatchError, match="merging lists cannot yet be specified in the patch"):
        strategic_merge_patch("Pod", live, {"spec": {"containers": [{"$patch": "merge"}]}})


def test_smp_finalizers_merge_as_a_set_and_delete_from_primitive_list() -> None:
    live = {"kind": "Pod", "metadata": {"finalizers": ["a", "b"]}}
    added = strategic_merge_patch("Pod", live, {"metadata": {"finalizers": ["b", "c"]}})
    assert added["metadata"]["finalizers"] == ["a", "b", "c"]
    removed = strategic_merge_patch(
        "Pod", live, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}
    )
    assert removed["metadata"]["finalizers"] == ["b"]


@pytest.mark.parametrize(
    ("live", "patch", "expected"),
    [
        # "$deleteFromPrimitiveList of nonexistent item in primitive list should not add the
        # item to the list"
        (["1", "2"], {"$deleteFromPrimitiveList/finalizers": ["3"]}, ["1", "2"]),
        # "$deleteFromPrimitiveList should delete item from a list with merge patch strategy"
        (["1", "2", "3"], {"$deleteFromPrimitiveList/finalizers": ["2"]}, ["1", "3"]),
        # "add an item in a list of primitives and preserve order" (ThreeWay applied to Current)
        (
            ["1", "4", "2"],
            {"$setElementOrder/finalizers": ["3", "1", "2"], "finalizers": ["3"]},
            ["3", "1", "4", "2"],
        ),
        # "delete an item in a list of primitives and preserve order"
        (
            ["1", "2", "3"],
            {
                "$setElementOrder/finalizers": ["2", "1"],
                "$deleteFromPrimitiveList/finalizers": ["3"],
            },
            ["2", "1"],
        ),
        # "set elements order in a int list with server-only items 2"
        (
            ["1", "2", "9", "3", "4"],
            {"$setElementOrder/finalizers": ["2", "1", "4", "3"]},
            ["2", "1", "9", "4", "3"],
        ),
        # "set elements order in a int list with server-only items 3"
        (
            ["1", "2", "7", "9", "8", "3", "4"],
            {"$setElementOrder/finalizers": ["2", "1", "4", "3"]},
            ["2", "1", "7", "9", "8", "4", "3"],
        ),
    ],
)
def test_smp_primitive_list_cases_from_upstream(
    live: list[str], patch: dict[str, Any], expected: list[str]
) -> None:
    result = strategic_merge_patch("Pod", {"metadata": {"finalizers": live}}, {"metadata": patch})
    assert result["metadata"]["finalizers"] == expected


def test_smp_delete_from_primitive_list_of_a_missing_list_adds_nothing() -> None:
    # "$deleteFromPrimitiveList on nonexistent primitive list should not add the primitive list"
    live = {"metadata": {"labels": {"a": "b"}}}
    patch = {"metadata": {"$deleteFromPrimitiveList/finalizers": ["3"]}}
    assert strategic_merge_patch("Pod", live, patch) == live


def test_smp_delete_from_primitive_list_works_on_an_atomic_list_too() -> None:
    # "$deleteFromPrimitiveList should delete item from a list without merge patch strategy"
    live = {"spec": {"containers": [{"name": "a", "args": ["1", "2", "3"]}]}}
    patch = {"spec": {"containers": [{"name": "a", "$deleteFromPrimitiveList/args": ["2"]}]}}
    result = strategic_merge_patch("Pod", live, patch)
    assert result["spec"]["containers"] == [{"name": "a", "args": ["1", "3"]}]


def test_smp_set_element_order_on_a_list_of_maps_from_upstream() -> None:
    # "add an item in a list and preserve order": ThreeWay applied to Current gives Result.
    live = {
        "spec": {
            "containers": [
                {"name": "c1", "workingDir": "a"},
                {"name": "c2", "image": "2", "workingDir": "b"},
            ]
        }
    }
    patch = {
        "spec": {
            "$setElementOrder/containers": [{"name": "c3"}, {"name": "c1"}, {"name": "c2"}],
            "containers": [{"name": "c3", "image": "3"}],
        }
    }
    assert strategic_merge_patch("Pod", live, patch)["spec"]["containers"] == [
        {"name": "c3", "image": "3"},
        {"name": "c1", "workingDir": "a"},
        {"name": "c2", "image": "2", "workingDir": "b"},
    ]
    # "$setElementOrder contains item that is not present in the list to be merged"
    live = {"spec": {"containers": [{"name": "c1"}, {"name": "c3"}]}}
    patch = {
        "spec": {
            "$setElementOrder/containers": [{"name": "c3"}, {"name": "c2"}, {"name": "c1"}],
            "containers": [{"name": "c3", "image": "3"}, {"name": "c1", "image": "1"}],
        }
    }
    assert strategic_merge_patch("Pod", live, patch)["spec"]["containers"] == [
        {"name": "c3", "image": "3"},
        {"name": "c1", "image": "1"},
    ]


def test_add_and_delete_in_one_merging_list_case_from_upstream() -> None:
    # "add map and delete map from merging list": the server-only item c4 ends up between c2
    # and the new c3, because upstream orders by the original list as edited in place.
    original = {"spec": {"containers": [{"name": "c1"}, {"name": "c2"}]}}
    modified = {"spec": {"containers": [{"name": "c2"}, {"name": "c3"}]}}
    current = {
        "spec": {
            "containers": [
                {"name": "c1"},
                {"name": "c2", "workingDir": "b"},
                {"name": "c4", "workingDir": "c"},
            ]
        }
    }
    patch = create_three_way_merge_patch("Pod", original, modified, current)
    assert patch == {
        "spec": {
            "$setElementOrder/containers": [{"name": "c2"}, {"name": "c3"}],
            "containers": [{"name": "c3"}, {"name": "c1", "$patch": "delete"}],
        }
    }
    assert strategic_merge_patch("Pod", current, patch)["spec"]["containers"] == [
        {"name": "c2", "workingDir": "b"},
        {"name": "c4", "workingDir": "c"},
        {"name": "c3"},
    ]


def test_smp_set_element_order_must_agree_with_the_patch_list() -> None:
    # "should check if order in $setElementOrder and patch list match"
    live = {"spec": {"containers": [{"name": "c1"}, {"name": "c3"}, {"name": "c2"}]}}
    patch = {
        "spec": {
            "$setElementOrder/containers": [{"name": "c1"}, {"name": "c2"}, {"name": "c3"}],
            "containers": [{"name": "c3", "image": "3"}, {"name": "c1", "image": "1"}],
        }
    }
    with pytest.raises(PatchError, match="doesn't match \\$setElementOrder list"):
        strategic_merge_patch("Pod", live, patch)


def test_smp_missing_merge_key_is_an_error_from_server_without_a_reason() -> None:
    # kubectl prints "Error from server: map: map[targetPort:441] does not contain declared
    # merge key: port" (kubernetes/kubernetes#57834): a plain Go error, which
    # ErrorToAPIStatus turns into a 500 with an empty reason.
    live = {"spec": {"containers": [{"name": "app", "image": "nginx:1.24"}]}}
    with pytest.raises(PatchError) as err:
        strategic_merge_patch("Pod", live, {"spec": {"containers": [{"image": "nginx:1.25"}]}})
    assert str(err.value) == "map: map[image:nginx:1.25] does not contain declared merge key: name"
    status = err.value.status()
    assert status["code"] == 500 and "reason" not in status


def test_smp_retain_keys_clears_the_other_strategy_fields() -> None:
    # The retainKeys exercise of the kubectl patch task page.
    live = deployment([{"name": "c", "image": "nginx"}])
    live["spec"]["strategy"] = {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "30%", "maxUnavailable": "30%"},
    }
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    assert strategic_merge_patch("Deployment", live, patch)["spec"]["strategy"] == {
        "type": "Recreate"
    }
    # Without the directive the old rollingUpdate stays (and validation would then refuse it).
    plain = strategic_merge_patch("Deployment", live, {"spec": {"strategy": {"type": "Recreate"}}})
    assert "rollingUpdate" in plain["spec"]["strategy"]
    # Every field of the patch must be named in $retainKeys.
    bad = {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {"maxSurge": 1}}}}
    with pytest.raises(PatchError) as err:
        strategic_merge_patch("Deployment", live, bad)
    assert err.value.status()["message"] == "invalid patch format of retainKeys"
    assert err.value.code == 400


def test_smp_lists_of_lists_are_refused_with_422() -> None:
    live = {"metadata": {"finalizers": [["a"]]}}
    with pytest.raises(PatchError) as err:
        strategic_merge_patch("Pod", live, {"metadata": {"finalizers": [["b"]]}})
    assert str(err.value) == "lists of lists are not supported"
    assert err.value.code == 422


def test_smp_is_refused_for_kinds_without_go_types() -> None:
    with pytest.raises(PatchError) as err:
        strategic_merge_patch("CronTab", {"spec": {}}, {"spec": {"cronSpec": "* * * * */5"}})
    assert err.value.status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": (
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json-patch+json, application/merge-patch+json, "
            "application/apply-patch+yaml"
        ),
        "reason": "UnsupportedMediaType",
        "code": 415,
    }


def test_smp_null_body_is_a_no_op_and_an_array_body_is_refused() -> None:
    live = {"metadata": {"name": "x"}}
    assert strategic_merge_patch("ConfigMap", live, None) == live
    with pytest.raises(PatchError) as err:
        strategic_merge_patch("ConfigMap", live, [{"op": "add"}])
    assert err.value.code == 400


def test_smp_on_kinds_without_merge_lists_replaces_lists() -> None:
    role = {"kind": "Role", "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}
    patch = {"rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}]}
    assert strategic_merge_patch("Role", role, patch)["rules"] == patch["rules"]


# --------------------------------------------------------------------------------------------
# kubectl apply: three-way patches


def applied(manifest: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(last-applied configuration, manifest carrying it), as kubectl's
    GetModifiedConfiguration builds them: the annotation map is set (empty) before encoding."""
    original = copy.deepcopy(manifest)
    original["metadata"].setdefault("annotations", {})
    original["metadata"]["annotations"].pop(LAST_APPLIED, None)
    encoded = json.dumps(original, separators=(",", ":"))
    modified = copy.deepcopy(original)
    modified["metadata"]["annotations"][LAST_APPLIED] = encoded
    return original, modified


def server_side(obj: dict[str, Any]) -> dict[str, Any]:
    """What the API server stores for a created Deployment: defaults and server fields."""
    live = copy.deepcopy(obj)
    live["metadata"].update(uid="6e1c", resourceVersion="42", generation=1)
    live["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "1"
    live["spec"].setdefault(
        "strategy",
        {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
    )
    for container in live["spec"]["template"]["spec"]["containers"]:
        container.setdefault("imagePullPolicy", "IfNotPresent")
        container.setdefault("terminationMessagePath", "/dev/termination-log")
        container.setdefault("resources", {})
    live["spec"]["template"]["spec"].setdefault("restartPolicy", "Always")
    live["status"] = {"replicas": 2, "readyReplicas": 2}
    return live


def test_apply_configured_patch_is_the_body_kubectl_1_32_sent() -> None:
    first = deployment(
        [
            {"name": "a", "image": "nginx:1", "env": [{"name": "X", "value": "1"}]},
            {"name": "b", "image": "busybox"},
        ]
    )
    last_applied, created = applied(first)
    live = server_side(created)
    second = deployment([{"name": "a", "image": "nginx:2", "env": [{"name": "X", "value": "2"}]}])
    _, modified = applied(second)

    patch = create_three_way_merge_patch("Deployment", last_applied, modified, live)
    assert patch == {
        "metadata": {
            "annotations": {LAST_APPLIED: modified["metadata"]["annotations"][LAST_APPLIED]}
        },
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "a"}],
                    "containers": [
                        {
                            "$setElementOrder/env": [{"name": "X"}],
                            "env": [{"name": "X", "value": "2"}],
                            "image": "nginx:2",
                            "name": "a",
                        },
                        {"$patch": "delete", "name": "b"},
                    ],
                }
            }
        },
    }
    # The server applies it: b is gone, a changed, server defaults kept.
    patched = strategic_merge_patch("Deployment", live, patch)
    assert patched["spec"]["template"]["spec"]["containers"] == [
        {
            "name": "a",
            "image": "nginx:2",
            "env": [{"name": "X", "value": "2"}],
            "imagePullPolicy": "IfNotPresent",
            "terminationMessagePath": "/dev/termination-log",
            "resources": {},
        }
    ]
    assert patched["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    assert patched["status"] == live["status"]

    # Applying the same manifest again: nothing to send ("unchanged").
    last_applied_2, modified_2 = applied(second)
    assert create_three_way_merge_patch("Deployment", last_applied_2, modified_2, patched) == {}


def test_apply_configmap_changes_and_removes_data_keys() -> None:
    manifest = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cm1", "namespace": "default"},
        "data": {"a": "1", "b": "2"},
    }
    last_applied, created = applied(manifest)
    live = copy.deepcopy(created)
    live["metadata"].update(uid="u", resourceVersion="7", creationTimestamp="2024-01-01T00:00:00Z")
    live["metadata"]["labels"] = {"added-by": "someone-else"}
    new = copy.deepcopy(manifest)
    new["data"] = {"a": "3"}
    _, modified = applied(new)
    patch = create_three_way_merge_patch("ConfigMap", last_applied, modified, live)
    assert patch == {
        "metadata": {
            "annotations": {LAST_APPLIED: modified["metadata"]["annotations"][LAST_APPLIED]}
        },
        "data": {"a": "3", "b": None},
    }
    result = strategic_merge_patch("ConfigMap", live, patch)
    assert result["data"] == {"a": "3"}
    assert result["metadata"]["labels"] == {"added-by": "someone-else"}  # not ours, kept


def test_three_way_primitive_list_case_from_upstream() -> None:
    # "add an item in a list of primitives and preserve order"
    original = {"metadata": {"finalizers": ["1", "2"]}}
    modified = {"metadata": {"finalizers": ["3", "1", "2"]}}
    current = {"metadata": {"finalizers": ["1", "4", "2"]}}
    patch = create_three_way_merge_patch("Pod", original, modified, current)
    assert patch == {
        "metadata": {"$setElementOrder/finalizers": ["3", "1", "2"], "finalizers": ["3"]}
    }
    result = strategic_merge_patch("Pod", current, patch)
    assert result["metadata"]["finalizers"] == ["3", "1", "4", "2"]
    # "delete an item in a list of primitives and preserve order"
    original = {"metadata": {"finalizers": ["1", "2", "3"]}}
    modified = {"metadata": {"finalizers": ["2", "1"]}}
    assert create_three_way_merge_patch("Pod", original, modified, original) == {
        "metadata": {
            "$setElementOrder/finalizers": ["2", "1"],
            "$deleteFromPrimitiveList/finalizers": ["3"],
        }
    }
    assert create_two_way_merge_patch("Pod", original, modified) == {
        "metadata": {
            "$setElementOrder/finalizers": ["2", "1"],
            "$deleteFromPrimitiveList/finalizers": ["3"],
        }
    }


def test_three_way_retain_keys_clears_a_defaulted_strategy() -> None:
    # "retainKeys map should clear defaulted field", on DeploymentSpec.strategy.
    original: dict[str, Any] = {}
    current = {
        "spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%"}}}
    }
    modified = {"spec": {"strategy": {"type": "Recreate"}}}
    patch = create_three_way_merge_patch("Deployment", original, modified, current)
    assert patch == {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    assert strategic_merge_patch("Deployment", current, patch) == modified


def test_three_way_retain_keys_on_a_changed_volume() -> None:
    # "retainKeys list of maps clears a field", on PodSpec.volumes (merge,retainKeys).
    original = {"spec": {"volumes": [{"name": "bar"}, {"name": "foo", "emptyDir": {}}]}}
    current = {
        "spec": {
            "volumes": [
                {"name": "bar"},
                {"name": "foo", "emptyDir": {}, "secret": {"secretName": "x"}},
            ]
        }
    }
    modified = copy.deepcopy(original)
    patch = create_three_way_merge_patch("Pod", original, modified, current)
    assert patch == {
        "spec": {
            "$setElementOrder/volumes": [{"name": "bar"}, {"name": "foo"}],
            "volumes": [{"$retainKeys": ["emptyDir", "name"], "name": "foo"}],
        }
    }
    assert strategic_merge_patch("Pod", current, patch) == modified


def test_three_way_replace_strategy_field_is_always_sent() -> None:
    # handleMapDiff: a patchStrategy:"replace" map goes into the patch even when unchanged.
    pdb = {"spec": {"selector": {"matchLabels": {"app": "web"}}, "minAvailable": 1}}
    patch = create_three_way_merge_patch("PodDisruptionBudget", pdb, pdb, pdb)
    assert patch == {"spec": {"selector": {"matchLabels": {"app": "web"}}}}


def test_three_way_json_merge_patch_for_custom_resources() -> None:
    original = {"spec": {"cronSpec": "* * * * */5", "image": "a", "replicas": 1}}
    modified = {"spec": {"cronSpec": "* * * * */10", "image": "a"}}
    current = {
        "spec": {"cronSpec": "* * * * */5", "image": "a", "replicas": 1, "extra": True},
        "status": {"ok": True},
    }
    patch = create_three_way_json_merge_patch(original, modified, current)
    assert patch == {"spec": {"cronSpec": "* * * * */10", "replicas": None}}
    with pytest.raises(PatchError):
        create_three_way_merge_patch("CronTab", original, modified, current)


# Random pods: the apply patch from (original=current, modified) turns current into modified.

names = st.sampled_from(["a", "b", "c", "d"])
env_lists = st.lists(
    st.fixed_dictionaries(
        {"name": st.sampled_from(["X", "Y", "Z"]), "value": st.sampled_from(["1", "2"])}
    ),
    max_size=3,
    unique_by=lambda e: e["name"],
)
port_lists = st.lists(
    st.fixed_dictionaries(
        {"containerPort": st.sampled_from([80, 443, 8080])},
        optional={"protocol": st.sampled_from(["TCP", "UDP"])},
    ),
    max_size=2,
    unique_by=lambda p: p["containerPort"],
)
containers = st.lists(
    st.fixed_dictionaries(
        {"name": names, "image": st.sampled_from(["nginx:1", "nginx:2"])},
        optional={
            "env": env_lists,
            "ports": port_lists,
            "args": st.lists(st.sampled_from(["-v", "-q"]), max_size=2),
        },
    ),
    min_size=1,
    max_size=4,
    unique_by=lambda c: c["name"],
)
volume_sources = st.sampled_from(
    [{"emptyDir": {}}, {"configMap": {"name": "cm"}}, {"secret": {"secretName": "s"}}]
)
volumes = st.lists(
    st.builds(lambda n, s: {"name": n, **s}, names, volume_sources),
    max_size=3,
    unique_by=lambda v: v["name"],
)
pods = st.fixed_dictionaries(
    {
        "apiVersion": st.just("v1"),
        "kind": st.just("Pod"),
        "metadata": st.fixed_dictionaries(
            {"name": st.just("p")},
            optional={
                "labels": st.dictionaries(names, st.sampled_from(["1", "2"]), max_size=3),
                "finalizers": st.lists(names, max_size=3, unique=True),
            },
        ),
        "spec": st.fixed_dictionaries(
            {"containers": containers},
            optional={"volumes": volumes, "restartPolicy": st.sampled_from(["Always", "Never"])},
        ),
    }
)


@settings(max_examples=150, deadline=None)
@given(pods, pods)
def test_property_apply_patch_turns_current_into_modified(
    current: dict[str, Any], modified: dict[str, Any]
) -> None:
    patch = create_three_way_merge_patch("Pod", current, modified, current)
    got = strategic_merge_patch("Pod", current, patch)
    # A merge-strategy list of scalars is diffed as a sorted set (strategicpatch
    # diffListsOfScalar), so reordering finalizers alone sends nothing: compare them as sets.
    if set(current["metadata"].get("finalizers", [])) == set(
        modified["metadata"].get("finalizers", [])
    ):
        for obj in (got, modified):
            if "finalizers" in obj["metadata"]:
                obj["metadata"]["finalizers"] = sorted(obj["metadata"]["finalizers"])
    assert got == modified
    # And once applied, applying again has nothing to send but reorderings of sets.
    again = create_three_way_merge_patch("Pod", modified, modified, modified)
    assert strategic_merge_patch("Pod", modified, again) == modified
