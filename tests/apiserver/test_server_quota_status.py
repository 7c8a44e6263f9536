"""ResourceQuota admission writes the new usage into the quota's status in etcd."""

from __future__ import annotations

import json

from kubelab import Cluster

QUOTA = """
apiVersion: v1
kind: ResourceQuota
metadata: {name: pods, namespace: default}
spec:
  hard: {pods: "2"}
status:
  hard: {pods: "2"}
  used: {pods: "0"}
"""


def _pod(name: str) -> str:
    return f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default}}
spec:
  containers: [{{name: a, image: nginx:1.25}}]
"""


def _used(c: Cluster) -> dict[str, str]:
    raw = c.etcdctl("get /registry/resourcequotas/default/pods --print-value-only").stdout
    return dict(json.loads(raw)["status"]["used"])


def test_creating_pods_charges_the_quota_status_and_the_third_is_refused() -> None:
    c = Cluster(seed=5, nodes=1)
    c.kubectl("apply -f -", stdin=QUOTA)
    c.kubectl("create -f -", stdin=_pod("a"))
    c.run(1)
    assert _used(c) == {"pods": "1"}
    c.kubectl("create -f -", stdin=_pod("b"))
    c.run(1)
    assert _used(c) == {"pods": "2"}
    out = c.kubectl("create -f -", stdin=_pod("c"))
    assert out.exit_code == 1
    assert "exceeded quota: pods, requested: pods=1, used: pods=2, limited: pods=2" in out.stderr
