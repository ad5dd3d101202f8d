"""``hybrid inspect``: argument or stdin, JSON or a table, exit 0 whatever is found, no values shown."""

from __future__ import annotations

import json

from click.testing import CliRunner

from workbench.privacy import inspect
from workbench.privacy.cli import inspect_command

TEXT = "Mail bob@example.com or call +44 20 7946 0958; card 4111 1111 1111 1111."


def test_json_from_argument_matches_inspect_and_hides_values() -> None:
    result = CliRunner().invoke(inspect_command, [TEXT, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data == inspect(TEXT).to_dict()
    assert data["counts"] == {"email": 1, "phone": 1, "payment_card": 1}
    assert data["spans"][0] == {"type": "email", "detail": "", "start": 5, "end": 20}
    for value in ("bob@example.com", "7946", "4111"):
        assert value not in result.output


def test_stdin_when_no_text_or_dash() -> None:
    for args in (["--json"], ["-", "--json"]):
        result = CliRunner().invoke(inspect_command, args, input=TEXT)
        assert result.exit_code == 0
        assert json.loads(result.output)["types"] == ["email", "phone", "payment_card"]


def test_table_lists_types_counts_and_spans() -> None:
    result = CliRunner().invoke(inspect_command, [TEXT])
    assert result.exit_code == 0
    assert "email" in result.output and "payment_card" in result.output and "5-20" in result.output
    assert "bob@" not in result.output


def test_nothing_found_still_exits_zero() -> None:
    result = CliRunner().invoke(inspect_command, ["just words"])
    assert result.exit_code == 0 and "No personal data" in result.output


def test_unreadable_stdin_exits_one() -> None:
    result = CliRunner().invoke(inspect_command, [], input=b"\xff\xfe\xfa not utf-8")
    assert result.exit_code == 1
    assert "Cannot read" in result.output
