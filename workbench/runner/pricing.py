"""What a call cost and on what basis: the one price lookup, and the one place dollars are computed.

Cloud calls are priced from LiteLLM's bundled price map (read offline, :func:`price_for`); calls on
the device or a private network by an optional compute price ($/hour x busy time). A per-target
:class:`~workbench.records.Price` overrides both. A price nobody knows is unknown (``None``), never
zero. Live calls (:func:`price_call`) and routing replays over outcome data (:func:`dollars` on
arrays) use the same lookup and the same arithmetic, so they price a model alike.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

from workbench.errors import ConfigError
from workbench.records import Locality, Price
from workbench.targets.litellm_loader import litellm_version, load_litellm

if TYPE_CHECKING:
    import numpy as np

__all__ = ["PRICE_KEY_PREFIXES", "Cost", "cloud_price", "dollars", "map_entry", "price_call", "price_for"]

PRICE_KEY_PREFIXES = ("", "together_ai/", "openai/", "deepinfra/", "anyscale/", "fireworks_ai/", "replicate/")
"""Where :func:`price_for` looks for a bare model name in LiteLLM's price map, in order: the name itself,
then hosting providers (Together AI hosts RouteLLM's weak model, Mixtral-8x7B-Instruct)."""

@dataclass(frozen=True)
class Cost:
    """A dollar figure (``None`` when unknown) and how it was reached."""

    usd: float | None
    basis: str


def map_entry(model_cost: dict[str, Any], model: str) -> tuple[str, dict[str, Any]] | None:
    """The key and entry of ``model`` in LiteLLM's ``model_cost`` (see :data:`PRICE_KEY_PREFIXES`), if priced."""
    lowered = {k.lower(): k for k in model_cost}
    names = [model, model.split("/", 1)[-1]] if "/" in model else [model]
    for name in names:
        for prefix in PRICE_KEY_PREFIXES:
            key = lowered.get(f"{prefix}{name}".lower())
            entry = model_cost.get(key) if key else None
            if key and entry and entry.get("input_cost_per_token") is not None:
                return key, entry
    return None


@functools.lru_cache(maxsize=256)
def price_for(model: str, key: str | None = None) -> Price:
    """The price of ``model`` (``openai/gpt-4o-mini``, ``gpt-4o-mini``) in LiteLLM's map; ``key`` names an entry.

    Raises :class:`~workbench.errors.ConfigError` when the map has no price for it. Remembered per model:
    the bundled map does not change while the process runs.
    """
    model_cost: dict[str, Any] = load_litellm().model_cost
    found = (key, model_cost[key]) if key and key in model_cost else map_entry(model_cost, key or model)
    if found is None:
        raise ConfigError(
            f"No price for {model!r} in LiteLLM's price map; pass a Price(...) or a key such as "
            f"'together_ai/{model}' that litellm.model_cost has."
        )
    name, entry = found
    return Price(
        float(entry["input_cost_per_token"]) * 1e6,
        float(entry.get("output_cost_per_token") or 0.0) * 1e6,
        f"LiteLLM {litellm_version()} price map, key {name!r}",
    )


def cloud_price(model: str) -> Price | None:
    """:func:`price_for`, or ``None`` when the map does not know the model."""
    try:
        return price_for(model)
    except ConfigError:
        return None


@overload
def dollars(input_tokens: float, output_tokens: float, price: Price) -> float: ...


@overload
def dollars(input_tokens: np.ndarray, output_tokens: np.ndarray, price: Price) -> np.ndarray: ...


def dollars(input_tokens: Any, output_tokens: Any, price: Price) -> Any:
    """Dollars for these token counts at ``price``: numbers, or NumPy arrays of counts (one per call)."""
    return input_tokens * price.input_per_token + output_tokens * price.output_per_token


def price_call(
    *,
    model: str,
    locality: Locality,
    input_tokens: int | None,
    output_tokens: int | None,
    busy_s: float,
    override: Price | None = None,
    compute_per_hour: float | None = None,
    tokens_estimated: bool = False,
) -> Cost:
    """Price one call."""
    if locality.edge and override is None:
        if compute_per_hour is None:
            return Cost(0.0, "on own hardware: no per-call charge (no compute price set)")
        usd = compute_per_hour * busy_s / 3600
        return Cost(usd, f"compute ${compute_per_hour:g}/h x {busy_s:.3f} s busy")
    price = override or cloud_price(model)
    if price is None:
        return Cost(None, f"unknown: {model!r} is not in LiteLLM's price map; pass price=Price(...)")
    if input_tokens is None or output_tokens is None:
        return Cost(None, f"unknown: token counts missing; {price.describe()}")
    usd = dollars(input_tokens, output_tokens, price)
    return Cost(usd, price.describe() + (" on estimated token counts" if tokens_estimated else ""))
