"""A Node keeps the status it was created with (pkg/registry/core/node/strategy.go)."""

from __future__ import annotations

from kubelab import Cluster


def test_node_created_with_status_keeps_it() -> None:
    c = Cluster(seed=3, nodes=0)
    out = c.apply(
        """
apiVersion: v1
kind: Node
metadata: {name: extra}
status:
  allocatable: {cpu: "2", memory: 4Gi, pods: "110"}
  capacity: {cpu: "2", memory: 4Gi, pods: "110"}
"""
    )
    assert "node/extra created" in str(out)
    got = c.kubectl("get node extra -o jsonpath={.status.allocatable.cpu}")
    assert got.stdout == "2"
