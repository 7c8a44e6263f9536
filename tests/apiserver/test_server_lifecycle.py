"""The API server is stateless over etcd: restarts, several instances, boot-time objects."""

from __future__ import annotations

from test_server_fixtures import CONFIGMAPS, PODS, configmap, make_lab, pod

from kubelab.apiserver.server import APIServerSession, KubeAPIServer


def test_a_crashed_server_comes_back_with_everything_from_etcd() -> None:
    lab = make_lab()
    lab.admin.post(CONFIGMAPS, configmap("a"))
    audit_before = len(lab.server.audit)
    lab.world.host("cp-1").crash()
    assert not lab.server.ready
    lab.world.run(duration=1.0)
    lab.world.host("cp-1").start()
    lab.server.wait_ready()
    assert lab.admin.get(f"{CONFIGMAPS}/a").body["data"] == {"k": "v"}
    # the boot-time objects are ensured again, not duplicated
    names = [i["metadata"]["name"] for i in lab.admin.get("/api/v1/namespaces").body["items"]]
    assert names == ["default", "kube-node-lease", "kube-public", "kube-system"]
    assert len(lab.server.audit) > audit_before


def test_requests_during_boot_wait_for_the_caches() -> None:
    lab = make_lab()
    lab.world.host("cp-1").restart()
    # asked right away: answered once the cache is filled, not refused
    r = lab.admin.get("/api/v1/namespaces")
    assert r.code == 200 and len(r.body["items"]) == 4


def test_two_api_servers_share_one_etcd() -> None:
    lab = make_lab(seed=7, members=3)
    second = KubeAPIServer(lab.world, "cp-2", lab.etcd.names)
    second.wait_ready()
    other = APIServerSession(lab.world, "cp-2", "admin-2", certificate=second.admin_certificate())
    w = other.watch(PODS)
    created = lab.admin.post(PODS, pod("web")).body
    assert [e["type"] for e in w.events(0.5)] == ["ADDED"]
    seen = other.get(f"{PODS}/web").body
    assert seen["metadata"]["uid"] == created["metadata"]["uid"]
    assert seen["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    # a write through one server conflicts with a stale write through the other
    stale = dict(seen)
    lab.admin.patch(f"{PODS}/web", {"metadata": {"labels": {"v": "2"}}})
    stale["metadata"] = {**seen["metadata"], "labels": {"v": "3"}}
    assert other.put(f"{PODS}/web", stale).code == 409


def test_new_namespaces_get_a_default_service_account() -> None:
    lab = make_lab()
    lab.admin.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                          "metadata": {"name": "team"}})  # fmt: skip
    lab.world.run(duration=0.1)
    sa = lab.admin.get("/api/v1/namespaces/team/serviceaccounts/default")
    assert sa.code == 200
    assert lab.admin.post("/api/v1/namespaces/team/pods", pod("web")).code == 201
    off = make_lab(service_account_controller=False)
    off.admin.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                          "metadata": {"name": "team"}})  # fmt: skip
    off.world.run(duration=0.1)
    r = off.admin.post("/api/v1/namespaces/team/pods", pod("web"))
    assert r.code == 403
    assert r.body["message"] == (
        'pods "web" is forbidden: error looking up service account team/default: '
        'serviceaccount "default" not found'
    )


def test_same_seed_same_answers() -> None:
    def run() -> list[tuple[int, str]]:
        lab = make_lab(seed=11)
        out = []
        for _ in range(3):
            r = lab.admin.post(PODS, {**pod("x"), "metadata": {"generateName": "web-"}})
            out.append((r.code, r.body["metadata"]["name"] + r.body["metadata"]["uid"]))
        return out

    assert run() == run()
