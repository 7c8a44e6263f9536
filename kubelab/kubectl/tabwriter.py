"""Go's ``text/tabwriter``, as kubectl uses it to line up columns.

Text is split into cells at tabs and into lines at newlines. The last cell of a line (the text
after its last tab) is not part of any column and is written as is. A *column block* is a run of
consecutive lines that all have a cell in that column; every cell of a block is padded to the
block's widest cell plus ``padding``, and to at least ``minwidth``. Blocks are found column by
column, left to right, exactly as ``Writer.format`` in ``src/text/tabwriter/tabwriter.go`` does,
so a line with fewer cells ends the blocks of the columns it lacks.

kubectl's two settings:

* tables (``k8s.io/cli-runtime/pkg/printers/tabwriter.go``): minwidth 6, tabwidth 4,
  padding 3, padchar ``' '`` (``github.com/liggitt/tabwriter``; its ``RememberWidths`` flag only
  matters across several flushes of one writer, which kubectl resets between tables);
* ``kubectl describe`` (``k8s.io/kubectl/pkg/describe/describe.go`` ``tabbedString``):
  minwidth 0, tabwidth 8, padding 2, padchar ``' '``.

Cell widths count characters (Go counts UTF-8 runes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["DESCRIBE", "TABLE", "TabSettings", "tabwrite"]


@dataclass(frozen=True)
class TabSettings:
    """The ``tabwriter.NewWriter`` parameters (padchar is always a space here)."""

    minwidth: int
    tabwidth: int
    padding: int


#: ``printers.GetNewTabWriter``: what ``kubectl get`` and custom-columns use.
TABLE: Final = TabSettings(minwidth=6, tabwidth=4, padding=3)
#: ``describe.tabbedString``.
DESCRIBE: Final = TabSettings(minwidth=0, tabwidth=8, padding=2)


def _split(text: str) -> list[list[str]]:
    raw = text.split("\n")
    lines = [segment.split("\t") for segment in raw[:-1]]
    last = raw[-1]
    if last:
        cells = last.split("\t")
        # At Flush, an empty trailing cell is not terminated (tabwriter.flushNoDefers).
        if len(cells) > 1 and cells[-1] == "":
            cells.pop()
        lines.append(cells)
    else:
        lines.append([])
    return lines


def tabwrite(text: str, settings: TabSettings = TABLE) -> str:
    """Format ``text`` (tab-separated cells, newline-terminated lines) as one flush of a Go
    ``tabwriter.Writer`` with ``settings`` and padchar ``' '``."""
    lines = _split(text)
    out: list[str] = []
    widths: list[int] = []

    def write_lines(line0: int, line1: int) -> None:
        for i in range(line0, line1):
            line = lines[i]
            for j, cell in enumerate(line):
                out.append(cell)
                if j < len(widths):
                    out.append(" " * (widths[j] - len(cell)))
            if i + 1 < len(lines):
                out.append("\n")

    def format_block(line0: int, line1: int) -> None:
        column = len(widths)
        this = line0
        while this < line1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            # A cell exists in this column: print the lines before the block, then the block.
            write_lines(line0, this)
            line0 = this
            width = settings.minwidth
            while this < line1 and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + settings.padding)
                this += 1
            widths.append(width)
            format_block(line0, this)
            widths.pop()
            line0 = this
        write_lines(line0, line1)

    format_block(0, len(lines))
    return "".join(out)
