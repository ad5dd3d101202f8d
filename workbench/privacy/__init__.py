"""Privacy: find personal data and secrets in a request, decide what may leave the device, redact secrets.

- :func:`inspect` finds emails, phone numbers, payment cards, IBANs, IP addresses, US SSNs and
  secrets in a text, offline, and reports types, counts and spans, never the values;
- :func:`guard` applies a guard action (``flag``, ``redact``, ``block``, ``local``) to a request
  for a target, and says what to record;
- :func:`redact_secrets` removes keys and tokens from any text before it is shown or stored.
"""

from __future__ import annotations

from workbench.privacy.destination import destination, leaves_device
from workbench.privacy.guard import GUARD_ACTIONS, GuardOutcome, action_for, check_action, guard
from workbench.privacy.inspection import ENTITY_TYPES, STRUCTURED_TYPES, Inspection, Span
from workbench.privacy.inspector import inspect
from workbench.privacy.redact import Redactor
from workbench.privacy.secrets import REDACTED, redact_secrets

__all__ = [
    "ENTITY_TYPES",
    "GUARD_ACTIONS",
    "REDACTED",
    "STRUCTURED_TYPES",
    "GuardOutcome",
    "Inspection",
    "Redactor",
    "Span",
    "action_for",
    "check_action",
    "destination",
    "guard",
    "inspect",
    "leaves_device",
    "redact_secrets",
]
