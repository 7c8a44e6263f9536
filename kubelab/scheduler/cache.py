"""The scheduler's cache: nodes, the pods on them, and *assumed* pods.

Models ``pkg/scheduler/internal/cache/cache.go`` and ``node_tree.go``.

The scheduler does not wait for a binding to reach the API server before scheduling the next
pod: once it picks a node it *assumes* the pod there (``AssumePod``), so the next cycle already
counts its requests. The binding then either succeeds -- ``FinishBinding``, and the informer's
``AddPod`` later confirms the assumed pod -- or fails, and the pod is forgotten
(``ForgetPod``). An assumed pod whose binding finished but was never confirmed expires after a
TTL; kube-scheduler uses a TTL of 0, which means *never* (``durationToExpireAssumedPod``).

Nodes are listed zone by zone, round-robin (``nodeTree.list``): the first node of every zone,
then the second of every zone, ... so a search that stops early still samples every zone.
Zones are ``region:\\x00:zone`` from the topology labels, in the order they first appeared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubelab.scheduler.framework import Snapshot
from kubelab.scheduler.nodeselector import zone_key
from kubelab.scheduler.types import ImageStateSummary, NodeInfo, PodInfo, pod_key


class CacheError(ValueError):
    """An operation the cache refuses (upstream returns these as errors)."""


class NodeTree:
    """node_tree.go ``nodeTree``: node names grouped by zone."""

    def __init__(self) -> None:
        self.tree: dict[str, list[str]] = {}
        self._members: dict[str, set[str]] = {}
        self.zones: list[str] = []
        self.num_nodes = 0

    def add(self, name: str, labels: Mapping[str, str]) -> None:
        zone = zone_key(labels)
        names = self.tree.get(zone)
        if names is None:
            self.tree[zone] = [name]
            self._members[zone] = {name}
            self.zones.append(zone)
        elif name in self._members[zone]:
            return
        else:
            names.append(name)
            self._members[zone].add(name)
        self.num_nodes += 1

    def remove(self, name: str, labels: Mapping[str, str]) -> None:
        zone = zone_key(labels)
        names = self.tree.get(zone)
        if names is None or name not in self._members[zone]:
            return
        names.remove(name)
        self._members[zone].discard(name)
        if not names:
            del self.tree[zone]
            del self._members[zone]
            self.zones.remove(zone)
        self.num_nodes -= 1

    def update(self, name: str, old: Mapping[str, str], new: Mapping[str, str]) -> None:
        if zone_key(old) == zone_key(new):
            return
        self.remove(name, old)
        self.add(name, new)

    def list(self) -> list[str]:
        """``list``: round-robin over the zones."""
        out: list[str] = []
        index = 0
        while len(out) < self.num_nodes:
            for zone in self.zones:
                names = self.tree[zone]
                if index < len(names):
                    out.append(names[index])
            index += 1
        return out


@dataclass
class PodState:
    """cache.go ``podState``: where a pod is, and when an assumed one expires."""

    pod_info: PodInfo
    node_name: str
    deadline: float | None = None
    binding_finished: bool = False


class Cache:
    """cache.go ``cacheImpl``, driven by explicit calls (informer events, the scheduler)."""

    def __init__(self, ttl: float = 0.0) -> None:
        self.ttl = ttl
        self.nodes: dict[str, NodeInfo] = {}
        self.node_tree = NodeTree()
        self.pod_states: dict[str, PodState] = {}
        self.assumed_pods: set[str] = set()
        self.image_states: dict[str, ImageStateSummary] = {}
        self.namespaces: dict[str, Mapping[str, str]] = {}
        self.workloads: dict[str, list[Mapping[str, Any]]] = {}
        #: Node names whose NodeInfo changed since a consumer last cleared the set.
        self.dirty_nodes: set[str] = set()
        #: Bumped whenever the node list (membership or order) changes.
        self.list_version = 0
        self._list: list[NodeInfo] | None = None
        self._map: dict[str, NodeInfo] | None = None
        self.num_pods_with_affinity = 0
        self.num_pods_with_required_anti_affinity = 0
        #: Bumped whenever any node's image list changes.
        self.images_version = 0

    # -- nodes ---------------------------------------------------------------------------------

    def _node_info(self, name: str) -> NodeInfo:
        ni = self.nodes.get(name)
        if ni is None:
            ni = NodeInfo()
            ni.name = name
            self.nodes[name] = ni
        return ni

    def _has_node(self, ni: NodeInfo) -> bool:
        return bool(ni.node)

    def _add_image_states(self, ni: NodeInfo) -> None:
        """cache.go ``addNodeImageStates``."""
        summary: dict[str, ImageStateSummary] = {}
        self.images_version += 1
        for image in (ni.node.get("status") or {}).get("images") or []:
            size = int(image.get("sizeBytes") or 0)
            for name in image.get("names") or []:
                st = self.image_states.get(name)
                if st is None:
                    st = ImageStateSummary(size, {ni.name})
                    self.image_states[name] = st
                else:
                    st.nodes.add(ni.name)
                summary.setdefault(name, st)
        ni.image_states = summary

    def _remove_image_states(self, ni: NodeInfo) -> None:
        """cache.go ``removeNodeImageStates``."""
        self.images_version += 1
        for name, st in ni.image_states.items():
            st.nodes.discard(ni.name)
            if not st.nodes:
                self.image_states.pop(name, None)
        ni.image_states = {}

    def add_node(self, node: Mapping[str, Any]) -> NodeInfo:
        """cache.go ``AddNode`` (an update when the node is known)."""
        name = (node.get("metadata") or {}).get("name") or ""
        if not name:
            raise CacheError("node has no metadata.name")
        ni = self._node_info(name)
        if self._has_node(ni):
            return self.update_node(node)
        ni.set_node(node)
        self._add_image_states(ni)
        self.node_tree.add(name, ni.labels)
        self._list = None
        self.list_version += 1
        self.dirty_nodes.add(name)
        return ni

    def update_node(self, node: Mapping[str, Any]) -> NodeInfo:
        """cache.go ``UpdateNode``."""
        name = (node.get("metadata") or {}).get("name") or ""
        ni = self._node_info(name)
        if not self._has_node(ni):
            return self.add_node(node)
        old_labels = ni.labels
        self._remove_image_states(ni)
        ni.set_node(node)
        self._add_image_states(ni)
        if old_labels != ni.labels:
            self.node_tree.update(name, old_labels, ni.labels)
            self._list = None
            self.list_version += 1
        self.dirty_nodes.add(name)
        return ni

    def remove_node(self, name: str) -> None:
        """cache.go ``RemoveNode``: the node leaves the list; its pods stay until deleted."""
        ni = self.nodes.get(name)
        if ni is None or not self._has_node(ni):
            raise CacheError(f"node {name} is not found")
        self.node_tree.remove(name, ni.labels)
        self._remove_image_states(ni)
        if ni.pods:
            ni.node = {}
            ni.labels = {}
            ni.taints = []
        else:
            del self.nodes[name]
        self._list = None
        self.list_version += 1
        self.dirty_nodes.add(name)

    def node_count(self) -> int:
        return self.node_tree.num_nodes

    def node_list(self) -> list[NodeInfo]:
        """The node infos in node-tree order (cached until the membership changes)."""
        if self._list is None:
            self._list = [self.nodes[n] for n in self.node_tree.list()]
            self._map = {n.name: n for n in self._list}
        return self._list

    # -- pods ----------------------------------------------------------------------------------

    def _add_to_node(self, pi: PodInfo, node_name: str) -> None:
        self._node_info(node_name).add_pod(pi)
        self.dirty_nodes.add(node_name)
        self.num_pods_with_affinity += pi.has_affinity
        self.num_pods_with_required_anti_affinity += pi.has_required_anti_affinity

    def _remove_from_node(self, pi: PodInfo, node_name: str) -> None:
        ni = self.nodes.get(node_name)
        if ni is None:
            return
        if ni.remove_pod(pi.key) is not None:
            self.num_pods_with_affinity -= pi.has_affinity
            self.num_pods_with_required_anti_affinity -= pi.has_required_anti_affinity
        self.dirty_nodes.add(node_name)
        if not ni.pods and not self._has_node(ni):
            del self.nodes[node_name]

    def assume_pod(self, pi: PodInfo, node_name: str) -> None:
        """cache.go ``AssumePod``: count the pod on ``node_name`` before it is bound."""
        if pi.key in self.pod_states:
            raise CacheError(
                f"pod {pi.namespace}/{pi.name}({pi.key}) is in the cache, so can't be assumed"
            )
        self._add_to_node(pi, node_name)
        self.pod_states[pi.key] = PodState(pi, node_name)
        self.assumed_pods.add(pi.key)

    def finish_binding(self, key: str, now: float) -> None:
        """cache.go ``FinishBinding``: start the assumed pod's TTL (never expires at 0)."""
        ps = self.pod_states.get(key)
        if ps is not None and key in self.assumed_pods:
            ps.binding_finished = True
            ps.deadline = now + self.ttl if self.ttl > 0 else None

    def forget_pod(self, key: str) -> None:
        """cache.go ``ForgetPod``: drop an assumed pod (its binding failed)."""
        ps = self.pod_states.get(key)
        if ps is None:
            return
        if key not in self.assumed_pods:
            raise CacheError(
                f"pod {ps.pod_info.namespace}/{ps.pod_info.name} wasn't assumed so cannot be "
                "forgotten"
            )
        self._remove_from_node(ps.pod_info, ps.node_name)
        del self.pod_states[key]
        self.assumed_pods.discard(key)

    def is_assumed(self, key: str) -> bool:
        return key in self.assumed_pods

    def add_pod(self, pod: Mapping[str, Any], pod_info: PodInfo | None = None) -> PodInfo:
        """cache.go ``AddPod``: a bound pod seen by the informer; confirms an assumed pod
        (moving it if it landed elsewhere). ``pod_info`` may pass the already parsed pod."""
        key = pod_key(pod)
        node_name = (pod.get("spec") or {}).get("nodeName") or ""
        pi = pod_info if pod_info is not None else PodInfo(pod)
        ps = self.pod_states.get(key)
        if (
            ps is not None
            and key in self.assumed_pods
            and ps.node_name == node_name
            and (pod_info is not None)
        ):
            self.assumed_pods.discard(key)
            return ps.pod_info
        ps = self.pod_states.get(key)
        if ps is not None and key in self.assumed_pods:
            self._remove_from_node(ps.pod_info, ps.node_name)
            self._add_to_node(pi, node_name)
            self.pod_states[key] = PodState(pi, node_name)
            self.assumed_pods.discard(key)
            return pi
        if ps is not None:
            return self.update_pod(pod)
        self._add_to_node(pi, node_name)
        self.pod_states[key] = PodState(pi, node_name)
        return pi

    def update_pod(self, pod: Mapping[str, Any]) -> PodInfo:
        """cache.go ``UpdatePod``."""
        key = pod_key(pod)
        ps = self.pod_states.get(key)
        if ps is None or key in self.assumed_pods:
            return self.add_pod(pod)
        self._remove_from_node(ps.pod_info, ps.node_name)
        pi = PodInfo(pod)
        node_name = (pod.get("spec") or {}).get("nodeName") or ps.node_name
        self._add_to_node(pi, node_name)
        self.pod_states[key] = PodState(pi, node_name)
        return pi

    def remove_pod(self, pod: Mapping[str, Any] | str) -> PodInfo | None:
        """cache.go ``RemovePod`` (by object or key)."""
        key = pod if isinstance(pod, str) else pod_key(pod)
        ps = self.pod_states.pop(key, None)
        if ps is None:
            return None
        self.assumed_pods.discard(key)
        self._remove_from_node(ps.pod_info, ps.node_name)
        return ps.pod_info

    def get_pod(self, key: str) -> PodState | None:
        return self.pod_states.get(key)

    def cleanup_expired_assumed_pods(self, now: float) -> list[str]:
        """cache.go ``cleanupAssumedPods``: forget assumed pods past their deadline."""
        expired = [
            k
            for k in sorted(self.assumed_pods)
            if (ps := self.pod_states[k]).binding_finished
            and ps.deadline is not None
            and now >= ps.deadline
        ]
        for k in expired:
            ps = self.pod_states.pop(k)
            self.assumed_pods.discard(k)
            self._remove_from_node(ps.pod_info, ps.node_name)
        return expired

    # -- namespaces and workloads (the listers spreading and affinity read) ---------------------

    def set_namespace(self, name: str, labels: Mapping[str, str] | None = None) -> None:
        self.namespaces[name] = dict(labels or {})

    def set_workloads(self, kind: str, objects: Sequence[Mapping[str, Any]]) -> None:
        """``kind``: ``services``, ``replicasets``, ``statefulsets`` or
        ``replicationcontrollers``."""
        self.workloads[kind] = list(objects)

    def snapshot(self) -> Snapshot:
        """cache.go ``UpdateSnapshot``: the nodes in tree order, for one cycle."""
        nodes = self.node_list()
        assert self._map is not None
        return Snapshot(nodes, self.namespaces, self.workloads, self._map)

    def dump(self) -> dict[str, list[str]]:
        """Node name -> sorted pod keys (assumed pods included)."""
        return {n: sorted(ni.pod_keys()) for n, ni in sorted(self.nodes.items())}
