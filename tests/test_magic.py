"""The %%hybrid and %hybrid magics through IPython's own shell, against the real local model."""

from __future__ import annotations

import html
import os
import signal
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import plotly.io as pio
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import CapturedIO, capture_output

import workbench.notebook
from workbench.magic import Hybrid, HybridMagics, fill_prompt
from workbench.records import RunResult
from workbench.runlog.store import Store
from workbench.ui.panel import Panel, call_status

WIDGET = "application/vnd.jupyter.widget-view+json"
PLOTLY = "application/vnd.plotly.v1+json"


def hybrid(ip: InteractiveShell, line: str, cell: str | None = None) -> object:
    if cell is None:
        return ip.run_line_magic("hybrid", line)
    return ip.run_cell_magic("hybrid", line, cell)


def test_load_ext_registers_both_forms_with_help() -> None:
    shell = InteractiveShell.instance()
    shell.extension_manager.load_extension("workbench")
    magic = shell.find_cell_magic("hybrid")
    assert magic is not None and shell.find_line_magic("hybrid") is not None
    doc = magic.__doc__ or ""
    for option in ("--target", "--max-tokens", "--temperature", "--seed", "--system", "--output",
                   "--no-panel", "--timeout", "targets | dashboard | store"):
        assert option in doc


@pytest.mark.parametrize(
    ("line", "cell", "words"),
    [
        ("--max-tokens many", "hi", "invalid int value"),
        ("--bogus", "hi", "unrecognized arguments"),
        ("--system 'unclosed", "hi", "check its quotes"),
        ("--max-tokens 0", "hi", "max_tokens=0 must be at least 1"),
        ("--temperature 5", "hi", "use a value from 0 to 2"),
        ("-t local/smollm", "hi", "Did you mean 'local/smollm2'"),
        ("-o 2x", "hi", "not a Python variable name"),
        ("--timeout 0", "hi", "timeout=0 must be a number of seconds more than 0"),
        ("stray", "hi", "options start with - or --"),
        ("", "   \n", "The prompt is empty"),
        ("", "Summarise {nothing_here}", "define nothing_here first, or write {{nothing_here}}"),
        ('', 'Return {"a": 1}', "Write {{ and }} for literal braces"),
    ],
)
def test_cell_mistakes_are_usage_errors_that_name_the_fix(
    ip: InteractiveShell, line: str, cell: str, words: str
) -> None:
    with pytest.raises(UsageError, match=None) as caught:
        hybrid(ip, line, cell)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("line", "words"),
    [("", "Use %hybrid targets | dashboard | store"), ("nope", "Use %hybrid"),
     ("targets extra", "takes no arguments"), ("store a b", "takes one PATH")],
)
def test_line_mistakes_are_usage_errors(ip: InteractiveShell, line: str, words: str) -> None:
    with pytest.raises(UsageError) as caught:
        hybrid(ip, line)
    assert words in str(caught.value)


def test_usage_error_is_shown_without_a_traceback(ip: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    result = ip.run_cell("%%hybrid --max-tokens 0\nhello")
    assert isinstance(result.error_in_exec, UsageError)
    out = capsys.readouterr()
    text = out.out + out.err
    assert "UsageError: max_tokens=0 must be at least 1" in text
    assert "Traceback" not in text


def test_fill_prompt_names_attributes_formats_and_literal_braces() -> None:
    ns = {"word": "prime", "doc": SimpleNamespace(title="Report"), "xs": [3, 4], "x": 0.5}
    assert fill_prompt("{word} {doc.title} {xs[1]} {x:.2f} {{word}}", ns) == "prime Report 4 0.50 {word}"
    assert fill_prompt('JSON: {{"a": 1}}', ns) == 'JSON: {"a": 1}'


def test_cell_runs_the_local_model_interpolates_and_stores_in_output_var(
    ip: InteractiveShell, isolated_store: Path
) -> None:
    ip.user_ns["word"] = "prime"
    value = hybrid(ip, "--max-tokens 6 --temperature 0 --seed 1 --system 'Be brief.' -o r",
                   "Name a {word} number. Braces: {{ok}}")
    result = ip.user_ns["r"]
    assert value is result and isinstance(result, RunResult)
    (record,) = result
    assert record.ok and record.target == "local/smollm2" and record.response
    assert record.params["max_tokens"] == 6 and record.params["temperature"] == 0 and record.params["seed"] == 1
    assert record.prompt == ({"role": "system", "content": "Be brief."},
                             {"role": "user", "content": "Name a prime number. Braces: {ok}"})
    assert [r.call_id for r in Store(isolated_store).records()] == [record.call_id]
    assert "local/smollm2" in repr(result)


def test_config_default_targets_and_max_tokens(ip: InteractiveShell) -> None:
    ip.run_line_magic("config", "Hybrid.default_targets = ['local/smollm2', 'local/smollm2']")
    ip.run_line_magic("config", "Hybrid.max_tokens = 3")
    result = hybrid(ip, "--temperature 0", "Say hi.")
    assert isinstance(result, RunResult)
    assert [r.target for r in result] == ["local/smollm2", "local/smollm2"]
    assert all(r.params["max_tokens"] == 3 and r.ok for r in result)
    assert Hybrid().default_targets == ["local/smollm2"]  # a fresh configurable keeps the default


def test_targets_lists_locality_and_key_presence_never_the_key(
    ip: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = hybrid(ip, "targets")
    text, page = repr(table), table._repr_html_()  # type: ignore[attr-defined]
    assert "local/smollm2" in text and "on device" in text and "OPENAI_API_KEY not set" in text
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-DO-NOT-SHOW-1234567890")
    table = hybrid(ip, "targets")
    text, page = repr(table), table._repr_html_()  # type: ignore[attr-defined]
    assert "OPENAI_API_KEY set" in text and "OPENAI_API_KEY set" in page
    assert "DO-NOT-SHOW" not in text + page and "1234567890" not in text + page


def test_store_shows_and_switches_the_run_log(ip: InteractiveShell, isolated_store: Path, tmp_path: Path) -> None:
    info = hybrid(ip, "store")
    assert str(isolated_store) in repr(info) and "(0 calls)" in repr(info)
    other = tmp_path / "other" / "log.sqlite"
    info = hybrid(ip, f"store {other}")
    assert str(other) in repr(info)
    hybrid(ip, "--max-tokens 2", "Hi.")
    assert Store(other).count() == 1 and Store(isolated_store).count() == 0
    (tmp_path / "afile").write_text("x")
    with pytest.raises(UsageError, match="Cannot open the run log"):
        hybrid(ip, f"store {tmp_path / 'afile' / 'log.sqlite'}")
    assert "(1 call)" in repr(hybrid(ip, "store"))  # the failed switch left the log as it was


def test_dashboard_loads_the_log_then_grows_with_each_call(ip: InteractiveShell) -> None:
    hybrid(ip, "--max-tokens 2", "Hi.")
    plots = hybrid(ip, "dashboard")
    assert plots.count == 1  # type: ignore[attr-defined]
    assert hybrid(ip, "dashboard") is plots  # re-displayed, not rebuilt
    hybrid(ip, "--max-tokens 2 -t local/smollm2 -t local/smollm2", "Hi.")
    assert plots.count == 3  # type: ignore[attr-defined]
    latency, _ = plots.figures()  # type: ignore[attr-defined]
    assert sum(len(t.x) for t in latency.data) == 6  # latency and first token for each of the 3 calls
    assert plots.records == Store().records()[::-1]  # type: ignore[attr-defined]  # numbered in run-log order


def test_magics_class_is_the_registered_one(ip: InteractiveShell) -> None:
    owner = ip.find_cell_magic("hybrid").__self__  # type: ignore[union-attr]
    assert isinstance(owner, HybridMagics)


def test_replay_mode_from_the_line_magic_and_the_cell(ip: InteractiveShell) -> None:
    with pytest.raises(UsageError, match=r"replay off\|on\|strict"):
        hybrid(ip, "replay sometimes")
    assert hybrid(ip, "replay strict") == "strict"
    prompt = "Say the word replay."
    missing = hybrid(ip, "--max-tokens 8 --temperature 0 --seed 2", prompt)
    assert isinstance(missing, RunResult) and missing[0].error_type == "ReplayMissing"
    live = hybrid(ip, "--replay off --max-tokens 8 --temperature 0 --seed 2", prompt)
    assert isinstance(live, RunResult) and live[0].ok and not live[0].replayed
    replayed = hybrid(ip, "--max-tokens 8 --temperature 0 --seed 2", prompt)  # strict, from the line magic
    assert isinstance(replayed, RunResult) and replayed[0].replayed
    assert replayed[0].response == live[0].response and replayed[0].latency_s == live[0].latency_s
    assert hybrid(ip, "replay off") == "off"


def final_outputs(captured: CapturedIO) -> list[dict[str, Any]]:
    """What a frontend shows after the cell: each display, with every later update to its display id applied."""
    shown: list[dict[str, Any]] = []
    for output in captured.outputs:
        display_id = (output.transient or {}).get("display_id")
        if output.update:
            shown = [{"id": o["id"], "data": output.data} if o["id"] == display_id else o for o in shown]
        else:
            shown.append({"id": display_id, "data": output.data})
    return shown


@pytest.fixture
def kernel_like(monkeypatch: pytest.MonkeyPatch) -> None:
    """The magic believes it runs in a kernel, so it displays the panel (outputs are captured, not sent)."""
    monkeypatch.setattr(workbench.notebook, "widget_frontend", lambda: True)


def test_finished_panel_and_dashboard_are_static_outputs_with_the_answers(
    ip: InteractiveShell, kernel_like: None
) -> None:
    with capture_output() as captured:
        ip.run_cell("%hybrid dashboard")
        ip.run_cell("%%hybrid -t local/smollm2 -t local/smollm2[temperature=0.9] --max-tokens 6 --temperature 0 "
                    "--seed 1 -o r\nName a prime number.")
    records = ip.user_ns["r"].records
    assert any(WIDGET in o.data for o in captured.outputs)  # the panel was live while it ran
    shown = final_outputs(captured)
    assert shown and not [o["data"].keys() for o in shown if WIDGET in o["data"]]
    (panel,) = [o["data"] for o in shown if "workbench-panel" in o["data"].get("text/html", "")]
    assert set(panel) == {"text/html", "text/plain"}
    for record in records:
        assert record.ok and html.escape(record.response) in panel["text/html"], record.response
        assert f"<small>{call_status(record)}</small>" in panel["text/html"]
        assert record.response.split()[0] in panel["text/plain"]
    assert records[0].output_tokens == 6 and call_status(records[0]) == "stopped at max tokens"
    figures = [o["data"] for o in shown if PLOTLY in o["data"]]
    assert [set(f) for f in figures] == [{PLOTLY, "text/html", "text/plain"}] * 2
    latency = pio.from_json(pio.to_json(figures[0][PLOTLY]))
    assert sum(len(trace.x) for trace in latency.data) == 4  # latency and first token of both calls
    assert figures[1]["text/plain"].endswith(": 2 calls")


def test_interrupted_cell_records_the_call_and_freezes_the_panel(
    ip: InteractiveShell, kernel_like: None, isolated_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    streaming = threading.Event()
    on_delta = Panel.on_delta

    def watched(self: Panel, call_id: str, text: str) -> None:
        on_delta(self, call_id, text)
        if len(self.text(0)) > 40:
            streaming.set()

    monkeypatch.setattr(Panel, "on_delta", watched)

    def interrupt() -> None:  # what Kernel > Interrupt does: SIGINT to the kernel process
        if streaming.wait(120):
            os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    with capture_output() as captured:
        cell = ip.run_cell("%%hybrid -t local/smollm2 --max-tokens 400 --temperature 0\n"
                           "Write a very long story about a lighthouse keeper, at least 1000 words.")
    assert streaming.is_set() and cell.error_in_exec is None and cell.error_before_exec is None
    printed = captured.stdout + captured.stderr
    assert "Traceback" not in printed and "KeyboardInterrupt" not in printed
    assert captured.stderr.strip().count("\n") == 0 and captured.stderr.startswith("Interrupted:")
    (record,) = Store(isolated_store).records()
    assert record.error_type == "CallCancelled" and record.response and 0 < (record.output_tokens or 0) < 400
    (panel,) = [o["data"] for o in final_outputs(captured) if "workbench-panel" in o["data"].get("text/html", "")]
    assert WIDGET not in panel
    assert f"<small>interrupted after {record.output_tokens} tokens</small>" in panel["text/html"]
    assert html.escape(record.response) in panel["text/html"] and "streaming" not in panel["text/html"]
    after = hybrid(ip, "--max-tokens 2 --no-panel", "Hi.")  # the shell goes on
    assert isinstance(after, RunResult) and after[0].ok
