"""The records of one run, with a rich display in notebooks and ``to_pandas()``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.records.call import CallRecord

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["RunResult"]


@dataclass(frozen=True)
class RunResult(Sequence[CallRecord]):
    """The records of one run, in the order the targets were given."""

    run_id: str
    records: tuple[CallRecord, ...]
    unrecorded: tuple[str, ...] = ()
    """Call ids the run log did not take (kept in its spool; ``hybrid store recover``)."""
    store_error: str | None = None
    """Why they were not recorded, and where they are kept."""

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, key: int | str) -> CallRecord:  # type: ignore[override]
        if isinstance(key, str):
            for record in self.records:
                if record.target == key:
                    return record
            raise KeyError(f"No record for target {key!r}; targets: {[r.target for r in self.records]}")
        return self.records[key]

    def __iter__(self) -> Iterator[CallRecord]:
        return iter(self.records)

    @property
    def text(self) -> dict[str, str]:
        """Each target's answer, by target spec."""
        return {r.target: r.response for r in self.records}

    def to_pandas(self) -> pd.DataFrame:
        """One row per call, the columns of the run log."""
        from workbench.records.frame import records_frame

        return records_frame(self.records)

    def __repr__(self) -> str:
        from workbench.ui.table import records_text

        warning = f"\nNOT RECORDED: {self.store_error}" if self.unrecorded else ""
        return records_text(self.records) + warning

    def _repr_html_(self) -> str:
        import html

        from workbench.ui.table import records_html

        warning = f"<p style='color:#b00020'><b>Not recorded:</b> {html.escape(self.store_error or '')}</p>"
        return records_html(self.records) + (warning if self.unrecorded else "")
