"""Manifest loading: documents, Lists, paths, and every kind of error with its source/doc/field.

Expected wording: runtime/error.go (``Object 'Kind' is missing in '...'``), meta.NoKindMatchError
(``no matches for kind "Podz" in version "v1"``), the API server's decode error
(``Pod in version "v1" cannot be handled as a Pod: ...``) wrapping Go encoding/json's
UnmarshalTypeError text (``json: cannot unmarshal number into Go struct field
ObjectMeta.metadata.labels of type string``, the message users meet when a label value is
unquoted), base64's CorruptInputError (``illegal base64 data at input byte N``) and kubectl's
``the path "x" does not exist``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kubelab.api import ManifestError, load_manifests

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  containers:
  - name: web
    image: nginx:1.27
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
        resources:
          requests: {cpu: 100m, memory: 64Mi}
"""


def error_of(text: str) -> ManifestError:
    with pytest.raises(ManifestError) as exc:
        load_manifests(text)
    return exc.value


def test_single_document() -> None:
    [pod] = load_manifests(POD)
    assert pod == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
    }


def test_multi_document_with_empty_documents_skipped() -> None:
    text = "---\n" + POD + "---\n---\n# only a comment\n---\n" + DEPLOYMENT + "...\n"
    objs = load_manifests(text)
    assert [(o["kind"], o["metadata"]["name"]) for o in objs] == [
        ("Pod", "web"),
        ("Deployment", "web"),
    ]


def test_json_is_yaml() -> None:
    doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}}
    assert load_manifests(json.dumps(doc)) == [doc]


def test_list_is_expanded() -> None:
    text = """\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: a}
- apiVersion: v1
  kind: List
  items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: b}
"""
    assert [o["metadata"]["name"] for o in load_manifests(text)] == ["a", "b"]


def test_values_read_as_go_yaml_reads_them() -> None:
    text = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  annotations:
    created: 2024-01-02
data:
  1: one
"""
    [cm] = load_manifests(text)
    # Dates stay strings and keys become strings, as YAML -> JSON conversion leaves them.
    assert cm["metadata"]["annotations"] == {"created": "2024-01-02"}
    assert cm["data"] == {"1": "one"}


def test_whole_number_floats_become_integers() -> None:
    # Go converts YAML to JSON through float64, so "replicas: 3.0" arrives as 3.
    [dep] = load_manifests(DEPLOYMENT.replace("replicas: 3", "replicas: 3.0"))
    assert dep["spec"]["replicas"] == 3
    assert isinstance(dep["spec"]["replicas"], int)


def test_path_and_path_string(tmp_path: Path) -> None:
    f = tmp_path / "pod.yaml"
    f.write_text(POD)
    assert load_manifests(f)[0]["metadata"]["name"] == "web"
    assert load_manifests(str(f))[0]["metadata"]["name"] == "web"


def test_directory_loads_manifest_files_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(POD)
    (tmp_path / "a.json").write_text(
        json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}})
    )
    (tmp_path / "notes.txt").write_text("not a manifest")
    assert [o["kind"] for o in load_manifests(tmp_path)] == ["Namespace", "Pod"]


def test_error_source_is_the_file_name(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(POD + "---\napiVersion: v1\nkind: Podz\nmetadata: {name: x}\n")
    with pytest.raises(ManifestError) as exc:
        load_manifests(f)
    err = exc.value
    assert err.source == str(f)
    assert err.document_index == 1
    assert err.field == "kind"
    assert str(err) == (
        f'error parsing "{f}" (document 1, field kind): no matches for kind "Podz" in version "v1"'
    )


def test_missing_file() -> None:
    err = error_of("nothere.yaml")
    assert (err.source, err.document_index, err.field) == ("nothere.yaml", None, None)
    assert err.rule == 'the path "nothere.yaml" does not exist'


def test_yaml_syntax_error_is_placed_in_its_document() -> None:
    text = POD + "---\n" + POD + "---\nmetadata:\n  name: x\n   bad: indent\n"
    err = error_of(text)
    assert err.source == "<string>"
    assert err.document_index == 2
    assert err.field is None
    assert err.line == 25
    assert err.column == 7  # the ":" of "   bad: indent"
    assert err.rule == (
        "error converting YAML to JSON: yaml: line 25, column 7: mapping values are not allowed "
        "here"
    )
    assert str(err) == f'error parsing "<string>" (document 2): {err.rule}'


def test_yaml_syntax_error_in_first_document_without_marker() -> None:
    err = error_of("a: [1,\n")
    assert err.document_index == 0
    assert err.field is None


def test_duplicate_key() -> None:
    err = error_of("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\n")
    assert err.document_index == 0
    assert err.line == 5
    assert err.rule == (
        'error converting YAML to JSON: yaml: unmarshal errors: line 5: key "name" already set '
        "in map"
    )


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("hello\n", "json: cannot unmarshal string into Go value of type map[string]interface {}"),
        (
            "- a\n- b\n",
            "json: cannot unmarshal array into Go value of type map[string]interface {}",
        ),
        ("42\n", "json: cannot unmarshal number into Go value of type map[string]interface {}"),
    ],
)
def test_document_not_a_mapping(text: str, rule: str) -> None:
    err = error_of(POD + "---\n" + text)
    assert (err.document_index, err.field, err.rule) == (1, None, rule)


def test_missing_kind() -> None:
    err = error_of("apiVersion: v1\nmetadata:\n  name: a\n")
    assert (err.document_index, err.field) == (0, "kind")
    assert err.rule == (
        'Object \'Kind\' is missing in \'{"apiVersion":"v1","metadata":{"name":"a"}}\''
    )


def test_missing_api_version() -> None:
    err = error_of("kind: Pod\nmetadata:\n  name: a\n")
    assert (err.document_index, err.field) == (0, "apiVersion")
    assert err.rule == (
        'Object \'apiVersion\' is missing in \'{"kind":"Pod","metadata":{"name":"a"}}\''
    )


@pytest.mark.parametrize(
    ("api_version", "kind", "rule"),
    [
        ("v1", "Podz", 'no matches for kind "Podz" in version "v1"'),
        ("v1", "Deployment", 'no matches for kind "Deployment" in version "v1"'),
        (
            "apps/v1beta1",
            "Deployment",
            'no matches for kind "Deployment" in version "apps/v1beta1"',
        ),
    ],
)
def test_unknown_kind(api_version: str, kind: str, rule: str) -> None:
    err = error_of(f"apiVersion: {api_version}\nkind: {kind}\nmetadata: {{name: a}}\n")
    assert (err.field, err.rule) == ("kind", rule)


def _pod_prefix(kind: str = "Pod") -> str:
    return f'{kind} in version "v1" cannot be handled as a {kind}: json: cannot unmarshal '


@pytest.mark.parametrize(
    ("text", "field", "rule"),
    [
        (
            "apiVersion: v1\nkind: Pod\nmetadata: web\n",
            "metadata",
            _pod_prefix() + "string into Go struct field Pod.metadata of type v1.ObjectMeta",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: 5\n",
            "metadata.name",
            _pod_prefix() + "number into Go struct field ObjectMeta.metadata.name of type string",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels:\n    version: 1.5\n",
            "metadata.labels[version]",
            _pod_prefix() + "number into Go struct field ObjectMeta.metadata.labels of type string",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels:\n    enabled: true\n",
            "metadata.labels[enabled]",
            _pod_prefix() + "bool into Go struct field ObjectMeta.metadata.labels of type string",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: nginx\n",
            "spec.containers",
            _pod_prefix()
            + "string into Go struct field PodSpec.spec.containers of type []v1.Container",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [nginx]\n",
            "spec.containers[0]",
            _pod_prefix()
            + "string into Go struct field PodSpec.spec.containers of type v1.Container",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n"
            "  containers:\n  - name: c\n    image: 5\n",
            "spec.containers[0].image",
            _pod_prefix()
            + "number into Go struct field Container.spec.containers.image of type string",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n"
            "  containers:\n  - name: c\n    image: x\n    ports:\n    - containerPort: '80'\n",
            "spec.containers[0].ports[0].containerPort",
            _pod_prefix()
            + "string into Go struct field ContainerPort.spec.containers.ports.containerPort of "
            "type int32",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n"
            "  containers:\n  - name: c\n    image: x\n    command: [sleep, 10]\n",
            "spec.containers[0].command[1]",
            _pod_prefix()
            + "number into Go struct field Container.spec.containers.command of type string",
        ),
    ],
)
def test_field_type_errors(text: str, field: str, rule: str) -> None:
    err = error_of(text)
    assert (err.source, err.document_index, err.field, err.rule) == ("<string>", 0, field, rule)
    assert str(err) == f'error parsing "<string>" (document 0, field {field}): {rule}'


def test_int_fields_refuse_fractions_and_overflow() -> None:
    err = error_of(DEPLOYMENT.replace("replicas: 3", "replicas: 2.5"))
    assert err.field == "spec.replicas"
    assert err.rule == (
        'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal '
        "number 2.5 into Go struct field DeploymentSpec.spec.replicas of type int32"
    )
    err = error_of(DEPLOYMENT.replace("replicas: 3", "replicas: 3000000000"))
    assert err.rule.endswith(
        "cannot unmarshal number 3000000000 into Go struct field DeploymentSpec.spec.replicas of "
        "type int32"
    )


def test_template_fields_are_checked() -> None:
    err = error_of(DEPLOYMENT.replace("labels: {app: web}", "labels: {app: 1}"))
    assert err.field == "spec.template.metadata.labels[app]"
    assert err.rule.endswith(
        "cannot unmarshal number into Go struct field ObjectMeta.spec.template.metadata.labels of "
        "type string"
    )


def test_quantity_must_be_string_or_number() -> None:
    err = error_of(DEPLOYMENT.replace("cpu: 100m", "cpu: [1]"))
    assert err.field == "spec.template.spec.containers[0].resources.requests[cpu]"
    assert err.rule.endswith(
        "quantities must match the regular expression "
        "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )


@pytest.mark.parametrize(
    ("value", "offset"),
    [("abc", 0), ("abcd!", 4), ("ab=c", 2), ("abcde", 4), ("YQ=", 3)],
)
def test_secret_data_must_be_base64(value: str, offset: int) -> None:
    err = error_of(f"apiVersion: v1\nkind: Secret\nmetadata: {{name: s}}\ndata:\n  key: {value}\n")
    assert err.field == "data[key]"
    assert err.rule == (
        'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte '
        f"{offset}"
    )


def test_valid_base64_passes() -> None:
    text = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  a: aGVsbG8=\n  b: aGk=\n"
    assert load_manifests(text)[0]["data"] == {"a": "aGVsbG8=", "b": "aGk="}


def test_errors_inside_list_items_carry_the_item_path() -> None:
    text = (
        "apiVersion: v1\nkind: List\nitems:\n"
        "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n"
        "- kind: Pod\n"
    )
    err = error_of(text)
    assert (err.document_index, err.field) == (0, "items[1].apiVersion")


def test_first_error_in_go_decoding_order() -> None:
    # Go decodes JSON whose keys are sorted, so metadata is met before spec.
    err = error_of("apiVersion: v1\nkind: Pod\nspec: {containers: 1}\nmetadata: {name: 1}\n")
    assert err.field == "metadata.name"


def test_all_or_nothing() -> None:
    text = POD + "---\n" + DEPLOYMENT + "---\napiVersion: v1\nkind: Nope\n"
    with pytest.raises(ManifestError) as exc:
        load_manifests(text)
    assert exc.value.document_index == 2
    # Nothing was returned, and a good stream still loads fully.
    assert len(load_manifests(POD + "---\n" + DEPLOYMENT)) == 2


def test_manifest_error_is_a_value_error() -> None:
    assert issubclass(ManifestError, ValueError)
