"""Keys come from the environment or a ``.env`` file, loaded once, never overriding what is set."""

from __future__ import annotations

import threading

__all__ = ["load_env_once"]

_loaded = threading.Event()


def load_env_once() -> None:
    """Load ``.env`` from the working directory (or a parent) into the environment, once."""
    if _loaded.is_set():
        return
    from dotenv import find_dotenv, load_dotenv

    path = find_dotenv(usecwd=True)
    if path:
        load_dotenv(path, override=False)
    _loaded.set()
