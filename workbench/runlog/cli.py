"""``hybrid store``: where the run log is, writing in the calls a failed write kept aside, copying a log."""

from __future__ import annotations

import click

__all__ = ["store_group"]

_STORE_OPTION = click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False),
    help="Run log: a path or a postgresql:// URL (default: WORKBENCH_STORE or .workbench/runs.sqlite).",
)


@click.group("store")
def store_group() -> None:
    """The run log: show it, recover calls that could not be written to it, copy it."""


@store_group.command("info")
@_STORE_OPTION
def info_command(store_path: str | None) -> None:
    """Say which run log is used, how many calls it holds, and how many wait in its spool."""
    from workbench.runlog.location import default_location
    from workbench.runlog.spool import read_spool
    from workbench.runlog.store import Store

    store = Store(store_path or default_location(), readonly=True)
    waiting = len(read_spool(store.path))
    newer = f"; migrated by a newer version ({', '.join(store.newer)}): read only" if store.newer else ""
    click.echo(f"{store.path}: {store.count()} call(s){newer}; {waiting} call(s) waiting to be recorded.")


@store_group.command("recover")
@_STORE_OPTION
def recover_command(store_path: str | None) -> None:
    """Write into the run log the calls an earlier failed write kept aside (each once)."""
    from workbench.runlog.location import default_location, is_url, masked
    from workbench.runlog.spool import read_spool, spool_paths
    from workbench.runlog.store import Store

    path = store_path or default_location()
    key = masked(str(path)) if is_url(path) else path
    if not read_spool(key):
        looked = " and ".join(str(p) for p in spool_paths(key))
        click.echo(f"Nothing to recover for {masked(str(path))}: no calls are waiting (looked in {looked}).")
        return
    store = Store(path)  # a writer writes in what waits, once each, when it opens
    click.echo(f"{store.path} now holds {store.count()} call(s); nothing is waiting any more.")


@store_group.command("copy")
@click.argument("source")
@click.argument("destination")
def copy_command(source: str, destination: str) -> None:
    """Copy every call of SOURCE into DESTINATION (paths or postgresql:// URLs); calls already there stay once."""
    from workbench.runlog.copy import copy_log

    click.echo(str(copy_log(source, destination)))
