"""Execute chapter notebooks in place so their committed outputs are current.

    python tools/refresh_outputs.py notebooks/00-cluster-overview.ipynb [...]

nbval (strict) compares every output with what is committed, so run this after changing a
notebook or a model it uses. Widget state is stored so the published book can show widgets.
"""

from __future__ import annotations

import sys
import time

import nbformat
from nbclient import NotebookClient


def refresh(path: str) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        nb, timeout=300, kernel_name="python3", allow_errors=False, store_widget_state=True
    ).execute(cwd="notebooks")
    took = time.perf_counter() - start
    for cell in nb.cells:
        cell.get("metadata", {}).pop("execution", None)
    nbformat.write(nb, path)
    return took


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(f"{p}: {refresh(p):.1f} s")
