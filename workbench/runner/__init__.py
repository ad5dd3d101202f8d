"""The runner: one request to several targets at once, each call guarded, streamed, metered, priced and recorded.

``run`` / ``arun`` fan a request out (:mod:`workbench.runner.fanout`), one call at a time is
:mod:`workbench.runner.call`; the figures come from :mod:`~workbench.runner.metering` (time) and
:mod:`~workbench.runner.pricing` (dollars, the only place they are computed); records go to sinks
(:mod:`~workbench.runner.sinks`) and the run log. Names load on first use, so importing a module of
this package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench._lazy import lazy_names

if TYPE_CHECKING:
    from workbench.runner.fanout import DEFAULT_TARGETS, arun, run
    from workbench.runner.options import RunOptions
    from workbench.runner.sinks import BaseSink, Sink

__all__ = ["DEFAULT_TARGETS", "BaseSink", "RunOptions", "Sink", "arun", "run"]

_HOMES = {
    "DEFAULT_TARGETS": "workbench.runner.fanout",
    "BaseSink": "workbench.runner.sinks",
    "RunOptions": "workbench.runner.options",
    "Sink": "workbench.runner.sinks",
    "arun": "workbench.runner.fanout",
    "run": "workbench.runner.fanout",
}


__getattr__ = lazy_names(__name__, _HOMES)
