"""Jupyter server extension: read-only REST endpoints over the run log, for the JupyterLab sidebar.

Enabled on install by ``jupyter-config/jupyter_server_config.d/hybrid_workbench.json``.
Which log it reads, first found:

1. ``c.HybridWorkbench.store_path`` (or ``--HybridWorkbench.store_path=...``);
2. ``$WORKBENCH_STORE``;
3. ``.workbench/runs.sqlite`` under the server's root directory, where a notebook's kernel
   (whose working directory is the notebook's folder) writes it for notebooks at the top level.

The endpoints are listed in :mod:`workbench.server.handlers`. It also registers a pre-save hook
(:mod:`workbench.server.saving`) that keeps live-only widget outputs out of saved notebooks.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from traitlets import Unicode
from traitlets.config import Configurable

__all__ = ["HybridWorkbench", "store_path_for"]


class HybridWorkbench(Configurable):
    """Server-side settings of the Hybrid Workbench extension."""

    store_path = Unicode(
        "",
        config=True,
        help="The run log the sidebar reads (a path or a postgresql:// URL). Default: $WORKBENCH_STORE, "
        "else .workbench/runs.sqlite under the server's root directory.",
    )


def store_path_for(configured: str, root_dir: str | os.PathLike[str]) -> Path | str:
    """The run log to read: ``configured``, else ``$WORKBENCH_STORE`` (a path or URL), else under ``root_dir``."""
    from workbench.runlog.location import is_url

    chosen = configured or os.environ.get("WORKBENCH_STORE", "")
    if is_url(chosen):
        return chosen
    if chosen:
        path = Path(chosen).expanduser()
        return path if path.is_absolute() else Path(root_dir) / path
    return Path(root_dir) / ".workbench" / "runs.sqlite"


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "workbench.server"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    from workbench.server.handlers import handlers
    from workbench.server.saving import drop_live_outputs

    settings = HybridWorkbench(parent=serverapp)
    root_dir = Path(serverapp.root_dir).expanduser()
    web_app = serverapp.web_app
    web_app.settings["hybrid_root_dir"] = str(root_dir)
    web_app.settings["hybrid_store_path"] = lambda: store_path_for(settings.store_path, root_dir)
    web_app.add_handlers(".*$", handlers(web_app.settings["base_url"]))
    serverapp.contents_manager.register_pre_save_hook(drop_live_outputs)
    from workbench.runlog.location import masked

    serverapp.log.info("Hybrid Workbench: run log at %s", masked(str(store_path_for(settings.store_path, root_dir))))
    threading.Thread(
        target=_warm_up, args=(store_path_for(settings.store_path, root_dir), serverapp.log), daemon=True,
        name="hybrid-runlog-warm-up",
    ).start()


def _warm_up(location: Path | str, log: Any) -> None:
    """Open the run log once as the server starts (for PostgreSQL: load the driver, fill the reader pool),
    so the first sidebar read after a start costs what later ones do. Reads nothing of the log itself."""
    from workbench.server.queries import open_readonly

    try:
        conn = open_readonly(location)
        if conn is not None:
            conn.close()
    except Exception as exc:  # the first request will say what is wrong, with the fix
        log.debug("Hybrid Workbench: the run log could not be opened yet: %s", exc)
