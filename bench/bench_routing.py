"""Routing bench (issue 8): simulation speed, held-out GSM8K and MMLU goals, APGR with bootstrap intervals.

    python bench/bench_routing.py      # figures with pass/short, bench/results/routing.json

Goals:
- simulating 10,000 prompts x 20 thresholds <= 1 s (median of repeats);
- held-out GSM8K: 95% of the strong (cloud) model's accuracy with <= 50% of calls sent to the cloud;
- held-out MMLU: at 95% of the strong model's accuracy, a cloud share >= 15 points below random's;
- APGR and the cloud share for 50/80/95% of the quality gap, with bootstrap intervals, for every policy.

Every policy is trained (if it learns) on the train half and measured on the held-out half, for
several split seeds; goal figures are medians over seeds with their min-max spread. The goal policies
are fixed in advance: ``learned-cascade`` for GSM8K (it reads the weak model's answers, which the file
has), ``learned`` for MMLU (no answers there). Random's share is its expectation: the share of the gap
needed, (0.95 * cloud - edge) / (cloud - edge).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import figure, timed, write
from workbench.routing import (
    Outcomes,
    bootstrap_metrics,
    curve_metrics,
    default_routellm_dir,
    load_routellm,
    make_policy,
    oracle_scores,
    prepare,
    simulate_at_quality,
    split,
    sweep,
)
from workbench.routing.summary import expected_random

SEEDS = (0, 1, 2, 3, 4)
POLICIES = ("random", "rules", "cascade", "learned", "learned-cascade", "oracle")
N_BOOT = 500


def scored(data: Outcomes, name: str, seed: int) -> tuple[Outcomes, np.ndarray, bool]:
    """Held-out outcomes, their scores, and whether the edge answered first."""
    if name == "oracle":
        test = split(data, seed=seed)[1]
        return test, oracle_scores(test.array("edge_score"), test.array("cloud_score")), False
    policy = make_policy(name, seed=seed)
    evaluated, scores, _ = prepare(data, policy, seed=seed)
    return evaluated, scores, policy.uses_edge_response


def evaluate(label: str, data: Outcomes) -> dict[str, Any]:
    """Every policy on every seed's held-out half: curve metrics, cost at 95%, bootstrap on seed 0."""
    out: dict[str, Any] = {"prompts": len(data), "policies": {}, "random_expected_share": []}
    for seed in SEEDS:
        test = split(data, seed=seed)[1]
        out["random_expected_share"].append(expected_random(test)["cloud_share"])
    for name in POLICIES:
        if make_policy(name if name != "oracle" else "random").uses_edge_response and data.edge_responses is None:
            continue
        per_seed: list[dict[str, Any]] = []
        for seed in SEEDS:
            test, scores, edge_first = scored(data, name, seed)
            edge, cloud = test.array("edge_score"), test.array("cloud_score")
            metrics = curve_metrics(edge, cloud, scores)
            at95 = simulate_at_quality(test, scores, 0.95 * float(cloud.mean()), edge_first=edge_first)
            metrics["cost_saved_at_95pct"] = at95.cost_saved if at95 and at95.cost_saved is not None else float("nan")
            if seed == SEEDS[0]:
                metrics["bootstrap"] = bootstrap_metrics(edge, cloud, scores, n_boot=N_BOOT, seed=seed)
            per_seed.append(metrics)
        out["policies"][name] = per_seed
        boot = per_seed[0]["bootstrap"]
        apgrs = [m["apgr"] for m in per_seed]
        shares = [m["share_for_95pct_cloud_quality"] for m in per_seed]
        print(
            f"  {label:5} {name:15} APGR {statistics.median(apgrs):.3f} [{min(apgrs):.3f}-{max(apgrs):.3f}]"
            f"  share@95%cloud {statistics.median(shares):.1%} [{min(shares):.1%}-{max(shares):.1%}]"
            + "".join(
                f"  gap{k.split('_')[2].replace('pct', '%')} {v[0]:.1%} ({v[1]:.1%}-{v[2]:.1%})"
                for k, v in boot.items()
                if k.endswith("pct_gap")
            )
            + f"  APGR boot ({boot['apgr'][1]:.3f}-{boot['apgr'][2]:.3f})",
            flush=True,
        )
    return out


def replay_speed(data: Outcomes) -> list[float]:
    """Seconds for one sweep of 10,000 prompts (resampled real outcomes) over 20 thresholds."""
    rng = np.random.default_rng(0)
    big = data.take(rng.integers(0, len(data), 10_000))
    scores = make_policy("rules").score_outcomes(big)
    thresholds = np.quantile(scores[np.isfinite(scores)], np.linspace(0, 1, 20))
    return timed(lambda: sweep(big, scores, thresholds), 9)


def main() -> int:
    started = time.perf_counter()
    root = default_routellm_dir()
    gsm8k = load_routellm(root / "gsm8k_responses.csv")
    mmlu = load_routellm(str(root / "mmlu" / "*.csv"))
    load_s = time.perf_counter() - started
    figures = []
    speed = replay_speed(gsm8k.concat(mmlu))
    figures.append(
        figure(
            "simulate 10,000 prompts x 20 thresholds",
            statistics.median(speed),
            "s",
            goal="<= 1 s",
            passed=statistics.median(speed) <= 1.0,
            values=speed,
        )
    )
    results = {"gsm8k": evaluate("gsm8k", gsm8k), "mmlu": evaluate("mmlu", mmlu)}

    def seed_values(dataset: str, policy: str, key: str) -> list[float]:
        return [m[key] for m in results[dataset]["policies"][policy]]

    gsm_shares = seed_values("gsm8k", "learned-cascade", "share_for_95pct_cloud_quality")
    figures.append(
        figure(
            "GSM8K held-out: cloud share for 95% of strong accuracy (learned-cascade)",
            statistics.median(gsm_shares),
            "share",
            goal="<= 0.50",
            passed=statistics.median(gsm_shares) <= 0.50,
            values=gsm_shares,
            ratio=statistics.median(results["gsm8k"]["random_expected_share"]),
            alternative="random's expected share (ratio column holds it)",
        )
    )
    mmlu_shares = seed_values("mmlu", "learned", "share_for_95pct_cloud_quality")
    below = [r - s for r, s in zip(results["mmlu"]["random_expected_share"], mmlu_shares, strict=True)]
    figures.append(
        figure(
            "MMLU held-out: points below random's cloud share at 95% of strong accuracy (learned)",
            statistics.median(below),
            "share",
            goal=">= 0.15",
            passed=statistics.median(below) >= 0.15,
            values=below,
        )
    )
    for dataset in results:
        for policy in results[dataset]["policies"]:
            apgrs = seed_values(dataset, policy, "apgr")
            figures.append(figure(f"{dataset} {policy}: APGR", statistics.median(apgrs), "", values=apgrs))
            saved = seed_values(dataset, policy, "cost_saved_at_95pct")
            figures.append(
                figure(
                    f"{dataset} {policy}: cost saved vs all-cloud at 95% of strong accuracy",
                    statistics.median(saved),
                    "fraction",
                    values=saved,
                )
            )
    total = time.perf_counter() - started
    figures.append(figure("bench runtime", total, "s", goal="<= 120 s", passed=total <= 120))
    path = write(
        "routing",
        figures,
        load_s=load_s,
        seeds=list(SEEDS),
        n_boot=N_BOOT,
        cost_basis={"gsm8k": gsm8k.cost_basis, "mmlu": mmlu.cost_basis},
        notes={"gsm8k": list(gsm8k.notes), "mmlu": list(mmlu.notes)},
        details=results,
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
