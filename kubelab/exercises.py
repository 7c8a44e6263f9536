"""Checking a reader's answers to a chapter's exercises.

An exercise compares the reader's answer with the value the models produce (or a fixed fact)
and says why when it is wrong. The verdict shows as one stable line in the notebook.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check."""

    question: str
    correct: bool
    message: str

    def __repr__(self) -> str:
        mark = "✔ correct" if self.correct else "✘ not yet"
        return f"{mark} — {self.question}: {self.message}"

    def __bool__(self) -> bool:
        return self.correct


def _norm(v: Any) -> Any:
    if isinstance(v, str):
        return v.strip().lower()
    if isinstance(v, list | tuple | set | frozenset):
        return sorted(_norm(x) for x in v)
    return v


def check(
    question: str,
    answer: Any,
    expected: Any,
    why: str = "",
    tolerance: float | None = None,
) -> Verdict:
    """Compare ``answer`` with ``expected`` (strings case-insensitively, collections as sets,
    numbers within ``tolerance`` if given). ``why`` explains the expected answer."""
    if answer is None or answer is Ellipsis:
        return Verdict(question, False, "no answer yet — replace the ... with yours")
    if tolerance is not None and isinstance(answer, int | float):
        ok = abs(float(answer) - float(expected)) <= tolerance
    else:
        ok = _norm(answer) == _norm(expected)
    if ok:
        return Verdict(question, True, why or f"{expected!r}")
    return Verdict(question, False, f"you said {answer!r}; expected {expected!r}. {why}".strip())
