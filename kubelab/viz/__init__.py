"""What notebooks show: graphviz diagrams, tables and timelines drawn from live model state."""

from kubelab.viz.overview import COMPONENTS, Component, cluster_diagram, component_table
from kubelab.viz.render import NO_DOT_MESSAGE, Diagram, render_svg

__all__ = [
    "COMPONENTS",
    "NO_DOT_MESSAGE",
    "Component",
    "Diagram",
    "cluster_diagram",
    "component_table",
    "render_svg",
]
