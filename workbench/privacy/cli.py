"""``hybrid inspect``: check a text for personal data and secrets before anyone sends it.

It calls the same :func:`workbench.privacy.inspect` as the guard, so what it prints is what the
guard sees. It prints entity types, counts and spans, never the values.
"""

from __future__ import annotations

import json
import sys

import click

from workbench.privacy import Inspection, inspect

__all__ = ["inspect_command", "render_table"]


def render_table(found: Inspection) -> None:
    """Print ``found`` as a short table (type, count, spans) with rich."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not found:
        console.print(f"No personal data or secrets found ({found.length} characters).")
        return
    table = Table(title=f"Found in {found.length} characters", title_justify="left")
    table.add_column("type")
    table.add_column("count", justify="right")
    table.add_column("spans (start-end)")
    for kind, count in found.counts.items():
        spans = ", ".join(f"{s.start}-{s.end}" for s in found.spans if s.type == kind)
        table.add_row(kind, str(count), spans)
    console.print(table)


@click.command("inspect")
@click.argument("text", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON: types, counts and spans.")
def inspect_command(text: str | None, as_json: bool) -> None:
    """Show which personal data and secrets TEXT contains (stdin when TEXT is missing or '-').

    Prints entity types with their counts and spans, never the values. Exits 0 whatever it
    finds; 1 only when the input cannot be read.
    """
    if text is None or text == "-":
        try:
            text = sys.stdin.read()
        except (OSError, UnicodeDecodeError) as error:
            raise click.ClickException(f"Cannot read the text from standard input: {error}") from error
    found = inspect(text)
    if as_json:
        click.echo(json.dumps(found.to_dict(), indent=2))
    else:
        render_table(found)
