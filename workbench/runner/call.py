"""One call to one target: guard, answer from the run log or stream with retries, meter, price, record.

:class:`Call` is what :func:`workbench.runner.fanout.arun` makes one of per target. Retries happen
only before the first token, so text is never duplicated; an interrupted call is recorded with what
came. The record is written to the run log before any sink renders it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Iterable, Sequence

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from workbench.errors import (
    CallCancelled,
    CallTimeout,
    MissingKeyError,
    NotRecorded,
    PrivacyBlocked,
    RateLimitError,
    ReplayMissing,
    TargetError,
    WorkbenchError,
)
from workbench.privacy import guard, redact_secrets
from workbench.records import NOT_SENT, CallRecord, CallStart, Message, Request, TextDelta, Usage, new_id
from workbench.runlog.provenance import call_provenance, canonical, cell_provenance, request_hash
from workbench.runlog.replay import find, missing, replayed_copy
from workbench.runlog.store import Store
from workbench.runner.metering import Meter
from workbench.runner.options import RunOptions
from workbench.runner.pricing import price_call
from workbench.runner.sinks import Sink
from workbench.targets import Target, resolve

__all__ = ["Call", "notify"]

log = logging.getLogger("workbench")

_NOT_SENT = (MissingKeyError, PrivacyBlocked, ReplayMissing)


def _wait(options: RunOptions) -> Callable[[RetryCallState], float]:
    """Retry-After when the server sent one (capped), else exponential backoff."""

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimitError) and exc.retry_after is not None:
            return min(exc.retry_after, options.max_retry_after)
        return float(options.backoff * 2 ** (state.attempt_number - 1))

    return wait


class Call:
    """One call to one target: guard, stream with retries, meter, price, record."""

    def __init__(
        self,
        target: Target,
        request: Request,
        run_id: str,
        sinks: Sequence[Sink],
        options: RunOptions,
        log: Store | None,
        source: Store | None,
    ):
        self.spec = target.spec
        self.target = target
        self.request = request
        self.run_id = run_id
        self.sinks = sinks
        self.options = options
        self.call_id = new_id()
        self.meter: Meter
        self.attempts = 0
        self.pieces = 0
        self.outcome = guard(request, target.locality, options.guard, provider=target.provider)
        if self.outcome.reroute_local:
            self.target = resolve(options.local_target)
        self.setup_error: WorkbenchError | None = None
        self.log = log
        self.source = source
        self.not_recorded: NotRecorded | None = None
        self.provenance: dict[str, object] = {"request_hash": request_hash(request, options.guard)}
        self.replayed: CallRecord | None = None

    async def prepare(self) -> None:
        """Answer from the run log when replaying; else load the model or library (not timed) and gather provenance."""
        if self.options.replay != "off" and self.source is not None:
            cell = cell_provenance()
            found = find(self.source, self.spec, str(self.provenance["request_hash"]), cell)
            if found is not None:
                self.replayed = replayed_copy(
                    found, call_id=self.call_id, run_id=self.run_id, mode=self.options.replay, cell=cell,
                    tags=self.options.tags,
                )  # fmt: skip
                return
            if self.options.replay == "strict":
                self.provenance["cell"] = cell
                self.setup_error = missing(self.spec, self.source)
                return
        gather = functools.partial(
            call_provenance, self.target, self.request,
            request_sha=str(self.provenance["request_hash"]), guard=self.options.guard,
        )  # fmt: skip
        # Only a model file may need hashing (seconds, once); anything else is a few dict look-ups,
        # cheaper here than a hop to a worker thread and back.
        has_file = self.target.facts().model_file is not None
        self.provenance = await asyncio.to_thread(gather) if has_file else gather()
        self.provenance.update({**(self.options.routing or {}), **(self.options.tags or {})})
        if self.outcome.blocked:
            return
        try:
            await self.target.prepare()
        except WorkbenchError as exc:
            self.setup_error = exc
        except Exception as exc:
            self.setup_error = TargetError(f"{self.spec} could not start: {type(exc).__name__}: {exc}")

    async def execute(self) -> CallRecord:
        """Stream the answer, then build, announce and return the record."""
        self.meter = Meter()  # the clock starts now, after every target of the run is prepared
        if self.replayed is not None:
            return await self._replay(self.replayed)
        cancelled = False
        start = CallStart(
            self.call_id, self.run_id, self.spec, self.target.provider, self.target.model, self.target.locality
        )
        notify(self.sinks, "on_call_start", start)
        error: WorkbenchError | None = None
        try:
            if self.outcome.blocked:
                raise PrivacyBlocked(self.outcome.reason)
            if self.setup_error is not None:
                raise self.setup_error
            async with asyncio.timeout(self.options.timeout):
                await self._stream_with_retries(self.outcome.request)
        except asyncio.CancelledError:  # Ctrl-C or a kernel interrupt: record what came, then stop
            cancelled = True
            error = CallCancelled(f"{self.spec} was interrupted after {self.pieces} token(s).")
            if self.meter.usage is None and self.pieces:  # the engine never reported: one streamed piece per token
                self.meter.usage = Usage(output_tokens=self.pieces, estimated=True)
        except TimeoutError:
            error = CallTimeout(f"{self.spec} gave no complete answer within {self.options.timeout:g} s.")
        except WorkbenchError as exc:
            error = exc
        except Exception as exc:  # a bug in a backend must not sink the run
            error = TargetError(f"{self.spec} raised {type(exc).__name__}: {exc}")
        self.meter.finish()
        if self.options.throttle is not None:
            self.options.throttle.answered(error)
        record = self._record(error)
        await self._save(record)
        notify(self.sinks, "on_record", record)
        if cancelled:
            raise asyncio.CancelledError
        return record

    async def _save(self, record: CallRecord) -> None:
        """Append to the run log before anything renders; a failed write is kept and reported, never dropped."""
        if self.log is None:
            return
        try:
            await self.log.aappend(record)
        except NotRecorded as exc:
            self.not_recorded = exc

    async def _replay(self, record: CallRecord) -> CallRecord:
        """Show a recorded call as sinks see a live one: start, the whole text at once, the record."""
        start = CallStart(record.call_id, record.run_id, record.target, record.provider, record.model, record.locality)
        notify(self.sinks, "on_call_start", start)
        if record.response:
            notify(self.sinks, "on_delta", record.call_id, record.response)
        await self._save(record)
        notify(self.sinks, "on_record", record)
        return record

    async def _stream_with_retries(self, request: Request) -> None:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.options.retries + 1),
            wait=_wait(self.options),
            retry=retry_if_exception(self._retryable),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                self.attempts += 1
                async for event in self.target.stream(request):
                    self.meter.observe(event)
                    if isinstance(event, TextDelta):
                        self.pieces += 1
                        notify(self.sinks, "on_delta", self.call_id, event.text)

    def _retryable(self, exc: BaseException) -> bool:
        """Retry before the first token; a 429 under a throttle goes back to the sweep, which re-sends it later."""
        paced = self.options.throttle is not None and isinstance(exc, RateLimitError)
        return isinstance(exc, TargetError) and exc.retryable and not self.meter.text and not paced

    def _record(self, error: WorkbenchError | None) -> CallRecord:
        meter = self.meter
        usage = meter.usage
        input_tokens = usage.input_tokens if usage else None
        output_tokens = usage.output_tokens if usage else None
        cost_usd: float | None
        if isinstance(error, _NOT_SENT):
            cost_usd, basis = 0.0, NOT_SENT
        else:
            cost = price_call(
                model=self.target.model,
                locality=self.target.locality,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                busy_s=meter.latency_s,
                override=self.options.prices.get(self.spec) or self.target.price,
                compute_per_hour=self.options.compute_per_hour,
                tokens_estimated=usage.estimated if usage else False,
            )
            cost_usd, basis = cost.usd, cost.basis
        sent = basis != NOT_SENT  # a call never sent has no timings
        secrets, environment = self.target.secrets, self.options.secret_environment
        return CallRecord(
            call_id=self.call_id,
            run_id=self.run_id,
            target=self.spec,
            provider=self.target.provider,
            model=self.target.model,
            locality=self.target.locality,
            started_at=meter.started_at,
            ttft_s=meter.ttft_s if sent else None,
            latency_s=meter.latency_s if sent else None,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            tokens_estimated=usage.estimated if usage else False,
            decode_tps=meter.decode_tps(output_tokens) if sent else None,
            cost_usd=cost_usd,
            cost_basis=basis,
            params=self.request.params,
            response=meter.response,
            prompt=_stored_prompt(self.outcome.request, secrets, environment) if self.options.store_prompts else None,
            engine_metrics=dict(usage.engine_metrics) if usage else {},
            error_type=type(error).__name__ if error else None,
            error_message=redact_secrets(str(error), secrets, environment=environment) if error else None,
            attempts=self.attempts,
            privacy=self.outcome.privacy,
            provenance=canonical(self.provenance),
            queue_s=meter.queue_s if sent else None,
            e2e_s=meter.e2e_s if sent else None,
            gateway_call_id=usage.gateway_call_id if usage else None,
            gateway_cost_usd=usage.gateway_cost_usd if usage else None,
        )


def _stored_prompt(
    request: Request, secrets: tuple[str, ...], environment: tuple[str, ...] | None
) -> tuple[Message, ...]:
    """The messages as sent to the target (redacted when the guard redacted), secrets removed."""
    return tuple(
        {"role": m["role"], "content": redact_secrets(m["content"], secrets, environment=environment)}
        for m in request.messages
    )


def notify(sinks: Iterable[Sink], method: str, *args: object) -> None:
    """Call ``method`` on every sink; a sink that fails is logged, never allowed to sink the call."""
    for sink in sinks:
        try:
            getattr(sink, method)(*args)
        except Exception as exc:
            log.warning("sink %r failed in %s: %s", sink, method, redact_secrets(str(exc)))
