"""Errors raised by Hybrid Workbench.

One hierarchy, so ``except WorkbenchError`` catches everything the workbench raises::

    WorkbenchError
    ├── ConfigError            bad spec, option or setting; the message names the fix
    │   ├── UnknownTargetError a spec no backend understands (with close matches)
    │   └── BundleError        a shared-notebook bundle cannot be written or used
    ├── PrivacyBlocked         the guard refused to send a request off the device
    ├── ReplayMissing          replay="strict" and the run log has no recording of this call
    ├── StoreError             the run log cannot be opened, read or written
    │   └── NotRecorded        calls were made but the run log did not take them (kept in a spool)
    └── TargetError            one call to one target failed
        ├── MissingKeyError    no API key in the environment for a cloud provider
        ├── MissingEngineError an optional engine (mlc_llm) is not installed
        ├── AuthError          the provider rejected the key (401/403)
        ├── RateLimitError     429; ``retry_after`` holds the server's hint, if any
        ├── ServerError        5xx from the provider
        ├── ConnectError       the server could not be reached
        ├── OfflineError       no network route to a cloud provider
        ├── CallTimeout        no answer within the call's timeout
        ├── CallCancelled      the call was interrupted (Ctrl-C, a kernel interrupt) mid-answer
        └── StreamDropped      the stream ended before the answer was complete

Targets translate their backend's exceptions into these classes; the runner decides on
retries from the class alone, so no backend-specific branching lives outside ``targets/``.
Every message is passed through secret redaction before it is stored or shown.
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "BundleError",
    "CallCancelled",
    "CallTimeout",
    "ConfigError",
    "ConnectError",
    "MissingEngineError",
    "MissingKeyError",
    "NotRecorded",
    "OfflineError",
    "PrivacyBlocked",
    "RateLimitError",
    "ReplayMissing",
    "ServerError",
    "StoreError",
    "StreamDropped",
    "TargetError",
    "UnknownTargetError",
    "WorkbenchError",
]


class WorkbenchError(Exception):
    """Base class of every error the workbench raises."""


class ConfigError(WorkbenchError):
    """A spec, option or setting is wrong; the message says how to fix it."""


class BundleError(ConfigError):
    """A bundle cannot be written or used: the message says which file and what to do."""


class UnknownTargetError(ConfigError):
    """A target spec that no backend understands."""

    def __init__(self, spec: str, suggestions: list[str] | None = None) -> None:
        self.spec = spec
        self.suggestions = suggestions or []
        hint = f" Did you mean {', '.join(repr(s) for s in self.suggestions)}?" if self.suggestions else ""
        super().__init__(
            f"Unknown target {spec!r}.{hint} Use 'local/smollm2', 'llamacpp/PATH.gguf', "
            "'mlc/MODEL[@URL]' or a LiteLLM model id such as 'openai/gpt-4o-mini' "
            "(run 'hybrid targets' to list them)."
        )


class PrivacyBlocked(WorkbenchError):
    """The privacy guard did not let the request leave the device."""


class ReplayMissing(WorkbenchError):
    """In strict replay mode, a call whose target and request were never recorded in the run log."""


class StoreError(WorkbenchError):
    """The run log cannot be opened, read, migrated or written; the message names the file and the fix."""


class NotRecorded(StoreError):
    """Finished calls the run log did not take. They are kept in memory and in ``spool`` (``None``: memory only)."""

    def __init__(self, message: str, call_ids: tuple[str, ...], spool: str | None) -> None:
        super().__init__(message)
        self.call_ids = call_ids
        self.spool = spool


class TargetError(WorkbenchError):
    """A call to one target failed. Subclasses say how; ``retryable`` says whether to retry."""

    retryable: bool = False


class MissingKeyError(TargetError):
    """A cloud target needs an API key that is not set."""


class MissingEngineError(TargetError):
    """An optional local engine is not installed."""


class AuthError(TargetError):
    """The provider rejected the credentials (HTTP 401 or 403)."""


class RateLimitError(TargetError):
    """The provider asked to slow down (HTTP 429)."""

    retryable = True

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServerError(TargetError):
    """The provider failed (HTTP 5xx)."""

    retryable = True


class ConnectError(TargetError):
    """The target's server could not be reached."""

    retryable = True


class OfflineError(TargetError):
    """There is no network route to a cloud provider."""


class CallTimeout(TargetError):
    """The call did not finish within its timeout."""


class CallCancelled(TargetError):
    """The call was interrupted before it finished; the record keeps the answer up to that point."""


class StreamDropped(TargetError):
    """The stream was cut before the answer was complete."""
