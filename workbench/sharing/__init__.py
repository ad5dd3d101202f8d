"""Reproducible sharing: a notebook, the part of the run log it used, and its environment, in one bundle.

``hybrid export NOTEBOOK -o BUNDLE`` writes a directory::

    BUNDLE/
      manifest.json      format, what was exported, and the sha256 and size of every other file
      NOTEBOOK.ipynb     the notebook with its outputs, checked for secrets
      runlog.sqlite      the calls the notebook used (the run log's own schema)
      runlog.jsonl       the same calls, one JSON record per line (diffable in git)
      environment.yml    conda: the Python version, then pip -r requirements.txt
      requirements.txt   every installed distribution, pinned (pip freeze style)
      data/              the data files the notebook's sweeps read, and --include paths, at their
                         paths relative to the notebook (format /2; a bundle without them stays /1)

``hybrid reproduce BUNDLE`` checks every hash, copies the notebook into a fresh temporary
directory (its data files beside it, :mod:`workbench.sharing.datafiles`), executes it headlessly
there (nbclient, :func:`notebook_client`) with
``WORKBENCH_STORE`` set to a fresh log there (never the user's own) and ``WORKBENCH_REPLAY=strict``
(every call answered from the bundle's log, opened read only: nothing sent anywhere, no keys or
GPU needed), then compares
each cell's outputs and each cell's calls with the bundle: exit 0 when all match, 1 when
anything differs (each difference listed), 2 when the bundle is broken (a tampered hash, a
missing file, a log whose two copies disagree).

How a notebook's calls map to the run log: every record carries ``provenance["cell"]``: the
cell's execution count (``In[n]``), the sha256 of its source and the kernel session. A record
belongs to the notebook's code cell with the same source hash and execution count (as saved in
the .ipynb); when several kernel sessions match a cell, the newest session's calls are taken.
Calls that were themselves replays bring the recorded calls they replayed
(``provenance["replay"]["of"]``). On reproduction each cell's replayed calls must come from the
same recorded calls, in the same order.

What is compared (:mod:`workbench.sharing.compare`): stdout, rich outputs (every MIME type but
widget views), and errors (name and value); stderr, execution counts and metadata are not. Each
difference is told in words, once per changed answer ("cell 2, local/smollm2: the answer
differs: recorded '...', now '...'") however many outputs show it, once per cell otherwise.
Before comparing, per-run identifiers (32-hex ids, uuids, memory addresses) are masked and the
``recorded (replayed)`` label rows are removed, since a reproduction is labelled as replayed.
A table that shows the ``replayed`` column itself (``.to_pandas()``) differs by design.
"""

from __future__ import annotations

from workbench.sharing.bundle import BundleError, ExportSummary, export_bundle, verify_bundle
from workbench.sharing.kernel import notebook_client
from workbench.sharing.reproduce import ReproduceReport, reproduce_bundle

__all__ = [
    "BundleError",
    "ExportSummary",
    "ReproduceReport",
    "export_bundle",
    "notebook_client",
    "reproduce_bundle",
    "verify_bundle",
]
