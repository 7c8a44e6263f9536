"""ipywidgets panels, built only on public kubelab APIs. Their first display already shows a
result, because the published book has no kernel behind its widgets."""

from kubelab.widgets.heartbeat import detection_time, heartbeat_panel

__all__ = ["detection_time", "heartbeat_panel"]
