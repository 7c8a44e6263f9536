"""ImageLocality (``pkg/scheduler/framework/plugins/imagelocality/image_locality.go``, v1.32).

Favours nodes that already hold the pod's images. For each container (init containers
included) whose image is on the node, add ``int(size * nodesWithImage / totalNodes)`` (the
spread factor damps images every node has); clamp the sum to ``[23 MiB, 1000 MiB *
numContainers]`` and scale to 0..100. An image name without a tag gets ``:latest``; names are
matched exactly as ``status.images[].names`` lists them. Weight 1.
"""

from __future__ import annotations

from typing import Final

from kubelab.scheduler.framework import MAX_NODE_SCORE, CycleState, ScorePlugin, Status
from kubelab.scheduler.types import ImageStateSummary, NodeInfo, PodInfo

NAME = "ImageLocality"
MB: Final = 1024 * 1024
#: image_locality.go minThreshold / maxContainerThreshold.
MIN_THRESHOLD: Final = 23 * MB
MAX_CONTAINER_THRESHOLD: Final = 1000 * MB


def normalized_image_name(name: str) -> str:
    """``normalizedImageName``: append ``:latest`` when the name has no tag."""
    if name.rfind(":") <= name.rfind("/"):
        return name + ":latest"
    return name


def scaled_image_score(state: ImageStateSummary, total_nodes: int) -> int:
    """``scaledImageScore``: size times the fraction of nodes that hold the image."""
    spread = state.num_nodes / total_nodes
    return int(float(state.size) * spread)


def pod_images(pod: PodInfo) -> list[str]:
    spec = pod.pod.get("spec") or {}
    out: list[str] = []
    for key in ("initContainers", "containers"):
        for c in spec.get(key) or ():
            out.append(normalized_image_name(str(c.get("image") or "")))
    return out


def calculate_priority(sum_scores: int, num_containers: int) -> int:
    """``calculatePriority``."""
    max_threshold = MAX_CONTAINER_THRESHOLD * num_containers
    if sum_scores < MIN_THRESHOLD:
        sum_scores = MIN_THRESHOLD
    elif sum_scores > max_threshold:
        sum_scores = max_threshold
    return MAX_NODE_SCORE * (sum_scores - MIN_THRESHOLD) // (max_threshold - MIN_THRESHOLD)


class ImageLocality(ScorePlugin):
    name = NAME

    def score(
        self, state: CycleState, pod: PodInfo, node_info: NodeInfo
    ) -> tuple[int, Status | None]:
        total = len(self.handle.snapshot.node_info_list)
        images = pod_images(pod)
        s = 0
        for image in images:
            st = node_info.image_states.get(image)
            if st is not None:
                s += scaled_image_score(st, total)
        return calculate_priority(s, len(images)), None
