"""Outcomes from the project's own run log: the same prompt sent to an edge and a cloud target, and scored."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.errors import ConfigError
from workbench.routing.outcomes import Outcomes
from workbench.routing.privacy_hook import count_entities

if TYPE_CHECKING:
    import pandas as pd

    from workbench.runlog.query import Moment
    from workbench.runlog.store import Store

__all__ = ["EDGE_LOCALITIES", "LOADED", "from_run_log", "prompt_text"]

EDGE_LOCALITIES = frozenset({"device", "private_network"})
"""Localities that count as the edge; ``cloud`` is the cloud."""

_NEEDED = ("run_id", "target", "locality", "prompt", "response", "cost_usd", "latency_s")
LOADED = ("call_id", *_NEEDED, "input_tokens", "output_tokens", "tokens_estimated")
"""The run log's columns :func:`from_run_log` reads from a Store: nothing else leaves the database."""


def prompt_text(prompt: Any) -> str:
    """A recorded prompt as text: a string as is, a list of chat messages as their contents joined."""
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, Sequence):
        return "\n".join(str(m["content"]) for m in prompt if isinstance(m, Mapping))
    raise ConfigError(f"Cannot read a prompt from {type(prompt).__name__}; expected text or chat messages.")


def _pick(rows: pd.DataFrame, side: str, target: str | None) -> pd.DataFrame:
    if target is not None:
        rows = rows[rows["target"] == target]
    targets = sorted(rows["target"].unique())
    if len(targets) != 1:
        raise ConfigError(
            f"The run log has {len(targets)} {side} targets {targets}; pass {side}_target= to choose one."
        )
    return rows.drop_duplicates("run_id", keep="last").set_index("run_id")


def _graded(store: Store, grader: str | None, score_column: str, **filters: Any) -> pd.DataFrame:
    """The :data:`LOADED` columns of the calls ``filters`` name, oldest first, with ``grader``'s scores."""
    from workbench.runlog.sweeps import read_grades

    if grader is None:
        raise ConfigError("Outcomes read from a run log need the grader whose scores count: pass grader='NAME'.")
    frame = store.to_pandas(columns=LOADED, **filters).iloc[::-1].reset_index(drop=True)
    scores = {g.call_id: g.score for g in read_grades(store, frame["call_id"]) if g.grader == grader}  # newest wins
    frame[score_column] = frame["call_id"].map(scores).astype(np.float64)
    return frame


def from_run_log(
    log: pd.DataFrame | Store,
    *,
    score_column: str = "score",
    edge_target: str | None = None,
    cloud_target: str | None = None,
    grader: str | None = None,
    sweep: str | None = None,
    run_id: str | Sequence[str] | None = None,
    since: Moment | None = None,
    until: Moment | None = None,
) -> Outcomes:
    """Pair each run's edge call with its cloud call and their scores (1 = correct, or any value in [0, 1]).

    ``log`` has the run-log columns (``run_id, target, locality, prompt, response, cost_usd, latency_s``,
    optionally ``input_tokens, output_tokens, tokens_estimated``) and ``score_column``: exact/numeric match
    against a reference, a judge's verdict, or a thumbs up/down. Runs without both sides scored are left
    out. Costs stay unknown (NaN) where the record had none.

    ``log`` may be a :class:`~workbench.runlog.store.Store`: then the scores are ``grader``'s grades
    (``workbench.grade``), and only the :data:`LOADED` columns of the calls of ``sweep``, ``run_id``,
    the two targets when both are named, and the ``since``/``until`` window are read from the database.
    """
    import pandas as pd

    if not isinstance(log, pd.DataFrame):
        targets = [edge_target, cloud_target] if edge_target and cloud_target else None
        log = _graded(log, grader, score_column, sweep=sweep, run_id=run_id, target=targets, since=since, until=until)
    missing = [c for c in (*_NEEDED, score_column) if c not in log.columns]
    if missing:
        raise ConfigError(f"The run log lacks columns {missing}; score the calls into a {score_column!r} column.")
    scored = log[log[score_column].notna()]
    is_edge = scored["locality"].astype(str).isin(EDGE_LOCALITIES)
    edge = _pick(scored[is_edge], "edge", edge_target)
    cloud = _pick(scored[scored["locality"].astype(str) == "cloud"], "cloud", cloud_target)
    runs = edge.index.intersection(cloud.index)
    if runs.empty:
        raise ConfigError("No run has both an edge and a cloud call scored; send the same prompt to both.")
    edge, cloud = edge.loc[runs], cloud.loc[runs]
    frame = pd.DataFrame({"prompt": [prompt_text(p) for p in edge["prompt"]], "source": list(runs)})
    estimated = False
    for side, rows in (("edge", edge), ("cloud", cloud)):
        frame[f"{side}_score"] = rows[score_column].to_numpy(dtype=np.float64)
        frame[f"{side}_response"] = rows["response"].astype(str).to_numpy()
        for tokens in ("input_tokens", "output_tokens"):
            column = rows[tokens] if tokens in rows else pd.Series(np.nan, index=rows.index)
            frame[f"{side}_{tokens}"] = column.to_numpy(dtype=np.float64, na_value=np.nan)
        frame[f"{side}_cost_usd"] = rows["cost_usd"].to_numpy(dtype=np.float64, na_value=np.nan)
        frame[f"{side}_latency_s"] = rows["latency_s"].to_numpy(dtype=np.float64, na_value=np.nan)
        if "tokens_estimated" in rows:
            estimated = estimated or bool(rows["tokens_estimated"].fillna(False).astype(bool).any())
    frame["privacy_entities"] = [sum(count_entities(p).values()) for p in frame["prompt"]]
    scores = frame[["edge_score", "cloud_score"]].to_numpy()
    if ((scores < 0) | (scores > 1)).any():
        raise ConfigError(f"Scores in {score_column!r} must lie in [0, 1] (1 = correct).")
    return Outcomes(
        frame=frame,
        edge_model=str(edge["target"].iloc[0]),
        cloud_model=str(cloud["target"].iloc[0]),
        cost_basis="cost_usd as recorded per call (see each record's cost_basis)",
        tokens_estimated=estimated,
        cost_estimated=estimated,
        notes=("outcomes from the project's run log",),
    )
