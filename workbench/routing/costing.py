"""Token counts for outcome data, by LiteLLM's counter (read offline); prices come from :mod:`workbench.runner.pricing`.

LiteLLM's token counter uses the bundled ``cl100k_base`` encoding: exact for OpenAI models, an
estimate for others.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from workbench.runner.pricing import map_entry
from workbench.targets.litellm_loader import load_litellm

__all__ = ["count_tokens"]


def _is_openai(model: str) -> bool:
    entry = map_entry(load_litellm().model_cost, model)
    return entry is not None and entry[1].get("litellm_provider") == "openai"


def count_tokens(texts: Sequence[str], model: str, *, as_prompt: bool = False) -> tuple[np.ndarray, bool]:
    """Token counts of ``texts`` by LiteLLM's counter, and whether they are estimates.

    With ``as_prompt`` each text counts as one user message (chat-format overhead included). Counts are
    exact for OpenAI models; for any other model LiteLLM falls back to OpenAI's ``cl100k_base``
    encoding, so the counts are marked estimated.
    """
    litellm = load_litellm()
    counter = litellm.token_counter
    if as_prompt:
        counts = [counter(model=model, messages=[{"role": "user", "content": t}]) for t in texts]
    else:
        counts = [counter(model=model, text=t) if t else 0 for t in texts]
    return np.asarray(counts, dtype=np.float64), not _is_openai(model)
