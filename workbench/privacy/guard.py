"""The privacy guard: what happens to a request before it goes to a target.

Actions, for a target whose bytes leave the device and a request in which entities were found:

- ``flag`` (default): send it unchanged and mark the record;
- ``redact``: replace each entity with a typed placeholder (``[EMAIL_1]``) before sending;
- ``block``: do not send; the runner records a ``PrivacyBlocked`` error saying why;
- ``local``: send it to the configured local target instead.

On-device targets always get the original request; the entities found are recorded all the same.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from workbench.errors import ConfigError
from workbench.privacy.destination import destination, leaves_device
from workbench.privacy.inspection import Inspection
from workbench.privacy.inspector import inspect
from workbench.privacy.phones import DEFAULT_REGIONS
from workbench.privacy.redact import Redactor
from workbench.records import Locality, Privacy, Request
from workbench.records.choices import GUARD_ACTIONS

__all__ = ["GUARD_ACTIONS", "GuardOutcome", "action_for", "check_action", "guard"]



@dataclass(frozen=True)
class GuardOutcome:
    """The request to send (possibly redacted), the privacy record, and whether to send it at all."""

    request: Request
    privacy: Privacy
    blocked: bool = False
    reroute_local: bool = False

    @property
    def reason(self) -> str:
        """Why the guard acted, naming entity types and counts (never values); empty if it did not."""
        if not (self.blocked or self.reroute_local):
            return ""
        found = ", ".join(f"{count} {kind}" for kind, count in self.privacy.entities.items())
        verb = "Not sent to" if self.blocked else "Kept on the device instead of"
        return (
            f"{verb} {self.privacy.destination}: the request contains {found} "
            f"(privacy action {self.privacy.action!r}). Use action 'redact' to send it with "
            "placeholders, or remove the data from the prompt."
        )


def check_action(action: str) -> str:
    """Return ``action`` if it is a guard action, else raise :class:`ConfigError` naming the choices."""
    if action not in GUARD_ACTIONS:
        raise ConfigError(f"Unknown privacy action {action!r}; use one of: {', '.join(GUARD_ACTIONS)}.")
    return action


def action_for(spec: str, policy: str | Mapping[str, str] | None) -> str:
    """The action for target ``spec`` under ``policy``: one action for all, or a mapping.

    A mapping names actions per target spec, per provider prefix (``"openai"`` covers
    ``openai/gpt-4o-mini``), and ``"*"`` for the rest; the default is ``flag``.
    """
    if policy is None:
        return "flag"
    if isinstance(policy, str):
        return check_action(policy)
    for key in (spec, spec.split("/", 1)[0], "*"):
        if key in policy:
            return check_action(policy[key])
    return "flag"


@functools.lru_cache(maxsize=256)
def _inspect(text: str, regions: tuple[str, ...]) -> Inspection:
    """:func:`inspect`, once per text: a run asks the same for each of its targets."""
    return inspect(text, regions=regions)


def guard(
    request: Request,
    locality: Locality,
    action: str = "flag",
    *,
    provider: str = "",
    regions: Sequence[str] = DEFAULT_REGIONS,
) -> GuardOutcome:
    """Inspect ``request`` for a target at ``locality`` (served by ``provider``) and apply ``action``."""
    check_action(action)
    inspections = [_inspect(message["content"], tuple(regions)) for message in request.messages]
    counts: Counter[str] = Counter()
    for found in inspections:
        counts.update(found.counts)
    privacy = Privacy(entities=dict(counts), destination=destination(locality, provider), action=action)
    if not counts or not leaves_device(locality) or action == "flag":
        return GuardOutcome(request, privacy)
    if action == "block":
        return GuardOutcome(request, privacy, blocked=True)
    if action == "local":
        return GuardOutcome(request, privacy, reroute_local=True)
    redactor = Redactor()
    messages = tuple(
        {**message, "content": redactor.redact(message["content"], found)}
        for message, found in zip(request.messages, inspections, strict=True)
    )
    return GuardOutcome(replace(request, messages=messages), privacy)
