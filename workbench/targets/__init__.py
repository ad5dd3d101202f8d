"""Targets: where a request can go, resolved from a spec string.

=========================  ==========================================================
``local/smollm2``          SmolLM2-135M-Instruct on llama.cpp, in process (the default)
``llamacpp/PATH.gguf``     any GGUF file on llama.cpp, in process
``mlc/MODEL``              an MLC-compiled model, in process (``mlc_llm``)
``mlc/MODEL@URL``          an ``mlc_llm serve`` server
``PROVIDER/MODEL``         any LiteLLM model: ``openai/gpt-4o-mini``, ``anthropic/...``
``PROVIDER/MODEL@URL``     a LiteLLM model at an OpenAI-compatible ``api_base``
=========================  ==========================================================
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import UnknownTargetError
from workbench.pricing import Price
from workbench.request import Locality
from workbench.targets.base import Event, Target, locality_of_url
from workbench.targets.litellm import LiteLLMTarget
from workbench.targets.llamacpp import LlamaCppTarget, default_threads, smollm2_path
from workbench.targets.mlc import MLCEngineTarget, MLCServerTarget

__all__ = [
    "Event",
    "KnownTarget",
    "Target",
    "known_targets",
    "locality_of_url",
    "resolve",
]

LOCAL_MODELS = {"smollm2": smollm2_path}
"""Embedded local models by name, each a function returning its GGUF path."""

# A few well-known cloud models, listed by `hybrid targets` with whether their key is set.
_CLOUD_EXAMPLES = {
    "openai/gpt-4o-mini": "OPENAI_API_KEY",
    "anthropic/claude-3-5-haiku-latest": "ANTHROPIC_API_KEY",
    "gemini/gemini-2.0-flash": "GEMINI_API_KEY",
}
_PREFIXES = ("local/", "llamacpp/", "mlc/")


@dataclass(frozen=True)
class KnownTarget:
    """A target the workbench can name without resolving it, and whether it is ready to call."""

    spec: str
    locality: Locality
    key_variable: str | None
    key_present: bool


def known_targets() -> list[KnownTarget]:
    """The embedded local models and common cloud models, with key presence (never the key)."""
    known = [KnownTarget(f"local/{name}", Locality.DEVICE, None, True) for name in LOCAL_MODELS]
    known += [
        KnownTarget(spec, Locality.CLOUD, variable, bool(os.environ.get(variable)))
        for spec, variable in _CLOUD_EXAMPLES.items()
    ]
    return known


def _split_url(spec: str) -> tuple[str, str | None]:
    name, sep, url = spec.partition("@")
    return (name, url) if sep and url else (spec, None)


def _litellm_providers() -> list[str]:
    from workbench.targets.litellm import load_litellm

    return [str(getattr(p, "value", p)) for p in load_litellm().provider_list]


def resolve(
    spec: str | Target,
    *,
    api_base: str | None = None,
    api_key: str | None = None,
    price: Price | None = None,
    locality: Locality | str | None = None,
) -> Target:
    """The target for ``spec``; a :class:`Target` object is returned as it is.

    ``api_base``/``api_key``/``price``/``locality`` apply to LiteLLM targets: ``locality``
    overrides the one derived from ``api_base`` (say a loopback proxy that forwards to a cloud).
    """
    if not isinstance(spec, str):
        return spec
    spec = spec.strip()
    name, url = _split_url(spec)
    prefix, _, rest = name.partition("/")
    if prefix == "local":
        if rest not in LOCAL_MODELS:
            close = difflib.get_close_matches(rest, LOCAL_MODELS, n=3)
            raise UnknownTargetError(spec, [f"local/{c}" for c in close] or [f"local/{n}" for n in LOCAL_MODELS])
        return LlamaCppTarget(spec, LOCAL_MODELS[rest](), n_threads=default_threads())
    if prefix == "llamacpp" and rest:
        return LlamaCppTarget(spec, Path(rest).expanduser(), n_threads=default_threads())
    if prefix == "mlc" and rest:
        return MLCServerTarget(spec, rest, url, api_key) if url else MLCEngineTarget(spec, rest)
    if not rest:
        close = difflib.get_close_matches(spec, [*known_spec_names()], n=3)
        raise UnknownTargetError(spec, close)
    providers = _litellm_providers()
    if prefix not in providers:
        close = difflib.get_close_matches(prefix, providers, n=3)
        raise UnknownTargetError(spec, [f"{c}/{rest}" for c in close])
    where = Locality(locality) if locality is not None else None
    return LiteLLMTarget(spec, name, api_base=url or api_base, api_key=api_key, price=price, locality=where)


def known_spec_names() -> list[str]:
    """Spec strings to suggest for a misspelled target."""
    return [t.spec for t in known_targets()] + [p + "..." for p in _PREFIXES]
