"""Re-execute a bundle's notebook headlessly in strict replay, in a fresh directory, and compare.

The notebook writes into a fresh, empty run log while its answers come, read only, from the
bundle's log (``WORKBENCH_REPLAY_FROM``), so each cell that reads the run log sees what it saw
when the author ran it: the calls made so far, each with its recorded figures, marked replayed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from workbench.records import CallRecord
from workbench.runlog.store import Store
from workbench.sharing.bundle import LOG_SQLITE, read_log, verify_bundle
from workbench.sharing.datafiles import lay_out_data
from workbench.sharing.kernel import notebook_client
from workbench.ui.format import count

__all__ = ["ReproduceReport", "reproduce_bundle"]


@dataclass
class ReproduceReport:
    """What ``hybrid reproduce`` found: every difference, and how long each part took."""

    bundle: Path
    notebook: str
    differences: list[str] = field(default_factory=list)
    calls_recorded: int = 0
    calls_replayed: int = 0
    other_calls_in_log: int = 0
    """Calls the author's run log held besides the notebook's own (from the manifest)."""
    data_files: list[str] = field(default_factory=list)
    """The data files laid out beside the notebook, by relative path."""
    kernel_start_s: float = 0.0
    execute_s: float = 0.0
    workdir: Path | None = None

    @property
    def matches(self) -> bool:
        """Whether the reproduction showed exactly what the bundle recorded."""
        return not self.differences

    @property
    def exit_code(self) -> int:
        """0 when everything matches, 1 when anything differs."""
        return 0 if self.matches else 1

    def __str__(self) -> str:
        head = (
            f"{self.notebook}: {self.calls_replayed} call(s) replayed from {self.calls_recorded} recorded; "
            f"kernel start {self.kernel_start_s:.2f} s, cells {self.execute_s:.2f} s."
        )
        if self.data_files:
            head += f"\nData laid out beside the notebook: {', '.join(self.data_files)}."
        if self.matches:
            return f"{head}\nAll outputs and figures match the bundle."
        listed = "\n".join(f"  - {d}" for d in self.differences)
        note = (
            f"\nNote: the notebook was run against a run log that already held {self.other_calls_in_log} other "
            "call(s); cells that read the run log (the dashboard, Store().to_pandas()) showed them then and "
            "cannot show them now. Run the notebook against a fresh log (WORKBENCH_STORE) before exporting."
            if self.other_calls_in_log
            else ""
        )
        differences = count(len(self.differences), "difference")
        return f"{head}\n{differences}:\n{listed}{note}"


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set variables for the kernel about to start (it inherits them), and restore them afterwards."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def reproduce_bundle(
    path: str | Path, *, timeout: float = 600, keep: bool = False, kernel_name: str = "python3"
) -> ReproduceReport:
    """Check the bundle, execute its notebook in strict replay from its log into a fresh one, compare.

    Raises :class:`~workbench.sharing.BundleError` for a broken bundle; differences are in the report.
    """
    import nbformat

    from workbench.sharing.compare import compare_calls, compare_outputs

    bundle = Path(path)
    manifest = verify_bundle(bundle)
    recorded = read_log(bundle)
    original = nbformat.read(bundle / manifest["notebook"], as_version=4)
    workdir = Path(tempfile.mkdtemp(prefix="hybrid-reproduce-"))
    report = ReproduceReport(
        bundle,
        manifest["notebook"],
        calls_recorded=len(recorded),
        other_calls_in_log=int(manifest.get("other_calls_in_log", 0)),
        workdir=workdir,
    )
    try:
        shutil.copy(bundle / manifest["notebook"], workdir / manifest["notebook"])
        source = (bundle / LOG_SQLITE).resolve()  # only ever opened read only
        fresh_log = workdir / "runs.sqlite"
        taken = {manifest["notebook"], fresh_log.name, f"reproduced-{manifest['notebook']}"}
        report.data_files = lay_out_data(bundle, manifest.get("data", []), workdir, taken)
        fresh = nbformat.read(workdir / manifest["notebook"], as_version=4)
        for cell in fresh.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        variables = {
            "WORKBENCH_STORE": str(fresh_log),
            "WORKBENCH_REPLAY": "strict",
            "WORKBENCH_REPLAY_FROM": str(source),
            "LITELLM_LOCAL_MODEL_COST_MAP": os.environ.get("LITELLM_LOCAL_MODEL_COST_MAP", "True"),
        }
        client = notebook_client(fresh, workdir, timeout=timeout, kernel_name=kernel_name)
        with _environment(variables):
            started = time.perf_counter()
            with client.setup_kernel():
                ready = time.perf_counter()
                report.kernel_start_s = ready - started
                for index, cell in enumerate(fresh.cells):
                    client.execute_cell(cell, index)
                report.execute_s = time.perf_counter() - ready
        nbformat.write(fresh, workdir / f"reproduced-{manifest['notebook']}")
        reproduced: list[CallRecord] = []
        if fresh_log.exists():
            store = Store(fresh_log, readonly=True)
            reproduced = store.records()[::-1]  # in the order they were made
            store.close()
        report.calls_replayed = sum(r.replayed for r in reproduced)
        report.differences = compare_outputs(original, fresh, reproduced)
        report.differences += compare_calls(original, recorded, fresh, reproduced)
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
            report.workdir = None
    return report
