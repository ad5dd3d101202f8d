"""The fixed words of the vocabulary, defined once: guard actions and replay modes."""

from __future__ import annotations

__all__ = ["GUARD_ACTIONS", "REPLAY_MODES"]

GUARD_ACTIONS = ("flag", "redact", "block", "local")
"""What the privacy guard does with flagged data bound off the device: send and mark it, redact it,
refuse the call, or send the call to the local model instead (:mod:`workbench.privacy.guard`)."""

REPLAY_MODES = ("off", "on", "strict")
"""Whether a call is answered from the run log: never, when recorded (else live), or only when
recorded (:mod:`workbench.runlog.replay`)."""
