"""Parsing kubectl 1.32 command lines: verbs, resources, typed flags, and kubectl's error texts.

The error texts come from k8s.io/kubectl v0.32 (``pkg/cmd/*``: each verb's Complete/Validate,
``cmd/util/helpers.go`` CheckErr/UsageErrorf, ``templates`` FlagErrorFunc),
k8s.io/cli-runtime v0.32 ``pkg/resource/builder.go``, spf13/cobra v1.8.1 (unknown command,
suggestions, required flags) and spf13/pflag v1.0.5 (flag errors); each was also checked
against the real kubectl 1.32.5. When that binary is installed, the last test runs it against
a small discovery server serving the kinds registry and compares its stderr with
:class:`ParseError` for a sample of the errors.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubelab.kubectl.cli import (
    Command,
    FlagError,
    FlagSpec,
    GoSyntaxError,
    ParseError,
    go_csv_record,
    go_duration_string,
    go_parse_bool,
    go_parse_int,
    go_parse_uint,
    levenshtein,
    parse,
    parse_flags,
    parse_go_duration,
    suggestions_for,
)


def res(cmd: Command) -> list[tuple[str, list[str]]]:
    return [(k.resource, n) for k, n in cmd.resources]


#: Names checked on the Command itself (fields and properties); others are flags.
ATTRIBUTES = {f.name for f in dataclasses.fields(Command)} | {
    "namespace",
    "all_namespaces",
    "output",
    "output_format",
    "output_template",
    "selector",
    "field_selector",
    "dry_run",
    "as_user",
    "as_groups",
    "duration",
}


# --- the table of command lines ----------------------------------------------------------------

# (line, verb, subverb, resources, {attribute or flag: expected})
OK: list[tuple[str, str, str | None, list[tuple[str, list[str]]], dict[str, Any]]] = [
    ("get pods", "get", None, [("pods", [])], {"namespace": None, "output": None}),
    ("kubectl get pods", "get", None, [("pods", [])], {}),
    ("get po -n kube-system", "get", None, [("pods", [])], {"namespace": "kube-system"}),
    ("-n prod get pods", "get", None, [("pods", [])], {"namespace": "prod"}),
    ("--namespace=prod get pods", "get", None, [("pods", [])], {"namespace": "prod"}),
    ("get pods -A", "get", None, [("pods", [])], {"all_namespaces": True}),
    ("get pods --all_namespaces", "get", None, [("pods", [])], {"all_namespaces": True}),
    ("get pods -o wide", "get", None, [("pods", [])], {"output": "wide", "output_format": "wide"}),
    ("get pods -owide", "get", None, [("pods", [])], {"output": "wide"}),
    ("get pods -o=yaml", "get", None, [("pods", [])], {"output": "yaml"}),
    (
        "get pods -o jsonpath='{.items[*].metadata.name}'",
        "get",
        None,
        [("pods", [])],
        {"output_format": "jsonpath", "output_template": "{.items[*].metadata.name}"},
    ),
    (
        "get pods -o custom-columns=NAME:.metadata.name,IP:.status.podIP",
        "get",
        None,
        [("pods", [])],
        {
            "output_format": "custom-columns",
            "output_template": "NAME:.metadata.name,IP:.status.podIP",
        },
    ),
    ("get pod web-1 -o json", "get", None, [("pods", ["web-1"])], {"output": "json"}),
    ("get pods web-1 web-2", "get", None, [("pods", ["web-1", "web-2"])], {}),
    ("get pod/web-1", "get", None, [("pods", ["web-1"])], {}),
    (
        "get deploy/web rs/web-5d8",
        "get",
        None,
        [("deployments", ["web"]), ("replicasets", ["web-5d8"])],
        {},
    ),
    ("get pods,svc", "get", None, [("pods", []), ("services", [])], {}),
    ("get pods,svc web", "get", None, [("pods", ["web"]), ("services", ["web"])], {}),
    ("get pods,po", "get", None, [("pods", [])], {}),
    ("get deployment.apps", "get", None, [("deployments", [])], {}),
    ("get deployments.v1.apps", "get", None, [("deployments", [])], {}),
    ("get Deployment web", "get", None, [("deployments", ["web"])], {}),
    ("get nodes", "get", None, [("nodes", [])], {}),
    ("get no,ns", "get", None, [("nodes", []), ("namespaces", [])], {}),
    ("get ev", "get", None, [("events", [])], {}),
    ("get clusterrolebindings", "get", None, [("clusterrolebindings", [])], {}),
    (
        "get all",
        "get",
        None,
        [("pods", []), ("services", []), ("deployments", []), ("replicasets", [])],
        {},
    ),
    ("get pods -l app=web", "get", None, [("pods", [])], {"selector": "app=web"}),
    (
        "get pods --selector app=web,tier!=db",
        "get",
        None,
        [("pods", [])],
        {"selector": "app=web,tier!=db"},
    ),
    (
        "get pods --field-selector=status.phase=Running",
        "get",
        None,
        [("pods", [])],
        {"field_selector": "status.phase=Running"},
    ),
    ("get pods --show-labels", "get", None, [("pods", [])], {"show-labels": True}),
    (
        "get pods -L app -L tier,env",
        "get",
        None,
        [("pods", [])],
        {"label-columns": ["app", "tier", "env"]},
    ),
    (
        "get pods --sort-by=.metadata.name",
        "get",
        None,
        [("pods", [])],
        {"sort-by": ".metadata.name"},
    ),
    ("get pods --no-headers", "get", None, [("pods", [])], {"no-headers": True}),
    ("get pods -w --duration=30s", "get", None, [("pods", [])], {"watch": True, "duration": 30.0}),
    ("get pods -w --duration 1m30s", "get", None, [("pods", [])], {"duration": 90.0}),
    ("get -f -", "get", None, [], {"filenames": ["-"]}),
    ("get -f web.yaml -f db.yaml", "get", None, [], {"filenames": ["web.yaml", "db.yaml"]}),
    ("get -f a.yaml,b.yaml", "get", None, [], {"filenames": ["a.yaml", "b.yaml"]}),
    (
        "get pods --as=alice --as-group=devs --as-group=ops",
        "get",
        None,
        [("pods", [])],
        {"as_user": "alice", "as_groups": ["devs", "ops"]},
    ),
    ("describe pod web", "describe", None, [("pods", ["web"])], {}),
    ("describe nodes", "describe", None, [("nodes", [])], {}),
    ("describe deploy/web", "describe", None, [("deployments", ["web"])], {}),
    (
        "apply -f web.yaml",
        "apply",
        None,
        [],
        {"filenames": ["web.yaml"], "field-manager": "kubectl-client-side-apply"},
    ),
    (
        "apply -f - --server-side",
        "apply",
        None,
        [],
        {"filenames": ["-"], "field-manager": "kubectl"},
    ),
    ("apply -f web.yaml --dry-run=server", "apply", None, [], {"dry_run": "server"}),
    (
        "create -f web.yaml",
        "create",
        None,
        [],
        {"filenames": ["web.yaml"], "field-manager": "kubectl-create"},
    ),
    (
        "create namespace prod",
        "create",
        "namespace",
        [("namespaces", ["prod"])],
        {"args": ["prod"]},
    ),
    (
        "create ns prod --dry-run=client -o yaml",
        "create",
        "namespace",
        [("namespaces", ["prod"])],
        {"dry_run": "client", "output": "yaml"},
    ),
    (
        "create deployment web --image=nginx:1.27 --replicas=3",
        "create",
        "deployment",
        [("deployments", ["web"])],
        {"image": ["nginx:1.27"], "replicas": 3},
    ),
    (
        "create configmap cfg --from-literal=a=b --from-literal=c=d",
        "create",
        "configmap",
        [("configmaps", ["cfg"])],
        {"from-literal": ["a=b", "c=d"]},
    ),
    ("replace -f web.yaml", "replace", None, [], {"field-manager": "kubectl-replace"}),
    ("replace --force -f web.yaml", "replace", None, [], {"force": True}),
    (
        "delete pod web",
        "delete",
        None,
        [("pods", ["web"])],
        {"cascade": "background", "grace-period": -1, "wait": True},
    ),
    (
        "delete pod web --grace-period=0 --force",
        "delete",
        None,
        [("pods", ["web"])],
        {"grace-period": 0, "force": True},
    ),
    ("delete pod web --now", "delete", None, [("pods", ["web"])], {"grace-period": 1}),
    ("delete pod web --grace-period=0", "delete", None, [("pods", ["web"])], {"grace-period": 1}),
    ("delete pod web --force", "delete", None, [("pods", ["web"])], {"grace-period": 0}),
    (
        "delete deploy web --cascade=orphan",
        "delete",
        None,
        [("deployments", ["web"])],
        {"cascade": "orphan"},
    ),
    (
        "delete deploy web --cascade=foreground",
        "delete",
        None,
        [("deployments", ["web"])],
        {"cascade": "foreground"},
    ),
    (
        "delete deploy web --cascade",
        "delete",
        None,
        [("deployments", ["web"])],
        {"cascade": "background"},
    ),
    ("delete pods -l app=web", "delete", None, [("pods", [])], {"ignore-not-found": True}),
    ("delete pods --all", "delete", None, [("pods", [])], {"all": True, "ignore-not-found": True}),
    ("delete pod web --wait=false", "delete", None, [("pods", ["web"])], {"wait": False}),
    ("delete -f web.yaml", "delete", None, [], {"filenames": ["web.yaml"]}),
    ("delete pod/web svc/web", "delete", None, [("pods", ["web"]), ("services", ["web"])], {}),
    (
        "label pods web env=prod tier-",
        "label",
        None,
        [("pods", ["web"])],
        {"pairs": {"env": "prod"}, "removals": ["tier"], "overwrite": False},
    ),
    ("label pod/web env=prod --overwrite", "label", None, [("pods", ["web"])], {"overwrite": True}),
    ("label nodes --all zone=a", "label", None, [("nodes", [])], {"pairs": {"zone": "a"}}),
    (
        "annotate deploy web note='a=b c' old-",
        "annotate",
        None,
        [("deployments", ["web"])],
        {"pairs": {"note": "a=b c"}, "removals": ["old"]},
    ),
    (
        'patch deploy web -p \'{"spec":{"replicas":2}}\'',
        "patch",
        None,
        [("deployments", ["web"])],
        {"patch": '{"spec":{"replicas":2}}', "type": "strategic"},
    ),
    (
        "patch deploy web --type merge -p '{}'",
        "patch",
        None,
        [("deployments", ["web"])],
        {"type": "merge"},
    ),
    (
        "patch deploy/web --type=JSON --patch='[]'",
        "patch",
        None,
        [("deployments", ["web"])],
        {"type": "json", "patch": "[]"},
    ),
    ("scale deploy web --replicas=3", "scale", None, [("deployments", ["web"])], {"replicas": 3}),
    ("scale deploy/web --replicas 0", "scale", None, [("deployments", ["web"])], {"replicas": 0}),
    ("cordon node-1", "cordon", None, [("nodes", ["node-1"])], {}),
    ("uncordon node-1", "uncordon", None, [("nodes", ["node-1"])], {}),
    (
        "drain node-1 --ignore-daemonsets --delete-emptydir-data --grace-period=10",
        "drain",
        None,
        [("nodes", ["node-1"])],
        {"ignore-daemonsets": True, "delete-emptydir-data": True, "grace-period": 10},
    ),
    ("drain -l zone=a", "drain", None, [("nodes", [])], {"selector": "zone=a"}),
    (
        "taint nodes node-1 dedicated=special:NoSchedule",
        "taint",
        None,
        [("nodes", ["node-1"])],
        {"taints_to_add": [{"key": "dedicated", "value": "special", "effect": "NoSchedule"}]},
    ),
    (
        "taint node node-1 gpu:NoExecute dedicated:NoSchedule- old-",
        "taint",
        None,
        [("nodes", ["node-1"])],
        {
            "taints_to_add": [{"key": "gpu", "value": "", "effect": "NoExecute"}],
            "taints_to_remove": [
                {"key": "dedicated", "effect": "NoSchedule"},
                {"key": "old", "effect": ""},
            ],
        },
    ),
    ("rollout status deploy/web", "rollout", "status", [("deployments", ["web"])], {"watch": True}),
    (
        "rollout status deployment web --timeout=30s --duration=10s",
        "rollout",
        "status",
        [("deployments", ["web"])],
        {"timeout": 30.0, "duration": 10.0},
    ),
    (
        "rollout history deploy/web --revision=2",
        "rollout",
        "history",
        [("deployments", ["web"])],
        {"revision": 2},
    ),
    ("rollout restart deploy/web", "rollout", "restart", [("deployments", ["web"])], {}),
    (
        "rollout undo deploy/web --to-revision=1",
        "rollout",
        "undo",
        [("deployments", ["web"])],
        {"to-revision": 1},
    ),
    ("logs web", "logs", None, [("pods", ["web"])], {"container": None}),
    ("logs web app", "logs", None, [("pods", ["web"])], {"container": "app"}),
    (
        "logs web -c app --tail=5",
        "logs",
        None,
        [("pods", ["web"])],
        {"container": "app", "tail": 5},
    ),
    (
        "logs deploy/web -f --duration=10s",
        "logs",
        None,
        [("deployments", ["web"])],
        {"follow": True, "duration": 10.0},
    ),
    ("logs -l app=web --since=1h", "logs", None, [("pods", [])], {"since": 3600.0}),
    (
        "auth can-i list pods -n prod",
        "auth",
        "can-i",
        [("pods", [])],
        {"access_verb": "list", "namespace": "prod"},
    ),
    ("auth can-i get pods/web", "auth", "can-i", [("pods", ["web"])], {"access_verb": "get"}),
    ("auth can-i create deployments.apps", "auth", "can-i", [("deployments", [])], {}),
    ("auth can-i get /healthz", "auth", "can-i", [], {"non_resource_url": "/healthz"}),
    ("auth can-i '*' '*'", "auth", "can-i", [], {"access_verb": "*"}),
    ("auth can-i --list", "auth", "can-i", [], {"list": True}),
    (
        "auth can-i list pods --as=alice --as-group=devs",
        "auth",
        "can-i",
        [("pods", [])],
        {"as_user": "alice", "as_groups": ["devs"]},
    ),
    ("auth can-i list pods -A", "auth", "can-i", [("pods", [])], {"all_namespaces": True}),
    ("auth whoami", "auth", "whoami", [], {}),
    ("api-resources", "api-resources", None, [], {}),
    ("api-resources --namespaced=false -o wide", "api-resources", None, [], {"namespaced": False}),
    ("api-versions", "api-versions", None, [], {}),
    ("explain pods", "explain", None, [("pods", [])], {"field_path": [], "output": None}),
    (
        "explain deploy.spec.template --recursive",
        "explain",
        None,
        [("deployments", [])],
        {"field_path": ["spec", "template"], "recursive": True},
    ),
    ("version", "version", None, [], {}),
    ("version --client -o json", "version", None, [], {"client": True, "output": "json"}),
    ("cluster-info", "cluster-info", None, [], {}),
    ("help", "help", None, [], {"args": []}),
    ("help get", "help", None, [], {"args": ["get"]}),
    ("get pods --help", "help", None, [], {"args": ["get"]}),
    ("", "help", None, [], {}),
]


@pytest.mark.parametrize(
    ("line", "verb", "subverb", "resources", "checks"), OK, ids=[o[0] or "(empty)" for o in OK]
)
def test_parse_table(
    line: str,
    verb: str,
    subverb: str | None,
    resources: list[tuple[str, list[str]]],
    checks: dict[str, Any],
) -> None:
    cmd = parse(line)
    assert (cmd.verb, cmd.subverb) == (verb, subverb)
    assert res(cmd) == resources
    for name, expected in checks.items():
        value = getattr(cmd, name) if name in ATTRIBUTES else cmd.flags[name]
        assert value == expected, name


def test_the_table_is_big_enough() -> None:
    assert len(OK) >= 60


def test_flags_are_typed_and_defaults_filled() -> None:
    cmd = parse("get pods --chunk-size=0x10 -v 6 --request-timeout=5s")
    assert cmd.flags["chunk-size"] == 16  # pflag int64: strconv.ParseInt(s, 0, 64)
    assert cmd.flags["v"] == 6
    assert cmd.flags["request-timeout"] == "5s"  # a string flag in kubectl
    assert cmd.flags["server-print"] is True and cmd.flags["watch"] is False
    assert cmd.changed == ["chunk-size", "v", "request-timeout"]
    assert cmd.raw == ["get", "pods", "--chunk-size=0x10", "-v", "6", "--request-timeout=5s"]


def test_dry_run_and_cascade_warnings() -> None:
    # helpers.go GetDryRunStrategy: the bare and the boolean spellings warn (klog)
    cmd = parse("delete pod web --dry-run")
    assert cmd.dry_run == "client"
    assert cmd.warnings == ["--dry-run is deprecated and can be replaced with --dry-run=client."]
    cmd = parse("delete pod web --dry-run=false")
    assert cmd.dry_run == "none"
    assert cmd.warnings == [
        "--dry-run=false is deprecated (boolean value) and can be replaced with --dry-run=none."
    ]
    # delete_flags.go parseCascadingFlag
    cmd = parse("delete deploy web --cascade=false")
    assert cmd.flags["cascade"] == "orphan"
    assert cmd.warnings == [
        "warning: --cascade=false is deprecated (boolean value) and can be replaced with "
        "--cascade=orphan."
    ]
    cmd = parse("delete pod web --grace-period=0 --force")
    assert cmd.warnings == [
        "Warning: Immediate deletion does not wait for confirmation that the running resource "
        "has been terminated. The resource may continue to run on the cluster indefinitely."
    ]


def test_can_i_warnings() -> None:
    # cani.go Validate / resourceFor: warnings, not errors
    assert parse("auth can-i list nodes").warnings == [
        "Warning: resource 'nodes' is not namespace scoped\n"
    ]
    assert parse("auth can-i list clusterroles").warnings == [
        "Warning: resource 'clusterroles' is not namespace scoped in group "
        "'rbac.authorization.k8s.io'\n"
    ]
    assert parse("auth can-i frob pods").warnings == ["Warning: verb 'frob' is not a known verb\n"]
    assert parse("auth can-i list podz").warnings == [
        "Warning: the server doesn't have a resource type 'podz'\n"
    ]
    assert parse("auth can-i impersonate users").warnings == []
    assert parse("get pods -w --sort-by=.metadata.name").warnings == [
        "warning: --watch requested, --sort-by will be ignored for watch events received"
    ]


# --- errors --------------------------------------------------------------------------------------

_SEE_GET = "See 'kubectl get --help' for usage.\n"
_MISSING = (
    "error: You must provide one or more resources by argument or filename.\n"
    "Example resource specifications include:\n"
    "   '-f rsrc.yaml'\n"
    "   '--filename=rsrc.json'\n"
    "   '<resource> <name>'\n"
    "   '<resource>'\n"
)
_COMBINED = (
    "error: there is no need to specify a resource type as a separate argument when passing "
    "arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of "
    "'kubectl get resource resource/<resource_name>'\n"
)
_LOGS = (
    "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
    "POD or TYPE/NAME is a required argument for the logs command\n"
    "See 'kubectl logs -h' for help and examples\n"
)

ERRORS: dict[str, str] = {
    # cobra: unknown commands and suggestions (registration order, Levenshtein <= 2 or prefix)
    "gett pods": 'error: unknown command "gett" for "kubectl"\n\nDid you mean this?\n'
    "\tset\n\tget\n",
    "delet pod x": 'error: unknown command "delet" for "kubectl"\n\nDid you mean this?\n\tdelete\n',
    "ap": 'error: unknown command "ap" for "kubectl"\n\nDid you mean this?\n\ttop\n\tcp\n\tapply\n'
    "\tapi-versions\n\tapi-resources\n",
    "v": 'error: unknown command "v" for "kubectl"\n\nDid you mean this?\n\tcp\n\tversion\n',
    "hel": 'error: unknown command "hel" for "kubectl"\n\nDid you mean this?\n\tset\n\tget\n',
    "alph": 'error: unknown command "alph" for "kubectl"\n\nDid you mean this?\n\tauth\n',
    "list": 'error: unknown command "list" for "kubectl"\n\nDid you mean this?\n\tget\n\twait\n',
    "zzzzzz": 'error: unknown command "zzzzzz" for "kubectl"\n',
    # kubectl's plugin lookup runs first and refuses flags before the first word
    "--foo get pods": "Error: flags cannot be placed before plugin name: --foo\n",
    "-n x gett": "Error: flags cannot be placed before plugin name: -n\n",
    # subcommand groups (cmdutil.DefaultSubCommandRun)
    "rollout statu deploy/x": 'error: unknown command "statu deploy/x"\n'
    "See 'kubectl rollout -h' for help and examples\n",
    "auth can": "error: unknown command \"can\"\nSee 'kubectl auth -h' for help and examples\n",
    # pflag, through templates FlagErrorFunc
    "get --foo": "error: unknown flag: --foo\n" + _SEE_GET,
    "get pods -x": "error: unknown shorthand flag: 'x' in -x\n" + _SEE_GET,
    "get pods -wx": "error: unknown shorthand flag: 'x' in -x\n" + _SEE_GET,
    "get pods -n": "error: flag needs an argument: 'n' in -n\n" + _SEE_GET,
    "get pods --namespace": "error: flag needs an argument: --namespace\n" + _SEE_GET,
    "get pods --replicas=3": "error: unknown flag: --replicas\n" + _SEE_GET,
    "get pods --all-namespaces=maybe": 'error: invalid argument "maybe" for "-A, --all-namespaces" '
    'flag: strconv.ParseBool: parsing "maybe": invalid syntax\n' + _SEE_GET,
    "get pods --chunk-size=abc": 'error: invalid argument "abc" for "--chunk-size" flag: '
    'strconv.ParseInt: parsing "abc": invalid syntax\n' + _SEE_GET,
    "get pods --chunk-size=99999999999999999999": 'error: invalid argument "99999999999999999999" '
    'for "--chunk-size" flag: strconv.ParseInt: parsing "99999999999999999999": value out of '
    "range\n" + _SEE_GET,
    "get pods --duration=30": 'error: invalid argument "30" for "--duration" flag: time: missing '
    'unit in duration "30"\n' + _SEE_GET,
    "delete pods x --timeout=3x": 'error: invalid argument "3x" for "--timeout" flag: time: '
    'unknown unit "x" in duration "3x"\n' + "See 'kubectl delete --help' for usage.\n",
    "get pods -L 'a,\"b'": 'error: invalid argument "a,\\"b" for "-L, --label-columns" flag: '
    'parse error on line 1, column 5: extraneous or missing " in quoted-field\n' + _SEE_GET,
    "version --foo": "error: unknown flag: --foo\nSee 'kubectl version --help' for usage.\n",
    # cobra required flags
    "scale deploy web": 'error: required flag(s) "replicas" not set\n',
    "create deployment web": 'error: required flag(s) "image" not set\n',
    # get.go
    "get": 'You must specify the type of resource to get. Use "kubectl api-resources" for a '
    "complete list of supported resources.\n\n"
    "error: Required resource not specified.\n"
    'Use "kubectl explain <resource>" for a detailed description of that resource (e.g. '
    "kubectl explain pods).\n"
    "See 'kubectl get -h' for help and examples\n",
    "get -w": _MISSING,
    "get pods --show-labels -o json": "error: --show-labels option cannot be used with json "
    "printer\n",
    "get pods --output-watch-events": "error: --output-watch-events option can only be used "
    "with --watch or --watch-only\n",
    "get --raw=/api pods": "error: arguments may not be passed when --raw is specified\n",
    "get pods -o foo": 'error: unable to match a printer suitable for the output format "foo", '
    "allowed formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,"
    "jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml\n",
    "get pods -o custom-columns": "error: custom-columns format specified but no custom columns "
    "given\n",
    "get pods -o jsonpath": "error: template format specified but no template given\n",
    # resource builder
    "get podz": 'error: the server doesn\'t have a resource type "podz"\n',
    "get -o foo podz": 'error: the server doesn\'t have a resource type "podz"\n',
    "get foo.bar": 'error: the server doesn\'t have a resource type "foo"\n',
    "get deployments.v9.apps": 'error: the server doesn\'t have a resource type "deployments"\n',
    "get pods,podz x": 'error: the server doesn\'t have a resource type "podz"\n',
    "get pods/web web": _COMBINED,
    "get pod/web svc": _COMBINED,
    "get pods,svc/x": "error: arguments in resource/name form must have a single resource and "
    "name\n",
    "delete pod/a/b": "error: arguments in resource/name form may not have more than one slash\n",
    "get pods web -A": "error: a resource cannot be retrieved by name across all namespaces\n",
    "get pods web -l app=x": "error: name cannot be provided when a selector is specified\n",
    "get pods/x -l app=x": "error: selectors and the all flag cannot be used when passing "
    "resource/name arguments\n",
    "get pods x --subresource=status -l a=b": "error: name cannot be provided when a selector is "
    "specified\n",
    "get pods --subresource=status": "error: subresource cannot be used when bulk resources are "
    "specified\n",
    "get pods,svc -f x.yaml": "error: when paths, URLs, or stdin is provided as input, you may "
    "not specify resource arguments as well\n",
    # describe.go, explain.go
    "describe": 'error: You must specify the type of resource to describe. Use "kubectl '
    'api-resources" for a complete list of supported resources.\n',
    "describe podz": 'error: the server doesn\'t have a resource type "podz"\n',
    "explain": 'error: You must specify the type of resource to explain. Use "kubectl '
    'api-resources" for a complete list of supported resources.\n',
    "explain pods svc": "error: We accept only this format: explain RESOURCE\n",
    "explain podz": 'the server doesn\'t have a resource type "podz"\n',
    # apply, create, replace
    "apply": "error: must specify one of -f and -k\n",
    "apply x": "error: Unexpected args: [x]\nSee 'kubectl apply -h' for help and examples\n",
    "apply -f x.yaml --force-conflicts": "error: --force-conflicts only works with --server-side\n",
    "apply -f x.yaml --server-side --dry-run=client": "error: --dry-run=client doesn't work with "
    "--server-side (did you mean --dry-run=server instead?)\n",
    "apply -f x.yaml --server-side --force": "error: --force cannot be used with --server-side\n",
    "apply -f x.yaml --dry-run=server --force": "error: --dry-run=server cannot be used with "
    "--force\n",
    "apply -f x.yaml --all -l a=b": "error: cannot set --all and --selector at the same time\n",
    "apply -f x.yaml --validate=maybe": 'error: invalid - validate option "maybe"; must be one '
    "of: strict (or true), warn, ignore (or false)\n",
    "apply -f x.yaml --subresource=status": "error: --subresource can only be specified for "
    "--server-side\n",
    "create": "error: must specify one of -f and -k\n",
    "create foo": "error: Unexpected args: [foo]\nSee 'kubectl create -h' for help and examples\n",
    "create namespace": "error: exactly one NAME is required, got 0\n"
    "See 'kubectl create namespace -h' for help and examples\n",
    "create namespace a b": "error: exactly one NAME is required, got 2\n"
    "See 'kubectl create namespace -h' for help and examples\n",
    "create deployment x --image=nginx -o bogus": "error: unable to match a printer suitable "
    'for the output format "bogus", allowed formats are: go-template,go-template-file,json,'
    "jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml\n",
    "replace": "error: must specify one of -f and -k\n",
    "replace -f x.yaml --grace-period=3": "error: --grace-period must have --force specified\n",
    "replace -f x.yaml --timeout=3s": "error: --timeout must have --force specified\n",
    "replace -f x.yaml --force --dry-run=client": "error: --dry-run can not be used when --force "
    "is set\n",
    # delete.go
    "delete": _MISSING,
    "delete pods": "error: resource(s) were provided, but no name was specified\n",
    "delete podz": 'error: the server doesn\'t have a resource type "podz"\n',
    "delete pods --all -l app=x": "error: setting 'all' parameter but found a non empty "
    "selector. \n",
    "delete pods --all x": "error: name cannot be provided when a selector is specified\n",
    "delete pods x --now --grace-period=3": "error: --now and --grace-period cannot be specified "
    "together\n",
    "delete pods x --cascade=maybe": 'error: invalid cascade value (maybe). Must be "background", '
    '"foreground", or "orphan"\n',
    "delete pods x -o json": "error: unexpected -o output mode: json. We only support '-o name'\n",
    "delete pods x --force --grace-period=5": "error: --force and --grace-period greater than 0 "
    "cannot be specified together\n",
    "delete pods x --dry-run=bogus": 'error: Invalid dry-run value (bogus). Must be "none", '
    '"server", or "client".\n',
    # label.go, annotate.go, helpers.go GetResourcesAndPairs
    "label pods": "error: at least one label update is required\n",
    "label pods a=b": "error: resource(s) were provided, but no name was specified\n",
    "label pods x a=b c": "error: all resources must be specified before label changes: c\n",
    "label pods x a=b=c": "error: invalid label spec: a=b=c\n",
    "label pods x a=b a-": "error: can not both modify and remove a label in the same command\n",
    "label pods x foo": "error: at least one label update is required\n",
    "label pods x 'a=b c'": 'error: invalid label value: "a=b c": a valid label must be an '
    "empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and "
    "end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex "
    "used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')\n",
    "label pods x a=b --list -o json": "error: --list and --output may not be specified together\n",
    "label --all -l c=d pods a=b": "error: cannot set --all and --selector at the same time\n",
    "annotate pods x": "error: at least one annotation update is required\n",
    "annotate pods x a=b a-": "error: can not both modify and remove the following "
    "annotation(s) in the same command: a\n",
    "annotate a=b": "error: one or more resources must be specified as <resource> <name> or "
    "<resource>/<name>\n",
    # patch.go
    "patch pods x": "error: must specify --patch or --patch-file containing the contents of the "
    "patch\n",
    "patch pods x -p '{}' --patch-file=y": "error: cannot specify --patch and --patch-file "
    "together\n",
    "patch pods x -p '{}' --type=foo": "error: --type must be one of [json merge strategic], not "
    '"foo"\n',
    "patch pods x --local -p '{}'": "error: cannot specify --local and server resources\n",
    # scale.go
    "scale deploy web --replicas=-1": "error: The --replicas=COUNT flag is required, and COUNT "
    "must be greater than or equal to 0\n",
    "scale deploy web --replicas=1 --current-replicas=-2": "error: The --current-replicas must "
    "specify an integer of -1 or greater\n",
    # drain.go (cordon, uncordon, drain)
    "cordon": "error: USAGE: cordon NODE [flags]\nSee 'kubectl cordon -h' for help and examples\n",
    "drain": "error: USAGE: drain NODE [flags]\nSee 'kubectl drain -h' for help and examples\n",
    "cordon n1 -l a=b": "error: cannot specify both a node name and a --selector option\n"
    "See 'kubectl cordon -h' for help and examples\n",
    # taint.go, taint/utils.go
    "taint nodes n1": "error: at least one taint update is required\n",
    "taint nodes a=b:NoSchedule": "error: at least one resource name must be specified since "
    "'all' parameter is not set\n",
    "taint nodes n1 dedicated=special:NoFoo": "error: invalid taint effect: NoFoo, unsupported "
    "taint effect\nSee 'kubectl taint -h' for help and examples\n",
    "taint nodes n1 a=b:NoSchedule a=c:NoSchedule": "error: duplicated taints with the same key "
    "and effect: {a c NoSchedule <nil>}\nSee 'kubectl taint -h' for help and examples\n",
    "taint nodes n1 a=b:NoSchedule x": "error: all resources must be specified before taint "
    "changes: x\n",
    "taint n1 a=b:NoSchedule": 'the server doesn\'t have a resource type "n1"\n',
    "taint pods p1 a=b:NoSchedule": "error: invalid resource type pods, only node types are "
    "supported\n",
    "taint nodes n1 a=b:NoSchedule a:NoSchedule-": "error: can not both modify and remove the "
    "following taint(s) in the same command: a=NoSchedule\n",
    "taint nodes --all -l a=b a=b:NoSchedule": "error: setting 'all' parameter with a non empty "
    "selector is prohibited\n",
    # rollout/*.go
    "rollout status": "error: required resource not specified\n",
    "rollout undo": "error: required resource not specified\n",
    "rollout restart": "error: required resource not specified\n",
    "rollout history deploy/x --revision=-1": "error: revision must be a positive integer: -1\n",
    # logs.go
    "logs": _LOGS,
    "logs a b c": _LOGS,
    "logs x -l app=y": "error: only a selector (-l) or a POD name is allowed\n"
    "See 'kubectl logs -h' for help and examples\n",
    "logs x -c a b": "error: only one of -c or an inline [CONTAINER] arg is allowed\n",
    "logs x --tail=-2": "error: --tail must be greater than or equal to -1\n",
    "logs x --limit-bytes=-1": "error: --limit-bytes must be greater than 0\n",
    "logs x --all-containers -c a": "error: --all-containers=true should not be specified with "
    "container name a\n",
    # auth/cani.go
    "auth can-i": "error: you must specify two arguments: verb resource or verb "
    "resource/resourceName.\nSee 'kubectl auth can-i -h' for help and examples.\n",
    "auth can-i get": "error: you must specify two arguments: verb resource or verb "
    "resource/resourceName.\nSee 'kubectl auth can-i -h' for help and examples.\n",
    "auth can-i --list pods": "error: list option must be specified with no arguments\n",
    "auth can-i --list -q": "error: list option can't be specified with neither quiet, "
    "all-namespaces nor subresource options\n",
    "auth can-i get pods --no-headers": "error: --no-headers cannot be set without --list "
    "specified\n",
    "auth can-i get /logs --subresource=log": "error: --subresource can not be used with "
    "NonResourceURL\n",
    # apiresources.go, version.go
    "api-resources x": "error: unexpected arguments: [x]\nSee 'kubectl api-resources -h' for "
    "help and examples\n",
    "api-resources -o json": "error: --output json is not available\n",
    "api-resources --sort-by=x": "error: --sort-by accepts only name or kind\n",
    "api-versions x": "error: unexpected arguments: [x]\nSee 'kubectl api-versions -h' for help "
    "and examples\n",
    "version x": "error: extra arguments: [x]\n",
    "version -o foo": "error: --output must be 'yaml' or 'json'\n",
}


@pytest.mark.parametrize("line", sorted(ERRORS))
def test_errors(line: str) -> None:
    with pytest.raises(ParseError) as err:
        parse(line)
    assert err.value.stderr == ERRORS[line]
    assert err.value.exit_code == 1
    assert err.value.stdout == ""


def test_group_without_subcommand_prints_usage_and_fails() -> None:
    # cmdutil.DefaultSubCommandRun: help (rollout: on stdout) and exit code 1, no message
    with pytest.raises(ParseError) as err:
        parse("rollout")
    assert (err.value.stderr, err.value.exit_code) == ("", 1)
    assert "status" in err.value.stdout and "undo" in err.value.stdout


def test_verbs_kubelab_does_not_model_are_refused_clearly() -> None:
    for line in ("exec -it web -- ls", "port-forward web 8080", "edit pod web", "top pods"):
        with pytest.raises(ParseError) as err:
            parse(line)
        assert err.value.stderr.startswith('error: kubelab does not model "kubectl ')


@given(
    st.lists(
        st.sampled_from(
            [
                "get",
                "pods",
                "-n",
                "x",
                "-o",
                "wide",
                "--",
                "-",
                "a=b",
                "web",
                "--all",
                "-l",
                "'",
                "delete",
                "po/web",
                "label",
                "taint",
                "n:NoSchedule",
            ]
        ),
        max_size=6,
    )
)
def test_parse_only_raises_parse_error(words: list[str]) -> None:
    try:
        parse(" ".join(words))
    except ParseError as err:
        assert err.exit_code == 1 and (err.stderr or err.stdout)


# --- the Go and pflag pieces ---------------------------------------------------------------------


def test_go_number_parsing() -> None:
    assert go_parse_int("42") == 42
    assert go_parse_int("-0x1f", 0) == -31
    assert go_parse_int("0o17", 0) == 15 and go_parse_int("017", 0) == 15
    assert go_parse_int("1_000", 0) == 1000
    assert go_parse_int("9223372036854775807") == 2**63 - 1
    assert go_parse_int("-9223372036854775808") == -(2**63)
    assert go_parse_uint("ffffffffffffffff", 16) == 2**64 - 1
    for bad, msg in [
        ("", 'strconv.ParseInt: parsing "": invalid syntax'),
        ("1_000", 'strconv.ParseInt: parsing "1_000": invalid syntax'),  # only base 0
        (
            "9223372036854775808",
            'strconv.ParseInt: parsing "9223372036854775808": value out of range',
        ),
        ("0x", 'strconv.ParseInt: parsing "0x": invalid syntax'),
    ]:
        with pytest.raises(GoSyntaxError) as err:
            go_parse_int(bad)
        assert str(err.value) == msg
    with pytest.raises(GoSyntaxError, match=re.escape('ParseInt: parsing "_1": invalid syntax')):
        go_parse_int("_1", 0)
    with pytest.raises(
        GoSyntaxError, match=re.escape('strconv.ParseUint: parsing "-1": invalid syntax')
    ):
        go_parse_uint("-1", 16)
    assert [go_parse_bool(s) for s in ("1", "t", "TRUE", "False", "0")] == [
        True,
        True,
        True,
        False,
        False,
    ]
    with pytest.raises(
        GoSyntaxError, match=re.escape('strconv.ParseBool: parsing "yes": invalid syntax')
    ):
        go_parse_bool("yes")


def test_go_durations() -> None:
    assert parse_go_duration("1h2m3.5s") == pytest.approx(3723.5)
    assert parse_go_duration("300ms") == pytest.approx(0.3)
    assert parse_go_duration("-1.5h") == -5400.0
    assert parse_go_duration("0") == 0.0 and parse_go_duration("1µs") == pytest.approx(1e-6)
    for bad, msg in [
        ("", 'time: invalid duration ""'),
        ("5", 'time: missing unit in duration "5"'),
        ("3x", 'time: unknown unit "x" in duration "3x"'),
        (".s", 'time: invalid duration ".s"'),
    ]:
        with pytest.raises(GoSyntaxError) as err:
            parse_go_duration(bad)
        assert str(err.value) == msg
    # time.Duration.String
    assert go_duration_string(0) == "0s"
    assert go_duration_string(0.0013506) == "1.3506ms"
    assert go_duration_string(0.0000021) == "2.1µs"
    assert go_duration_string(90) == "1m30s"
    assert go_duration_string(3600) == "1h0m0s"
    assert go_duration_string(5.25) == "5.25s"
    assert go_duration_string(-0.5) == "-500ms"


def test_go_csv_record() -> None:
    assert go_csv_record("a,b") == ["a", "b"]
    assert go_csv_record('"a,b",c') == ["a,b", "c"]
    assert go_csv_record('"a""b"') == ['a"b']
    assert go_csv_record("a,,b") == ["a", "", "b"]
    with pytest.raises(GoSyntaxError, match='column 2: bare " in non-quoted-field'):
        go_csv_record('a"b')
    with pytest.raises(GoSyntaxError, match='column 3: extraneous or missing " in quoted-field'):
        go_csv_record('"a"b')


def test_pflag_parsing() -> None:
    specs = [
        FlagSpec("verbose", "bool", False, "v"),
        FlagSpec("name", "string", "", "n"),
        FlagSpec("count", "int", 0, "c"),
        FlagSpec("tag", "stringSlice", ["x"]),
        FlagSpec("mode", "string", "none", no_opt_default="auto"),
    ]
    p = parse_flags(
        ["a", "-vn", "bob", "--count=3", "b", "--tag=t1,t2", "--tag", "t3", "--mode", "c"], specs
    )
    assert p.values == {
        "verbose": True,
        "name": "bob",
        "count": 3,
        "tag": ["t1", "t2", "t3"],
        "mode": "auto",
    }
    assert p.args == ["a", "b", "c"] and p.changed == ["verbose", "name", "count", "tag", "mode"]
    p = parse_flags(["-c5", "--", "-v", "--x"], specs)
    assert (p.values["count"], p.args, p.args_len_at_dash) == (5, ["-v", "--x"], 0)
    assert parse_flags(["-n=joe"], specs).values["name"] == "joe"
    for args, msg in [
        (["--nope"], "unknown flag: --nope"),
        (["-z"], "unknown shorthand flag: 'z' in -z"),
        (["-vz"], "unknown shorthand flag: 'z' in -z"),
        (["--name"], "flag needs an argument: --name"),
        (["-n"], "flag needs an argument: 'n' in -n"),
        (["---x"], "bad flag syntax: ---x"),
        (
            ["--count=x"],
            'invalid argument "x" for "-c, --count" flag: strconv.ParseInt: parsing "x": '
            "invalid syntax",
        ),
        (
            ["--verbose=2"],
            'invalid argument "2" for "-v, --verbose" flag: strconv.ParseBool: parsing "2": '
            "invalid syntax",
        ),
    ]:
        with pytest.raises(FlagError) as err:
            parse_flags(args, specs)
        assert str(err.value) == msg


def test_suggestions() -> None:
    assert levenshtein("gett", "set") == 2 and levenshtein("GET", "get") == 0
    cmds = [("get", ("list",)), ("delete", ()), ("describe", ())]
    assert suggestions_for("dele", cmds) == ["delete"]  # a prefix
    assert suggestions_for("list", cmds) == ["get"]  # SuggestFor
    assert suggestions_for("gte", cmds) == ["get"]  # distance 2


# --- differential: the real kubectl 1.32 ---------------------------------------------------------

KUBECTL = shutil.which("kubectl.1.32") or next(
    (p for p in ("/usr/lib/google-cloud-sdk/bin/kubectl.1.32",) if os.path.exists(p)),
    None,
)

_DISCOVERY_SERVER = r"""
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from kubelab.api.kinds import all_kinds
groups = {}
for k in all_kinds():
    groups.setdefault((k.group, k.version), []).append(k)
def resource(k):
    return {"name": k.resource, "singularName": k.singular, "namespaced": k.namespaced,
            "kind": k.kind, "verbs": ["create", "delete", "get", "list", "patch", "update",
            "watch"], "shortNames": list(k.short_names),
            "categories": ["all"] if k.resource in ("pods", "services", "deployments",
            "replicasets") else []}
class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def answer(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        path = self.path.split("?")[0]
        if path.startswith("/version"):
            return self.answer(200, {"major": "1", "minor": "32", "gitVersion": "v1.32.0"})
        if path == "/api":
            return self.answer(200, {"kind": "APIVersions", "versions": ["v1"]})
        if path == "/apis":
            gs = []
            for g, v in sorted(groups):
                if g:
                    gv = {"groupVersion": g + "/" + v, "version": v}
                    gs.append({"name": g, "versions": [gv], "preferredVersion": gv})
            return self.answer(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": gs})
        parts = path.strip("/").split("/")
        key = ("", "v1") if parts == ["api", "v1"] else tuple(parts[1:3])
        if (parts[:2] == ["api", "v1"] and len(parts) == 2) or (len(parts) == 3 and key in groups):
            gv = "v1" if key == ("", "v1") else key[0] + "/" + key[1]
            return self.answer(200, {"kind": "APIResourceList", "groupVersion": gv,
                                     "resources": [resource(k) for k in groups[key]]})
        self.answer(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                          "reason": "NotFound", "code": 404})
    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET
server = HTTPServer(("127.0.0.1", 0), H)
print(server.server_address[1], flush=True)
server.serve_forever()
"""

#: Errors decided before kubectl talks to the server beyond discovery (later errors depend on
#: what the server holds, so they are left to the table above).
DIFFERENTIAL = [
    "gett pods",
    "ap",
    "--foo get pods",
    "rollout statu deploy/x",
    "get --foo",
    "get pods -wx",
    "get pods --all-namespaces=maybe",
    "get pods -L 'a,\"b'",
    "get",
    "get podz",
    "get foo.bar",
    "get pods/web web",
    "get pods,svc/x",
    "get pods web -A",
    "get pods web -l app=x",
    "get pods --show-labels -o json",
    "describe",
    "explain pods svc",
    "apply",
    "apply x",
    "create foo",
    "delete",
    "delete pods",
    "delete pods --all -l app=x",
    "delete pods x --cascade=maybe",
    "delete pods x --force --grace-period=5",
    "label pods x a=b=c",
    "annotate pods x a=b a-",
    "patch pods x -p '{}' --type=foo",
    "scale deploy web",
    "cordon",
    "taint nodes n1 dedicated=special:NoFoo",
    "taint n1 a=b:NoSchedule",
    "logs",
    "auth can-i",
    "api-resources -o json",
    "version x",
]


@pytest.mark.skipif(KUBECTL is None, reason="kubectl 1.32 not installed")
def test_differential_against_real_kubectl(tmp_path: Path) -> None:
    assert KUBECTL is not None
    server = subprocess.Popen(
        [sys.executable, "-c", _DISCOVERY_SERVER], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        kubeconfig = tmp_path / "kubeconfig"
        kubeconfig.write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "t", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
                    "contexts": [{"name": "t", "context": {"cluster": "t", "user": "u"}}],
                    "current-context": "t",
                    "users": [{"name": "u", "user": {}}],
                }
            )
        )
        env = dict(os.environ, HOME=str(tmp_path), KUBECONFIG=str(kubeconfig))
        for line in DIFFERENTIAL:
            real = subprocess.run(
                [KUBECTL, *shlex.split(line)],
                capture_output=True,
                text=True,
                env=env,
                stdin=subprocess.DEVNULL,
                timeout=30,
            )
            with pytest.raises(ParseError) as err:
                parse(line)
            name = os.path.basename(KUBECTL)
            assert err.value.stderr == real.stderr.replace(name, "kubectl"), line
            assert err.value.exit_code == real.returncode, line
    finally:
        server.terminate()
        server.wait(timeout=10)
