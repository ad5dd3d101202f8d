"""The run log: every call recorded (SQLite), answered again from it (replay), and where each figure came from.

:mod:`~workbench.runlog.store` appends and reads records through named migrations
(:mod:`~workbench.runlog.schema`), turning file faults into one-line errors
(:mod:`~workbench.runlog.faults`) and keeping what could not be written in a spool
(:mod:`~workbench.runlog.spool`). :mod:`~workbench.runlog.replay` answers a call from the log;
:mod:`~workbench.runlog.provenance` says where a record's figures came from. Names load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench._lazy import lazy_names

if TYPE_CHECKING:
    from workbench.runlog.store import Store, default_store_path, open_store

__all__ = ["Store", "default_store_path", "open_store"]

_HOMES = {
    "Store": "workbench.runlog.store",
    "default_store_path": "workbench.runlog.store",
    "open_store": "workbench.runlog.store",
}


__getattr__ = lazy_names(__name__, _HOMES)
