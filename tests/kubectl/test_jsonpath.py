"""kubectl's JSONPath dialect.

Two sources:

* every example of the "JSONPath Support" page (kubernetes.io/docs/reference/kubectl/jsonpath/),
  on the page's own input. Where the page abbreviates a result (it writes ``[127.0.0.1
  127.0.0.2]`` and ``map[cpu:4]``), the expected text is what the code prints, as pinned by
  client-go's util/jsonpath/jsonpath_test.go ``TestKubernetes`` (``127.0.0.1 127.0.0.2``,
  ``{"cpu":"4"}``);
* the other tables of jsonpath_test.go (TestTypesInput, TestStructInput failures, TestJSONInput,
  TestNegativeIndex, TestStep, TestNestedRanges, TestFilterPartialMatchesSometimesMissing...,
  TestRunningPodsJSONPathOutput) and parser errors from parser.go.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from kubelab.kubectl import JSONPath, JSONPathError, JSONPathParseError, OutputError, jsonpath

DOC_INPUT = json.loads(
    """{
  "kind": "List",
  "items":[
    {
      "kind":"None",
      "metadata":{
        "name":"127.0.0.1",
        "labels":{
          "kubernetes.io/hostname":"127.0.0.1"
        }
      },
      "status":{
        "capacity":{"cpu":"4"},
        "addresses":[{"type": "LegacyHostIP", "address":"127.0.0.1"}]
      }
    },
    {
      "kind":"None",
      "metadata":{"name":"127.0.0.2"},
      "status":{
        "capacity":{"cpu":"8"},
        "addresses":[
          {"type": "LegacyHostIP", "address":"127.0.0.2"},
          {"type": "another", "address":"127.0.0.3"}
        ]
      }
    }
  ],
  "users":[
    {
      "name": "myself",
      "user": {}
    },
    {
      "name": "e2e",
      "user": {"username": "admin", "password": "secret"}
    }
  ]
}"""
)


def run(template: str, data: Any, allow_missing: bool = False) -> str:
    return JSONPath(template, allow_missing_keys=allow_missing).execute(data)


@pytest.mark.parametrize(
    ("template", "want"),
    [
        ("kind is {.kind}", "kind is List"),
        ("{.kind}", "List"),
        ("{['kind']}", "List"),
        ("{..name}", "127.0.0.1 127.0.0.2 myself e2e"),
        ("{.items[*].metadata.name}", "127.0.0.1 127.0.0.2"),
        ("{.users[0].name}", "myself"),
        (
            "{.items[*]['metadata.name', 'status.capacity']}",
            '127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}',
        ),
        ('{.users[?(@.name=="e2e")].user.password}', "secret"),
        (
            "{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}",
            '[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] ',
        ),
        ("{range .items[*]}{.metadata.name}{'\\t'}{end}", "127.0.0.1\t127.0.0.2\t"),
        ('{range .items[*]}{.metadata.name}{"\\t"}{end}', "127.0.0.1\t127.0.0.2\t"),
        ("{.items[0].metadata.labels.kubernetes\\.io/hostname}", "127.0.0.1"),
    ],
)
def test_docs_page_examples(template: str, want: str) -> None:
    assert run(template, DOC_INPUT) == want


def test_docs_current_object_is_the_input_as_json() -> None:
    # {@}: "the same as input", printed as compact JSON with sorted keys.
    out = run("{@}", {"kind": "List", "items": []})
    assert out == '{"items":[],"kind":"List"}'


def test_docs_kubectl_examples_on_a_pod_list() -> None:
    pods = [
        {
            "metadata": {"name": "web-1"},
            "status": {"startTime": "2024-01-01T00:00:05Z", "capacity": None},
        },
        {"metadata": {"name": "web-2"}, "status": {"startTime": "2024-01-01T00:01:00Z"}},
    ]
    assert jsonpath("{.items[0].metadata.name}", pods) == "web-1"
    # The docs' tab/newline table.
    template = '{range .items[*]}{.metadata.name}{"\\t"}{.status.startTime}{"\\n"}{end}'
    assert jsonpath(template, pods) == (
        "web-1\t2024-01-01T00:00:05Z\nweb-2\t2024-01-01T00:01:00Z\n"
    )
    # Missing keys print nothing (kubectl --allow-missing-template-keys=true, the default).
    assert jsonpath("{.items[*]['metadata.name', 'status.capacity']}", pods) == ("web-1 web-2 null")


def test_docs_regular_expressions_are_not_supported() -> None:
    # The docs: "JSONPath regular expressions are not supported", `=~` fails to parse.
    with pytest.raises(OutputError) as err:
        jsonpath("{.items[?(@.metadata.name=~/^test$/)].metadata.name}", [])
    assert str(err.value) == (
        "error parsing jsonpath {.items[?(@.metadata.name=~/^test$/)].metadata.name}, "
        "unrecognized character in action: U+007E '~'"
    )


TYPES: dict[str, Any] = {
    "bools": [True, False, True, False],
    "integers": [1, 2, 3, 4],
    "floats": [1.0, 2.2, 3.3, 4.0],
    "strings": ["one", "two", "three", "four"],
    "interfaces": [True, "one", 1, 1.1],
    "maps": [
        {"name": "one", "value": 1},
        {"name": "two", "value": 2.02},
        {"name": "three", "value": 3.03},
        {"name": "four", "value": 4.04},
    ],
}


@pytest.mark.parametrize(
    ("template", "want"),
    [
        ("{ .bools }", "[true,false,true,false]"),
        ("{ .bools[0] }", "true"),
        ("{ .bools[-1] }", "false"),
        ("{ .bools[0:2] }", "true false"),
        ("{ .bools[:2] }", "true false"),
        ("{ .bools[:4:2] }", "true true"),
        ("{ .integers }", "[1,2,3,4]"),
        ("{ .integers[-2] }", "3"),
        ("{ .integers[:4:2] }", "1 3"),
        ("{ .floats }", "[1,2.2,3.3,4]"),
        ("{ .floats[0] }", "1"),
        ("{ .floats[0:2] }", "1 2.2"),
        ("{ .strings }", '["one","two","three","four"]'),
        ("{ .strings[-2] }", "three"),
        ("{ .interfaces }", '[true,"one",1,1.1]'),
        ("{ .interfaces[0:2] }", "true one"),
        ("{ .interfaces[:4:2] }", "true 1"),
        ("{ .maps[0] }", '{"name":"one","value":1}'),
        ("{ .maps[-2] }", '{"name":"three","value":3.03}'),
        ("{ .maps[1::2] }", '{"name":"two","value":2.02} {"name":"four","value":4.04}'),
    ],
)
def test_types_input(template: str, want: str) -> None:
    assert run(template, TYPES) == want


@pytest.mark.parametrize(
    ("template", "data", "want"),
    [
        ("hello jsonpath", None, "hello jsonpath"),
        ("{..}", [1, 2, 3], "[1,2,3]"),
        ("{[?(@<5)]}", [2, 6, 3, 7], "2 3"),
        ('{"{"}', None, "{"),
        ("{[1,3,4]}", [0, 1, 2, 3, 4], "1 3 4"),
        ("{[0:2]}", ["Monday", "Tudesday"], "Monday Tudesday"),
        ("{$.Labels.web/html}", {"Labels": {"web/html": 15}}, "15"),
        ("{.Labels.k8s-app}", {"Labels": {"k8s-app": 20}}, "20"),
        ("{...Price}", {"Book": [{"Price": 8.95}, {"Price": 12.99}]}, "8.95 12.99"),
    ],
)
def test_struct_input_cases(template: str, data: Any, want: str) -> None:
    assert run(template, data) == want


POINTS = json.loads(
    """[
    {"id": "i1", "x":4, "y":-5},
    {"id": "i2", "x":-2, "y":-5, "z":1},
    {"id": "i3", "x":  8, "y":  3 },
    {"id": "i4", "x": -6, "y": -1 },
    {"id": "i5", "x":  0, "y":  2, "z": 1 },
    {"id": "i6", "x":  1, "y":  4 },
    {"id": "i7", "x":  null, "y":  4 }
]"""
)


def test_json_input() -> None:
    assert run("{[?(@.z)].id}", POINTS) == "i2 i5"
    assert run("{[0]['id']}", POINTS) == "i1"
    assert run("{[-1]['x']}", POINTS) == "null"


CONTAINERS = {"spec": {"containers": [{"name": f"fake{i}"} for i in range(4)]}}


@pytest.mark.parametrize(
    ("index", "want"),
    [
        ("0", "fake0"),
        ("0:0", ""),
        ("0:-1", "fake0 fake1 fake2"),
        ("-1", "fake3"),
        ("-1:", "fake3"),
        ("-2", "fake2"),
        ("-2:", "fake2 fake3"),
        ("-3", "fake1"),
        ("-4", "fake0"),
        ("-4:", "fake0 fake1 fake2 fake3"),
        ("5:5", ""),
        ("-5:-5", ""),
    ],
)
def test_negative_index(index: str, want: str) -> None:
    assert run(f"{{.spec.containers[{index}].name}}", CONTAINERS) == want


@pytest.mark.parametrize(
    ("index", "message"),
    [
        ("-1:0", "starting index 3 is greater than ending index 0"),
        ("-5", "array index out of bounds: index -1, length 4"),
        ("3:1", "starting index 3 is greater than ending index 1"),
        ("-1:-2", "starting index 3 is greater than ending index 2"),
        ("5", "array index out of bounds: index 5, length 4"),
        ("0:6:0", "array index out of bounds: index 5, length 4"),
        ("0:4:0", "step must be > 0"),
        ("0:4:-1", "step must be > 0"),
    ],
)
def test_index_errors(index: str, message: str) -> None:
    with pytest.raises(JSONPathError) as err:
        run(f"{{.spec.containers[{index}].name}}", CONTAINERS)
    assert str(err.value) == message


def test_step() -> None:
    six = {"spec": {"containers": [{"name": f"fake{i}"} for i in range(6)]}}
    all_six = "fake0 fake1 fake2 fake3 fake4 fake5"
    assert run("{.spec.containers[0:].name}", six) == all_six
    assert run("{.spec.containers[0:6:].name}", six) == all_six
    assert run("{.spec.containers[0:6:1].name}", six) == all_six
    assert run("{.spec.containers[1:6:2].name}", six) == "fake1 fake3 fake5"
    assert run("{.spec.containers[0:6:3].name}", six) == "fake0 fake3"


NESTED = json.loads(
    """{"items": [
  {"metadata": {"name": "pod1"}, "spec": {"containers": [
      {"name": "foo", "another": [{"name": "value1"}, {"name": "value2"}]},
      {"name": "bar", "another": [{"name": "value1"}, {"name": "value2"}]}]}},
  {"metadata": {"name": "pod2"}, "spec": {"containers": [
      {"name": "baz", "another": [{"name": "value1"}, {"name": "value2"}]}]}}
]}"""
)


def test_nested_ranges() -> None:
    t1 = (
        '{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}'
        '{"+"}{end}'
    )
    assert run(t1, NESTED) == "pod1:foo,bar,+pod2:baz,+"
    t2 = (
        '{range .items[*]}{.metadata.name}{"~"}{range @.spec.containers[*]}{.name}{":"}'
        '{range @.another[*]}{.name}{","}{end}{"+"}{end}{"#"}{end}'
    )
    assert (
        run(t2, NESTED) == "pod1~foo:value1,value2,+bar:value1,value2,+#pod2~baz:value1,value2,+#"
    )
    t3 = (
        '{range .items[*]}{.metadata.name}{"\\t"}{range @.spec.containers[*]}{.name}{" "}{end}'
        '{"\\t"}{range @.spec.containers[*]}{.name}{" "}{end}{"\\n"}{end}'
    )
    assert run(t3, NESTED) == "pod1\tfoo bar \tfoo bar \npod2\tbaz \tbaz \n"


def test_empty_range() -> None:
    empty = {"items": []}
    assert run("{range .items[*]}{.metadata.name}{end}", empty, allow_missing=True) == ""
    nested = (
        '{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}'
        '{"+"}{end}'
    )
    assert run(nested, empty, allow_missing=True) == ""


def test_filter_with_missing_keys() -> None:
    data = {
        "kind": "List",
        "items": [
            {"kind": "Pod", "metadata": {"name": "pod1", "annotations": {"color": "blue"}}},
            {"kind": "Pod", "metadata": {"name": "pod2"}},
            {"kind": "Pod", "metadata": {"name": "pod3", "annotations": {"color": "green"}}},
            {"kind": "Pod", "metadata": {"name": "pod4", "annotations": {"color": "blue"}}},
        ],
    }
    template = '{.items[?(@.metadata.annotations.color=="blue")].metadata.name}'
    assert run(template, data, allow_missing=True) == "pod1 pod4"
    with pytest.raises(JSONPathError):
        run(template, data, allow_missing=False)


def test_running_pods_filter_without_at() -> None:
    data = {
        "kind": "List",
        "items": [
            {"kind": "Pod", "metadata": {"name": f"pod{i}"}, "status": {"phase": "Running"}}
            for i in (1, 2, 3)
        ]
        + [{"resourceVersion": ""}],
    }
    template = '{range .items[?(.status.phase=="Running")]}{.metadata.name}{" is Running\\n"}{end}'
    assert run(template, data, allow_missing=True) == (
        "pod1 is Running\npod2 is Running\npod3 is Running\n"
    )


def test_bool_and_recursive_filters() -> None:
    nodes = {
        "items": [
            {"metadata": {"name": "a"}, "status": {"ready": True}},
            {"metadata": {"name": "b"}, "status": {"ready": False}},
        ]
    }
    assert run("{.items[?(@..ready==true)].metadata.name}", nodes) == "a"
    assert run("{.items[?(@.status.ready!=true)].metadata.name}", nodes) == "b"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{hello}", "unrecognized identifier hello"),
        ("{.hello}", "hello is not found"),
        ("{.Labels[0]}", "map[string]interface {} is not array or slice"),
        ("{.Book[?(@.Price<>10)]}", "unrecognized filter operator <>"),
        ("{range .Labels.*}{@}{end}{end}", "not in range, nothing to end"),
        ('{.Book[?(@.Price<"x")]}', "incompatible types for comparison"),
    ],
)
def test_execution_errors(template: str, message: str) -> None:
    store = {"Labels": {"web/html": 15}, "Book": [{"Price": 8.95}]}
    with pytest.raises(JSONPathError) as err:
        run(template, store)
    assert str(err.value) == message


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{.foo", "unclosed action"),
        ("{.items[0}", "unterminated array"),
        ("{.items[a]}", "invalid array index a"),
        ('{"abc}', "unterminated quoted string"),
        ("{.items[?(@.a==1}", "unterminated filter"),
        ("{............Price}", "invalid multiple recursive descent"),
        ("{#}", "unrecognized character in action: U+0023 '#'"),
    ],
)
def test_parse_errors(template: str, message: str) -> None:
    with pytest.raises(JSONPathParseError) as err:
        JSONPath(template)
    assert str(err.value) == message


def test_kubectl_wraps_execution_errors() -> None:
    # cli-runtime printers/jsonpath.go: the template, then the object (%#v).
    with pytest.raises(OutputError) as err:
        jsonpath("{.a[3]}", {"a": [1]}, allow_missing_keys=False)
    assert str(err.value) == (
        'error executing jsonpath "{.a[3]}": Error executing template: array index out of '
        "bounds: index 3, length 1. Printing more information for debugging the template:\n"
        "\ttemplate was:\n\t\t{.a[3]}\n"
        '\tobject given to jsonpath engine was:\n\t\tmap[string]interface {}{"a":[]interface {}{1}}'
        "\n\n\n"
    )


def test_jsonpath_as_json() -> None:
    out = JSONPath("{.items[*].metadata.name}", json_output=True).execute(DOC_INPUT)
    assert out == '[\n    "127.0.0.1",\n    "127.0.0.2"\n]\n'
