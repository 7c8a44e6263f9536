"""Go text/tabwriter column blocks.

The elastic-tabstops case is Go's ``Example_elastic`` (src/text/tabwriter/example_test.go):
"the b's and the d's, despite appearing in the second cell of each line, belong to different
columns". Go prints it right-aligned with '.' padding and '|' column markers::

    ....a|..b|c
    ...aa|.bb|cc
    ..aaa|
    .aaaa|.dddd|eeee

i.e. column widths 5 (first column) and 3 / 5 (second column, two blocks). Here the same widths
are checked left-aligned with space padding, the only mode kubectl uses.
"""

from __future__ import annotations

from kubelab.kubectl.tabwriter import DESCRIBE, TABLE, TabSettings, tabwrite


def test_elastic_example_column_blocks() -> None:
    text = "a\tb\tc\naa\tbb\tcc\naaa\t\naaaa\tdddd\teeee\n"
    out = tabwrite(text, TabSettings(minwidth=0, tabwidth=0, padding=1))
    assert out == "a    b  c\naa   bb cc\naaa  \naaaa dddd eeee\n"


def test_last_cell_of_a_line_is_not_padded() -> None:
    # The text after the last tab belongs to no column (tabwriter.go, "the last cell per line is
    # ignored because cells are tab-terminated").
    out = tabwrite("NAME\tAGE\nweb\t5s\n", TABLE)
    assert out == "NAME   AGE\nweb    5s\n"


def test_kubectl_minwidth_six() -> None:
    # cli-runtime tabwriter.go: minwidth 6, so a 1-character column still takes 6 cells.
    assert tabwrite("A\tB\nx\ty\n", TABLE) == "A     B\nx     y\n"


def test_a_line_without_tabs_ends_the_block() -> None:
    # Describe: "Name:" lines and the "  IP:" line are in different blocks.
    text = "Name:\tweb\nNamespace:\tdefault\nIPs:\n  IP:\t10.0.0.1\n"
    out = tabwrite(text, DESCRIBE)
    assert out == "Name:       web\nNamespace:  default\nIPs:\n  IP:  10.0.0.1\n"


def test_empty_cells_are_padded() -> None:
    assert tabwrite("Labels:\ta=b\n\tc=d\n", DESCRIBE) == "Labels:  a=b\n         c=d\n"


def test_partial_last_line_is_written_without_newline() -> None:
    # Width max(2 + 3, minwidth 6) = 6.
    assert tabwrite("a\tb\ncc\td", TABLE) == "a     b\ncc    d"
