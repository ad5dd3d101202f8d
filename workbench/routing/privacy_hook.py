"""Ask the privacy module what personal data or secrets a prompt carries (counts only, never values)."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["count_entities"]


def count_entities(text: str) -> Mapping[str, int]:
    """Entity counts by type (``email``, ``phone``, ``api_key``, ...) found in ``text``.

    Uses :func:`workbench.privacy.inspect` (offline detectors); with an older privacy module that only
    has :func:`workbench.privacy.guard`, the guard's ``flag`` inspection for a cloud destination.
    """
    try:
        from workbench.privacy import inspect
    except ImportError:
        from workbench.privacy import guard
        from workbench.records import Locality, Request

        return dict(guard(Request.build(text), Locality.CLOUD, "flag").privacy.entities)
    return inspect(text).counts
