"""What a call cost, and the basis the figure was computed on.

Cloud calls are priced from LiteLLM's bundled price map (read offline); calls on the device or a
private network by an optional compute price ($/hour x busy time). A per-target :class:`Price`
overrides both. A price nobody knows is unknown (``None``), never zero.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.request import NOT_SENT, Locality

__all__ = ["NOT_SENT", "Cost", "Price", "cloud_price", "price_call"]



@dataclass(frozen=True)
class Price:
    """Dollars per million input and output tokens."""

    input_per_mtok: float
    output_per_mtok: float
    source: str = "per-target override"

    def describe(self) -> str:
        """``$0.15/M in, $0.60/M out (source)``."""
        return f"${self.input_per_mtok:g}/M in, ${self.output_per_mtok:g}/M out ({self.source})"


@dataclass(frozen=True)
class Cost:
    """A dollar figure (``None`` when unknown) and how it was reached."""

    usd: float | None
    basis: str


def cloud_price(model: str) -> Price | None:
    """The price of ``model`` (a LiteLLM id such as ``openai/gpt-4o-mini``) in LiteLLM's map."""
    from workbench.targets.litellm import load_litellm

    litellm = load_litellm()
    candidates = [model, model.split("/", 1)[-1]]
    for key in candidates:
        entry = litellm.model_cost.get(key)
        if entry and entry.get("input_cost_per_token") is not None:
            return Price(
                entry["input_cost_per_token"] * 1e6,
                entry.get("output_cost_per_token", 0.0) * 1e6,
                f"LiteLLM {litellm_version()} price map, key {key!r}",
            )
    return None


def litellm_version() -> str:
    """The installed LiteLLM version, whose bundled price map prices cloud calls."""
    from importlib.metadata import version

    return version("litellm")


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
    """Price one call. The only place a dollar figure is computed."""
    if locality is not Locality.CLOUD and override is None:
        if compute_per_hour is None:
            return Cost(0.0, "on own hardware: no per-call charge (no compute price set)")
        usd = compute_per_hour * busy_s / 3600
        return Cost(usd, f"compute ${compute_per_hour:g}/h x {busy_s:.3f} s busy")
    price = override or cloud_price(model)
    if price is None:
        return Cost(None, f"unknown: {model!r} is not in LiteLLM's price map; pass price=Price(...)")
    if input_tokens is None or output_tokens is None:
        return Cost(None, f"unknown: token counts missing; {price.describe()}")
    usd = (input_tokens * price.input_per_mtok + output_tokens * price.output_per_mtok) / 1e6
    return Cost(usd, price.describe() + (" on estimated token counts" if tokens_estimated else ""))
