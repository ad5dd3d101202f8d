"""Provenance: where each recorded figure came from, so a shared notebook can say what it re-ran.

Every :class:`~workbench.records.CallRecord` carries a ``provenance`` mapping::

    {
      "request_hash": "9f2c...",   # sha256 of messages + params + guard: the replay look-up key
      "packages": {"workbench": "0.1.0", "litellm": "1.110.2", "llama-cpp-python": "0.3.36"},
      "engine": "llama.cpp",        # the target's provider
      "device": "AMD EPYC 7B13 (2 cores)" | "NVIDIA H100 80GB HBM3" | "remote (openai)",
      "model_file": {"name": "...gguf", "bytes": 98_000_000, "sha256": "..."} | None,
      "price_map": "litellm 1.110.2 bundled map" | None,   # None: not priced from the map
      "params": {...}, "seed": 3,
      "policy": None, "threshold": None,                   # set when a routing policy chose
      "cell": {"execution_count": 4, "sha256": "...", "session": "..."} | None,   # IPython only
    }

Versions are read with :mod:`importlib.metadata` (LiteLLM is never imported here). A GGUF's
sha256 is computed once per (path, size, mtime): kept in memory, and in ``file_hashes.json``
beside the run log, so a 98 MB model is hashed once per machine, not once per call.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sys
import threading
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from workbench.records import Locality, Request, new_id
from workbench.targets.base import Target

__all__ = [
    "SESSION",
    "call_provenance",
    "canonical",
    "cell_provenance",
    "file_sha256",
    "package_versions",
    "request_hash",
]

SESSION = new_id()
"""This process's id: cells with the same execution count in two kernel sessions stay apart."""

_PACKAGES = {"workbench": "hybrid-workbench", "litellm": "litellm", "llama-cpp-python": "llama-cpp-python"}
_hash_lock = threading.Lock()
_hashes: dict[tuple[str, int, int], str] = {}


def request_hash(request: Request, guard: str = "flag") -> str:
    """A stable fingerprint of what a call asks: messages, sampling parameters and the guard action."""
    params = dict(request.params)
    if params["temperature"] is not None:
        params["temperature"] = float(params["temperature"])  # 0 and 0.0 ask the same
    payload = {"messages": [dict(m) for m in request.messages], "params": params, "guard": guard}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@functools.cache
def package_versions() -> dict[str, str]:
    """Installed versions of the workbench and its engines (only those present), never importing them."""
    versions: dict[str, str] = {}
    for label, dist in _PACKAGES.items():
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[label] = metadata.version(dist)
    for found in metadata.distributions():  # MLC ships as mlc-llm-nightly-cu123 and the like
        name = (found.metadata["Name"] or "").lower().replace("_", "-")
        if name.startswith("mlc-llm") and name != "mlc-llm-nightly-cpu":
            versions["mlc-llm"] = f"{found.version} ({name})"
    return versions


def _cache_file() -> Path:
    from workbench.runlog.store import default_store_path

    return default_store_path().parent / "file_hashes.json"


def file_sha256(path: str | os.PathLike[str]) -> str:
    """sha256 of a file, computed once per (path, size, mtime) and remembered across processes."""
    file = Path(path).resolve()
    stat = file.stat()
    key = (str(file), stat.st_size, stat.st_mtime_ns)
    with _hash_lock:
        if key in _hashes:
            return _hashes[key]
        cache_key = f"{key[0]}|{key[1]}|{key[2]}"
        cache = _read_cache()
        if cache_key not in cache:
            digest = hashlib.sha256()
            with file.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            cache[cache_key] = digest.hexdigest()
            _write_cache(cache)
        _hashes[key] = cache[cache_key]
        return _hashes[key]


def _read_cache() -> dict[str, str]:
    try:
        data = json.loads(_cache_file().read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_cache(cache: Mapping[str, str]) -> None:
    target = _cache_file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(dict(cache), indent=0, sort_keys=True))
        temporary.replace(target)
    except OSError:
        pass  # a read-only directory costs a re-hash next time, nothing more


def canonical(provenance: Mapping[str, Any]) -> dict[str, Any]:
    """Provenance as the run log stores it (JSON, keys sorted), so a live record shows what a read-back one shows."""
    return dict(json.loads(json.dumps(provenance, sort_keys=True, default=str)))


def cell_provenance() -> dict[str, Any] | None:
    """The notebook cell running now: execution count, sha256 of its source, kernel session; else ``None``."""
    if "IPython" not in sys.modules:  # a shell running cells has imported it; a script need not (0.3 s, 20 MB)
        return None
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return None
    history = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None) or [""]
    if len(history) < 2:  # a shell that has run no cell (a console or test shell): no cell to name
        return None
    source = history[-1]  # In[n]: stored before the cell runs, so its index is the cell's execution count
    return {
        "execution_count": len(history) - 1,
        "sha256": hashlib.sha256(source.encode()).hexdigest(),
        "session": SESSION,
    }


def _target_provenance(target: Target) -> dict[str, Any]:
    versions = package_versions()
    facts = target.facts()
    model_file = None
    if facts.model_file is not None:
        path = facts.model_file
        try:
            model_file = {"name": path.name, "bytes": path.stat().st_size, "sha256": file_sha256(path)}
        except OSError as exc:  # the target reports a missing model itself; provenance just says so
            model_file = {"name": path.name, "error": type(exc).__name__}
    priced = target.locality is Locality.CLOUD and target.price is None
    litellm = versions.get("litellm")
    return {
        "packages": versions,
        "engine": target.provider,
        "device": facts.device,
        "model_file": model_file,
        "price_map": f"litellm {litellm} bundled map" if priced and litellm else None,
    }


def call_provenance(
    target: Target,
    request: Request,
    *,
    request_sha: str | None = None,
    guard: str = "flag",
    policy: str | None = None,
    threshold: float | None = None,
) -> dict[str, Any]:
    """Everything a record says about where it came from (see the module docstring).

    ``request_sha``: the request's hash when the caller has computed it already.
    """
    return {
        "request_hash": request_sha or request_hash(request, guard),
        **_target_provenance(target),
        "params": request.params,
        "seed": request.seed,
        "policy": policy,
        "threshold": threshold,
        "cell": cell_provenance(),
    }
