"""kubectl's other output formats: ``-o json``, ``-o yaml``, ``-o name``, ``-o jsonpath=``,
``-o custom-columns=``, and ``--sort-by``.

A single named object (``kubectl get pod web -o json``) is printed as itself; anything else is
wrapped the way ``get.go`` ``printGeneric`` does it: ``{"apiVersion": "v1", "items": [...],
"kind": "List", "metadata": {"resourceVersion": ""}}``. Pass a ``dict`` for the first case and a
``list`` for the second.

These formats never print ``No resources found``: with no objects, ``-o json``/``-o yaml`` print
an empty List, custom columns print their header line, ``-o name`` and ``-o jsonpath`` print
nothing.

Errors carry kubectl's text without the ``error: `` prefix kubectl adds when it prints them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cmp_to_key
from typing import Any, Final

from kubelab.api.quantity import QuantityError, parse_quantity
from kubelab.kubectl.goformat import go_json, go_quote, go_sharp_v, go_type_name, go_v
from kubelab.kubectl.goyaml import marshal
from kubelab.kubectl.jsonpath import JSONPath, JSONPathError, JSONPathParseError
from kubelab.kubectl.tabwriter import TABLE, tabwrite

__all__ = [
    "OutputError",
    "as_list",
    "custom_columns",
    "custom_columns_from_template",
    "jsonpath",
    "relaxed_jsonpath",
    "sort_by",
    "to_json",
    "to_name",
    "to_yaml",
]

Obj = Mapping[str, Any]


class OutputError(ValueError):
    """An output format that cannot be produced; the text is kubectl's error message."""


def as_list(objects: Sequence[Obj]) -> dict[str, Any]:
    """The ``List`` kubectl prints several objects as (``printGeneric``)."""
    return {
        "apiVersion": "v1",
        "items": [dict(o) for o in objects],
        "kind": "List",
        "metadata": {"resourceVersion": ""},
    }


def _document(obj_or_list: Obj | Sequence[Obj]) -> Any:
    if isinstance(obj_or_list, Mapping):
        return obj_or_list
    return as_list(obj_or_list)


def to_json(obj_or_list: Obj | Sequence[Obj]) -> str:
    """``-o json``: ``json.MarshalIndent(obj, "", "    ")`` plus a newline (keys sorted,
    ``<>&`` escaped as ``\\u003c`` etc., as Go's encoder writes them)."""
    return go_json(_document(obj_or_list), "    ") + "\n"


def to_yaml(obj_or_list: Obj | Sequence[Obj]) -> str:
    """``-o yaml``: ``sigs.k8s.io/yaml.Marshal`` (see :mod:`kubelab.kubectl.goyaml`)."""
    return marshal(_document(obj_or_list))


def to_name(objects: Obj | Sequence[Obj]) -> str:
    """``-o name``: ``<kind>[.<group>]/<name>`` per object, lower-case kind
    (``pod/web``, ``deployment.apps/web``; ``printers/name.go``)."""
    items = [objects] if isinstance(objects, Mapping) else list(objects)
    lines = []
    for obj in items:
        kind = obj.get("kind")
        api_version = obj.get("apiVersion")
        if not kind or not api_version:
            raise OutputError(
                "missing apiVersion or kind; try GetObjectKind().SetGroupVersionKind() "
                "if you know the type"
            )
        group = str(api_version).split("/")[0] if "/" in str(api_version) else ""
        meta = obj.get("metadata")
        name = meta.get("name") if isinstance(meta, Mapping) else None
        name = name or "<unknown>"
        prefix = f"{str(kind).lower()}.{group}" if group else str(kind).lower()
        lines.append(f"{prefix}/{name}\n")
    return "".join(lines)


def jsonpath(template: str, obj: Any, allow_missing_keys: bool = True) -> str:
    """``-o jsonpath=<template>`` applied to ``obj`` (an object, or the List from
    :func:`as_list`). Raises :class:`OutputError` with kubectl's wording::

        error parsing jsonpath {.foo, unclosed action
        error executing jsonpath "{.a[3]}": Error executing template: array index out of
        bounds: index 3, length 1. Printing more information for debugging the template: ...
    """
    if isinstance(obj, list):
        obj = as_list(obj)
    try:
        path = JSONPath(template, allow_missing_keys=allow_missing_keys)
    except JSONPathParseError as err:
        raise OutputError(f"error parsing jsonpath {template}, {err}") from None
    try:
        return path.execute(obj)
    except JSONPathError as err:
        # cli-runtime printers/jsonpath.go JSONPathPrinter.PrintObj.
        detail = (
            f"Error executing template: {err}. Printing more information for debugging the "
            "template:\n"
            f"\ttemplate was:\n\t\t{template}\n"
            f"\tobject given to jsonpath engine was:\n\t\t{go_sharp_v(obj)}\n\n"
        )
        raise OutputError(f"error executing jsonpath {go_quote(template)}: {detail}\n") from None


_RELAXED: Final = re.compile(r"^\{\.?([^{}]+)\}$|^\.?([^{}]+)$")


def relaxed_jsonpath(expression: str) -> str:
    """``RelaxedJSONPathExpression``: ``metadata.name``, ``.metadata.name``,
    ``{metadata.name}`` and ``{.metadata.name}`` all become ``{.metadata.name}``."""
    if not expression:
        return expression
    m = _RELAXED.match(expression)
    if m is None:
        raise OutputError(
            "unexpected path string, expected a 'name1.name2' or '.name1.name2' or "
            "'{name1.name2}' or '{.name1.name2}'"
        )
    return "{." + (m[1] or m[2]) + "}"


def _column_paths(columns: Sequence[tuple[str, str]]) -> list[tuple[str, JSONPath]]:
    parsed = []
    for header, spec in columns:
        try:
            parsed.append((header, JSONPath(relaxed_jsonpath(spec), allow_missing_keys=True)))
        except JSONPathParseError as err:
            raise OutputError(str(err)) from None
    return parsed


def _print_columns(
    columns: Sequence[tuple[str, str]], objects: Sequence[Obj], no_headers: bool
) -> str:
    paths = _column_paths(columns)
    lines = []
    if not no_headers:
        lines.append("\t".join(header for header, _ in paths))
    for obj in objects:
        cells = []
        for _, path in paths:
            try:
                results = path.find_results(obj)
            except JSONPathError as err:
                raise OutputError(str(err)) from None
            values: list[str] = []
            if not results or not results[0]:
                values.append("<none>")
            for group in results:
                for value in group:
                    values.append(go_v(value).replace("\x1b", "^[").replace("\r", "\\r"))
            cells.append(",".join(values))
        lines.append("\t".join(cells))
    if not lines:
        return ""
    return tabwrite("\n".join(lines) + "\n", TABLE)


def custom_columns(spec: str, objects: Obj | Sequence[Obj], no_headers: bool = False) -> str:
    """``-o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName`` (``customcolumn.go``).

    Each cell holds every value the column's path finds, ``fmt.Sprint``-ed and joined by commas,
    or ``<none>``. The header line is printed even when there are no objects.
    """
    if not spec:
        raise OutputError("custom-columns format specified but no custom columns given")
    columns = []
    for part in spec.split(","):
        header, sep, path = part.partition(":")
        if not sep:
            raise OutputError(
                f"unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>"
            )
        columns.append((header, path))
    items = [objects] if isinstance(objects, Mapping) else list(objects)
    return _print_columns(columns, items, no_headers)


def custom_columns_from_template(template: str, objects: Obj | Sequence[Obj]) -> str:
    """``-o custom-columns-file=``: a line of headers and a line of paths, whitespace-separated."""
    lines = template.splitlines()
    if not lines:
        raise OutputError(
            "invalid template, missing header line. Expected format is one line of space "
            "separated headers, one line of space separated column specs."
        )
    if len(lines) < 2:
        raise OutputError(
            "invalid template, missing spec line. Expected format is one line of space "
            "separated headers, one line of space separated column specs."
        )
    headers, specs = lines[0].split(), lines[1].split()
    if len(headers) != len(specs):
        raise OutputError(
            f"number of headers ({len(headers)}) and field specifications ({len(specs)}) "
            "don't match"
        )
    items = [objects] if isinstance(objects, Mapping) else list(objects)
    return _print_columns(list(zip(headers, specs, strict=True)), items, False)


# ----------------------------------------------------------------------------- --sort-by


def _is_less(a: Any, b: Any) -> bool:
    """``isLess`` for unstructured values (``sorter.go``): numbers by value, strings that are
    both quantities by quantity (``1Gi`` > ``500Mi``), other strings byte-wise, nil first."""
    if a is None and b is None:
        return False
    if a is None:
        return True
    if b is None:
        return False
    ka, kb = go_type_name(a), go_type_name(b)
    if ka in ("int64", "float64", "string") and ka == kb:
        if ka == "string":
            try:
                return parse_quantity(a).cmp(parse_quantity(b)) < 0
            except QuantityError:
                return bool(a < b)
        return bool(a < b)
    if ka in ("int64", "float64", "string"):
        raise OutputError("unsortable interface: interface")
    raise OutputError(f"unsortable type: {ka}")


def sort_by(objects: Sequence[Obj], expression: str) -> list[Obj]:
    """``--sort-by=<jsonpath>``: the objects ordered by the first value the path finds.

    Objects without the field sort first. Like kubectl's table sorter, nothing happens for
    fewer than two objects, and a path found in none of them is an error
    (``couldn't find any field with path "{.x}" in the list of objects``). Go's ``sort.Sort``
    is an insertion sort up to 12 elements, reproduced exactly; longer lists use a stable sort.
    """
    items = list(objects)
    if len(items) < 2:
        return items
    try:
        field = relaxed_jsonpath(expression)
    except OutputError:
        field = expression
    try:
        path = JSONPath(field, allow_missing_keys=True)
    except JSONPathParseError as err:
        raise OutputError(f"sorting error: {err}") from None
    keys: list[list[Any]] = []
    for obj in items:
        try:
            results = path.find_results(obj)
        except JSONPathError as err:
            raise OutputError(str(err)) from None
        keys.append(results[0][:1] if results and results[0] else [])
    if not any(keys):
        raise OutputError(
            f"couldn't find any field with path {go_quote(field)} in the list of objects"
        )

    def less(i: int, j: int) -> bool:
        if not keys[i]:
            return True
        if not keys[j]:
            return False
        try:
            return _is_less(keys[i][0], keys[j][0])
        except OutputError as err:
            # sorter.go TableSorter.Less exits through klog with this line.
            raise OutputError(
                f"Field {field} in [][][]reflect.Value is an unsortable type: interface, err: {err}"
            ) from None

    order = list(range(len(items)))
    if len(order) <= 12:
        for i in range(1, len(order)):
            j = i
            while j > 0 and less(order[j], order[j - 1]):
                order[j], order[j - 1] = order[j - 1], order[j]
                j -= 1
    else:

        def compare(i: int, j: int) -> int:
            return -1 if less(i, j) else (1 if less(j, i) else 0)

        order.sort(key=cmp_to_key(compare))
    return [items[i] for i in order]
