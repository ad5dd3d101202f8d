"""LiteLLM, imported once on first use with its bundled offline price map: the one loader, a leaf module."""

from __future__ import annotations

import functools
import os
import threading
from typing import Any

__all__ = ["litellm_version", "load_litellm"]

_import_lock = threading.Lock()


def load_litellm() -> Any:
    """Import LiteLLM (7-10 s, once) with its bundled offline price map, set up for the workbench."""
    with _import_lock:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm

        litellm.suppress_debug_info = True
        litellm.drop_params = True
        litellm.turn_off_message_logging = True  # its logs must not keep prompts
        litellm.disable_hf_tokenizer_download = True  # nothing is fetched at run time
        return litellm


@functools.cache
def litellm_version() -> str:
    """The installed LiteLLM version, whose bundled price map prices cloud calls."""
    from importlib.metadata import version

    return version("litellm")
