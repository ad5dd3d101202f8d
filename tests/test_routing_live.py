"""Live routing through the runner with the real local model as the edge and a loopback server declared
cloud (it stands in for a provider, which cannot be reached from here)."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell

import workbench
from tests.support.scripted_server import ScriptedServer
from workbench.errors import ConfigError
from workbench.records import Price
from workbench.routing import make_policy, route

PROMPT = "What is 12 + 30? Answer with the number."


@pytest.fixture()
def sides(scripted: ScriptedServer) -> list[object]:
    cloud = workbench.resolve(f"openai/ok@{scripted.url}", locality="cloud", price=Price(1.0, 2.0))
    return ["local/smollm2", cloud]


def _calls_received(server: ScriptedServer) -> int:
    return len(server.received)


def test_edge_decision_calls_only_the_edge(sides: list[object], scripted: ScriptedServer) -> None:
    before = _calls_received(scripted)
    routed = route(PROMPT, make_policy("always-edge"), sides, max_tokens=16, temperature=0, seed=1)
    assert routed.decision.side == "edge" and routed.shadow is None
    assert [r.target for r in routed.result] == ["local/smollm2"]
    record = routed.routed
    assert record.ok and record.response
    assert record.provenance["policy"] == "always-edge"
    assert record.provenance["route"]["role"] == "routed"
    assert _calls_received(scripted) == before  # nothing went to the cloud


def test_shadow_runs_the_other_side_and_says_what_was_saved(sides: list[object], isolated_store) -> None:
    routed = route(PROMPT, make_policy("always-cloud"), sides, shadow=True, max_tokens=16, temperature=0, seed=1)
    assert routed.decision.side == "cloud"
    assert routed.routed.locality.value == "cloud" and routed.routed.ok
    assert routed.shadow is not None and routed.shadow.target == "local/smollm2" and routed.shadow.ok
    # Edge calls cost $0 here, so sending this prompt to the cloud cost exactly the cloud call:
    # 12 tokens in at $1/M and 6 out at $2/M (the scripted server's usage).
    assert routed.shadow.cost_usd == 0.0 and routed.routed.cost_usd == pytest.approx(24e-6)
    assert routed.saved_usd == pytest.approx(-24e-6)
    stored = workbench.Store(isolated_store).records()
    assert {r.provenance["route"]["role"] for r in stored} == {"routed", "shadow"}
    assert "route" in repr(routed) and "saved vs the other side" in routed._repr_html_()


def test_cascade_answers_on_the_edge_first_then_decides(sides: list[object]) -> None:
    routed = route(PROMPT, make_policy("cascade"), sides, max_tokens=24, temperature=0, seed=1)
    roles = [r.provenance["route"]["role"] for r in routed.result]
    assert roles[0] == "edge-first" and routed.result[0].target == "local/smollm2"
    assert roles == (["edge-first", "routed"] if routed.decision.side == "cloud" else ["edge-first"])
    assert routed.decision.reason.startswith("cascade")


def test_routing_needs_one_edge_and_one_cloud_target() -> None:
    with pytest.raises(ConfigError, match="one edge target"):
        route(PROMPT, make_policy("always-edge"), ["local/smollm2", "local/smollm2"])


def test_route_magic_shows_the_decision_and_shadow(ip: InteractiveShell) -> None:
    ip.user_ns["router"] = make_policy("always-edge")  # a Policy object from the notebook
    from workbench.routing.live import RoutedRun

    with pytest.raises(Exception, match="one edge target"):
        ip.run_cell_magic("hybrid", "-t local/smollm2 -t local/smollm2 --route always-edge --max-tokens 8", "Hi")
    with pytest.raises(Exception, match="--shadow goes with --route"):
        ip.run_cell_magic("hybrid", "--shadow", "Hi")
    with pytest.raises(Exception, match="Unknown policy"):
        ip.run_cell_magic("hybrid", "--route nope -t local/smollm2", "Hi")
    result = ip.run_cell_magic(
        "hybrid", "-t local/smollm2 -t openai/gpt-4o-mini --route router --shadow --max-tokens 8 -o routed", "Hi"
    )
    assert isinstance(result, RoutedRun) and ip.user_ns["routed"] is result
    assert result.routed.target == "local/smollm2" and result.routed.ok
    assert result.shadow is not None and result.shadow.error_type == "MissingKeyError"  # no key here: not sent
    assert "always-edge" in repr(result)
