"""``hybrid store copy``: every call and grade of one run log into another (SQLite or PostgreSQL, either way).

Read in pages by ``rowid`` (never the whole log in memory), written in one transaction per page
with the append's own statement, so a call already in the destination stays as it is and copying
twice copies nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbench.runlog.rows import INSERT_SQL, from_row, to_row
from workbench.runlog.store import Store

__all__ = ["PAGE", "CopyResult", "copy_log"]

PAGE = 2000
"""Calls read and written at a time."""

_PAGE_SQL = "SELECT rowid AS wb_rowid, * FROM calls WHERE rowid > ? ORDER BY rowid LIMIT ?"
_GRADES = "call_id, grader, version, score, reason, graded_at"
_INSERT_GRADE = (
    f"INSERT INTO grades ({_GRADES}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (call_id, grader, version) DO NOTHING"
)


@dataclass(frozen=True)
class CopyResult:
    """What a copy did."""

    source: str
    destination: str
    read: int
    copied: int
    grades: int

    def __str__(self) -> str:
        there = self.read - self.copied
        grades = f", and {self.grades} grade(s)" if self.grades else ""
        return (
            f"Copied {self.copied} call(s) from {self.source} to {self.destination}{grades}; "
            f"{there} of the {self.read} call(s) read were already there."
        )


def copy_log(source: str | Path, destination: str | Path) -> CopyResult:
    """Copy every call (and grade) of ``source`` into ``destination``, created and migrated if new."""
    src = Store(source, readonly=True)
    dst = Store(destination)
    try:
        before = dst.count()
        read, last = 0, -1
        while True:
            rows = src._rows(_PAGE_SQL, (last, PAGE))
            if not rows:
                break
            last = int(rows[-1]["wb_rowid"])
            read += len(rows)
            dst.write_rows(INSERT_SQL, [to_row(from_row(row)) for row in rows])
        grades_before = int(dst._rows("SELECT count(*) FROM grades", ())[0][0])
        has_grades = "006_sweeps_and_grades" in src.migrations()  # an older log has no grades table
        grades = src._rows(f"SELECT {_GRADES} FROM grades ORDER BY graded_at, rowid", ()) if has_grades else []
        dst.write_rows(_INSERT_GRADE, [tuple(g) for g in grades])
        new_grades = int(dst._rows("SELECT count(*) FROM grades", ())[0][0]) - grades_before
        return CopyResult(str(src.path), str(dst.path), read, dst.count() - before, new_grades)
    finally:
        src.close()
        dst.close()
