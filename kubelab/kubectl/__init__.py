"""What kubectl prints: tables, ages, ``-o json|yaml|name|jsonpath|custom-columns``, ``describe``.

Pure functions over plain object dicts, reproducing kubectl 1.32 (and the 1.32 API server's
table printers) byte for byte where it matters:

* :func:`table`, :func:`columns`, :func:`no_resources_message`, :func:`join_tables` --
  ``kubectl get`` (``pkg/printers/internalversion/printers.go``,
  ``cli-runtime/pkg/printers/tableprinter.go``);
* :func:`human_duration`, :func:`short_human_duration` -- AGE
  (``apimachinery/pkg/util/duration``);
* :func:`to_json`, :func:`to_yaml`, :func:`to_name`, :func:`jsonpath`, :func:`custom_columns`,
  :func:`sort_by` -- the other output formats and ``--sort-by``;
* :func:`describe` -- ``kubectl describe`` (``kubectl/pkg/describe/describe.go``).

``now`` is always the current simulated time in seconds; object timestamps are RFC 3339
strings as :mod:`kubelab.sim.clock` writes them.
"""

from kubelab.kubectl.describe import describe, describe_events, pod_qos_class
from kubelab.kubectl.duration import human_duration, short_human_duration
from kubelab.kubectl.jsonpath import JSONPath, JSONPathError, JSONPathParseError
from kubelab.kubectl.output import (
    OutputError,
    as_list,
    custom_columns,
    custom_columns_from_template,
    jsonpath,
    relaxed_jsonpath,
    sort_by,
    to_json,
    to_name,
    to_yaml,
)
from kubelab.kubectl.printers import (
    columns,
    join_tables,
    kind_group,
    kind_is_namespaced,
    no_resources_message,
    table,
)

__all__ = [
    "JSONPath",
    "JSONPathError",
    "JSONPathParseError",
    "OutputError",
    "as_list",
    "columns",
    "custom_columns",
    "custom_columns_from_template",
    "describe",
    "describe_events",
    "human_duration",
    "join_tables",
    "jsonpath",
    "kind_group",
    "kind_is_namespaced",
    "no_resources_message",
    "pod_qos_class",
    "relaxed_jsonpath",
    "short_human_duration",
    "sort_by",
    "table",
    "to_json",
    "to_name",
    "to_yaml",
]
