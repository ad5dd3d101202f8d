"""Send one request to several targets at once and record every call.

Each target runs as its own asyncio task (:class:`~workbench.runner.call.Call`). A target that
fails (refused, 401, 429, 5xx, hang, dropped stream, any exception) ends as an error on its own
record; the others go on. Every target is prepared before any clock starts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from workbench.records import DEFAULT_MAX_TOKENS, Message, RunResult, new_id
from workbench.runlog.replay import check_mode, replay_source
from workbench.runlog.store import Store, open_store
from workbench.runner.call import Call
from workbench.runner.loop import run_sync
from workbench.runner.options import RunOptions
from workbench.runner.sinks import Sink
from workbench.runner.validate import check_run
from workbench.targets import Target
from workbench.telemetry.active import with_export

__all__ = ["DEFAULT_TARGETS", "RunOptions", "arun", "run"]

DEFAULT_TARGETS: tuple[str, ...] = ("local/smollm2",)
"""The targets of a run that names none: the embedded local model."""


async def arun(
    prompt: str | Sequence[Message],
    targets: Sequence[str | Target] | None = None,
    *,
    system: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = DEFAULT_MAX_TOKENS,
    seed: int | None = None,
    stop: str | Sequence[str] | None = None,
    store: Store | bool = True,
    sinks: Sequence[Sink] = (),
    options: RunOptions | None = None,
    **option_values: object,
) -> RunResult:
    """Send ``prompt`` to every target at once; return one record per target, in order.

    ``store=True`` appends to the default run log (``WORKBENCH_STORE`` or
    ``.workbench/runs.sqlite``); pass a :class:`Store` for another, or ``False`` for none.
    Extra keyword arguments set :class:`RunOptions` fields (``timeout=30``, ``guard="redact"``).
    """
    from workbench.targets.env import load_env_once

    load_env_once()
    options = RunOptions(**option_values) if options is None else options  # type: ignore[arg-type]
    check_mode(options.replay)
    checked = check_run(prompt, DEFAULT_TARGETS if targets is None else targets, options, system=system,
                        temperature=temperature, max_tokens=max_tokens, seed=seed, stop=stop)  # fmt: skip
    log = store if isinstance(store, Store) else open_store() if store is True else None
    source = replay_source(options.replay, options.replay_from, log)
    run_id = new_id()
    sinks = with_export(sinks)  # OpenTelemetry export, when the environment switches it on
    calls = [Call(t, request, run_id, sinks, options, log, source) for t, request in checked.calls]
    await asyncio.gather(*(c.prepare() for c in calls))
    records = await asyncio.gather(*(c.execute() for c in calls))
    failed = [c.not_recorded for c in calls if c.not_recorded is not None]
    unrecorded = tuple(dict.fromkeys(i for exc in failed for i in exc.call_ids))
    return RunResult(run_id, tuple(records), unrecorded=unrecorded, store_error=str(failed[-1]) if failed else None)


def run(prompt: str | Sequence[Message], targets: Sequence[str | Target] | None = None, **kwargs: object) -> RunResult:
    """Blocking :func:`arun`; works inside a notebook whose event loop is already running."""
    return run_sync(arun(prompt, targets, **kwargs))  # type: ignore[arg-type]
