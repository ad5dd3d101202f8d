"""Token counts and per-token prices for replay, from LiteLLM, read offline.

LiteLLM is imported lazily (it takes seconds) with ``LITELLM_LOCAL_MODEL_COST_MAP=True`` set unless the
user chose otherwise, so its bundled price map is used and nothing is downloaded. Its token counter
uses the bundled ``cl100k_base`` encoding: exact for OpenAI models, an estimate for others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from workbench.errors import ConfigError

__all__ = ["PRICE_KEY_PREFIXES", "Price", "count_tokens", "litellm_module", "price_for"]

PRICE_KEY_PREFIXES = ("", "together_ai/", "openai/", "deepinfra/", "anyscale/", "fireworks_ai/", "replicate/")
"""Where :func:`price_for` looks for a model in LiteLLM's price map, in order: the bare name, then
hosting providers (Together AI hosts RouteLLM's weak model, Mixtral-8x7B-Instruct)."""


def litellm_module() -> ModuleType:
    """LiteLLM, imported on first use with its offline price map (the targets' one loader)."""
    from workbench.targets.litellm import load_litellm

    module: ModuleType = load_litellm()
    return module


@dataclass(frozen=True)
class Price:
    """Dollar prices per token for one model, and the price-map key they came from."""

    model: str
    key: str
    input_per_token: float
    output_per_token: float
    provider: str = ""

    @property
    def basis(self) -> str:
        """Where the price came from, in words."""
        return (
            f"{self.model}: litellm.model_cost[{self.key!r}] ${self.input_per_token * 1e6:.4g}/M input, "
            f"${self.output_per_token * 1e6:.4g}/M output tokens"
        )


def _entry(model_cost: dict[str, Any], model: str) -> tuple[str, dict[str, Any]] | None:
    lowered = {k.lower(): k for k in model_cost}
    for prefix in PRICE_KEY_PREFIXES:
        key = lowered.get(f"{prefix}{model}".lower())
        entry = model_cost.get(key) if key else None
        if key and entry and entry.get("input_cost_per_token") is not None:
            return key, entry
    return None


def price_for(model: str, key: str | None = None) -> Price:
    """The price of ``model`` in LiteLLM's bundled price map (``key`` names the exact entry to use)."""
    model_cost: dict[str, Any] = litellm_module().model_cost
    found = (key, model_cost[key]) if key and key in model_cost else _entry(model_cost, key or model)
    if found is None:
        raise ConfigError(
            f"No price for {model!r} in LiteLLM's price map; pass a Price(...) or a key such as "
            f"'together_ai/{model}' that litellm.model_cost has."
        )
    name, entry = found
    return Price(
        model=model,
        key=name,
        input_per_token=float(entry["input_cost_per_token"]),
        output_per_token=float(entry.get("output_cost_per_token") or 0.0),
        provider=str(entry.get("litellm_provider", "")),
    )


def _is_openai(model: str) -> bool:
    entry = _entry(litellm_module().model_cost, model)
    return entry is not None and entry[1].get("litellm_provider") == "openai"


def count_tokens(texts: Sequence[str], model: str, *, as_prompt: bool = False) -> tuple[np.ndarray, bool]:
    """Token counts of ``texts`` by LiteLLM's counter, and whether they are estimates.

    With ``as_prompt`` each text counts as one user message (chat-format overhead included). Counts are
    exact for OpenAI models; for any other model LiteLLM falls back to OpenAI's ``cl100k_base``
    encoding, so the counts are marked estimated.
    """
    litellm = litellm_module()
    counter = litellm.token_counter
    if as_prompt:
        counts = [counter(model=model, messages=[{"role": "user", "content": t}]) for t in texts]
    else:
        counts = [counter(model=model, text=t) if t else 0 for t in texts]
    return np.asarray(counts, dtype=np.float64), not _is_openai(model)
