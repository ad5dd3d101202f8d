"""Records as a pandas DataFrame: one row per call, the run log's columns, typed, timing figures side by side."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from workbench.records.call import COLUMNS, CallRecord

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["frame_from_rows", "records_frame"]

_TIMES = ("queue_s", "ttft_s", "latency_s", "e2e_s")


def records_frame(records: Sequence[CallRecord]) -> pd.DataFrame:
    """One row per call with every field of the record."""
    return frame_from_rows([r.to_dict() for r in records])


def frame_from_rows(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """A DataFrame from record dicts (``CallRecord.to_dict`` shape): typed columns, UTC start times."""
    import pandas as pd

    others = [c for c in COLUMNS if c not in _TIMES]
    at = others.index("started_at") + 1  # the timing figures side by side, after the start time
    frame = pd.DataFrame(list(rows), columns=[*others[:at], *_TIMES, *others[at:]])
    frame["started_at"] = pd.to_datetime(frame["started_at"], unit="s", utc=True)
    for name in ("tokens_estimated", "replayed"):
        frame[name] = frame[name].astype(bool)
    return frame
