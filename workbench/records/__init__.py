"""The domain model: what flows through the workbench, from a request to the record of each call.

``Request`` (messages and parameters) -> events a target yields (``TextDelta``, ``EngineStarted``,
``Usage``) -> one immutable ``CallRecord`` per call (with ``Locality``, ``Privacy``, ``Egress``)
-> ``RunResult``, the records of one run. ``Price`` is what a model's tokens cost. Nothing here
calls a model, reads a file or renders.
"""

from __future__ import annotations

from workbench.records.call import COLUMNS, GATEWAY_COST_TOLERANCE, NOT_SENT, CallRecord, Egress, Locality, Privacy
from workbench.records.events import CallStart, EngineStarted, TextDelta, Usage
from workbench.records.price import Price
from workbench.records.request import DEFAULT_MAX_TOKENS, Message, Request, new_id
from workbench.records.result import RunResult

__all__ = [
    "COLUMNS",
    "DEFAULT_MAX_TOKENS",
    "GATEWAY_COST_TOLERANCE",
    "NOT_SENT",
    "CallRecord",
    "CallStart",
    "Egress",
    "EngineStarted",
    "Locality",
    "Message",
    "Price",
    "Privacy",
    "Request",
    "RunResult",
    "TextDelta",
    "Usage",
    "new_id",
]
