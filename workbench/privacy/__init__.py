"""Privacy: find personal data and secrets in a request, decide what may leave the device, redact secrets.

Minimal first version (core issue): secret redaction for error messages and a guard that
records nothing. The privacy issue fills in detection, destinations and guard actions.
"""

from __future__ import annotations

from workbench.privacy.guard import GUARD_ACTIONS, GuardOutcome, guard
from workbench.privacy.secrets import redact_secrets

__all__ = ["GUARD_ACTIONS", "GuardOutcome", "guard", "redact_secrets"]
