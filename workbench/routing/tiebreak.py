"""Stable per-prompt pseudo-random numbers: the random policy, and tie-breaking between equal scores."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

__all__ = ["TIE_SCALE", "stable_uniform"]

TIE_SCALE = 1e-6
"""Size of the tie-break added to every score: below any gap between distinct rule scores."""


def stable_uniform(prompts: Sequence[str], seed: int = 0) -> np.ndarray:
    """One number in [0, 1) per prompt, from a keyed hash of its text: same prompt and seed, same number.

    The same prompt gets the same value live and in simulation, so a threshold means the same in both.
    """
    key = seed.to_bytes(8, "little", signed=True)
    values = [
        int.from_bytes(hashlib.blake2b(p.encode("utf-8"), digest_size=8, key=key).digest(), "little") for p in prompts
    ]
    return np.asarray(values, dtype=np.float64) / float(2**64)
