"""Records as a pandas DataFrame: one row per call, the run log's columns, typed, timing figures side by side."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from workbench.records.call import COLUMNS, CallRecord

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FRAME_COLUMNS", "frame_from_columns", "frame_from_rows", "records_frame"]

_TIMES = ("queue_s", "ttft_s", "latency_s", "e2e_s")
_OTHERS = [c for c in COLUMNS if c not in _TIMES]
_AT = _OTHERS.index("started_at") + 1
FRAME_COLUMNS = (*_OTHERS[:_AT], *_TIMES, *_OTHERS[_AT:])
"""Every column of a records frame, in its order: the timing figures side by side, after the start time."""


def records_frame(records: Sequence[CallRecord]) -> pd.DataFrame:
    """One row per call with every field of the record."""
    return frame_from_rows([r.to_dict() for r in records])


def frame_from_rows(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """A DataFrame from record dicts (``CallRecord.to_dict`` shape): typed columns, UTC start times."""
    return frame_from_columns({name: [row[name] for row in rows] for name in FRAME_COLUMNS})


def frame_from_columns(columns: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """A DataFrame from one list of values per column, in the mapping's order: typed, start times in UTC."""
    import pandas as pd

    frame = pd.DataFrame(dict(columns), columns=list(columns))
    if "started_at" in frame:
        frame["started_at"] = pd.to_datetime(frame["started_at"], unit="s", utc=True)
    for name in ("tokens_estimated", "replayed"):
        if name in frame:
            frame[name] = frame[name].astype(bool)
    return frame
