"""``hybrid experiment``: simulate a routing policy over outcome files and print the report."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

import click

from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    from workbench.routing.experiment import SplitName

__all__ = ["experiment_command"]

_POLICY_NAMES = (
    "always-edge",
    "always-cloud",
    "random",
    "rules",
    "cascade",
    "learned",
    "learned-cascade",
    "learned-per-dollar",
)


def _share(value: float | None) -> str:
    return "-" if value is None or value != value else f"{value:.1%}"


def _print_report(data: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    simulation, metrics = data["simulation"], data["metrics"]
    prompts = simulation["n"]
    table = Table(title=f"{data['policy']} on the {data['split']} split ({prompts} prompts, seed {data['seed']})")
    table.add_column("figure")
    table.add_column("value", justify="right")
    cost = simulation["cost_usd"]
    estimated = " (estimated)" if data["cost_estimated"] else ""
    rows = [
        ("threshold", "-" if data["threshold"] is None else f"{data['threshold']:.4g}"),
        ("cloud share (of calls)", _share(simulation["cloud_share"])),
        ("cloud share of cost (calls weighted by their cloud price)", _share(simulation["cloud_cost_share"])),
        ("quality", f"{simulation['quality']:.3f}"),
        ("quality edge only / cloud only", f"{simulation['quality_edge']:.3f} / {simulation['quality_cloud']:.3f}"),
        ("cost", "unknown" if cost is None else f"${cost:.4f}{estimated}"),
        (
            "cost all-cloud",
            "unknown" if simulation["cost_all_cloud_usd"] is None else f"${simulation['cost_all_cloud_usd']:.4f}",
        ),
        ("cost saved vs all-cloud", _share(simulation["cost_saved"])),
        ("mean latency", "unknown" if simulation["latency_s"] is None else f"{simulation['latency_s']:.2f} s"),
        ("privacy entities sent to the cloud", str(simulation["privacy_entities_left"])),
    ]
    if metrics:
        rows.append(("APGR", "-" if metrics["apgr"] is None else f"{metrics['apgr']:.3f}"))
        rows += [
            (f"cloud share for {k.split('_')[2].replace('pct', '%')} of the gap", _share(v))
            for k, v in metrics.items()
            if k.endswith("pct_gap")
        ]
        rows.append(("cloud share for 95% of cloud quality", _share(metrics["share_for_95pct_cloud_quality"])))
    for name, value in rows:
        table.add_row(name, value)
    console = Console()
    console.print(table)
    console.print(f"prices: {data['cost_basis']}")
    for note in data["notes"]:
        console.print(f"note: {note}")


@click.command("experiment")
@click.option("--outcomes", "outcomes", required=True, help="Outcome CSV file, folder or glob (RouteLLM format).")
@click.option("--policy", required=True, type=click.Choice(_POLICY_NAMES), help="Routing policy to simulate.")
@click.option("--threshold", type=float, default=None, help="Escalate prompts scoring at least this.")
@click.option("--cloud-share", type=click.FloatRange(0, 1), default=None, help="Calibrate to this cloud share.")
@click.option(
    "--cost-budget",
    type=click.FloatRange(0, 1),
    default=None,
    help="Calibrate (on the train half) to spend at most this fraction of the all-cloud bill.",
)
@click.option("--split", "split_name", type=click.Choice(["train", "test", "all"]), default="test", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the train/test split and policies.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--save",
    "save_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the fitted, calibrated policy to this JSON file (load_policy, %%hybrid --route FILE).",
)
def experiment_command(
    outcomes: str,
    policy: str,
    threshold: float | None,
    cloud_share: float | None,
    cost_budget: float | None,
    split_name: str,
    seed: int,
    as_json: bool,
    save_path: str | None,
) -> None:
    """Simulate a routing policy over recorded outcomes: quality, dollars, cloud share, APGR."""
    if sum(x is not None for x in (threshold, cloud_share, cost_budget)) > 1:
        raise click.UsageError("Give only one of --threshold, --cloud-share or --cost-budget, not two or three.")
    from workbench.routing.experiment import make_policy, run_experiment
    from workbench.routing.routellm import load_routellm

    chosen = make_policy(policy, seed=seed)
    if chosen.trainable and split_name != "test":
        raise click.BadParameter(
            f"{policy} is trained on the train split; evaluate it with --split test.", param_hint="--split"
        )
    if not chosen.sweepable and (threshold, cloud_share, cost_budget) != (None, None, None):
        raise click.UsageError(f"{policy} takes no threshold; use --policy random --cloud-share P for a share.")
    try:
        data = load_routellm(outcomes)
        if chosen.uses_edge_response and data.edge_responses is None:
            raise click.BadParameter(
                f"{policy} reads the edge model's answers and {outcomes} has none; use learned or rules.",
                param_hint="--policy",
            )
        report = run_experiment(
            data,
            chosen,
            threshold=threshold,
            cloud_share=cloud_share,
            cost_budget=cost_budget,
            split_name=cast("SplitName", split_name),
            seed=seed,
        )
        if save_path is not None:
            from workbench.routing.saved import experiment_provenance

            chosen.save(save_path, provenance=experiment_provenance(report, outcomes))
    except WorkbenchError as error:
        raise click.UsageError(str(error)) from None
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        _print_report(report.to_dict())
    if save_path is not None:
        click.echo(f"saved the {report.policy} policy to {save_path}", err=True)
