"""``-o json``, ``-o yaml``, ``-o name``, ``-o custom-columns`` and ``--sort-by``.

Expected layouts come from the libraries kubectl calls: Go's ``encoding/json`` MarshalIndent
(4-space indent, sorted map keys, HTML-safe escaping of ``<>&``), ``sigs.k8s.io/yaml`` / go-yaml
v2 (sorted keys, 2-space indent, sequences not indented under their key, quoting rules of
``encode.go`` ``stringv`` and ``emitterc.go``, folding at column 80), ``printers/name.go``,
kubectl's ``customcolumn_test.go`` (RelaxedJSONPathExpression, TestColumnPrint,
TestSliceColumnPrint) and ``sorter.go``.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kubelab.kubectl import (
    OutputError,
    custom_columns,
    custom_columns_from_template,
    relaxed_jsonpath,
    sort_by,
    to_json,
    to_name,
    to_yaml,
)

POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "name": "web",
        "namespace": "default",
        "labels": {"app": "web"},
        "creationTimestamp": "2024-01-01T00:00:00Z",
    },
    "spec": {
        "containers": [{"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80}]}]
    },
}


# ----------------------------------------------------------------------------- json


def test_json_single_object_sorted_and_indented_by_four() -> None:
    assert to_json({"kind": "Pod", "apiVersion": "v1", "spec": {"b": [1, 2], "a": {}}}) == (
        "{\n"
        '    "apiVersion": "v1",\n'
        '    "kind": "Pod",\n'
        '    "spec": {\n'
        '        "a": {},\n'
        '        "b": [\n'
        "            1,\n"
        "            2\n"
        "        ]\n"
        "    }\n"
        "}\n"
    )


def test_json_list_wrapper() -> None:
    # get.go printGeneric: several (or zero) objects become a v1 List with an empty
    # resourceVersion.
    assert to_json([]) == (
        "{\n"
        '    "apiVersion": "v1",\n'
        '    "items": [],\n'
        '    "kind": "List",\n'
        '    "metadata": {\n'
        '        "resourceVersion": ""\n'
        "    }\n"
        "}\n"
    )
    out = to_json([POD])
    assert out.startswith('{\n    "apiVersion": "v1",\n    "items": [\n        {\n')
    assert '            "kind": "Pod",\n' in out


def test_json_escapes_like_go() -> None:
    # encoding/json: <, >, & as \u003c \u003e \u0026; control characters as \uXXXX except the
    # short forms; floats without a trailing .0.
    doc = {"a": "<none> & more", "b": "tab\tnew\nline\x01", "c": 2.0, "d": 0.5, "e": None}
    assert to_json(doc) == (
        "{\n"
        '    "a": "\\u003cnone\\u003e \\u0026 more",\n'
        '    "b": "tab\\tnew\\nline\\u0001",\n'
        '    "c": 2,\n'
        '    "d": 0.5,\n'
        '    "e": null\n'
        "}\n"
    )


# ----------------------------------------------------------------------------- yaml


def test_yaml_pod_layout() -> None:
    assert to_yaml(POD) == (
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata:\n"
        '  creationTimestamp: "2024-01-01T00:00:00Z"\n'
        "  labels:\n"
        "    app: web\n"
        "  name: web\n"
        "  namespace: default\n"
        "spec:\n"
        "  containers:\n"
        "  - image: nginx:1.25\n"
        "    name: nginx\n"
        "    ports:\n"
        "    - containerPort: 80\n"
    )


def test_yaml_list_wrapper() -> None:
    assert to_yaml([]) == (
        'apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: ""\n'
    )


@pytest.mark.parametrize(
    ("value", "written"),
    [
        # Plain unless go-yaml would read it back as something else (encode.go stringv).
        ("nginx", "nginx"),
        ("true", '"true"'),
        ("yes", '"yes"'),
        ("on", '"on"'),
        ("n", '"n"'),
        ("null", '"null"'),
        ("~", '"~"'),
        ("", '""'),
        ("80", '"80"'),
        ("0x1F", '"0x1F"'),
        ("1e3", '"1e3"'),
        ("1.5", '"1.5"'),
        ("2024-01-01", '"2024-01-01"'),
        ("1:20", '"1:20"'),
        ("500m", "500m"),
        ("1Gi", "1Gi"),
        ("v1.32.0", "v1.32.0"),
        ("<none>", "<none>"),
        # Plain not allowed by the emitter: single quotes (yaml_emitter_analyze_scalar).
        ("*", "'*'"),
        ("- a", "'- a'"),
        ("a: b", "'a: b'"),
        ("a #b", "'a #b'"),
        (" lead", "' lead'"),
        ("it's: x", "'it''s: x'"),
        ("{x}", "'{x}'"),
        # Special characters: double quotes with escapes.
        ("tab\there", '"tab\\there"'),
    ],
)
def test_yaml_string_quoting(value: str, written: str) -> None:
    assert to_yaml({"k": value}) == f"k: {written}\n"


def test_yaml_numbers_and_nulls() -> None:
    assert to_yaml({"a": 1, "b": 2.0, "c": 0.25, "d": None, "e": False, "f": 1e21}) == (
        "a: 1\nb: 2\nc: 0.25\nd: null\ne: false\nf: 1e+21\n"
    )


def test_yaml_literal_blocks() -> None:
    # Strings with a newline are literal blocks: "|" keeps one final newline, "|-" none, "|+"
    # several; the content is indented two past the key.
    doc = {
        "metadata": {
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": '{"kind":"Pod"}\n',
                "note": "line one\nline two",
                "keep": "x\n\n",
            }
        }
    }
    assert to_yaml(doc) == (
        "metadata:\n"
        "  annotations:\n"
        "    keep: |+\n"
        "      x\n"
        "\n"
        "    kubectl.kubernetes.io/last-applied-configuration: |\n"
        '      {"kind":"Pod"}\n'
        "    note: |-\n"
        "      line one\n"
        "      line two\n"
    )


def test_yaml_key_order_compares_digit_runs_as_numbers() -> None:
    # sorter.go keyList.Less: "a9" < "a10"; non-letters before letters.
    assert to_yaml({"a10": 1, "a9": 2, "b": 3, "_x": 4, "A": 5}) == (
        "_x: 4\nA: 5\na9: 2\na10: 1\nb: 3\n"
    )


def test_yaml_nested_sequences_and_empty_collections() -> None:
    doc = {"a": [[1, 2], {"b": [], "c": {}}], "d": []}
    assert to_yaml(doc) == "a:\n- - 1\n  - 2\n- b: []\n  c: {}\nd: []\n"


def test_yaml_folds_long_plain_scalars_past_column_80() -> None:
    # emitterc.go write_plain_scalar: a space is turned into a line break once the column
    # exceeds best_width (80); the continuation is indented two past the key.
    words = [f"word{i:05d}" for i in range(10)]  # nine characters each
    value = " ".join(words)
    # "message: " puts the value at column 9; the space after the 8th word is at column 88.
    assert to_yaml({"message": value}) == (
        "message: " + " ".join(words[:8]) + "\n  " + " ".join(words[8:]) + "\n"
    )


# ----------------------------------------------------------------------------- name


def test_name_output() -> None:
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}}
    event = {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "x.1"}}
    assert to_name([POD, deploy, event]) == (
        "pod/web\ndeployment.apps/web\nevent.events.k8s.io/x.1\n"
    )
    assert to_name([]) == ""
    with pytest.raises(OutputError, match="missing apiVersion or kind"):
        to_name([{"metadata": {"name": "x"}}])


# ----------------------------------------------------------------------------- custom columns


@pytest.mark.parametrize(
    ("expression", "want"),
    [
        ("foo.bar", "{.foo.bar}"),
        ("{foo.bar}", "{.foo.bar}"),
        (".foo.bar", "{.foo.bar}"),
        ("{.foo.bar}", "{.foo.bar}"),
        ("", ""),
    ],
)
def test_relaxed_jsonpath(expression: str, want: str) -> None:
    assert relaxed_jsonpath(expression) == want


@pytest.mark.parametrize("bad", ["{foo.bar", "foo.bar}", "{foo.bar}}", "{{foo.bar}"])
def test_relaxed_jsonpath_rejects(bad: str) -> None:
    with pytest.raises(OutputError):
        relaxed_jsonpath(bad)


@pytest.mark.parametrize("spec", ["", "invalid", "invalid=foobar", "invalid,foobar:blah"])
def test_custom_columns_bad_specs(spec: str) -> None:
    with pytest.raises(OutputError):
        custom_columns(spec, [])


def test_custom_columns_print() -> None:
    foo = {"apiVersion": "baz", "kind": "Pod", "metadata": {"name": "foo"}}
    bar = {"apiVersion": "baz", "kind": "Pod", "metadata": {"name": "bar"}}
    assert custom_columns("NAME:.metadata.name", [foo]) == "NAME\nfoo\n"
    assert custom_columns("NAME:.metadata.name", [foo, bar]) == "NAME\nfoo\nbar\n"
    assert custom_columns("NAME:.metadata.name,API_VERSION:.apiVersion", foo) == (
        "NAME   API_VERSION\nfoo    baz\n"
    )
    assert custom_columns(
        "NAME:.metadata.name,API_VERSION:.apiVersion,NOT_FOUND:.notFound", foo
    ) == ("NAME   API_VERSION   NOT_FOUND\nfoo    baz           <none>\n")
    assert custom_columns("API_VERSION:apiVersion", foo, no_headers=True) == "baz\n"
    # Terminal escapes are neutralised.
    odd = {"metadata": {"name": "\x1b \r"}}
    assert custom_columns("NAME:.metadata.name", odd) == "NAME\n^[ \\r\n"


def test_custom_columns_docs_examples() -> None:
    # kubernetes.io kubectl reference, "Custom columns".
    pod = {
        "metadata": {"name": "submit-queue", "resourceVersion": "610995"},
        "spec": {"containers": [{"image": "nginx"}, {"image": "busybox"}]},
    }
    assert custom_columns("NAME:.metadata.name,RSRC:.metadata.resourceVersion", [pod]) == (
        "NAME           RSRC\nsubmit-queue   610995\n"
    )
    assert custom_columns("NAME:.metadata.name,IMAGES:.spec.containers[*].image", [pod]) == (
        "NAME           IMAGES\nsubmit-queue   nginx,busybox\n"
    )
    template = "NAME          RSRC\nmetadata.name metadata.resourceVersion\n"
    assert custom_columns_from_template(template, [pod]) == (
        "NAME           RSRC\nsubmit-queue   610995\n"
    )


def test_custom_columns_slices() -> None:
    pod = {"spec": {"containers": [{"name": f"fake{i}"} for i in range(4)]}}
    for index, want in (("0", "fake0"), ("3", "fake3"), ("-1", "fake3"), ("-4", "fake0")):
        spec = f"CONTAINER:.spec.containers[{index}].name"
        assert custom_columns(spec, [pod]) == f"CONTAINER\n{want}\n"
    with pytest.raises(OutputError):
        custom_columns("CONTAINER:.spec.containers[5].name", [pod])


def test_custom_columns_values_are_go_formatted() -> None:
    node = {"status": {"capacity": {"cpu": "4", "memory": "8Gi"}, "ready": True}}
    assert custom_columns("CAP:.status.capacity,READY:.status.ready", [node]) == (
        "CAP                     READY\nmap[cpu:4 memory:8Gi]   true\n"
    )


def test_custom_columns_header_without_objects() -> None:
    assert custom_columns("NAME:.metadata.name", []) == "NAME\n"


# ----------------------------------------------------------------------------- sort-by


def _named(name: str, **fields: Any) -> dict[str, Any]:
    return {"metadata": {"name": name}, **fields}


def test_sort_by_numbers_strings_and_missing() -> None:
    objs = [
        _named("c", spec={"replicas": 3}),
        _named("a", spec={"replicas": 10}),
        _named("none"),
        _named("b", spec={"replicas": 2}),
    ]
    ordered = sort_by(objs, ".spec.replicas")
    # Missing values sort first (sorter.go Less: no value is "less").
    assert [o["metadata"]["name"] for o in ordered] == ["none", "b", "c", "a"]
    by_name = sort_by(objs, "{.metadata.name}")
    assert [o["metadata"]["name"] for o in by_name] == ["a", "b", "c", "none"]


def test_sort_by_quantities() -> None:
    # sorter.go isLess: two strings that both parse as quantities compare as quantities.
    objs = [_named(n, mem=m) for n, m in (("x", "1Gi"), ("y", "512Mi"), ("z", "2G"))]
    assert [o["metadata"]["name"] for o in sort_by(objs, ".mem")] == ["y", "x", "z"]


def test_sort_by_timestamps() -> None:
    objs = [
        _named("late", metadata={"name": "late", "creationTimestamp": "2024-01-02T00:00:00Z"}),
        _named("early", metadata={"name": "early", "creationTimestamp": "2024-01-01T00:00:00Z"}),
    ]
    ordered = sort_by(objs, ".metadata.creationTimestamp")
    assert [o["metadata"]["name"] for o in ordered] == ["early", "late"]


def test_sort_by_unknown_field() -> None:
    objs = [_named("a"), _named("b")]
    with pytest.raises(OutputError) as err:
        sort_by(objs, ".spec.nothing")
    assert str(err.value) == (
        'couldn\'t find any field with path "{.spec.nothing}" in the list of objects'
    )


# PyYAML's emitter is another port of libyaml's, so for strings both resolvers read as plain
# strings (no booleans, numbers or nulls: letters drawn from "abcdehijk") the layout, the choice
# between plain and single quotes, and the folding at column 80 must agree exactly.
_WORD = st.text(alphabet="abcdehijk", min_size=1, max_size=12)
_TOKEN = st.one_of(_WORD, _WORD.map(lambda w: w + ":"), _WORD.map(lambda w: "#" + w), st.just("-"))
_TEXT = st.lists(_TOKEN, min_size=1, max_size=20).map(" ".join)
_KEY = st.text(alphabet="abcdehijk", min_size=1, max_size=6)
_VALUE = st.recursive(
    _TEXT,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3),
        st.dictionaries(_KEY, inner, min_size=1, max_size=3),
    ),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_KEY, _VALUE, min_size=1, max_size=3))
def test_yaml_layout_matches_libyaml_port(doc: dict[str, Any]) -> None:
    expected = yaml.dump(doc, default_flow_style=False, width=80, sort_keys=True)
    assert to_yaml(doc) == expected
