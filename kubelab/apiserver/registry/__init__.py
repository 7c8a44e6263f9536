"""The API server's registry: what each resource is and how its REST verbs behave.

* :mod:`.resources` -- the served resources (from the kinds registry), their subresources and
  discovery entries;
* :mod:`.strategy` -- the per-kind rules (``pkg/registry/<group>/<resource>/strategy.go``);
* :mod:`.schema` -- the fields of the API types, for decoding bodies (strict field check);
* :mod:`.store` -- the generic store: create, get, list, watch, update, patch, delete,
  deletecollection and the subresources, as pipeline stages over etcd and the watch cache.
"""

from kubelab.apiserver.registry.resources import Resource, Subresource, build_resources
from kubelab.apiserver.registry.schema import decode_errors, prune_unknown
from kubelab.apiserver.registry.store import (
    DeleteOptions,
    ListOptions,
    RESTStore,
    parse_delete_options,
    parse_list_options,
)
from kubelab.apiserver.registry.strategy import Strategy, strategy_for

__all__ = [
    "DeleteOptions",
    "ListOptions",
    "RESTStore",
    "Resource",
    "Strategy",
    "Subresource",
    "build_resources",
    "decode_errors",
    "parse_delete_options",
    "parse_list_options",
    "prune_unknown",
    "strategy_for",
]
