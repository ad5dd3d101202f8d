"""The privacy guard: what happens to a request before it goes to a target."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.request import Locality, Privacy, Request

__all__ = ["GUARD_ACTIONS", "GuardOutcome", "guard"]

GUARD_ACTIONS = ("flag", "redact", "block", "local")


@dataclass(frozen=True)
class GuardOutcome:
    """The request to send (possibly redacted), the privacy record, and whether to send it at all."""

    request: Request
    privacy: Privacy
    blocked: bool = False
    reroute_local: bool = False


def guard(request: Request, locality: Locality, action: str = "flag") -> GuardOutcome:
    """Inspect ``request`` for a target at ``locality`` and apply ``action``."""
    return GuardOutcome(request, Privacy(entities={}, destination=locality.value, action=action))
