"""``hybrid sweep``: run a dataset through several targets, grade every answer, print scores per target."""

from __future__ import annotations

import json
import math
import shutil
import sys
from typing import TYPE_CHECKING, Any

import click

from workbench.errors import ConfigError
from workbench.records import DEFAULT_MAX_TOKENS, Price

if TYPE_CHECKING:
    from workbench.evaluate.results import Sweep

__all__ = ["EXIT_INTERRUPTED", "sweep_command"]

EXIT_INTERRUPTED = 130
"""Ctrl-C: the calls in flight were recorded as cancelled; rerunning the same command resumes."""


def _price(text: str) -> tuple[str, Price]:
    spec, sep, figures = text.rpartition("=")
    parts = figures.split(",")
    try:
        if not sep or not spec or len(parts) != 2:
            raise ValueError
        return spec, Price(float(parts[0]), float(parts[1]))
    except ValueError:
        raise ConfigError(
            f"--price {text!r}: write SPEC=IN,OUT in dollars per million tokens, e.g. 'openai/gpt-4o-mini=0.15,0.6'."
        ) from None


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def summary(result: Sweep) -> dict[str, Any]:
    """What ``--json`` prints: the sweep's state, and per grader and target the scores, cost, latency, errors."""
    graders: list[str | None] = [*result.graders] or [None]
    scores = {
        str(g): {t: {k: _plain(v) for k, v in row.items()} for t, row in result.scores(g).iterrows()} for g in graders
    }
    return {
        "name": result.name,
        "cells": result.total,
        "recorded": len(result.cells),
        "sent": result.sent,
        "errors": result.errors,
        "stopped": result.stopped,
        "spent_usd": result.spent_usd,
        "judge_calls": len(result.judge_calls),
        "scores": scores,
    }


def _print_table(result: Sweep) -> None:
    from rich.console import Console
    from rich.table import Table

    from workbench.ui.format import dollars, seconds

    graders: list[str | None] = [*result.graders] or [None]
    for grader in graders:
        frame = result.scores(grader)
        table = Table(title=f"sweep {result.name}: {grader or 'no grader'}")
        for column in ("target", "score (95% CI)", "n", "errors", "cost", "per correct", "latency p50/p90", "TTFT p50"):
            table.add_column(column)
        for target, row in frame.iterrows():
            score = (
                "-" if math.isnan(row["score"]) else f"{row['score']:.3f} ({row['ci_low']:.3f}-{row['ci_high']:.3f})"
            )
            table.add_row(
                str(target), score, str(row["n"]), str(row["errors"]),
                dollars(_plain(row["cost_usd"])), dollars(_plain(row["cost_per_correct_usd"])),
                f"{seconds(_plain(row['latency_p50_s']))} / {seconds(_plain(row['latency_p90_s']))}",
                seconds(_plain(row["ttft_p50_s"])),
            )  # fmt: skip
        Console(width=max(120, shutil.get_terminal_size((120, 40)).columns)).print(table)


@click.command("sweep")
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--prompt", "template", required=True, help="Prompt template with {column} variables.")
@click.option("--system", help="System prompt template.")
@click.option("--id-column", help="Column holding each item's id (default: a hash of the row).")
@click.option("-t", "--target", "targets", multiple=True, required=True, help="Target spec; repeat for several.")
@click.option("--grade", "graders", multiple=True, help="Grader spec (exact:answer, numeric:answer, ...); repeatable.")
@click.option("--name", help="The sweep's name: rerun with the same name to resume it.")
@click.option("--repeats", type=click.IntRange(min=1), default=1, show_default=True, help="Calls per item and target.")
@click.option(
    "--concurrency", type=click.IntRange(min=1), default=8, show_default=True, help="Calls at once per target."
)
@click.option("--local-concurrency", type=click.IntRange(min=1), default=1, show_default=True,
              help="Calls at once for a model loaded in this process.")  # fmt: skip
@click.option("--budget-usd", type=float, help="Stop before the sweep's recorded cost could pass this many dollars.")
@click.option("--price", "prices", multiple=True, help="A target's price: SPEC=IN,OUT dollars per million tokens.")
@click.option("--retry-errors", is_flag=True, help="Send failed cells again.")
@click.option("--reuse", is_flag=True, help="Answer requests already answered (same target, messages, parameters, "
              "seed) from the run log, marked replayed.")  # fmt: skip
@click.option("--max-tokens", type=click.IntRange(min=1), default=DEFAULT_MAX_TOKENS, show_default=True)
@click.option("--temperature", type=float)
@click.option("--seed", type=int, help="Base seed: repeat K uses SEED + K (K without one).")
@click.option("--timeout", type=float, default=120.0, show_default=True, help="Seconds per call.")
@click.option("--store", "store_path", type=click.Path(dir_okay=False), help="Run log (default: WORKBENCH_STORE).")
@click.option("--json", "as_json", is_flag=True, help="Print per-target scores, cost, latency and errors as JSON.")
def sweep_command(
    data: str,
    template: str,
    system: str | None,
    id_column: str | None,
    targets: tuple[str, ...],
    graders: tuple[str, ...],
    name: str | None,
    repeats: int,
    concurrency: int,
    local_concurrency: int,
    budget_usd: float | None,
    prices: tuple[str, ...],
    retry_errors: bool,
    reuse: bool,
    max_tokens: int,
    temperature: float | None,
    seed: int | None,
    timeout: float,
    store_path: str | None,
    as_json: bool,
) -> None:
    """Send every item of DATA (CSV, JSON Lines, JSON, Parquet) to every target, grade each answer, print scores.

    Each call is a record in the run log, tagged with the sweep, item and repeat. Rerunning with the
    same --name sends only the cells not yet finished (--retry-errors: failed ones too). A progress
    bar goes to stderr on a terminal. Exit status: 0 done (or stopped at the budget, said on
    stderr), 2 bad input (nothing sent), 130 interrupted (rerun to resume).
    """
    from workbench.evaluate.engine import sweep

    try:
        result = sweep(
            data, template, targets=list(targets), graders=list(graders), name=name, repeats=repeats,
            concurrency=concurrency, local_concurrency=local_concurrency, budget_usd=budget_usd,
            retry_errors=retry_errors, store=store_path or True, system=system, id_column=id_column,
            temperature=temperature, max_tokens=max_tokens, seed=seed, prices=dict(map(_price, prices)),
            timeout=timeout, reuse=reuse,
        )  # fmt: skip
    except KeyboardInterrupt:
        click.echo(f"hybrid: interrupted; rerun the same command{'' if name else ' with --name'} to resume.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    if as_json:
        click.echo(json.dumps(summary(result), indent=2))
    else:
        _print_table(result)
    if result.stopped == "budget":
        left = result.total - len(result.cells)
        click.echo(
            f"hybrid: stopped at the budget (${result.spent_usd:.6f} of ${budget_usd:g}); {left} cell(s) not sent. "
            f"Rerun with a higher --budget-usd and --name {result.name} to go on.",
            err=True,
        )
