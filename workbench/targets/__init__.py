"""Targets: where a request can go, resolved from a spec string.

=========================  ==========================================================
``local/smollm2``          SmolLM2-135M-Instruct on llama.cpp, in process (the default)
``llamacpp/PATH.gguf``     any GGUF file on llama.cpp, in process
``mlc/MODEL``              an MLC-compiled model, in process (``mlc_llm``)
``mlc/MODEL@URL``          an ``mlc_llm serve`` server
``PROVIDER/MODEL``         any LiteLLM model: ``openai/gpt-4o-mini``, ``anthropic/...``
``PROVIDER/MODEL@URL``     a LiteLLM model at an OpenAI-compatible ``api_base``
``proxy/MODEL@URL``        a model behind the team's LiteLLM proxy (:mod:`workbench.targets.proxy`)
``SPEC[KEY=VALUE, ...]``   any of these with its own settings (:mod:`workbench.targets.settings`)
=========================  ==========================================================

A spec is checked before anything is sent: a URL must be http(s) with a host, a GGUF file must
exist; a bad one raises :class:`~workbench.errors.ConfigError` with one line naming the fix.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from workbench.errors import ConfigError, UnknownTargetError
from workbench.records import Locality
from workbench.runner.pricing import Price
from workbench.targets.base import BaseTarget, EngineFacts, Event, Target, locality_of_url
from workbench.targets.litellm import LiteLLMTarget
from workbench.targets.llamacpp import LlamaCppTarget, default_threads, smollm2_path
from workbench.targets.mlc import MLCEngineTarget, MLCServerTarget
from workbench.targets.proxy import KEY_VARIABLE, ProxyTarget
from workbench.targets.settings import TargetSettings, split_settings

__all__ = [
    "BaseTarget",
    "EngineFacts",
    "Event",
    "KnownTarget",
    "Target",
    "TargetSettings",
    "known_targets",
    "locality_of_url",
    "resolve",
    "split_settings",
]

LOCAL_MODELS = {"smollm2": smollm2_path}
"""Embedded local models by name, each a function returning its GGUF path."""

# A few well-known cloud models, listed by `hybrid targets` with whether their key is set.
_CLOUD_EXAMPLES = {
    "openai/gpt-4o-mini": "OPENAI_API_KEY",
    "anthropic/claude-3-5-haiku-latest": "ANTHROPIC_API_KEY",
    "gemini/gemini-2.0-flash": "GEMINI_API_KEY",
}
_PREFIXES = ("local/", "llamacpp/", "mlc/", "proxy/")
_PROXY_EXAMPLE = "proxy/MODEL@http://HOST:4000"


@dataclass(frozen=True)
class KnownTarget:
    """A target the workbench can name without resolving it, and whether it is ready to call."""

    spec: str
    locality: Locality
    key_variable: str | None
    key_present: bool


def known_targets() -> list[KnownTarget]:
    """The embedded local models, common cloud models and the proxy form, with key presence (never the key)."""
    known = [KnownTarget(f"local/{name}", Locality.DEVICE, None, True) for name in LOCAL_MODELS]
    known += [
        KnownTarget(spec, Locality.CLOUD, variable, bool(os.environ.get(variable)))
        for spec, variable in _CLOUD_EXAMPLES.items()
    ]
    known.append(KnownTarget(_PROXY_EXAMPLE, Locality.CLOUD, KEY_VARIABLE, bool(os.environ.get(KEY_VARIABLE))))
    return known


def _split_url(spec: str, base: str) -> tuple[str, str | None]:
    """``(name, URL)`` of ``base`` (the spec without settings), the URL checked before anything is sent."""
    name, sep, url = base.partition("@")
    if not sep:
        return base, None
    fix = f"write {name or 'PROVIDER/MODEL'}@http://HOST:PORT/v1"
    if not url.strip():
        raise ConfigError(f"Target {spec!r} has '@' but no URL after it; {fix}, or drop the '@'.")
    try:
        parsed = urlsplit(url)
        parsed.port  # noqa: B018 -- raises ValueError for a port that is not a number from 0 to 65535
    except ValueError as exc:
        raise ConfigError(f"Target {spec!r}: {url!r} is not a valid URL ({exc}); {fix}.") from None
    if parsed.scheme not in ("http", "https") or not parsed.hostname or any(c.isspace() for c in url):
        raise ConfigError(f"Target {spec!r}: {url!r} is not an http(s) URL with a host; {fix}.")
    return name, url


def _gguf(spec: str, rest: str) -> Path:
    path = Path(rest).expanduser()
    if not path.is_file():
        raise ConfigError(
            f"Target {spec!r}: no file at {str(path)!r}; give the path of a .gguf model as llamacpp/PATH.gguf."
        )
    return path


def _litellm_providers() -> list[str]:
    from workbench.targets.litellm_loader import load_litellm

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
        if not isinstance(spec, Target):
            missing = [n for n in ("spec", "provider", "model", "locality", "price", "secrets", "facts", "prepare",
                                   "stream") if not hasattr(spec, n)]  # fmt: skip
            raise ConfigError(
                f"{spec!r} is not a target (it lacks {', '.join(missing)}): pass a spec string, or subclass "
                "workbench.targets.BaseTarget and write prepare() and stream()."
            )
        return spec
    spec = spec.strip()
    if not spec:
        raise ConfigError("A target spec is empty; name one, e.g. 'local/smollm2' (run 'hybrid targets' to list them).")
    base, settings = split_settings(spec)
    settings = settings or TargetSettings()
    prefix, _, rest = base.partition("/")
    _check_target_settings(spec, prefix, settings)
    if prefix == "llamacpp" and rest:  # in process; a file name may hold '@'
        return LlamaCppTarget(spec, _gguf(spec, rest), n_threads=default_threads())
    name, url = _split_url(spec, base)
    prefix, _, rest = name.partition("/")
    where = settings.locality or (Locality(locality) if locality is not None else None)
    if prefix == "proxy":
        if not rest or url is None:
            raise ConfigError(
                f"Target {spec!r}: write {_PROXY_EXAMPLE}, the model as the proxy names it and the proxy's URL."
            )
        streams = settings.stream is not False
        return ProxyTarget(spec, rest, url, api_key=api_key, price=price, locality=where, stream=streams)
    if prefix == "local":
        if rest not in LOCAL_MODELS:
            close = difflib.get_close_matches(rest, LOCAL_MODELS, n=3)
            raise UnknownTargetError(spec, [f"local/{c}" for c in close] or [f"local/{n}" for n in LOCAL_MODELS])
        if url is not None:
            raise ConfigError(f"Target {spec!r}: local/ models run in this process and take no @URL; drop it.")
        return LlamaCppTarget(spec, LOCAL_MODELS[rest](), n_threads=default_threads())
    if prefix == "mlc" and rest:
        return MLCServerTarget(spec, rest, url, api_key) if url else MLCEngineTarget(spec, rest)
    if not rest:
        close = difflib.get_close_matches(spec, [*known_spec_names()], n=3)
        raise UnknownTargetError(spec, close)
    if prefix != "openai":  # always a LiteLLM provider: no need to load LiteLLM (seconds, ~200 MB) to check it
        providers = _litellm_providers()
        if prefix not in providers:
            close = difflib.get_close_matches(prefix, providers, n=3)
            raise UnknownTargetError(spec, [f"{c}/{rest}" for c in close])
    return LiteLLMTarget(spec, name, api_base=url or api_base, api_key=api_key, price=price, locality=where)


def _check_target_settings(spec: str, prefix: str, settings: TargetSettings) -> None:
    """``locality`` is for served models (LiteLLM's and the proxy's), ``stream`` for the proxy only."""
    if settings.stream is not None and prefix != "proxy":
        raise ConfigError(f"Target {spec!r}: stream= applies to proxy/ targets only; drop it.")
    if settings.locality is not None and prefix in ("local", "llamacpp", "mlc"):
        raise ConfigError(f"Target {spec!r}: locality= applies to served models (PROVIDER/MODEL@URL, proxy/); drop it.")


def known_spec_names() -> list[str]:
    """Spec strings to suggest for a misspelled target."""
    return [t.spec for t in known_targets()] + [p + "..." for p in _PREFIXES]
