"""Where a call's bytes go, in words a record keeps: ``device``, ``private_network``, ``cloud:openai``."""

from __future__ import annotations

from workbench.records import Locality

__all__ = ["destination", "leaves_device"]


def destination(locality: Locality, provider: str = "") -> str:
    """Name the destination of a call: the locality, and the provider when the bytes leave the device.

    >>> destination(Locality.CLOUD, "openai")
    'cloud:openai'
    >>> destination(Locality.DEVICE, "llama.cpp")
    'device'
    """
    if locality is Locality.DEVICE or not provider:
        return locality.value
    return f"{locality.value}:{provider}"


def leaves_device(locality: Locality) -> bool:
    """Whether a call at ``locality`` sends its bytes off the device (private network or cloud)."""
    return locality.leaves_device
