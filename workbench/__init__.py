"""Hybrid Workbench: send one prompt to local and cloud models at once, measure and record every call.

>>> import workbench
>>> result = workbench.run("Name a prime number.", targets=["local/smollm2", "openai/gpt-4o-mini"])
>>> result.to_pandas()

In Jupyter: ``%load_ext workbench``, then a ``%%hybrid`` cell.

Names are imported on first use, so ``import workbench`` stays fast and never imports LiteLLM.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from workbench._lazy import lazy_names

if TYPE_CHECKING:
    from workbench import plots, privacy, routing
    from workbench.errors import (
        ConfigError,
        PrivacyBlocked,
        StoreError,
        TargetError,
        UnknownTargetError,
        WorkbenchError,
    )
    from workbench.evaluate import grade, sweep
    from workbench.records import CallRecord, Locality, Request, RunResult
    from workbench.runlog.store import Store
    from workbench.runner.fanout import RunOptions, arun, run
    from workbench.runner.pricing import Price
    from workbench.runner.sinks import BaseSink, Sink
    from workbench.targets import Target, known_targets, resolve

__all__ = [
    "BaseSink",
    "CallRecord",
    "ConfigError",
    "Locality",
    "Price",
    "PrivacyBlocked",
    "Request",
    "RunOptions",
    "RunResult",
    "Sink",
    "Store",
    "StoreError",
    "Target",
    "TargetError",
    "UnknownTargetError",
    "WorkbenchError",
    "arun",
    "grade",
    "known_targets",
    "load_ipython_extension",
    "plots",
    "privacy",
    "resolve",
    "routing",
    "run",
    "sweep",
]

_HOMES = {
    "BaseSink": "workbench.runner.sinks",
    "Sink": "workbench.runner.sinks",
    "CallRecord": "workbench.records",
    "Locality": "workbench.records",
    "Request": "workbench.records",
    "RunResult": "workbench.records",
    "ConfigError": "workbench.errors",
    "PrivacyBlocked": "workbench.errors",
    "StoreError": "workbench.errors",
    "TargetError": "workbench.errors",
    "UnknownTargetError": "workbench.errors",
    "WorkbenchError": "workbench.errors",
    "Price": "workbench.runner.pricing",
    "RunOptions": "workbench.runner.fanout",
    "arun": "workbench.runner.fanout",
    "run": "workbench.runner.fanout",
    "Store": "workbench.runlog.store",
    "Target": "workbench.targets",
    "known_targets": "workbench.targets",
    "resolve": "workbench.targets",
    "grade": "workbench.evaluate.grading",
    "sweep": "workbench.evaluate.engine",
}


_SUBMODULES = ("plots", "routing", "privacy")


__getattr__ = lazy_names(__name__, _HOMES, _SUBMODULES)


def __dir__() -> list[str]:
    return sorted(__all__)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext workbench``: register the ``%%hybrid`` magics and warm LiteLLM in the background."""
    from workbench.magic import register

    register(ipython)
    threading.Thread(target=_warm_litellm, name="workbench-warm-litellm", daemon=True).start()


def _warm_litellm() -> None:
    # Imported here, off the main thread: the targets package and LiteLLM take seconds together.
    from workbench.targets.litellm import import_litellm

    import_litellm()
