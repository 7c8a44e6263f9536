"""Shared set-up for the kube-apiserver tests: a world, etcd, one API server, sessions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubelab.apiserver.pipeline import StageCosts
from kubelab.apiserver.server import APIServerSession, KubeAPIServer
from kubelab.etcd import EtcdClient, EtcdCluster
from kubelab.sim import World


@dataclass
class Lab:
    """One simulated control plane: etcd, an API server, an admin session, an etcdctl."""

    world: World
    etcd: EtcdCluster
    server: KubeAPIServer
    admin: APIServerSession
    etcdctl: EtcdClient

    def revision(self) -> int:
        """etcd's current revision (read through etcdctl)."""
        return int(self.etcdctl.get("/registry/health")["header"]["revision"])

    def session(
        self, user: str, groups: tuple[str, ...] = (), host: str | None = None
    ) -> APIServerSession:
        """A session holding a static token for ``user``."""
        token = self.server.issue_token(user, groups)
        return APIServerSession(self.world, "cp-1", host or f"{user}-host", token=token)

    def anonymous(self) -> APIServerSession:
        """A session without credentials."""
        return APIServerSession(self.world, "cp-1", "anonymous-host")


def make_lab(
    seed: int = 1,
    members: int = 1,
    *,
    stage_costs: StageCosts | None = None,
    **kwargs: Any,
) -> Lab:
    """Start etcd (``members``) and one API server on ``cp-1``, and wait until it is ready."""
    world = World(seed=seed)
    world.trace.enabled = False
    etcd = EtcdCluster(world, members=members)
    etcd.wait_for_leader()
    server = KubeAPIServer(world, "cp-1", etcd.names, stage_costs=stage_costs, **kwargs)
    server.wait_ready()
    admin = APIServerSession(world, "cp-1", "admin-host", certificate=server.admin_certificate())
    return Lab(world, etcd, server, admin, etcd.client(host="etcdctl"))


def pod(name: str, labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    """A minimal Pod manifest."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels if labels is not None else {"app": "web"}},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}], **spec},
    }


def configmap(name: str, data: dict[str, str] | None = None, **meta: Any) -> dict[str, Any]:
    """A ConfigMap manifest."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, **meta},
        "data": data or {"k": "v"},
    }


def deployment(name: str, replicas: int = 2) -> dict[str, Any]:
    """A Deployment manifest."""
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
            },
        },
    }


PODS = "/api/v1/namespaces/default/pods"
CONFIGMAPS = "/api/v1/namespaces/default/configmaps"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
