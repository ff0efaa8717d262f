"""Typical student mistakes, written as edits of a reference solution cell.

Each chapter has a module ``chNN_<topic>.py`` defining ``NOTEBOOK`` (the source notebook path,
relative to the repository root) and ``MUTANTS``, a list of :class:`Mutant`. A mutant replaces
``old`` by ``new`` exactly once in the solution cell ``cell`` (its nbgrader grade_id). The test
suite grades every mutant and requires that it loses points.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    cell: str  # grade_id of the solution cell to edit
    old: str  # text that occurs exactly once in that cell's source
    new: str  # its replacement
    why: str  # the mistake, in a student's words

    def apply(self, source: str) -> str:
        n = source.count(self.old)
        if n != 1:
            raise ValueError(
                f"mutant {self.why!r}: {self.old!r} occurs {n} times in cell {self.cell!r} (need 1)"
            )
        return source.replace(self.old, self.new)
