"""The failure panel's process faults reach the components installed in a Cluster."""

from __future__ import annotations

from kubelab import Cluster

POD = """
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers: [{name: a, image: "nginx:1.25"}]
"""


def test_stopping_the_only_scheduler_leaves_pods_pending_until_undone() -> None:
    c = Cluster(seed=4, nodes=1)
    c.run(3)
    fault = c.faults.stop("kube-scheduler", "cp-1")
    c.apply(POD)
    c.run(5)
    assert c.kubectl("get pod web -o jsonpath={.spec.nodeName}").stdout == ""
    c.faults.undo(fault)
    c.run(20)
    assert c.kubectl("get pod web -o jsonpath={.spec.nodeName}").stdout == "node-1"
    kinds = [(r.kind, r.fields["fault"]) for r in c.trace.filter(component="faults")]
    assert kinds == [("inject", "stop"), ("undo", "stop")]
