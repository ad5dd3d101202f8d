"""The record's rules in SQL, as the sidebar's queries use them: defined in :mod:`workbench.runlog.rules`.

They live beside the run log because its running totals (:mod:`workbench.runlog.rollup`) are kept
with the same rules; this module names them for the server.
"""

from __future__ import annotations

from workbench.runlog.rules import EGRESS_SQL, FLAGGED_OFF_DEVICE_SQL, LEFT_DEVICE_SQL, SENT_SQL, TIMED_SQL

__all__ = ["EGRESS_SQL", "FLAGGED_OFF_DEVICE_SQL", "LEFT_DEVICE_SQL", "SENT_SQL", "TIMED_SQL"]
