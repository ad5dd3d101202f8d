"""Routing results over several held-out splits: per-seed figures, their median and range, and the verdict.

Notebook 02 and ``python -m workbench.routing.summary`` (whose output the README quotes) both print from
here. For each split seed every policy is trained on one half and measured on the other, at the smallest
cloud share whose accuracy reaches 95% of the cloud model's. ``random`` is its expectation (a straight
line from all-edge to all-cloud), not one noisy draw.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.routing.experiment import make_policy, prepare, simulate_at_quality
from workbench.routing.metrics import curve_metrics, oracle_scores
from workbench.routing.outcomes import Outcomes, split

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CLAIM",
    "COST_POLICIES",
    "QUALITY_TARGET",
    "SEEDS",
    "TABLE_POLICIES",
    "calls_and_dollars",
    "cost_vs_calls",
    "expected_random",
    "format_calls_and_dollars",
    "format_table",
    "per_seed",
    "routellm_datasets",
    "summarise",
    "verdict",
]

SEEDS = (0, 1, 2, 3, 4)
"""Split seeds: each draws a different train/test halving (and seeds the policies)."""
TABLE_POLICIES = ("random", "rules", "cascade", "learned", "learned-per-dollar", "learned-cascade", "oracle")
QUALITY_TARGET = 0.95
"""Routings are compared at the smallest cloud share reaching this fraction of the cloud model's accuracy."""
CLAIM = 0.60
"""The claimed saving is 60-80% of the all-cloud cost; it holds when the best policy saves at least this."""
WIDTH = 110
"""Printed verdict lines wrap at this many characters."""
METRICS = ("apgr", "cloud_share", "cloud_cost_share", "cost_saved", "fewer_calls_than_random")
_HEADERS = {
    "apgr": "APGR",
    "cloud_share": "calls to the cloud",
    "cloud_cost_share": "cloud share of cost",
    "cost_saved": "cost saved",
    "fewer_calls_than_random": "fewer calls than random (points)",
}


def routellm_datasets(root: Path | None = None) -> dict[str, Outcomes]:
    """RouteLLM's GSM8K and 19 MMLU subjects (from :func:`~workbench.routing.default_routellm_dir`), by label."""
    from workbench.routing.routellm import default_routellm_dir, load_routellm

    folder = root or default_routellm_dir()
    return {
        "GSM8K": load_routellm(folder / "gsm8k_responses.csv"),
        "MMLU (19 subjects)": load_routellm(str(folder / "mmlu" / "*.csv")),
    }


def expected_random(test: Outcomes, fraction: float = QUALITY_TARGET) -> dict[str, float]:
    """Random routing, in expectation, at the smallest share reaching ``fraction`` of the cloud's accuracy.

    Quality and dollars are linear in the share s: quality = edge + s * (cloud - edge), cost = s * C +
    (1 - s) * E (C, E: all-cloud and all-edge bills), and the cost-weighted share is s itself.
    """
    q_edge, q_cloud = float(test.array("edge_score").mean()), float(test.array("cloud_score").mean())
    gap = q_cloud - q_edge
    share = max(0.0, (fraction * q_cloud - q_edge) / gap) if gap > 0 else 0.0
    all_cloud, all_edge = float(test.array("cloud_cost_usd").sum()), float(test.array("edge_cost_usd").sum())
    cost = share * all_cloud + (1 - share) * all_edge
    return {
        "apgr": 0.5 if gap > 0 else math.nan,
        "cloud_share": share,
        "cloud_cost_share": share,
        "cost_saved": 1 - cost / all_cloud if all_cloud else math.nan,
    }


def _measured(data: Outcomes, name: str, seed: int) -> dict[str, float] | None:
    if name == "oracle":
        test = split(data, seed=seed)[1]
        scores, edge_first = oracle_scores(test.array("edge_score"), test.array("cloud_score")), False
    else:
        policy = make_policy(name, seed=seed)
        if policy.uses_edge_response and data.edge_responses is None:
            return None
        test, scores, _ = prepare(data, policy, seed=seed)
        edge_first = policy.uses_edge_response
    edge, cloud = test.array("edge_score"), test.array("cloud_score")
    at_target = simulate_at_quality(test, scores, QUALITY_TARGET * float(cloud.mean()), edge_first=edge_first)
    found = {"apgr": curve_metrics(edge, cloud, scores)["apgr"]}
    for key in ("cloud_share", "cloud_cost_share", "cost_saved"):
        value = getattr(at_target, key) if at_target else None
        found[key] = math.nan if value is None else float(value)
    return found


def per_seed(
    datasets: dict[str, Outcomes], names: Sequence[str] = TABLE_POLICIES, seeds: Iterable[int] = SEEDS
) -> pd.DataFrame:
    """One row per data set, policy and split seed: the :data:`METRICS` on that seed's held-out half.

    ``fewer_calls_than_random`` is random's expected cloud share minus the policy's, in share points.
    Policies that read the edge model's answers are left out where the data has none.
    """
    import pandas as pd

    rows: list[dict[str, Any]] = []
    for label, data in datasets.items():
        for seed in seeds:
            random = expected_random(split(data, seed=seed)[1])
            for name in names:
                found = random if name == "random" else _measured(data, name, seed)
                if found is not None:
                    fewer = random["cloud_share"] - found["cloud_share"]
                    rows.append({"data": label, "policy": name, "seed": seed, **found})
                    rows[-1]["fewer_calls_than_random"] = fewer
    return pd.DataFrame(rows)


def summarise(seeds: pd.DataFrame) -> pd.DataFrame:
    """Median, min and max over seeds of each metric, indexed by (data, policy), columns (metric, statistic)."""
    return seeds.groupby(["data", "policy"], sort=False)[list(METRICS)].agg(["median", "min", "max"])


COST_POLICIES = ("random", "learned", "learned-per-dollar")
"""The policies :func:`cost_vs_calls` compares by calls and by dollars."""


def calls_and_dollars(seeds: pd.DataFrame) -> pd.DataFrame:
    """Per data set and real policy (the oracle left out), from :func:`per_seed` rows: the median cloud
    share by calls (``calls``) and by dollars (``dollars``, the escalated prompts' share of the all-cloud
    bill) at 95% of the cloud's accuracy, and whether the policy wins that axis (``fewest_calls``,
    ``fewest_dollars``: the lowest median; ties all win; a policy that never reaches 95% never wins).
    """
    real = seeds[seeds["policy"] != "oracle"]
    table = real.groupby(["data", "policy"], sort=False)[["cloud_share", "cloud_cost_share"]].median()
    table.columns = ["calls", "dollars"]
    for axis in ("calls", "dollars"):
        best = table.groupby(level="data", sort=False)[axis].transform("min")
        table[f"fewest_{axis}"] = table[axis] <= best + 1e-12
    return table


def cost_vs_calls(
    datasets: dict[str, Outcomes], names: Sequence[str] = COST_POLICIES, seeds: Iterable[int] = SEEDS
) -> pd.DataFrame:
    """Cloud share by calls and by dollars side by side, and each axis's winner (see :func:`calls_and_dollars`)."""
    return calls_and_dollars(per_seed(datasets, names, seeds))


def format_calls_and_dollars(seeds: pd.DataFrame) -> pd.DataFrame:
    """Calls and dollars side by side as text, from :func:`per_seed` rows: per data set and real policy, the
    cloud share by calls and by dollars ("median (min-max)") and the axes on which it wins (:func:`calls_and_dollars`).
    """
    import pandas as pd

    table = calls_and_dollars(seeds)
    spread = summarise(seeds[seeds["policy"] != "oracle"])
    wins = [
        " and ".join(a for a, won in (("calls", row.fewest_calls), ("dollars", row.fewest_dollars)) if won) or "-"
        for row in table.itertuples()
    ]
    columns = {
        "calls to the cloud": [_spread(spread.loc[i, "cloud_share"], "cloud_share") for i in table.index],
        "share of the all-cloud bill": [_spread(spread.loc[i, "cloud_cost_share"], "") for i in table.index],
        "fewest": wins,
    }
    return pd.DataFrame(columns, index=table.index)


def _spread(values: pd.Series, metric: str) -> str:
    if math.isnan(values["median"]):
        return "not reached"
    if values["min"] == values["max"] == 0 and metric == "fewer_calls_than_random":
        return "-"
    if metric == "apgr":
        return f"{values['median']:.3f} ({values['min']:.3f}-{values['max']:.3f})"
    if metric == "fewer_calls_than_random":
        return f"{values['median'] * 100:+.1f} ({values['min'] * 100:+.1f} to {values['max'] * 100:+.1f})"
    return f"{values['median']:.1%} ({values['min']:.1%}-{values['max']:.1%})"


def format_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary as text: "median (min-max)" per metric, with readable column names."""
    import pandas as pd

    columns = {_HEADERS[m]: [_spread(summary.loc[i, m], m) for i in summary.index] for m in METRICS}
    return pd.DataFrame(columns, index=summary.index)


def _wins(seeds: pd.DataFrame, label: str, first: str, second: str) -> tuple[int, int]:
    """On how many of the split seeds ``first`` saved more than ``second``, and of how many."""
    saved = seeds[seeds["data"] == label].pivot(index="seed", columns="policy", values="cost_saved")
    return int((saved[first] > saved[second]).sum()), len(saved)


def verdict(seeds: pd.DataFrame, label: str) -> list[str]:
    """What the per-seed table says about the 60-80% saving claim on ``label``, and why, as printed lines.

    The best policy is the real one (not the oracle) with the highest median cost saved; when another
    sends fewer calls to the cloud, the cost-weighted share says why it saves less. Each line is wrapped
    at :data:`WIDTH` characters.
    """
    rows = summarise(seeds).loc[label]
    median = {m: rows[(m, "median")] for m in METRICS}
    saved, share, cost_share = median["cost_saved"], median["cloud_share"], median["cloud_cost_share"]
    real = rows.drop(index="oracle")
    ranked = real[("cost_saved", "median")].sort_values(ascending=False)
    best, runner_up = str(ranked.index[0]), str(ranked.index[1])
    low, high = rows[("cost_saved", "min")][best], rows[("cost_saved", "max")][best]
    random = "" if best == "random" else f"random saves {saved['random']:.0%} at {share['random']:.0%} of calls, "
    lines = [
        f"{label}: best policy '{best}' saves {saved[best]:.0%} of the all-cloud cost at 95% of the cloud model's "
        f"accuracy (median over the split seeds; range {low:.0%}-{high:.0%}), sending {share[best]:.0%} of calls "
        f"({cost_share[best]:.0%} of the cloud cost) to the cloud; {random}a perfect oracle {saved['oracle']:.0%}."
    ]
    fewest = str(real[("cloud_share", "median")].idxmin())
    if fewest != best:
        ratio = cost_share[fewest] / share[fewest]
        lines.append(
            f"  '{fewest}' sends fewer calls to the cloud ({share[fewest]:.0%} against {share[best]:.0%}) yet saves "
            f"less ({saved[fewest]:.0%}): a cloud call is priced per token and the calls it escalates cost "
            f"{ratio:.2f}x an average one, so they are {cost_share[fewest]:.0%} of the all-cloud cost against "
            f"{cost_share[best]:.0%} for '{best}'."
        )
    wins, total = _wins(seeds, label, best, runner_up)
    settled = "" if wins == total else "; this data does not settle which of the two is cheaper"
    lines.append(f"  '{best}' saves more than the runner-up '{runner_up}' on {wins} of {total} split seeds{settled}.")
    holds = saved[best] >= CLAIM
    lines.append(
        f"  -> the 60-80% saving claim {'HOLDS' if holds else 'DOES NOT HOLD'} here"
        + ("." if holds else f"; it would take a router close to the oracle ({saved['oracle']:.0%}).")
    )
    return [textwrap.fill(line, WIDTH, subsequent_indent="    ", break_on_hyphens=False) for line in lines]


def main() -> int:
    """Print the table and verdicts the README quotes: ``python -m workbench.routing.summary``."""
    import pandas as pd

    datasets = routellm_datasets()
    seeds = per_seed(datasets)
    summary = summarise(seeds)
    print(f"Held-out halves, split seeds {', '.join(map(str, SEEDS))}: median (min-max) at 95% of cloud accuracy.")
    with pd.option_context("display.width", 250, "display.max_columns", 10, "display.max_colwidth", 40):
        print(format_table(summary).to_string())
        print("\nCloud share by calls and by dollars at 95% of cloud accuracy, "
              "and which policy needs the fewest of each:")
        print(format_calls_and_dollars(seeds).to_string())
    for label in datasets:
        print("\n".join(verdict(seeds, label)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
