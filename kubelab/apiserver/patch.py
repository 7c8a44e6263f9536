"""The three patch types of the Kubernetes API, and the patches kubectl computes.

A ``PATCH`` request names its format in ``Content-Type``:

* ``application/json-patch+json`` -- RFC 6902 JSON Patch, a list of operations on JSON
  pointers (:func:`json_patch`). The API server applies it with ``evanphx/json-patch`` v4
  (``k8s.io/apiserver/pkg/endpoints/handlers/patch.go`` ``applyJSPatch``).
* ``application/merge-patch+json`` -- RFC 7386 JSON Merge Patch: the patch looks like the
  object, ``null`` deletes, lists are replaced whole (:func:`json_merge_patch`).
* ``application/strategic-merge-patch+json`` -- Kubernetes' own strategic merge patch: a merge
  patch that knows, from the API types' struct tags, which lists merge by a key
  (:func:`strategic_merge_patch`, tags in :mod:`kubelab.apiserver.merge_keys`). It is what
  ``kubectl apply``, ``kubectl patch`` and ``kubectl set image`` send for built-in kinds.

``kubectl apply`` (client-side) computes its patch with ``CreateThreeWayMergePatch`` from the
last-applied configuration, the new manifest and the live object
(:func:`create_three_way_merge_patch`); for custom resources it computes a JSON merge patch
instead (:func:`create_three_way_json_merge_patch`).

The strategic merge code follows ``k8s.io/apimachinery/pkg/util/strategicpatch/patch.go``
(v0.32) step by step -- the order of list items it produces, its ``$setElementOrder``,
``$retainKeys``, ``$deleteFromPrimitiveList`` and ``$patch`` directives and its error texts
(``k8s.io/apimachinery/pkg/util/mergepatch/errors.go``) -- because clients depend on those
details. Errors carry the HTTP status the API server answers with (:meth:`PatchError.status`).

Left out or different:

* JSON Patch follows RFC 6902 where ``evanphx/json-patch`` v4 is laxer: ``replace`` and ``test``
  of a missing object member fail (v4 lets ``replace`` add it), and ``add`` at the root path
  replaces the document (v4 refuses). Like v4 -- and unlike the RFC -- negative array indices
  count from the end (``SupportNegativeIndices`` defaults to true).
* JSON numbers: integers and floats count as one JSON number type when comparing types.
* ``CreateThreeWayMergePatch`` is computed as ``kubectl apply`` calls it (``overwrite=true``),
  so there is no conflict check.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Mapping
from typing import Any, Final

from kubelab.apiserver import merge_keys

__all__ = [
    "APPLY_PATCH",
    "JSON_PATCH",
    "MAX_JSON_PATCH_OPERATIONS",
    "MERGE_PATCH",
    "STRATEGIC_MERGE_PATCH",
    "PatchError",
    "create_merge_patch",
    "create_three_way_json_merge_patch",
    "create_three_way_merge_patch",
    "create_two_way_merge_patch",
    "json_merge_patch",
    "json_patch",
    "merge_patch",
    "strategic_merge_patch",
]

# k8s.io/apimachinery/pkg/types/patch.go: the PATCH content types.
JSON_PATCH: Final = "application/json-patch+json"
MERGE_PATCH: Final = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH: Final = "application/strategic-merge-patch+json"
APPLY_PATCH: Final = "application/apply-patch+yaml"

#: handlers/patch.go maxJSONPatchOperations.
MAX_JSON_PATCH_OPERATIONS: Final = 10000

# What a custom resource's PATCH route accepts (apiextensions-apiserver
# customresource_handler.go supportedTypes; CBOR apply only behind a feature gate).
_CUSTOM_RESOURCE_PATCH_TYPES: Final = (JSON_PATCH, MERGE_PATCH, APPLY_PATCH)

# errors.go NewGenericServerResponse: a 422 says only this; the patch library's own message is
# dropped, so kubectl prints "The request is invalid: the server rejected our request ...".
_GENERIC_422: Final = "the server rejected our request due to an error in our request"

# strategicpatch/patch.go: the directives.
_DIRECTIVE: Final = "$patch"
_DELETE: Final = "delete"
_REPLACE: Final = "replace"
_MERGE: Final = "merge"
_RETAIN_KEYS: Final = "$retainKeys"
_DELETE_FROM_PRIMITIVE_LIST: Final = "$deleteFromPrimitiveList"
_SET_ELEMENT_ORDER: Final = "$setElementOrder"


class PatchError(ValueError):
    """A patch that cannot be applied, with the ``Status`` the API server answers.

    ``str(err)`` is the detailed reason (for JSON patch it names the operation index and path).
    ``code``/``reason`` are the HTTP status and ``Status.reason``; ``status_message`` is what
    the server puts in ``Status.message``, which for a failed JSON patch is only the generic
    ``the server rejected our request due to an error in our request``.
    """

    def __init__(
        self,
        message: str,
        *,
        code: int = 422,
        reason: str = "Invalid",
        status_message: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.reason = reason
        self.status_message = message if status_message is None else status_message
        self.details = None if details is None else dict(details)

    def status(self) -> dict[str, Any]:
        """The ``metav1.Status`` body of the error response (``reason`` omitted when empty)."""
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.status_message,
        }
        if self.reason:
            status["reason"] = self.reason
        if self.details is not None:
            status["details"] = dict(self.details)
        status["code"] = self.code
        return status


def _bad_request(message: str) -> PatchError:
    """errors.go NewBadRequest: 400, reason BadRequest, the message as given."""
    return PatchError(message, code=400, reason="BadRequest")


def _unprocessable(message: str) -> PatchError:
    """errors.go NewGenericServerResponse(422, ...): the detail is not sent to the client."""
    return PatchError(message, code=422, reason="Invalid", status_message=_GENERIC_422, details={})


def _unknown(message: str) -> PatchError:
    """A plain Go error reaching the handler: responsewriters/status.go ErrorToAPIStatus makes
    it a 500 with an empty (unknown) reason; kubectl prints ``Error from server: <message>``."""
    return PatchError(message, code=500, reason="")


def _unsupported_media_type(kind: str) -> PatchError:
    """negotiation/errors.go errUnsupportedMediaType: strategic merge for a custom resource."""
    accepted = ", ".join(_CUSTOM_RESOURCE_PATCH_TYPES)
    return PatchError(
        f"strategic merge patch is not supported for {kind}",
        code=415,
        reason="UnsupportedMediaType",
        status_message=(
            "the body of the request was in an unknown format - accepted media types include: "
            f"{accepted}"
        ),
    )


# --------------------------------------------------------------------------------------------
# JSON values as Go sees them


def _json_kind(value: Any) -> str:
    """The JSON type name encoding/json uses in ``cannot unmarshal X into ...`` errors."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if value is None:
        return "null"
    return "number"


def _go_type(value: Any) -> str:
    """``reflect.TypeOf`` of a decoded JSON value, with integers and floats as one number."""
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, list):
        return "[]interface {}"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if value is None:
        return "<nil>"
    return "float64"


def _go_v(value: Any) -> str:
    """Go's ``%v`` of a decoded JSON value: ``map[a:1 b:[x y]]``, ``<nil>``, ``true``."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    if isinstance(value, dict):
        # fmt prints map keys sorted.
        return "map[" + " ".join(f"{k}:{_go_v(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go_v(v) for v in value) + "]"
    return str(value)


def _scalar_key(value: Any) -> tuple[str, Any]:
    """A hashable identity for ``==`` on Go interface values (so ``True`` is not ``1``)."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", value)
    if isinstance(value, str | type(None)):
        return (type(value).__name__, value)
    return ("json", json.dumps(value, sort_keys=True))


def _scalar_eq(left: Any, right: Any) -> bool:
    return _scalar_key(left) == _scalar_key(right)


def _deep_equal(left: Any, right: Any) -> bool:
    """``reflect.DeepEqual`` on decoded JSON (numbers compared by value)."""
    if isinstance(left, dict):
        return (
            isinstance(right, dict)
            and left.keys() == right.keys()
            and all(_deep_equal(left[k], right[k]) for k in left)
        )
    if isinstance(left, list):
        return (
            isinstance(right, list)
            and len(left) == len(right)
            and all(_deep_equal(a, b) for a, b in zip(left, right, strict=True))
        )
    if isinstance(right, dict | list):
        return False
    return _scalar_eq(left, right)


# --------------------------------------------------------------------------------------------
# RFC 7386 JSON Merge Patch


def _merge_patch_in_place(target: Any, patch: Any) -> Any:
    # RFC 7386 section 2, MergePatch(Target, Patch).
    if not isinstance(patch, dict):
        return patch
    result = target if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = _merge_patch_in_place(result.get(name), value)
    return result


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply an RFC 7386 merge patch to any JSON value and return the result.

    A patch that is not an object replaces the target; an object patch merges member by
    member, ``null`` removing a member. Neither argument is modified.
    """
    return _merge_patch_in_place(copy.deepcopy(target), copy.deepcopy(patch))


def json_merge_patch(doc: Mapping[str, Any], patch: Any) -> dict[str, Any]:
    """Apply an ``application/merge-patch+json`` body to an object, as the API server does.

    The patch must be a JSON object: ``null`` is refused with ``Invalid JSON Patch``
    (evanphx/json-patch ``ErrBadJSONPatch``, answered 400) and any other value fails to decode
    into a map (400, as with ``fieldValidation=Strict``). Returns a new object.
    """
    if patch is None:
        raise _bad_request("Invalid JSON Patch")
    if not isinstance(patch, dict):
        raise _bad_request(
            f"error decoding patch: json: cannot unmarshal {_json_kind(patch)} "
            "into Go value of type map[string]interface {}"
        )
    result = merge_patch(dict(doc), patch)
    assert isinstance(result, dict)
    return result


def _merge_diff(original: Mapping[str, Any], modified: Mapping[str, Any]) -> dict[str, Any]:
    # evanphx/json-patch merge.go getDiff.
    into: dict[str, Any] = {}
    for key, new in modified.items():
        if key not in original:
            into[key] = copy.deepcopy(new)
            continue
        old = original[key]
        if _go_type(old) != _go_type(new):
            into[key] = copy.deepcopy(new)
        elif isinstance(old, dict):
            sub = _merge_diff(old, new)
            if sub:
                into[key] = sub
        elif not _deep_equal(old, new):
            into[key] = copy.deepcopy(new)
    for key in original:
        if key not in modified:
            into[key] = None
    return into


def create_merge_patch(original: Mapping[str, Any], modified: Mapping[str, Any]) -> dict[str, Any]:
    """The RFC 7386 merge patch that turns ``original`` into ``modified``.

    Changed or added members carry the new value, removed members ``null``, unchanged ones are
    left out; objects are compared member by member, lists as a whole (evanphx/json-patch
    ``CreateMergePatch``).
    """
    return _merge_diff(original, modified)


def _keep_or_drop_nulls(patch: Mapping[str, Any], keep_null: bool) -> dict[str, Any]:
    # jsonmergepatch/patch.go keepOrDeleteNullInObj.
    out: dict[str, Any] = {}
    for key, value in patch.items():
        if value is None:
            if keep_null:
                out[key] = None
        elif isinstance(value, dict):
            if not value:
                # An explicitly set empty map is a value, not an empty patch.
                if not keep_null:
                    out[key] = value
                continue
            sub = _keep_or_drop_nulls(value, keep_null)
            if sub:
                out[key] = sub
        elif not keep_null:
            out[key] = value
    return out


def create_three_way_json_merge_patch(
    original: Mapping[str, Any] | None,
    modified: Mapping[str, Any] | None,
    current: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The merge patch ``kubectl apply`` sends for kinds it has no Go type for (custom resources).

    Additions and changes come from ``current`` -> ``modified``, deletions from ``original``
    (the last-applied configuration) -> ``modified``
    (``k8s.io/apimachinery/pkg/util/jsonmergepatch/patch.go`` ``CreateThreeWayJSONMergePatch``).
    """
    add_and_change = _keep_or_drop_nulls(create_merge_patch(current or {}, modified or {}), False)
    deletions = _keep_or_drop_nulls(create_merge_patch(original or {}, modified or {}), True)
    # jsonpatch.MergePatch(deletePatch, addAndChangePatch): the deletions are the document.
    result = _evanphx_merge_docs(deletions, add_and_change)
    return result


def _evanphx_merge_docs(doc: dict[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    # merge.go mergeDocs (mergeMerge=false): a null already in the document stays a value.
    for key, value in patch.items():
        if value is None:
            doc.pop(key, None)
        elif isinstance(value, dict) and isinstance(doc.get(key), dict):
            doc[key] = _evanphx_merge_docs(doc[key], value)
        else:
            doc[key] = value
    return doc


# --------------------------------------------------------------------------------------------
# RFC 6902 JSON Patch


class _OpError(Exception):
    """One operation failed; the caller adds the operation index."""


def _parse_pointer(pointer: str) -> list[str]:
    # RFC 6901: "" is the whole document; each token after a "/" has ~1 -> "/" then ~0 -> "~".
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise _OpError(f'JSON pointer "{pointer}" does not start with "/"')
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _atoi(token: str) -> int:
    """Go ``strconv.Atoi`` (optional sign, decimal digits), as evanphx parses array indices."""
    body = token[1:] if token[:1] in ("+", "-") else token
    if not body or not body.isascii() or not body.isdigit():
        raise _OpError(f'strconv.Atoi: parsing "{token}": invalid syntax')
    return int(token)


def _array_index(array: list[Any], token: str, *, extra: int = 0) -> int:
    """Resolve ``token`` against ``array``; ``extra`` is 1 for add (one past the end is valid).

    Negative indices count from the end (evanphx ``SupportNegativeIndices``)."""
    index = _atoi(token)
    size = len(array) + extra
    if index >= size or index < -size:
        raise _OpError(f"Unable to access invalid index: {index}: invalid index referenced")
    return index + size if index < 0 else index


def _child(container: Any, token: str) -> Any:
    """The member or element ``token`` of ``container``; ``_OpError`` when there is none."""
    if isinstance(container, dict):
        if token not in container:
            raise _OpError(f"missing key {token}")
        return container[token]
    if isinstance(container, list):
        return container[_array_index(container, token)]
    raise _OpError(f"cannot descend into a {_json_kind(container)}")


def _parent(doc: Any, tokens: list[str], op: str, path: str) -> Any:
    """The container holding the last token (evanphx ``findObject``)."""
    node = doc
    try:
        for token in tokens[:-1]:
            node = _child(node, token)
    except _OpError:
        node = None
    if not isinstance(node, dict | list):
        raise _OpError(
            f'{op} operation does not apply: doc is missing path: "{path}": missing value'
        )
    return node


def _get(doc: Any, pointer: str, op: str, what: str) -> Any:
    tokens = _parse_pointer(pointer)
    if not tokens:
        return doc
    container = _parent(doc, tokens, op, pointer)
    try:
        return _child(container, tokens[-1])
    except _OpError as err:
        raise _OpError(
            f"{op} operation does not apply: doc is missing {what}: {pointer}: {err}"
        ) from None


def _add(doc: Any, pointer: str, value: Any, op: str = "add") -> Any:
    tokens = _parse_pointer(pointer)
    if not tokens:
        return value  # RFC 6902 section 4.1: the value replaces the whole document.
    container = _parent(doc, tokens, op, pointer)
    key = tokens[-1]
    if isinstance(container, dict):
        container[key] = value
    elif key == "-":
        container.append(value)
    else:
        try:
            index = _array_index(container, key, extra=1)
        except _OpError as err:
            raise _OpError(f"error in {op} for path: '{pointer}': {err}") from None
        container.insert(index, value)
    return doc


def _remove(doc: Any, pointer: str, op: str = "remove") -> tuple[Any, Any]:
    """Remove the value at ``pointer``; return (document, removed value)."""
    tokens = _parse_pointer(pointer)
    if not tokens:
        raise _OpError(f'{op} operation does not apply: doc is missing path: "": missing value')
    container = _parent(doc, tokens, op, pointer)
    key = tokens[-1]
    try:
        if isinstance(container, dict):
            if key not in container:
                raise _OpError(f"Unable to remove nonexistent key: {key}: missing value")
            return doc, container.pop(key)
        return doc, container.pop(_array_index(container, key))
    except _OpError as err:
        raise _OpError(f"error in {op} for path: '{pointer}': {err}") from None


def _require(op: Mapping[str, Any], member: str, kind: str) -> Any:
    """A member the operation needs (``json_patch`` has checked that path/from are strings)."""
    if member not in op or (member != "value" and op[member] is None):
        raise _OpError(f"{kind} operation, missing {member} field: missing value")
    return op[member]


def _apply_operation(doc: Any, op: Mapping[str, Any]) -> Any:
    kind = op.get("op")
    if not isinstance(kind, str):
        kind = "unknown"
    if kind not in ("add", "remove", "replace", "move", "copy", "test"):
        raise _OpError(f"Unexpected kind: {kind}")
    path = _require(op, "path", kind)
    if kind == "add":
        return _add(doc, path, copy.deepcopy(_require(op, "value", kind)))
    if kind == "remove":
        return _remove(doc, path)[0]
    if kind == "replace":
        value = copy.deepcopy(_require(op, "value", kind))
        tokens = _parse_pointer(path)
        if not tokens:
            return value
        _get(doc, path, kind, "key")  # RFC 6902 section 4.3: the target must exist
        container = _parent(doc, tokens, kind, path)
        if isinstance(container, dict):
            container[tokens[-1]] = value
        else:
            container[_array_index(container, tokens[-1])] = value
        return doc
    if kind == "test":
        expected = _require(op, "value", kind)
        if not _json_equal(_get(doc, path, kind, "path"), expected):
            raise _OpError(f"testing value {path} failed: test failed")
        return doc
    source = _require(op, "from", kind)
    if kind == "copy":
        value = copy.deepcopy(_get(doc, source, kind, "from path"))
        return _add(doc, path, value, kind)
    # move: RFC 6902 section 4.4, "from" must not be a proper prefix of "path".
    from_tokens, path_tokens = _parse_pointer(source), _parse_pointer(path)
    if len(from_tokens) < len(path_tokens) and path_tokens[: len(from_tokens)] == from_tokens:
        raise _OpError(f"move operation does not apply: {source} is a proper prefix of {path}")
    _get(doc, source, kind, "from path")
    doc, value = _remove(doc, source, kind)
    return _add(doc, path, value, kind)


def _json_equal(left: Any, right: Any) -> bool:
    """RFC 6902 section 4.6 equality: same type and value; numbers compared numerically."""
    return _deep_equal(left, right)


def json_patch(doc: Mapping[str, Any], ops: Any) -> dict[str, Any]:
    """Apply an RFC 6902 JSON Patch (``application/json-patch+json``) and return a new object.

    Operations ``add``, ``remove``, ``replace``, ``move``, ``copy`` and ``test`` run in order on
    a copy; the first failure raises :class:`PatchError` naming the operation's index and path,
    and nothing is returned (the patch is atomic). Like the API server, a failed operation is
    answered 422 with only ``the server rejected our request due to an error in our request``,
    a body that is not a list of objects 400, more than 10000 operations 413.
    """
    if ops is None:
        ops = []  # "null" decodes to an empty patch
    # With fieldValidation Warn (the default) or Strict the body is first decoded into
    # []handlers.jsonPatchOp, whose errors are answered 400.
    if not isinstance(ops, list):
        raise _bad_request(
            f"error decoding patch: json: cannot unmarshal {_json_kind(ops)} into Go value of "
            "type []handlers.jsonPatchOp"
        )
    for op in ops:
        if not isinstance(op, dict):
            raise _bad_request(
                f"error decoding patch: json: cannot unmarshal {_json_kind(op)} into Go value of "
                "type handlers.jsonPatchOp"
            )
        for member in ("op", "path", "from"):
            value = op.get(member)
            if value is not None and not isinstance(value, str):
                raise _bad_request(
                    f"error decoding patch: json: cannot unmarshal {_json_kind(value)} into Go "
                    f"struct field jsonPatchOp.{member} of type string"
                )
    if len(ops) > MAX_JSON_PATCH_OPERATIONS:
        message = (
            "The allowed maximum operations in a JSON patch is "
            f"{MAX_JSON_PATCH_OPERATIONS}, got {len(ops)}"
        )
        raise PatchError(
            message,
            code=413,
            reason="RequestEntityTooLarge",
            status_message=f"Request entity too large: {message}",
        )
    result: Any = copy.deepcopy(dict(doc))
    for index, op in enumerate(ops):
        try:
            result = _apply_operation(result, op)
        except _OpError as err:
            name = op.get("op")
            raise _unprocessable(
                f"json patch operation {index} ({name} {op.get('path')!r}): {err}"
            ) from None
    if not isinstance(result, dict):
        raise _unprocessable(
            f"json patch: the patched document is a {_json_kind(result)}, not an object"
        )
    return result


# --------------------------------------------------------------------------------------------
# Strategic merge patch: shared helpers


@dataclasses.dataclass(frozen=True)
class _MergeOptions:
    """strategicpatch MergeOptions."""

    # True on the server (apply $deleteFromPrimitiveList / $setElementOrder); false when
    # kubectl merges its two partial patches into one.
    merge_parallel_list: bool
    # True on the server: a null for a missing field is dropped rather than kept.
    ignore_unmatched_nulls: bool


_SERVER: Final = _MergeOptions(merge_parallel_list=True, ignore_unmatched_nulls=True)
_CLIENT: Final = _MergeOptions(merge_parallel_list=False, ignore_unmatched_nulls=False)


@dataclasses.dataclass(frozen=True)
class _DiffOptions:
    """strategicpatch DiffOptions."""

    set_element_order: bool = False
    ignore_changes_and_additions: bool = False
    ignore_deletions: bool = False
    build_retain_keys_directive: bool = False


@dataclasses.dataclass(frozen=True)
class _Meta:
    """A field's metadata split as extractRetainKeysPatchStrategy splits it."""

    schema: str | None  # type of the value (of each item for a list)
    strategy: str  # "merge", "replace" or ""
    retain_keys: bool
    merge_key: str


def _lookup(schema: str | None, key: str) -> _Meta:
    meta = merge_keys.lookup(schema, key)
    strategies = meta.strategies
    retain = merge_keys.RETAIN_KEYS in strategies
    others = [s for s in strategies if s != merge_keys.RETAIN_KEYS]
    return _Meta(meta.type, others[0] if others else "", retain, meta.merge_key or "")


def _err_no_merge_key(item: Mapping[str, Any], key: str) -> PatchError:
    return _unknown(f"map: {_go_v(dict(item))} does not contain declared merge key: {key}")


def _err_bad_arg_type(expected: str, actual: Any) -> PatchError:
    return _unknown(f"expected a {expected}, but received a {_go_type(actual)}")


def _err_bad_patch_type(directive: Any, item: Mapping[str, Any]) -> PatchError:
    return _unknown(f"unknown patch type: {_go_v(directive)} in map: {_go_v(dict(item))}")


_MAP: Final = "map[string]interface {}"
_SLICE: Final = "[]interface {}"


def _element_type(*slices: list[Any]) -> str:
    """sliceElementType: the one type of all items; lists of lists are refused."""
    found: str | None = None
    for items in slices:
        for item in items:
            item_type = _go_type(item)
            if found is None:
                found = item_type
                if found == _SLICE:
                    raise _unprocessable("lists of lists are not supported")
            elif item_type != found:
                raise _unknown(f"list element types are not identical: {_go_v(list(slices))}")
    if found is None:
        raise _unknown("no elements in any of the given slices")
    return found


def _merge_key_value(item: Any, merge_key: str) -> Any:
    if not isinstance(item, dict):
        raise _err_bad_arg_type(_MAP, item)
    if merge_key not in item:
        raise _err_no_merge_key(item, merge_key)
    return item[merge_key]


def _merge_key_value_equal(left: Any, right: Any, merge_key: str) -> bool:
    if not merge_key:
        return _scalar_eq(left, right)
    return _scalar_eq(_merge_key_value(left, merge_key), _merge_key_value(right, merge_key))


def _index(items: list[Any], wanted: Any, merge_key: str, kind: str) -> int:
    """index(): position of ``wanted`` in ``items`` (by merge key for maps), or -1."""

    def value_of(item: Any) -> Any:
        if kind == _MAP:
            return item.get(merge_key) if isinstance(item, dict) else None
        return item

    target = value_of(wanted)
    for i, item in enumerate(items):
        if _scalar_eq(value_of(item), target):
            return i
    return -1


def _find_by_key(items: list[Any], merge_key: str, value: Any) -> int:
    """findMapInSliceBasedOnKeyValue: index of the map whose merge key is ``value``, or -1."""
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise _unknown(f"value for key {i} is not a map")
        if merge_key in item and _scalar_eq(item[merge_key], value):
            return i
    return -1


def _sort_scalars(items: list[Any]) -> list[Any]:
    """sortScalars: by the ``%v`` text of each item."""
    return sorted(items, key=_go_v)


def _deduplicate_scalars(items: list[Any]) -> list[Any]:
    """deduplicateScalars: drop repeats by moving the last item into the repeat's place."""
    s = list(items)
    length = len(s) - 1
    i = 0
    while i < length:
        j = i + 1
        while j <= length:
            if _scalar_eq(s[i], s[j]):
                s[j] = s[length]
                s = s[:length]
                length -= 1
                j -= 1
            j += 1
        i += 1
    return s


def _extract_to_delete_items(items: list[Any]) -> tuple[list[Any], list[Any]]:
    keep: list[Any] = []
    delete: list[Any] = []
    for item in items:
        if not isinstance(item, dict):
            raise _err_bad_arg_type(_MAP, item)
        (delete if item.get(_DIRECTIVE) == _DELETE else keep).append(item)
    return keep, delete


def _normalize_slice_order(
    to_sort: list[Any], order: list[Any], merge_key: str, kind: str
) -> list[Any]:
    """normalizeSliceOrder: sort ``to_sort`` by position in ``order``, deletions last."""
    to_delete: list[Any] = []
    if kind == _MAP:
        for item in [*to_sort, *order]:
            _merge_key_value(item, merge_key)
        to_sort, to_delete = _extract_to_delete_items(to_sort)
    # Every item is found in ``order`` on the paths that reach here, so a stable sort by
    # position is what upstream's sort.SliceStable produces.
    positions = [_index(order, item, merge_key, kind) for item in to_sort]
    ranked = sorted(
        range(len(to_sort)), key=lambda i: positions[i] if positions[i] >= 0 else len(order)
    )
    return [to_sort[i] for i in ranked] + to_delete


def _merge_sorted_slice(
    left: list[Any], right: list[Any], server_order: list[Any], merge_key: str, kind: str
) -> list[Any]:
    """mergeSortedSlice: interleave server-only items (left) with patch items (right).

    A left item goes first only when both items are on the server and it comes earlier there;
    otherwise the right item goes first. So items new to the server come out ahead of the
    server-only items they meet: a plain patch that adds a container puts it first.
    """
    out: list[Any] = []
    i = j = 0
    while i < len(left) or j < len(right):
        if i >= len(left):
            out.append(right[j])
            j += 1
        elif j >= len(right):
            out.append(left[i])
            i += 1
        else:
            li = _index(server_order, left[i], merge_key, kind)
            ri = _index(server_order, right[j], merge_key, kind)
            if li >= 0 and ri >= 0 and li < ri:
                out.append(left[i])
                i += 1
            else:
                out.append(right[j])
                j += 1
    return out


def _normalize_element_order(
    patch: list[Any],
    server_only: list[Any],
    patch_order: list[Any],
    server_order: list[Any],
    merge_key: str,
    kind: str,
) -> list[Any]:
    """normalizeElementOrder: patch items in patch order, server-only items in server order,
    merged."""
    patch = _normalize_slice_order(patch, patch_order, merge_key, kind)
    server_only = _normalize_slice_order(server_only, server_order, merge_key, kind)
    return _merge_sorted_slice(server_only, patch, server_order, merge_key, kind)


def _partition(
    items: list[Any], partition_by: list[Any], merge_key: str
) -> tuple[list[Any], list[Any]]:
    """partitionPrimitivesByPresentInList / partitionMapsByPresentInList."""
    inside: list[Any] = []
    outside: list[Any] = []
    if not merge_key:
        present = {_scalar_key(v) for v in partition_by}
        for item in items:
            (inside if _scalar_key(item) in present else outside).append(item)
        return inside, outside
    for item in items:
        value = _merge_key_value(item, merge_key)
        (inside if _find_by_key(partition_by, merge_key, value) >= 0 else outside).append(item)
    return inside, outside


def _remove_directives(obj: Any) -> tuple[Any, bool]:
    """removeDirectives: drop maps carrying ``$patch``; the bool says whether to keep ``obj``."""
    if isinstance(obj, dict):
        if _DIRECTIVE in obj:
            return None, False
        for key in list(obj):
            value, keep = _remove_directives(obj[key])
            if keep:
                obj[key] = value
            else:
                del obj[key]
        return obj, True
    if isinstance(obj, list):
        kept = []
        for item in obj:
            value, keep = _remove_directives(item)
            if keep:
                kept.append(value)
        return kept, True
    return obj, True


def _discard_nulls(value: Any) -> None:
    """discardNullValuesFromPatch: remove every null member, at any depth."""
    if isinstance(value, dict):
        for key in list(value):
            if value[key] is None:
                del value[key]
            else:
                _discard_nulls(value[key])
    elif isinstance(value, list):
        for item in value:
            _discard_nulls(item)


def _extract_key(key: str, prefix: str) -> str:
    """extractKey: ``$setElementOrder/containers`` -> ``containers``."""
    head, sep, tail = key.partition("/")
    if not sep or head != prefix:
        if prefix == _DELETE_FROM_PRIMITIVE_LIST:
            raise _bad_request("invalid patch format of primitive list")
        raise _bad_request("invalid patch format of setElementOrder list")
    return tail


# --------------------------------------------------------------------------------------------
# Strategic merge patch: applying (mergeMap and friends)


def _merge_map(
    original: dict[str, Any], patch: dict[str, Any], schema: str | None, options: _MergeOptions
) -> dict[str, Any]:
    """mergeMap: merge ``patch`` into ``original`` (both modified) and return the result."""
    if _DIRECTIVE in patch:
        directive = patch[_DIRECTIVE]
        if directive == _REPLACE:
            # The patch, minus the directive, is the new value of this map.
            del patch[_DIRECTIVE]
            return patch
        if directive == _DELETE:
            return {}
        raise _err_bad_patch_type(directive, patch)

    _apply_retain_keys(original, patch, options)
    _merge_ordered_lists(original, patch, schema, options)

    for key, patch_value in list(patch.items()):
        is_delete_list = False
        if key.startswith(_DELETE_FROM_PRIMITIVE_LIST):
            if not options.merge_parallel_list:
                original[key] = patch_value
                continue
            key = _extract_key(key, _DELETE_FROM_PRIMITIVE_LIST)
            is_delete_list = True

        if patch_value is None:
            # A null deletes the field; on the client it is kept to be sent on.
            original.pop(key, None)
            if options.ignore_unmatched_nulls:
                continue

        if key not in original or _go_type(original[key]) != _go_type(patch_value):
            if not is_delete_list:
                if options.ignore_unmatched_nulls:
                    _discard_nulls(patch_value)
                value, keep = _remove_directives(patch_value)
                if keep:
                    original[key] = value
                else:
                    original.pop(key, None)
            continue

        current = original[key]
        if isinstance(current, dict):
            meta = _lookup(schema, key)
            if meta.strategy == _REPLACE:
                original[key] = patch_value
            else:
                original[key] = _merge_map(current, patch_value, meta.schema, options)
        elif isinstance(current, list):
            meta = _lookup(schema, key)
            original[key] = _merge_slice_handler(
                current, patch_value, meta, is_delete_list, options
            )[0]
        else:
            value, keep = _remove_directives(patch_value)
            if keep:
                original[key] = value
            else:
                original.pop(key, None)
    return original


def _apply_retain_keys(
    original: dict[str, Any], patch: dict[str, Any], options: _MergeOptions
) -> None:
    """applyRetainKeysDirective: clear the fields of ``original`` not named in $retainKeys."""
    if _RETAIN_KEYS not in patch:
        return
    retain = patch.pop(_RETAIN_KEYS)
    if not options.merge_parallel_list:
        if _RETAIN_KEYS in original:
            if not _deep_equal(original[_RETAIN_KEYS], retain):
                raise _unknown(
                    f"{_go_v(original[_RETAIN_KEYS])} and {_go_v(retain)} are not deep equal: "
                    "this may happen when calculating the 3-way diff patch"
                )
        else:
            original[_RETAIN_KEYS] = retain
        return
    if not isinstance(retain, list):
        raise _bad_request("invalid patch format of retainKeys")
    keep = {k for k in retain if isinstance(k, str)}
    for key, value in patch.items():
        if value is None or key.startswith((_DELETE_FROM_PRIMITIVE_LIST, _SET_ELEMENT_ORDER)):
            continue
        if key not in keep:
            raise _bad_request("invalid patch format of retainKeys")
    for key in list(original):
        if key not in keep:
            del original[key]


def _validate_set_order(patch_list: Any, order_list: Any, merge_key: str) -> None:
    """validatePatchWithSetOrderList: the patch's items must appear in $setElementOrder order."""
    if not isinstance(order_list, list) or not isinstance(patch_list, list):
        raise _bad_request("invalid patch format of setElementOrder list")
    if not order_list or not patch_list:
        return
    items = _extract_to_delete_items(patch_list)[0] if merge_key else patch_list
    p = s = 0
    while p < len(items) and s < len(order_list):
        if isinstance(items[p], dict) and _DIRECTIVE in items[p]:
            p += 1
            continue
        if _merge_key_value_equal(items[p], order_list[s], merge_key):
            p += 1
        s += 1
    if p < len(items) and s >= len(order_list):
        raise _unknown(
            f"The order in patch list:\n{_go_v(patch_list)}\n doesn't match "
            f"{_SET_ELEMENT_ORDER} list:\n{_go_v(order_list)}\n"
        )


def _merge_ordered_lists(
    original: dict[str, Any], patch: dict[str, Any], schema: str | None, options: _MergeOptions
) -> None:
    """mergePatchIntoOriginal: merge each list that has a ``$setElementOrder/<list>``, then
    order it: $setElementOrder first, then patch order, then server order (design proposal
    ``preserve-order-in-strategic-merge-patch``)."""
    for key in list(patch):
        if not key.startswith(_SET_ELEMENT_ORDER) or key not in patch:
            continue
        order = patch.pop(key)
        if not options.merge_parallel_list:
            if key in original:
                if not _deep_equal(original[key], order):
                    raise _bad_request("invalid patch format of setElementOrder list")
            else:
                original[key] = order
        if not isinstance(order, list):
            raise _err_bad_arg_type(_SLICE, order)
        list_key = _extract_key(key, _SET_ELEMENT_ORDER)
        found_original, found_patch = list_key in original, list_key in patch
        original_items: list[Any] = []
        patch_items: list[Any] = []
        if found_original:
            if not isinstance(original[list_key], list):
                raise _err_bad_arg_type(_SLICE, original[list_key])
            original_items = original[list_key]
        if found_patch:
            if not isinstance(patch[list_key], list):
                raise _err_bad_arg_type(_SLICE, patch[list_key])
            patch_items = patch[list_key]
        meta = _lookup(schema, list_key)
        _validate_set_order(patch_items, order, meta.merge_key)

        # ``server_order`` is upstream's originalFieldValue, which shares its backing array
        # with the list being merged and so sees that merge's in-place edits.
        server_order = original_items
        if found_original and not found_patch:
            merged = original_items
        elif found_patch and not found_original:
            merged = _remove_directives(patch_items)[0]
        elif found_original and found_patch:
            merged, server_order = _merge_slice_handler(
                original_items, patch_items, meta, False, options
            )
        else:
            continue

        in_order, server_only = _partition(merged, order, meta.merge_key)
        kind = _element_type(server_order, patch_items)
        original[list_key] = _normalize_element_order(
            in_order, server_only, order, server_order, meta.merge_key, kind
        )
        patch.pop(list_key, None)


def _merge_slice_handler(
    original: list[Any],
    patch: Any,
    meta: _Meta,
    is_delete_list: bool,
    options: _MergeOptions,
) -> tuple[list[Any], list[Any]]:
    """mergeSliceHandler: merge lists with the merge strategy (or a deletion list), else the
    patch's list replaces the original. Returns (result, view of the original list after the
    merge -- see :func:`_merge_slice`)."""
    if not isinstance(patch, list):
        raise _err_bad_arg_type(_SLICE, patch)
    if meta.strategy == _MERGE or is_delete_list:
        return _merge_slice(original, patch, meta.schema, meta.merge_key, options, is_delete_list)
    return patch, original


def _merge_slice(
    original: list[Any],
    patch: list[Any],
    schema: str | None,
    merge_key: str,
    options: _MergeOptions,
    is_delete_list: bool,
) -> tuple[list[Any], list[Any]]:
    """mergeSlice: merge two lists of a merging field.

    Returns the merged list and ``view``: what the caller's copy of ``original`` holds
    afterwards. Upstream edits the original slice's backing array in place -- a ``$patch:
    delete`` shifts the later items left (deleteMatchingEntries), a new item is appended into
    the room that frees -- and mergePatchIntoOriginal orders a ``$setElementOrder`` list by that
    edited array. Which positions an append reaches does not depend on the slice's capacity:
    the caller's view is as long as the original list and the capacity is at least that.
    """
    if not original and not patch:
        return original, original
    kind = _element_type(original, patch)
    if kind != _MAP:
        if options.merge_parallel_list and is_delete_list:
            # $deleteFromPrimitiveList/<field>: drop the listed values.
            gone = {_scalar_key(v) for v in patch}
            return [v for v in original if _scalar_key(v) not in gone], original
        merged = _deduplicate_scalars([*original, *patch])
        in_patch, server_only = _partition(merged, patch, merge_key)
        result = _normalize_element_order(in_patch, server_only, patch, original, merge_key, kind)
        return result, original
    if not merge_key:
        raise _unknown("cannot merge lists without merge key for string")

    # mergeSliceWithSpecialElements: act on the $patch items of the patch.
    view = list(original)
    length = len(view)
    plain: list[Any] = []
    replace = False
    for item in patch:
        if _DIRECTIVE not in item:
            plain.append(item)
            continue
        directive = item[_DIRECTIVE]
        if directive == _DELETE:
            if merge_key not in item:
                raise _err_no_merge_key(item, merge_key)
            while (at := _find_by_key(view[:length], merge_key, item[merge_key])) >= 0:
                view[at : length - 1] = view[at + 1 : length]  # the last slot keeps its item
                length -= 1
        elif directive == _REPLACE:
            replace = True  # keep going, to drop the other directive items
        elif directive == _MERGE:
            raise _unknown("merging lists cannot yet be specified in the patch")
        else:
            raise _err_bad_patch_type(directive, item)
    if replace:
        # The plain patch items become the list; nothing is merged into it.
        survivors, plain = plain, []
    else:
        survivors = view[:length]

    # mergeSliceWithoutSpecialElements: merge items found by key, append the others.
    merged = list(survivors)
    for item in plain:
        at = _find_by_key(merged, merge_key, _merge_key_value(item, merge_key))
        if at >= 0:
            merged[at] = _merge_map(merged[at], item, schema, options)
        else:
            merged.append(item)
            if length < len(view):
                view[length] = item
                length += 1
    in_patch, server_only = _partition(merged, plain, merge_key)
    result = _normalize_element_order(in_patch, server_only, plain, survivors, merge_key, kind)
    return result, view


def _schema_for(kind: str) -> str:
    if not merge_keys.supports_strategic_merge(kind):
        raise _unsupported_media_type(kind)
    return merge_keys.root_type(kind)


def strategic_merge_patch(kind: str, doc: Mapping[str, Any], patch: Any) -> dict[str, Any]:
    """Apply an ``application/strategic-merge-patch+json`` body to a ``kind`` object.

    Maps merge recursively and ``null`` deletes a field. Lists tagged ``patchStrategy:merge``
    merge by their merge key (see :func:`kubelab.apiserver.merge_keys.merge_info`); other lists
    are replaced. Directives: ``$patch: replace|delete`` on a map or on a list item,
    ``$setElementOrder/<list>``, ``$deleteFromPrimitiveList/<list>`` and ``$retainKeys``.
    Returns a new object. Kinds without patch metadata (custom resources) are refused with 415,
    as the API server refuses them.
    """
    schema = _schema_for(kind)
    if patch is None:
        patch = {}
    if not isinstance(patch, dict):
        raise _bad_request(
            f"json: cannot unmarshal {_json_kind(patch)} into Go value of type "
            "map[string]interface {}"
        )
    return _merge_map(copy.deepcopy(dict(doc)), copy.deepcopy(patch), schema, _SERVER)


# --------------------------------------------------------------------------------------------
# Strategic merge patch: computing (diffMaps and friends)


def _diff_maps(
    original: Mapping[str, Any],
    modified: Mapping[str, Any],
    schema: str | None,
    options: _DiffOptions,
) -> dict[str, Any]:
    """diffMaps: the patch that takes ``original`` to ``modified`` (within ``options``)."""
    patch: dict[str, Any] = {}
    retain_keys: list[Any] = []
    for key, new in modified.items():
        if options.build_retain_keys_directive and new is not None:
            retain_keys.append(key)
        if key not in original:
            if not options.ignore_changes_and_additions:
                patch[key] = new
            continue
        old = original[key]
        if key == _DIRECTIVE:
            if not isinstance(old, str) or not isinstance(new, str):
                raise _unknown(f"invalid value for special key: {_DIRECTIVE}")
            if new != old:
                patch[key] = new
            continue
        if _go_type(old) != _go_type(new):
            if not options.ignore_changes_and_additions:
                patch[key] = new
            continue
        if isinstance(old, dict):
            _diff_map_field(key, old, new, patch, schema, options)
        elif isinstance(old, list):
            _diff_list_field(key, old, new, patch, schema, options)
        elif not options.ignore_changes_and_additions and not _deep_equal(old, new):
            patch[key] = new
    if not options.ignore_deletions:
        for key in original:
            if key not in modified:
                patch[key] = None
    # $retainKeys goes out when the patch changes something, or when original has a field the
    # modified object dropped.
    if retain_keys and (
        patch or any(v is not None and k not in modified for k, v in original.items())
    ):
        patch[_RETAIN_KEYS] = _sort_scalars(retain_keys)
    return patch


def _diff_map_field(
    key: str,
    old: dict[str, Any],
    new: dict[str, Any],
    patch: dict[str, Any],
    schema: str | None,
    options: _DiffOptions,
) -> None:
    """handleMapDiff."""
    meta = _lookup(schema, key)
    options = dataclasses.replace(options, build_retain_keys_directive=meta.retain_keys)
    if meta.strategy == _REPLACE:
        # Sent whole every time, even when unchanged.
        if not options.ignore_changes_and_additions:
            patch[key] = new
        return
    sub = _diff_maps(old, new, meta.schema, options)
    if sub:
        patch[key] = sub


def _diff_list_field(
    key: str,
    old: list[Any],
    new: list[Any],
    patch: dict[str, Any],
    schema: str | None,
    options: _DiffOptions,
) -> None:
    """handleSliceDiff."""
    meta = _lookup(schema, key)
    if meta.strategy != _MERGE:
        if not options.ignore_changes_and_additions and not _deep_equal(old, new):
            patch[key] = new
        return
    options = dataclasses.replace(options, build_retain_keys_directive=meta.retain_keys)
    additions, deletions, order = _diff_lists(old, new, meta.schema, meta.merge_key, options)
    if additions:
        patch[key] = additions
    if deletions:
        patch[f"{_DELETE_FROM_PRIMITIVE_LIST}/{key}"] = deletions
    if order:
        patch[f"{_SET_ELEMENT_ORDER}/{key}"] = order


def _diff_lists(
    original: list[Any],
    modified: list[Any],
    schema: str | None,
    merge_key: str,
    options: _DiffOptions,
) -> tuple[list[Any], list[Any], list[Any]]:
    """diffLists: (patch list, $deleteFromPrimitiveList list, $setElementOrder list)."""
    if not original:
        if not modified or options.ignore_changes_and_additions:
            return [], [], []
        return modified, [], []
    kind = _element_type(original, modified)
    order: list[Any] = []
    if kind == _MAP:
        changes, deletions = _diff_lists_of_maps(original, modified, schema, merge_key, options)
        changes = _normalize_slice_order(changes, modified, merge_key, kind)
        order_same = len(original) == len(modified) and all(
            _merge_key_value_equal(a, b, merge_key) for a, b in zip(original, modified, strict=True)
        )
        # Deletions ride in the patch list, after the changes.
        changes = changes + deletions
        if options.set_element_order and (
            (not options.ignore_changes_and_additions and (changes or not order_same))
            or (not options.ignore_deletions and changes)
        ):
            order = [{merge_key: item[merge_key]} for item in modified]
        return changes, [], order
    changes, deletions = _diff_lists_of_scalars(original, modified, options)
    changes = _normalize_slice_order(changes, modified, merge_key, kind)
    # Upstream sorts ``original`` in place before this comparison, so a list that differs only
    # in order from its sorted self counts as changed.
    if options.set_element_order and (
        (not options.ignore_deletions and deletions)
        or (not options.ignore_changes_and_additions and not _deep_equal(original, modified))
    ):
        order = modified
    return changes, deletions, order


def _diff_lists_of_scalars(
    original: list[Any], modified: list[Any], options: _DiffOptions
) -> tuple[list[Any], list[Any]]:
    """diffListsOfScalars: (added values, removed values), walking both lists sorted."""
    original.sort(key=_go_v)  # in place, as upstream's sortScalars does
    old_sorted, new_sorted = original, _sort_scalars(modified)
    additions: list[Any] = []
    deletions: list[Any] = []
    i = j = 0
    while i < len(old_sorted) or j < len(new_sorted):
        old_in, new_in = i < len(old_sorted), j < len(new_sorted)
        old_text = _go_v(old_sorted[i]) if old_in else ""
        new_text = _go_v(new_sorted[j]) if new_in else ""
        if old_in and new_in and old_text == new_text:
            i += 1
            j += 1
        elif not old_in or (new_in and old_text > new_text):
            if not options.ignore_changes_and_additions:
                additions.append(new_sorted[j])
            j += 1
        else:
            if not options.ignore_deletions:
                deletions.append(old_sorted[i])
            i += 1
    return additions, _deduplicate_scalars(deletions)


def _diff_lists_of_maps(
    original: list[Any],
    modified: list[Any],
    schema: str | None,
    merge_key: str,
    options: _DiffOptions,
) -> tuple[list[Any], list[Any]]:
    """diffListsOfMaps: (changed and added items, ``$patch: delete`` items), matched by key."""
    for item in [*original, *modified]:
        if not isinstance(item, dict):
            raise _err_bad_arg_type(_MAP, item)

    def by_key(item: dict[str, Any]) -> str:
        return _go_v(item.get(merge_key))

    old_sorted, new_sorted = sorted(original, key=by_key), sorted(modified, key=by_key)
    changes: list[Any] = []
    deletions: list[Any] = []
    i = j = 0
    while i < len(old_sorted) or j < len(new_sorted):
        old_in, new_in = i < len(old_sorted), j < len(new_sorted)
        old_value = _merge_key_value(old_sorted[i], merge_key) if old_in else None
        new_value = _merge_key_value(new_sorted[j], merge_key) if new_in else None
        old_text = _go_v(old_value) if old_in else ""
        new_text = _go_v(new_value) if new_in else ""
        if old_in and new_in and old_text == new_text:
            sub = _diff_maps(old_sorted[i], new_sorted[j], schema, options)
            if sub:
                sub[merge_key] = new_value
                changes.append(sub)
            i += 1
            j += 1
        elif not old_in or (new_in and old_text > new_text):
            if not options.ignore_changes_and_additions:
                changes.append(new_sorted[j])
            j += 1
        else:
            if not options.ignore_deletions:
                deletions.append({merge_key: old_value, _DIRECTIVE: _DELETE})
            i += 1
    return changes, deletions


def create_two_way_merge_patch(
    kind: str, original: Mapping[str, Any], modified: Mapping[str, Any]
) -> dict[str, Any]:
    """The strategic merge patch from ``original`` to ``modified`` (``CreateTwoWayMergePatch``,
    what ``kubectl edit`` sends): additions, changes and deletions, with $setElementOrder."""
    schema = _schema_for(kind)
    return _diff_maps(
        copy.deepcopy(dict(original)),
        copy.deepcopy(dict(modified)),
        schema,
        _DiffOptions(set_element_order=True),
    )


def create_three_way_merge_patch(
    kind: str,
    original: Mapping[str, Any] | None,
    modified: Mapping[str, Any] | None,
    current: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The strategic merge patch ``kubectl apply`` sends for a built-in ``kind``.

    ``original`` is the last-applied configuration (the annotation's JSON), ``modified`` the new
    manifest (carrying the new annotation), ``current`` the live object. The patch holds every
    addition and change from ``current`` to ``modified`` -- fields only the server set are left
    alone -- plus every deletion from ``original`` to ``modified``: ``null`` for a field,
    ``{"<key>": ..., "$patch": "delete"}`` for an item of a merging list,
    ``$deleteFromPrimitiveList/<list>`` for a value of a merging list of primitives. Merging
    lists carry ``$setElementOrder/<list>`` when their content or order changed. An empty dict
    means nothing to do (kubectl prints ``unchanged``).
    (strategicpatch/patch.go ``CreateThreeWayMergePatch``, called with ``overwrite=true``.)
    """
    schema = _schema_for(kind)
    original_map = copy.deepcopy(dict(original or {}))
    modified_map = copy.deepcopy(dict(modified or {}))
    current_map = copy.deepcopy(dict(current or {}))
    delta = _diff_maps(
        current_map,
        modified_map,
        schema,
        _DiffOptions(ignore_deletions=True, set_element_order=True),
    )
    deletions = _diff_maps(
        original_map,
        modified_map,
        schema,
        _DiffOptions(set_element_order=True, ignore_changes_and_additions=True),
    )
    # The delta is applied to the deletions as a patch, keeping nulls and parallel lists.
    return _merge_map(deletions, copy.deepcopy(delta), schema, _CLIENT)
