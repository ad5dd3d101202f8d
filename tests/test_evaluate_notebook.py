"""``%%hybrid --dataset``: a sweep from a notebook cell through IPython's own shell, on the real local model."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import workbench.notebook
from tests.test_magic import PLOTLY, WIDGET, final_outputs
from workbench.evaluate import Sweep
from workbench.runlog.store import Store
from workbench.runlog.sweeps import sweep_records

ROWS = pd.DataFrame({"id": ["a", "b", "c"], "question": ["What is 2+2?", "What is 3+3?", "What is 5+5?"],
                     "answer": ["4", "6", "10"]})  # fmt: skip
LINE = "--dataset questions --grade numeric:answer --grade contains:answer --name nb --id-column id --max-tokens 4 "
LINE += "--temperature 0"


@pytest.fixture
def kernel_like(monkeypatch: pytest.MonkeyPatch) -> None:
    """The magic believes it runs in a kernel, so it displays the progress bar (outputs are captured, not sent)."""
    monkeypatch.setattr(workbench.notebook, "widget_frontend", lambda: True)


@pytest.fixture
def questions(ip: InteractiveShell) -> None:
    ip.user_ns["questions"] = ROWS
    yield
    ip.user_ns.pop("questions", None)
    ip.user_ns.pop("nb", None)


def test_dataset_cell_runs_a_graded_sweep_with_a_bar_that_freezes(
    ip: InteractiveShell, kernel_like: None, questions: None, isolated_store: Path
) -> None:
    with capture_output() as captured:
        ip.run_cell("%hybrid dashboard")
        cell = ip.run_cell(f"%%hybrid {LINE} -t local/smollm2 -t local/smollm2[temperature=0.7] -o nb\n"
                           "Answer with a number only. {question}")  # fmt: skip
    assert cell.error_in_exec is None, cell.error_in_exec
    result = ip.user_ns["nb"]
    assert isinstance(result, Sweep) and cell.result is result
    assert result.graders == ("numeric:answer", "contains:answer") and len(result.cells) == 6 and result.sent == 6
    records = sweep_records(Store(isolated_store), "nb")
    assert len(records) == 6 and all(r.ok and r.params["max_tokens"] == 4 for r in records)
    assert records[0].prompt[-1]["content"] == "Answer with a number only. What is 2+2?"
    assert any(WIDGET in o.data for o in captured.outputs)  # the bar was live while it ran
    shown = final_outputs(captured)
    assert not [o for o in shown if WIDGET in o["data"]]  # every widget was replaced by static output
    (bar,) = [o["data"] for o in shown if "workbench-progress" in o["data"].get("text/html", "")]
    assert set(bar) == {"text/html", "text/plain"}
    assert bar["text/plain"] == "sweep nb: 6/6 done, 0 errors, $0 spent, finished"
    assert "width:100.0%" in bar["text/html"]
    figures = [o["data"] for o in shown if PLOTLY in o["data"]]
    assert figures and figures[-1]["text/plain"].endswith(": 6 calls")  # the dashboard took in the sweep's calls
    page = result._repr_html_()
    for target in ("local/smollm2", "local/smollm2[temperature=0.7]"):
        assert f"<td>{html.escape(target)}</td>" in page
    assert "graded by numeric:answer" in page and "6 of 6 cells" in page


def test_rerun_resumes_and_the_bar_starts_at_what_was_done(
    ip: InteractiveShell, kernel_like: None, questions: None, isolated_store: Path
) -> None:
    ip.run_cell(f"%%hybrid {LINE} -t local/smollm2\n{{question}}")
    with capture_output() as captured:
        ip.run_cell(f"%%hybrid {LINE} -t local/smollm2 -t local/smollm2[temperature=0.7] -o nb\n{{question}}")
    assert ip.user_ns["nb"].sent == 3 and Store(isolated_store).count() == 6
    first = next(o for o in captured.outputs if WIDGET in o.data)
    assert first.data["text/plain"].startswith("sweep nb: 3/6 done")
    (bar,) = [o["data"] for o in final_outputs(captured) if "workbench-progress" in o["data"].get("text/html", "")]
    assert bar["text/plain"].startswith("sweep nb: 6/6 done")


def test_a_path_in_the_notebook_is_read_and_no_kernel_means_no_bar(
    ip: InteractiveShell, questions: None, tmp_path: Path
) -> None:
    path = tmp_path / "q.csv"
    ROWS.to_csv(path, index=False)
    ip.user_ns["questions"] = str(path)
    with capture_output() as captured:
        result = ip.run_cell_magic("hybrid", LINE, "{question}")
    assert isinstance(result, Sweep) and len(result.cells) == 3
    assert not [o for o in captured.outputs if "workbench-progress" in o.data.get("text/html", "")]


@pytest.mark.parametrize(
    ("line", "cell", "words"),
    [
        ("--dataset nothing_here", "{question}", "names no notebook variable and no file: define it first"),
        ("--dataset questions", "{nope}", "nope"),
        ("--dataset questions --grade numeric:nope", "{question}", "nope"),
        ("--dataset questions --route cheap", "{question}", "takes no --route or --replay"),
        ("--dataset questions --repeats 0", "{question}", "repeats=0 must be a whole number"),
        ("--grade numeric:answer", "hi", "go with --dataset VARIABLE"),
        ("--name x", "hi", "go with --dataset VARIABLE"),
    ],
)
def test_dataset_mistakes_are_usage_errors_before_any_call(
    ip: InteractiveShell, questions: None, isolated_store: Path, line: str, cell: str, words: str
) -> None:
    with pytest.raises(UsageError) as caught:
        ip.run_cell_magic("hybrid", line, cell)
    assert words in str(caught.value)
    assert Store(isolated_store).count() == 0


def test_a_target_held_in_a_notebook_variable_is_swept_by_its_name(
    ip: InteractiveShell, questions: None, isolated_store: Path
) -> None:
    """``-t cloud`` with ``cloud = workbench.resolve(...)``: that target, its price and locality, not a spec 'cloud'."""
    from workbench.evaluate import StandInServer
    from workbench.records import Price
    from workbench.targets import resolve

    with StandInServer(dict(zip(ROWS.question, ROWS.answer, strict=True)), accuracy=1.0, latency_s=0.0) as server:
        ip.user_ns["cloud"] = resolve("openai/standin", api_base=server.url, locality="cloud", price=Price(1.0, 2.0))
        try:
            cell = ip.run_cell(f"%%hybrid {LINE} -t cloud -o nb\n{{question}}")
        finally:
            ip.user_ns.pop("cloud")
    assert cell.error_in_exec is None, cell.error_in_exec
    records = sweep_records(Store(isolated_store), "nb")
    assert [(r.target, r.locality.value, r.ok) for r in records] == [("openai/standin", "cloud", True)] * 3
    assert all(r.cost_usd and r.cost_basis.startswith("$1/M in") for r in records)
    assert ip.user_ns["nb"].scores().loc["openai/standin", "score"] == 1.0
