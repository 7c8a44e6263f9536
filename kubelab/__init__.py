"""kubelab: working models of the components of a Kubernetes cluster, in one deterministic
simulated world, for an executable textbook."""

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from kubelab.cluster import Cluster

__all__ = ["Cluster", "__version__"]


def __getattr__(name: str) -> Any:
    # ``from kubelab import Cluster`` without importing every model at ``import kubelab``.
    if name == "Cluster":
        from kubelab.cluster import Cluster

        globals()["Cluster"] = Cluster
        return Cluster
    raise AttributeError(f"module 'kubelab' has no attribute {name!r}")
