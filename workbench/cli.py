"""The ``hybrid`` command: run a prompt side by side, list the run log, list targets."""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

import click

from workbench.errors import ConfigError, StoreError
from workbench.records import DEFAULT_MAX_TOKENS, CallRecord
from workbench.records.choices import GUARD_ACTIONS
from workbench.runner.sinks import BaseSink

__all__ = ["EXIT_INTERRUPTED", "EXIT_NOT_RECORDED", "EXIT_NO_ANSWER", "main"]

EXIT_NO_ANSWER = 3
"""``hybrid run``: no target answered (each error is on its record)."""

EXIT_NOT_RECORDED = 4
"""``hybrid run``: the calls were made, but the run log did not take them (they wait in its spool)."""
EXIT_INTERRUPTED = 130
"""Ctrl-C: the calls in flight were recorded as cancelled."""


def _fail(message: str) -> None:
    click.echo(f"hybrid: error: {message}", err=True)
    sys.exit(2)


# Commands that live with their feature, imported only when used.
_LAZY_COMMANDS = {
    "inspect": "workbench.privacy.cli:inspect_command",
    "experiment": "workbench.routing.cli:experiment_command",
    "export": "workbench.sharing.cli:export_command",
    "reproduce": "workbench.sharing.cli:reproduce_command",
    "store": "workbench.runlog.cli:store_group",
    "sweep": "workbench.evaluate.cli:sweep_command",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *_LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in _LAZY_COMMANDS:
            module, _, attr = _LAZY_COMMANDS[cmd_name].partition(":")
            command: click.Command = getattr(importlib.import_module(module), attr)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="hybrid-workbench")
def cli() -> None:
    """Hybrid Workbench: decide, call by call, whether a model call runs on the edge or in the cloud."""


@cli.command("run")
@click.argument("prompt", required=False)
@click.option(
    "-t",
    "--target",
    "targets",
    multiple=True,
    help="Target spec; repeat for several (default local/smollm2); SPEC[temperature=0.9] for its own settings.",
)
@click.option("--system", help="System message.")
@click.option(
    "--max-tokens", type=int, default=DEFAULT_MAX_TOKENS, show_default=True, help="Most tokens per answer (1 or more)."
)
@click.option("--temperature", type=float, help="Sampling temperature, 0 to 2.")
@click.option("--seed", type=int)
@click.option("--timeout", type=float, default=120.0, show_default=True, help="Seconds per call (more than 0).")
@click.option("--guard", type=click.Choice(GUARD_ACTIONS), default="flag", show_default=True)
@click.option("--store/--no-store", default=True, help="Record the calls in the run log.")
@click.option("--json", "as_json", is_flag=True, help="Print the records as JSON lines.")
def run_command(
    prompt: str | None,
    targets: tuple[str, ...],
    system: str | None,
    max_tokens: int,
    temperature: float | None,
    seed: int | None,
    timeout: float,
    guard: str,
    store: bool,
    as_json: bool,
) -> None:
    """Send PROMPT (or standard input, or '-') to every target at once; print answers and figures side by side.

    A target may carry its own settings: -t 'local/smollm2[temperature=0.9]' (temperature, max_tokens,
    seed, system). Exit status: 0 when at least one target answered, 3 when none did, 2 for a bad
    argument, target or run log (nothing is sent), 4 when calls were made but the run log did not
    take them (see hybrid store recover), 130 on Ctrl-C (calls in flight recorded as cancelled).
    Bytes that are not UTF-8 are sent as U+FFFD, with a warning.
    """
    from workbench.runner.fanout import run

    if prompt is None or prompt == "-":
        if sys.stdin.isatty():
            raise click.UsageError("give a PROMPT argument, or pipe the prompt on standard input.")
        prompt = sys.stdin.buffer.read().decode("utf-8", "surrogateescape")  # checked like argv: see validate.py
    finished = _Finished()
    try:
        result = run(
            prompt,
            list(targets) or None,
            system=system,
            max_tokens=max_tokens,
            temperature=temperature,
            seed=seed,
            store=store,
            timeout=timeout,
            guard=guard,
            sinks=[finished],
        )
    except KeyboardInterrupt:
        cancelled = [r for r in finished.records if r.error_type == "CallCancelled"]
        for record in cancelled:
            click.echo(
                f"hybrid: interrupted: {record.target} stopped after {record.output_tokens or 0} token(s); "
                f"recorded as cancelled with its partial answer (call {record.call_id}).",
                err=True,
            )
        if not cancelled:
            click.echo("hybrid: interrupted before any call was streaming; nothing was cancelled.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    if as_json:
        for record in result:
            click.echo(record.to_json())
    else:
        from workbench.ui.table import records_text

        click.echo(records_text(result.records, width=_width()))
    if result.unrecorded:
        click.echo(f"hybrid: error: {result.store_error}", err=True)
        for record in result:
            if record.call_id in result.unrecorded:
                click.echo(f"  not recorded: {record.target} (call {record.call_id})", err=True)
        sys.exit(EXIT_NOT_RECORDED)
    if not any(record.ok for record in result):
        said = f"hybrid: no target answered (exit status {EXIT_NO_ANSWER}); each error is on its record above."
        click.echo(said, err=True)
        sys.exit(EXIT_NO_ANSWER)


@cli.command("runs")
@click.option("-n", "--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("-t", "--target", help="Only this target.")
@click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False),
    help="Run log (default: WORKBENCH_STORE or .workbench/runs.sqlite).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the records as JSON lines.")
def runs_command(limit: int, target: str | None, store_path: str | None, as_json: bool) -> None:
    """List the most recent calls in the run log."""
    from rich.console import Console
    from rich.table import Table

    from workbench.runlog.store import Store
    from workbench.ui.table import figure_rows

    records = Store(store_path, readonly=True).records(target=target, limit=limit)
    if as_json:
        for record in records:
            click.echo(record.to_json())
        return
    table = Table(title=f"{len(records)} most recent calls")
    for column in ("started (UTC)", "target", "where", "TTFT", "latency", "tok/s", "cost", "status"):
        table.add_column(column)
    for record in records:
        figures = dict(figure_rows(record))
        started = _utc(record.started_at)
        status = "ok" if record.ok else f"{record.error_type}"
        table.add_row(
            started,
            record.target,
            figures["where"],
            figures["time to first token"],
            figures["latency"],
            figures["tokens/s"],
            figures["cost"],
            status,
        )
    Console(width=_width()).print(table)


@cli.command("targets")
@click.option("--json", "as_json", is_flag=True)
def targets_command(as_json: bool) -> None:
    """List known targets, where their bytes go, and whether their key is set (never the key)."""
    from workbench.targets import known_targets

    rows = known_targets()
    if as_json:
        click.echo(json.dumps([{**vars(t), "locality": t.locality.value} for t in rows]))
        return
    for t in rows:
        key = "no key needed" if t.key_variable is None else f"{t.key_variable} {'set' if t.key_present else 'NOT set'}"
        click.echo(f"{t.spec:40} {t.locality.label:16} {key}")
    click.echo(
        "Any LiteLLM model id works too, PROVIDER/MODEL@URL for an OpenAI-compatible server, and "
        "proxy/MODEL@URL for a model behind the team's LiteLLM proxy."
    )


class _Finished(BaseSink):
    """A sink that keeps every finished record, so an interrupted run can say what it cancelled."""

    def __init__(self) -> None:
        self.records: list[CallRecord] = []

    def on_record(self, record: CallRecord) -> None:
        """Keep the finished record."""
        self.records.append(record)


def _width() -> int:
    import shutil

    return max(80, shutil.get_terminal_size((120, 40)).columns)


def _utc(timestamp: float) -> str:
    import datetime

    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


def main(argv: list[str] | None = None) -> Any:
    """Entry point: usage errors print one line naming the fix and exit with status 2."""
    try:
        return cli.main(args=argv, prog_name="hybrid", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        _fail(exc.format_message())
    except click.Abort:
        sys.exit(130)
    except click.ClickException as exc:
        _fail(exc.format_message())
    except (ConfigError, StoreError) as exc:
        _fail(str(exc))


if __name__ == "__main__":
    main()
