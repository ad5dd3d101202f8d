"""What flows through the workbench: requests in, stream events, and one immutable record per call."""

from __future__ import annotations

import enum
import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any

from workbench.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "NOT_SENT",
    "CallRecord",
    "CallStart",
    "Egress",
    "EngineStarted",
    "Locality",
    "Message",
    "Privacy",
    "Request",
    "RunResult",
    "TextDelta",
    "Usage",
    "new_id",
]

Message = Mapping[str, str]
"""One chat message: ``{"role": "user" | "system" | "assistant", "content": "..."}``."""

_ROLES = frozenset({"system", "user", "assistant"})


NOT_SENT = "not sent"
"""The cost basis of a call that never left the runner (no key, blocked, a strict replay's miss): it has no figures."""


def new_id() -> str:
    """A fresh random identifier for a run or a call."""
    return uuid.uuid4().hex


class Locality(enum.StrEnum):
    """Where a call's bytes go."""

    DEVICE = "device"
    PRIVATE_NETWORK = "private_network"
    CLOUD = "cloud"

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
class Request:
    """A chat request and its sampling parameters, the same for every target of a run.

    ``None`` for a parameter means "the target's own default", and is recorded as such.
    """

    messages: tuple[Message, ...]
    temperature: float | None = None
    max_tokens: int | None = 256
    seed: int | None = None
    stop: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.messages:
            raise ConfigError("A request needs at least one message; pass a prompt string or a list of messages.")
        for message in self.messages:
            if message.get("role") not in _ROLES or not isinstance(message.get("content"), str):
                raise ConfigError(
                    f"Bad message {dict(message)!r}: each message needs a 'role' "
                    f"({', '.join(sorted(_ROLES))}) and a string 'content'."
                )
        if self.temperature is not None and not 0 <= self.temperature <= 2:
            raise ConfigError(f"temperature={self.temperature:g} is out of range; use a value from 0 to 2.")
        if self.max_tokens is not None and self.max_tokens < 1:
            raise ConfigError(f"max_tokens={self.max_tokens} must be at least 1.")

    @classmethod
    def build(
        cls,
        prompt: str | Sequence[Message],
        *,
        system: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = 256,
        seed: int | None = None,
        stop: str | Sequence[str] | None = None,
    ) -> Request:
        """Make a request from a prompt string or a list of chat messages."""
        if isinstance(prompt, str):
            messages: list[Message] = [{"role": "user", "content": prompt}]
        else:
            messages = [dict(m) for m in prompt]
        if system is not None:
            messages.insert(0, {"role": "system", "content": system})
        stops = (stop,) if isinstance(stop, str) else tuple(stop or ())
        return cls(tuple(messages), temperature, max_tokens, seed, stops)

    @property
    def params(self) -> dict[str, Any]:
        """The sampling parameters as a plain dict (``None`` values kept: they were chosen)."""
        return {
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
            "stop": list(self.stop),
        }

    @property
    def text(self) -> str:
        """All message contents joined, for inspection and size estimates."""
        return "\n".join(m["content"] for m in self.messages)


@dataclass(frozen=True)
class TextDelta:
    """A piece of answer text, as streamed by a target."""

    text: str


@dataclass(frozen=True)
class EngineStarted:
    """Yielded by a target whose engine serves one request at a time, when the engine takes this one.

    ``at`` is ``time.perf_counter()`` in this process at that moment. The wait before it is the
    call's queue time; time to first token and latency are measured from it.
    """

    at: float


@dataclass(frozen=True)
class Usage:
    """Token counts for one call; ``estimated`` when the engine did not report them."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    estimated: bool = False
    engine_metrics: Mapping[str, float] = field(default_factory=dict)


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


@dataclass(frozen=True)
class CallStart:
    """Announced to sinks when a call begins, before any text."""

    call_id: str
    run_id: str
    target: str
    provider: str
    model: str
    locality: Locality


@dataclass(frozen=True)
class CallRecord:
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
    """Where the figures came from: versions, model file hash, device, cell (:mod:`workbench.provenance`)."""
    queue_s: float | None = None
    """Seconds the call waited for a busy engine (0: taken at once; ``None``: recorded before queue times were)."""
    e2e_s: float | None = None
    """Seconds from submission to the end of the call: ``queue_s + latency_s``."""

    @property
    def ok(self) -> bool:
        """Whether the call finished without an error."""
        return self.error_type is None

    @property
    def sent(self) -> bool:
        """Whether this call's request was sent to its target now (not unsent, blocked or replayed)."""
        return self.cost_basis != NOT_SENT and not self.replayed

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


@dataclass(frozen=True)
class RunResult(Sequence[CallRecord]):
    """The records of one run, in the order the targets were given."""

    run_id: str
    records: tuple[CallRecord, ...]
    unrecorded: tuple[str, ...] = ()
    """Call ids the run log did not take (kept in its spool; ``hybrid store recover``)."""
    store_error: str | None = None
    """Why they were not recorded, and where they are kept."""

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, key: int | str) -> CallRecord:  # type: ignore[override]
        if isinstance(key, str):
            for record in self.records:
                if record.target == key:
                    return record
            raise KeyError(f"No record for target {key!r}; targets: {[r.target for r in self.records]}")
        return self.records[key]

    def __iter__(self) -> Iterator[CallRecord]:
        return iter(self.records)

    @property
    def text(self) -> dict[str, str]:
        """Each target's answer, by target spec."""
        return {r.target: r.response for r in self.records}

    def to_pandas(self) -> pd.DataFrame:
        """One row per call, the columns of the run log."""
        from workbench.table import records_frame

        return records_frame(self.records)

    def __repr__(self) -> str:
        from workbench.table import records_text

        warning = f"\nNOT RECORDED: {self.store_error}" if self.unrecorded else ""
        return records_text(self.records) + warning

    def _repr_html_(self) -> str:
        import html

        from workbench.table import records_html

        warning = f"<p style='color:#b00020'><b>Not recorded:</b> {html.escape(self.store_error or '')}</p>"
        return records_html(self.records) + (warning if self.unrecorded else "")
