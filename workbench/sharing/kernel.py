"""The headless kernel that runs a notebook for ``hybrid reproduce`` (and for anyone else who needs one).

A kernel talks to its client over local TCP sockets. Unless the kernel manager provisions
CurveZMQ keys, that traffic is plain text and recent ipykernel warns so on stderr, which a notebook
running another notebook shows as a red warning. The manager provisions the keys when the
kernelspec declares ``supported_encryption: curve`` (ipykernel's own spec does); other kernels run
as before, unencrypted, and keep their warning.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nbclient import NotebookClient

__all__ = ["notebook_client"]


def notebook_client(
    notebook: Any, folder: str | Path, *, timeout: float = 600, kernel_name: str = "python3"
) -> NotebookClient:
    """An nbclient client for ``notebook``, run in ``folder``; cell errors become outputs, not exceptions."""
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from traitlets.config import Config

    config = Config()
    if "transport_encryption" in KernelManager.class_trait_names():  # absent from older jupyter_client
        config.KernelManager.transport_encryption = "auto"
    return NotebookClient(
        notebook,
        timeout=int(timeout),
        kernel_name=kernel_name,
        allow_errors=True,
        resources={"metadata": {"path": str(folder)}},
        config=config,
    )
