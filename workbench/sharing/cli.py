"""``hybrid export`` and ``hybrid reproduce`` (registered lazily by :mod:`workbench.cli`)."""

from __future__ import annotations

import sys

import click

__all__ = ["export_command", "reproduce_command"]


def _broken(message: str) -> None:
    click.echo(f"hybrid: error: {message}", err=True)
    sys.exit(2)


@click.command("export")
@click.argument("notebook", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False), help="The bundle directory to write.")
@click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False),
    help="Run log the notebook recorded into (default: WORKBENCH_STORE or .workbench/runs.sqlite).",
)
@click.option(
    "--strip-secrets", is_flag=True, help="Put [REDACTED] for secrets in outputs and data instead of refusing."
)
@click.option(
    "--include",
    "include",
    multiple=True,
    type=click.Path(exists=True),
    help="A data file or folder inside the notebook's folder to carry too (repeatable).",
)
def export_command(
    notebook: str, output: str, store_path: str | None, strip_secrets: bool, include: tuple[str, ...]
) -> None:
    """Bundle NOTEBOOK (saved with its outputs) with the calls it made, the data files its sweeps read, its
    environment and a manifest of hashes."""
    from workbench.errors import WorkbenchError
    from workbench.sharing import export_bundle

    try:
        summary = export_bundle(notebook, output, store=store_path, strip_secrets=strip_secrets, include=include)
    except WorkbenchError as exc:
        _broken(str(exc))
        return
    click.echo(str(summary))
    if summary.calls == 0:
        click.echo(
            "warning: no recorded call came from this notebook's cells; was it run against this run log "
            "(--store) and saved after running?",
            err=True,
        )


@click.command("reproduce")
@click.argument("bundle", type=click.Path(exists=True, file_okay=False))
@click.option("--timeout", type=click.FloatRange(min=1), default=600.0, show_default=True, help="Seconds per cell.")
@click.option("--keep", is_flag=True, help="Keep the working directory (the reproduced notebook and log copy).")
def reproduce_command(bundle: str, timeout: float, keep: bool) -> None:
    """Re-run BUNDLE's notebook headlessly, every call replayed from its log; exit 1 if anything differs."""
    from workbench.errors import WorkbenchError
    from workbench.sharing import reproduce_bundle

    try:
        report = reproduce_bundle(bundle, timeout=timeout, keep=keep)
    except WorkbenchError as exc:
        _broken(str(exc))
        return
    click.echo(str(report))
    if report.workdir is not None:
        click.echo(f"Working directory kept: {report.workdir}")
    sys.exit(report.exit_code)
