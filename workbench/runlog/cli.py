"""``hybrid store``: where the run log is, and writing in the calls a failed write kept aside."""

from __future__ import annotations

import click

__all__ = ["store_group"]

_STORE_OPTION = click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False),
    help="Run log (default: WORKBENCH_STORE or .workbench/runs.sqlite).",
)


@click.group("store")
def store_group() -> None:
    """The run log: show it, or recover calls that could not be written to it."""


@store_group.command("info")
@_STORE_OPTION
def info_command(store_path: str | None) -> None:
    """Say which run log is used, how many calls it holds, and how many wait in its spool."""
    from workbench.runlog.spool import read_spool
    from workbench.runlog.store import Store, default_store_path

    path = click.format_filename(store_path) if store_path else str(default_store_path())
    store = Store(path, readonly=True)
    waiting = len(read_spool(store.path))
    newer = f"; migrated by a newer version ({', '.join(store.newer)}): read only" if store.newer else ""
    click.echo(f"{store.path}: {store.count()} call(s){newer}; {waiting} call(s) waiting to be recorded.")


@store_group.command("recover")
@_STORE_OPTION
def recover_command(store_path: str | None) -> None:
    """Write into the run log the calls an earlier failed write kept aside (each once)."""
    from pathlib import Path

    from workbench.runlog.spool import read_spool, spool_paths
    from workbench.runlog.store import Store, default_store_path

    path = Path(store_path) if store_path else default_store_path()
    if not read_spool(path):
        looked = " and ".join(str(p) for p in spool_paths(path))
        click.echo(f"Nothing to recover for {path}: no calls are waiting (looked in {looked}).")
        return
    store = Store(path)  # a writer writes in what waits, once each, when it opens
    click.echo(f"{store.path} now holds {store.count()} call(s); nothing is waiting any more.")
