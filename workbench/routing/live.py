"""Live routing: send each prompt where a policy says, and optionally run the other side in its shadow.

- A policy that scores the prompt alone decides first; the chosen side runs.
- A cascade (``uses_edge_response``) runs the edge first, reads its answer, and escalates when
  its check fails; both calls are real and recorded.
- ``shadow=True`` also runs the side not chosen, so the record says what the policy saved or lost.

Every record carries the decision in ``provenance``: ``policy``, ``threshold`` and ``route``
(``side``, ``reason``, ``score``, ``role``: ``routed``, ``edge-first`` or ``shadow``); a policy loaded
from a saved file adds ``policy_file`` (``name`` and ``checksum``).
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workbench.errors import ConfigError
from workbench.records import CallRecord, Request, RunResult
from workbench.routing.decision import Decision
from workbench.routing.policy import Policy
from workbench.routing.saved import PolicySpec, resolve_policy
from workbench.runner.fanout import RunOptions, arun
from workbench.runner.loop import run_sync
from workbench.targets import Target, resolve

__all__ = ["RoutedRun", "aroute", "route", "split_sides"]


@dataclass(frozen=True)
class RoutedRun:
    """One routed prompt: the decision, and the records (the routed call first, then any shadow)."""

    decision: Decision
    policy: str
    result: RunResult

    @property
    def routed(self) -> CallRecord:
        """The call that answered the user."""
        return next(r for r in self.result if _role(r) != "shadow" and _side(r) == self.decision.side)

    @property
    def shadow(self) -> CallRecord | None:
        """The other side's call, when it ran."""
        return next((r for r in self.result if _role(r) == "shadow"), None)

    @property
    def saved_usd(self) -> float | None:
        """Dollars the decision saved against the other side (negative: it cost more); ``None`` if unknown."""
        other = self.shadow
        if other is None or other.cost_usd is None or self.routed.cost_usd is None:
            return None
        spent = sum(r.cost_usd or 0.0 for r in self.result if _role(r) != "shadow")
        return other.cost_usd - spent

    def _repr_html_(self) -> str:
        saved = "" if self.saved_usd is None else f"; saved vs the other side: ${self.saved_usd:.6f}"
        head = f"<p><b>route</b> {html.escape(self.decision.reason)}{html.escape(saved)}</p>"
        return head + self.result._repr_html_()

    def __repr__(self) -> str:
        saved = "" if self.saved_usd is None else f"; saved vs the other side: ${self.saved_usd:.6f}"
        return f"route: {self.decision.reason}{saved}\n{self.result!r}"


def _route(record: CallRecord) -> dict[str, Any]:
    value = record.provenance.get("route") if record.provenance else None
    return value if isinstance(value, dict) else {}


def _role(record: CallRecord) -> str:
    return str(_route(record).get("role", ""))


def _side(record: CallRecord) -> str:
    return "edge" if record.locality.edge else "cloud"


def split_sides(targets: Sequence[str | Target]) -> tuple[Target, Target]:
    """The edge target (device or private network) and the cloud target among ``targets``."""
    resolved = [resolve(t) for t in targets]
    edges = [t for t in resolved if t.locality.edge]
    clouds = [t for t in resolved if not t.locality.edge]
    if len(edges) != 1 or len(clouds) != 1:
        raise ConfigError(
            "Routing needs exactly one edge target (on the device or private network) and one cloud target, "
            f"e.g. -t local/smollm2 -t openai/gpt-4o-mini; got {[t.spec for t in resolved]}."
        )
    return edges[0], clouds[0]


def _options(policy: Policy, decision: Decision, role: str, base: RunOptions) -> RunOptions:
    from dataclasses import replace

    route = {"side": decision.side, "reason": decision.reason, "score": decision.score, "role": role}
    routing: dict[str, Any] = {"policy": policy.name, "threshold": policy.threshold, "route": route}
    if policy.saved_file is not None:
        routing["policy_file"] = {"name": policy.saved_file.path.name, "checksum": policy.saved_file.checksum}
    return replace(base, routing=routing)


async def aroute(
    prompt: str,
    policy: PolicySpec,
    targets: Sequence[str | Target],
    *,
    shadow: bool = False,
    options: RunOptions | None = None,
    **run_kwargs: Any,
) -> RoutedRun:
    """Route ``prompt`` between the edge and cloud target in ``targets`` as ``policy`` decides.

    ``policy``: a Policy, a policy name, or the path of a file written by :meth:`Policy.save`.
    """
    policy = resolve_policy(policy)
    edge, cloud = split_sides(targets)
    base = options or RunOptions()
    request_keys = ("system", "temperature", "max_tokens", "seed", "stop")
    request = Request.build(prompt, **{k: run_kwargs[k] for k in request_keys if k in run_kwargs})
    records: list[CallRecord] = []
    if policy.uses_edge_response:
        probe = Decision("edge", f"{policy.name}: answer on the edge first, then check it")
        first = await arun(prompt, [edge], options=_options(policy, probe, "edge-first", base), **run_kwargs)
        records += first.records
        decision = policy.decide(request, edge_response=first.records[0].response)
        if decision.side == "cloud":
            escalated = await arun(prompt, [cloud], options=_options(policy, decision, "routed", base), **run_kwargs)
            records += escalated.records
        elif shadow:
            shadow_run = await arun(prompt, [cloud], options=_options(policy, decision, "shadow", base), **run_kwargs)
            records += shadow_run.records
    else:
        decision = policy.decide(request)
        chosen, other = (edge, cloud) if decision.side == "edge" else (cloud, edge)
        runs = [arun(prompt, [chosen], options=_options(policy, decision, "routed", base), **run_kwargs)]
        if shadow:
            runs.append(arun(prompt, [other], options=_options(policy, decision, "shadow", base), **run_kwargs))
        for result in await asyncio.gather(*runs):
            records += result.records
    return RoutedRun(decision, policy.name, RunResult(records[0].run_id, tuple(records)))


def route(prompt: str, policy: PolicySpec, targets: Sequence[str | Target], **kwargs: Any) -> RoutedRun:
    """Blocking :func:`aroute` (works inside a notebook's running event loop)."""
    return run_sync(aroute(prompt, policy, targets, **kwargs))
