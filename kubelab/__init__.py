"""kubelab: working models of the components of a Kubernetes cluster, in one deterministic
simulated world, for an executable textbook."""

__version__ = "0.1.0"
