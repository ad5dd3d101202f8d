"""A real LiteLLM proxy on loopback, from the venv `make proxy` builds, in front of the test's own servers.

It runs with a master key and no database (so any other key is refused), LiteLLM's bundled price
map, and no retries of its own. Its models:

- ``smollm2`` and ``smollm2-dear``: llama.cpp's server with SmolLM2, at :data:`PRICE` and at
  :data:`DEAR_PRICE` per token (``input_cost_per_token`` / ``output_cost_per_token``);
- ``scripted-NAME``: the scripted fault server's model ``NAME`` (``ok``, ``error500``,
  ``ratelimit-N``, ...) at :data:`PRICE`.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from tests.support.servers import stop, wait_until_answers

__all__ = ["DEAR_PRICE", "MASTER_KEY", "PRICE", "PROXY_BIN", "litellm_proxy"]

ROOT = Path(__file__).resolve().parents[2]
PROXY_BIN = ROOT / "build" / "litellm-proxy" / "venv" / "bin" / "litellm"
MASTER_KEY = "sk-team-virtual-key-7f3a9c2e51"
"""The proxy's master key, which the tests send as the team's virtual key."""
PRICE = (1e-6, 2e-6)
"""(input, output) dollars per token the proxy charges for ``smollm2`` and ``scripted-*``."""
DEAR_PRICE = (5e-6, 9e-6)
"""(input, output) dollars per token the proxy charges for ``smollm2-dear``."""
START_TIMEOUT_S = 90.0


def _model(name: str, model: str, api_base: str, price: tuple[float, float]) -> dict[str, Any]:
    return {
        "model_name": name,
        "litellm_params": {
            "model": model,
            "api_base": api_base,
            "api_key": "no-key-needed",
            "input_cost_per_token": price[0],
            "output_cost_per_token": price[1],
        },
    }


def _config(llama_url: str, scripted_url: str) -> dict[str, Any]:
    return {
        "model_list": [
            _model("smollm2", "openai/smollm2", llama_url, PRICE),
            _model("smollm2-dear", "openai/smollm2", llama_url, DEAR_PRICE),
            _model("scripted-*", "openai/*", scripted_url, PRICE),
        ],
        "litellm_settings": {"num_retries": 0},
        "router_settings": {"num_retries": 0},
        "general_settings": {"master_key": MASTER_KEY},
    }


@contextmanager
def litellm_proxy(llama_url: str, scripted_url: str, port: int, workdir: Path, log: Path) -> Iterator[str]:
    """Start ``litellm --config`` on ``127.0.0.1:port``; yield its URL once it answers, stop it after."""
    if not PROXY_BIN.is_file():
        raise RuntimeError(f"no LiteLLM proxy at {PROXY_BIN}: run 'make proxy' to build its venv")
    config = workdir / "litellm-proxy.yaml"
    config.write_text(yaml.safe_dump(_config(llama_url, scripted_url)), encoding="utf-8")
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "DISABLE_SCHEMA_UPDATE": "True"}
    env.pop("DATABASE_URL", None)
    command = [str(PROXY_BIN), "--config", str(config), "--port", str(port), "--host", "127.0.0.1"]
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=workdir)
    try:
        wait_until_answers(process, f"{url}/health/liveliness", what="the LiteLLM proxy", log=log,
                           timeout_s=START_TIMEOUT_S)  # fmt: skip
        yield url
    finally:
        stop(process)
