"""Per-target settings (``local/smollm2[temperature=0.9]``) and the figures of a call never sent (issue 11.4).

Parsing is checked as a pure function; applying the settings is checked on the real local model,
through the API, the CLI (a subprocess) and the magic; the label is checked where a user reads it:
the record, the run log, the panel, the plots, the text table and the sidebar's endpoint rows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

import workbench
from workbench.errors import ConfigError
from workbench.magic import register
from workbench.records import Request
from workbench.runlog.store import Store
from workbench.targets.settings import TargetSettings, split_settings
from workbench.ui.panel import Panel, call_status
from workbench.ui.plots import latency_figure
from workbench.ui.table import figure_rows, records_text

ROOT = Path(__file__).resolve().parent.parent
VARIANT = 'local/smollm2[temperature=0.9, seed=3, system="Answer like a pirate, in five words."]'


@pytest.mark.parametrize(
    ("spec", "base", "settings"),
    [
        ("local/smollm2", "local/smollm2", None),
        ("local/smollm2[temperature=0.9]", "local/smollm2", TargetSettings(temperature=0.9)),
        (VARIANT, "local/smollm2",
         TargetSettings(temperature=0.9, seed=3, system="Answer like a pirate, in five words.")),
        ("openai/m@http://[::1]:8000/v1", "openai/m@http://[::1]:8000/v1", None),
        ("openai/m@http://[::1]:8000/v1[max_tokens=5]", "openai/m@http://[::1]:8000/v1", TargetSettings(max_tokens=5)),
        ("local/smollm2[ system = 'Use [brackets].' ]", "local/smollm2", TargetSettings(system="Use [brackets].")),
    ],
)  # fmt: skip
def test_settings_are_split_from_the_spec(spec: str, base: str, settings: TargetSettings | None) -> None:
    assert split_settings(spec) == (base, settings)


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("local/smollm2[temp=1]",
         "unknown setting 'temp'; the settings are temperature, max_tokens, seed, system, locality, stream."),
        ("local/smollm2[temperature=3]", "temperature='3' is not valid; temperature takes a number from 0 to 2."),
        ("local/smollm2[temperature=warm]", "temperature takes a number from 0 to 2"),
        ("local/smollm2[max_tokens=0]", "max_tokens takes a whole number of at least 1"),
        ("local/smollm2[seed=1.5]", "seed='1.5' is not valid; seed takes a whole number."),
        ("local/smollm2[system=]", "system takes the system message's text"),
        ("local/smollm2[seed=1, seed=2]", "seed is set twice; keep one."),
        ("local/smollm2[system='open]", "No closing quotation in its settings; close the quote."),
        ("local/smollm2[]", "in brackets at the end, e.g. 'local/smollm2[temperature=0.9]'"),
        ("local/smollm2[temperature=0.9", "write settings as KEY=VALUE in brackets at the end"),
        ("local/smollm2[temperature=0.9, 2]", "unknown setting '2'"),
    ],
)  # fmt: skip
def test_bad_settings_are_one_line_naming_the_allowed_ones(spec: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        workbench.resolve(spec)
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_cli_refuses_bad_settings_with_exit_2(tmp_path: Path) -> None:
    done = _hybrid("run", "-t", "local/smollm2[temp=1]", "hi", store=tmp_path / "s.sqlite")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "hybrid: error: Target 'local/smollm2[temp=1]': unknown setting 'temp'; "
        "the settings are temperature, max_tokens, seed, system, locality, stream."
    ]


def test_settings_replace_the_runs_own_for_that_request_only() -> None:
    run_wide = Request.build("hi", system="Be kind.", temperature=0, max_tokens=8, seed=1)
    changed = TargetSettings(temperature=0.9, system="Be brief.").apply(run_wide)
    assert changed.messages == ({"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"})
    assert (changed.temperature, changed.max_tokens, changed.seed) == (0.9, 8, 1)
    assert run_wide.temperature == 0 and run_wide.messages[0]["content"] == "Be kind."


def test_a_variant_runs_beside_the_model_labelled_as_written(isolated_store: Path) -> None:
    result = workbench.run("Name a colour.", ["local/smollm2", VARIANT], temperature=0, seed=1, max_tokens=6)
    plain, variant = result
    assert plain.ok and variant.ok and plain.response and variant.response
    assert (plain.target, variant.target) == ("local/smollm2", VARIANT)
    assert result[VARIANT] is variant
    assert plain.params == {"temperature": 0, "max_tokens": 6, "seed": 1, "stop": []}
    assert variant.params == {"temperature": 0.9, "max_tokens": 6, "seed": 3, "stop": []}
    assert plain.prompt == ({"role": "user", "content": "Name a colour."},)
    assert variant.prompt == (
        {"role": "system", "content": "Answer like a pirate, in five words."},
        {"role": "user", "content": "Name a colour."},
    )
    # The engine's own prompt count shows the system message reached the model, not only the record.
    assert plain.input_tokens is not None and variant.input_tokens is not None
    assert plain.input_tokens != variant.input_tokens
    assert {r.target for r in Store(isolated_store).records()} == {"local/smollm2", VARIANT}
    table = records_text(result.records, width=200)
    assert "local/smollm2[temperature=0.9, seed=3" in table
    names = {trace.name for trace in latency_figure(result.records).data}
    assert f"{VARIANT} · latency" in names and "local/smollm2 · latency" in names


def test_panel_columns_are_labelled_with_the_settings(isolated_store: Path) -> None:
    panel = Panel(["local/smollm2", "local/smollm2[temperature=0.9]"], update_interval=0)
    result = workbench.run("Say hi.", ["local/smollm2", "local/smollm2[temperature=0.9]"], sinks=[panel],
                           temperature=0, seed=1, max_tokens=4)  # fmt: skip
    headers = [c.header.value for c in panel._columns]
    assert "<b>local/smollm2[temperature=0.9]</b>" in headers[1]
    assert f"<small>{call_status(result[1])}</small>" in headers[1] and result[1].ok
    assert [c.call_id for c in panel._columns] == [r.call_id for r in result]


def test_cli_and_magic_take_a_variant(tmp_path: Path, isolated_store: Path) -> None:
    store = tmp_path / "cli.sqlite"
    done = _hybrid("run", "--json", "--max-tokens", "4", "--temperature", "0", "--seed", "1",
                   "-t", "local/smollm2", "-t", "local/smollm2[temperature=0.9]", "Say hi.", store=store)  # fmt: skip
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["target"], r["params"]["temperature"]) for r in records] == [
        ("local/smollm2", 0.0), ("local/smollm2[temperature=0.9]", 0.9)
    ]  # fmt: skip
    shell = InteractiveShell.instance()
    magics = register(shell)
    try:
        result = shell.run_cell_magic(
            "hybrid", "-t local/smollm2 -t 'local/smollm2[system=\"Be brief.\"]' --max-tokens 4 --no-panel", "Say hi."
        )
    finally:
        shell.configurables.remove(magics.settings)
    assert [r.target for r in result] == ["local/smollm2", 'local/smollm2[system="Be brief."]']
    assert result[1].prompt[0] == {"role": "system", "content": "Be brief."}


def test_a_call_never_sent_shows_a_dash_for_every_figure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env with a key nearby
    (record,) = workbench.run("hi", ["openai/gpt-4o-mini"])
    assert record.error_type == "MissingKeyError" and record.cost_basis == "not sent"
    figures = dict(figure_rows(record))
    assert figures["where"] == "cloud"
    for label in ("time to first token", "latency", "tokens/s", "tokens", "cost"):
        assert figures[label] == "-", (label, figures[label])
    assert " ms" not in records_text([record]) and " s " not in records_text([record])
    from workbench.server.queries import CallFilter, list_calls, open_readonly

    conn = open_readonly(Store().path)
    assert conn is not None
    (row,) = list_calls(conn, CallFilter())["calls"]
    assert row["latency_s"] is None and row["ttft_s"] is None  # the sidebar shows a dash for both


def _hybrid(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WORKBENCH_STORE": str(store)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", *args], capture_output=True, text=True, timeout=180, env=env
    )
