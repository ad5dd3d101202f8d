"""One immutable record per call: where it ran, what it measured, what became of its bytes."""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from workbench.records.request import Message

__all__ = [
    "COLUMNS", "GATEWAY_COST_TOLERANCE", "NOT_SENT", "CallOutcome", "CallRecord", "Egress", "Locality", "Privacy",
]  # fmt: skip

NOT_SENT = "not sent"
"""The cost basis of a call that never left the runner (no key, blocked, a strict replay's miss): it has no figures."""

GATEWAY_COST_TOLERANCE = (0.01, 1e-6)
"""(relative, absolute dollars): a gateway's cost disagrees with the workbench's when they differ by more than
1% of the larger plus $0.000001 (so rounding in either never counts)."""


class Locality(enum.StrEnum):
    """Where a call's bytes go."""

    DEVICE = "device"
    PRIVATE_NETWORK = "private_network"
    CLOUD = "cloud"

    @property
    def edge(self) -> bool:
        """Whether this is the edge (the device or a private network), as opposed to the cloud."""
        return self is not Locality.CLOUD

    @property
    def leaves_device(self) -> bool:
        """Whether a call here sends its bytes off the device (a private network or the cloud)."""
        return self is not Locality.DEVICE

    @property
    def label(self) -> str:
        """Words for a badge: ``on device``, ``private network``, ``cloud``."""
        return {"device": "on device", "private_network": "private network", "cloud": "cloud"}[self.value]


class Egress(enum.StrEnum):
    """What became of a call's request bytes: the one rule every display of "data off the device" reads."""

    STAYED = "stayed on device"
    """Sent to an engine on this device."""
    SENT = "sent"
    """Sent (wholly or partly) to a private network or the cloud, failed or not."""
    BLOCKED = "not sent (blocked)"
    """Stopped by the privacy guard before sending."""
    NOT_SENT = "not sent"
    """Never sent for another reason: no key, a strict replay's miss."""
    REPLAYED = "replayed"
    """Answered from the run log; nothing was sent this time."""


@dataclass(frozen=True)
class Privacy:
    """What the privacy inspection found in a request, and what the guard did about it.

    ``entities`` maps an entity type (``email``, ``api_key``, ...) to its count; values are
    never kept.
    """

    entities: Mapping[str, int] = field(default_factory=dict)
    destination: str = ""
    action: str = "flag"

    @property
    def left_device(self) -> bool:
        """Whether the guard let flagged data go to a destination off the device (if the call was sent at all).

        Whether it was sent is the record's business: read :attr:`CallRecord.flagged_off_device`.
        """
        return bool(self.entities) and self.destination != Locality.DEVICE.value and self.action == "flag"


class CallOutcome:
    """Whether a call succeeded and was sent, for anything that holds its ``error_type``, ``cost_basis`` and
    ``replayed`` (a whole :class:`CallRecord`, or a sweep's row of one)."""

    __slots__ = ()
    error_type: str | None
    cost_basis: str
    replayed: bool

    @property
    def ok(self) -> bool:
        """Whether the call finished without an error."""
        return self.error_type is None

    @property
    def sent(self) -> bool:
        """Whether this call's request was sent to its target now (not unsent, blocked or replayed)."""
        return self.cost_basis != NOT_SENT and not self.replayed


@dataclass(frozen=True)
class CallRecord(CallOutcome):
    """Everything measured about one call to one target. Computed once; never changed."""

    call_id: str
    run_id: str
    target: str
    provider: str
    model: str
    locality: Locality
    started_at: float
    ttft_s: float | None
    latency_s: float | None
    """Seconds from the engine taking the request to the last token; ``None`` for a call never sent."""
    input_tokens: int | None
    output_tokens: int | None
    tokens_estimated: bool
    decode_tps: float | None
    cost_usd: float | None
    cost_basis: str
    params: Mapping[str, Any]
    response: str
    prompt: tuple[Message, ...] | None = None
    engine_metrics: Mapping[str, float] = field(default_factory=dict)
    error_type: str | None = None
    error_message: str | None = None
    attempts: int = 1
    privacy: Privacy | None = None
    replayed: bool = False
    provenance: Mapping[str, Any] = field(default_factory=dict)
    """Where the figures came from: versions, model file hash, device, cell (:mod:`workbench.runlog.provenance`)."""
    queue_s: float | None = None
    """Seconds the call waited for a busy engine (0: taken at once; ``None``: recorded before queue times were)."""
    e2e_s: float | None = None
    """Seconds from submission to the end of the call: ``queue_s + latency_s``."""
    gateway_call_id: str | None = None
    """The gateway's own id for the call (a LiteLLM proxy's ``x-litellm-call-id``); ``None`` without one."""
    gateway_cost_usd: float | None = None
    """What the gateway says the call cost (a LiteLLM proxy's response cost); ``None`` where it said nothing."""

    @property
    def egress(self) -> Egress:
        """What became of the request's bytes (:class:`Egress`)."""
        if self.replayed:
            return Egress.REPLAYED
        if self.cost_basis == NOT_SENT:
            return Egress.BLOCKED if self.error_type == "PrivacyBlocked" else Egress.NOT_SENT
        return Egress.STAYED if self.locality is Locality.DEVICE else Egress.SENT

    @property
    def flagged_off_device(self) -> bool:
        """Whether flagged data actually left the device in this call: found, let through, and sent."""
        return self.egress is Egress.SENT and self.privacy is not None and self.privacy.left_device

    @property
    def timed(self) -> bool:
        """Whether the call has timing figures of its own (sent now, or replayed with the recorded ones)."""
        return self.latency_s is not None and self.cost_basis != NOT_SENT

    @property
    def gateway_cost_disagrees(self) -> bool:
        """Whether the gateway's cost and the workbench's own both exist and differ by more than the tolerance.

        The tolerance is :data:`GATEWAY_COST_TOLERANCE`. Without the workbench's own figure there is
        nothing to disagree with: the gateway's cost is then shown as the gateway's alone.
        """
        if self.gateway_cost_usd is None or self.cost_usd is None:
            return False
        relative, absolute = GATEWAY_COST_TOLERANCE
        largest = max(abs(self.gateway_cost_usd), abs(self.cost_usd))
        return abs(self.gateway_cost_usd - self.cost_usd) > relative * largest + absolute

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field."""
        data = asdict(self)
        data["locality"] = self.locality.value
        data["prompt"] = [dict(m) for m in self.prompt] if self.prompt is not None else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CallRecord:
        """Rebuild a record from :meth:`to_dict` output."""
        values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        values["locality"] = Locality(values["locality"])
        if values.get("prompt") is not None:
            values["prompt"] = tuple(values["prompt"])
        if values.get("privacy") is not None:
            values["privacy"] = Privacy(**values["privacy"])
        return cls(**values)

    def to_json(self) -> str:
        """One JSON line for this record."""
        return json.dumps(self.to_dict(), sort_keys=True)


COLUMNS = tuple(f.name for f in fields(CallRecord))
"""The record's fields, in order: the run log's columns and the DataFrame's."""
