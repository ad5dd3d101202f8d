"""REST handlers under ``/hybrid/api``: read-only, authenticated and authorized like every Jupyter endpoint.

- ``GET /hybrid/api/calls``: a page of calls, newest first, and ``next``. Query: ``limit`` (1-500,
  default 50), ``offset``, ``before`` (a page's ``next``: the page below it, at any depth),
  ``target``, ``locality`` (device, private_network, cloud), ``flagged`` (true: only the calls
  that sent flagged data off the device; false: the others), ``run``, ``store``.
- ``GET /hybrid/api/calls/<call_id>``: one call in full (prompt, answer, figures as text), personal
  data masked; ``reveal=true`` shows it unmasked, only for a call whose data stayed on the device
  (any other answers 403).
- ``GET /hybrid/api/totals``: the calls the same filters keep: counts, errors, cost by locality and
  edge/cloud, TTFT percentiles by target, calls that sent flagged data off the device, and the
  palette. Replayed calls are left out of spend and percentiles unless ``replayed=include``.

``store`` picks another run log file (a path relative to the server's root directory, or absolute;
never a URL: a PostgreSQL log is configured, not asked for); without it the server's configured
log is read (see :class:`workbench.server.HybridWorkbench`), a file or a PostgreSQL URL. A
PostgreSQL server that cannot be reached answers 503 with the reason, its password masked.
Every text is passed through :func:`workbench.privacy.redact_secrets`; figures come formatted
(:mod:`workbench.server.present`), so the browser formats none.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from workbench.errors import StoreError
from workbench.privacy import redact_secrets
from workbench.runlog.location import is_url, masked
from workbench.server import queries, totals

__all__ = ["API_ROOT", "CallHandler", "CallsHandler", "TotalsHandler", "handlers"]

API_ROOT = "hybrid/api"
_LOCALITIES = frozenset(totals.LOCALITIES)
_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


class _RunLogHandler(APIHandler):
    """Shared by the run-log handlers: which log to read, and reading it off the event loop."""

    auth_resource = "hybrid_runs"
    _exists = False

    def store_path(self) -> Path | str:
        """The run log this request reads: ``?store=`` (relative to the root directory), else the configured one."""
        default: Callable[[], Path | str] = self.settings["hybrid_store_path"]
        asked = self.get_query_argument("store", "").strip()
        if not asked:
            return default()
        if is_url(asked) or "://" in asked:
            raise web.HTTPError(400, "store takes a run log file's path; a PostgreSQL log is set in WORKBENCH_STORE")
        path = Path(asked).expanduser()
        return path if path.is_absolute() else Path(self.settings["hybrid_root_dir"]) / path

    async def query(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Path | str, Any]:
        """Run ``fn(conn, ...)`` in a worker thread on a read-only connection (``None`` if no log)."""
        path = self.store_path()
        self._exists = False

        def work() -> Any:
            conn = queries.open_readonly(path)
            self._exists = conn is not None or (isinstance(path, Path) and path.is_file())
            try:
                return fn(conn, *args, **kwargs)
            finally:
                if conn is not None:
                    conn.close()

        try:
            return path, await asyncio.to_thread(work)
        except StoreError as exc:
            raise web.HTTPError(503, redact_secrets(masked(str(exc)))) from None

    def boolean(self, name: str) -> bool | None:
        """The query argument ``name`` as true/false; ``None`` when absent; 400 when neither."""
        text = self.get_query_argument(name, "").lower()
        if text and text not in _BOOLEANS:
            raise web.HTTPError(400, f"{name} must be true or false, not {text!r}")
        return _BOOLEANS[text] if text else None

    def call_filter(self) -> queries.CallFilter:
        """The calls this request asks for: ``target``, ``locality``, ``flagged``, ``run``."""
        locality = self.get_query_argument("locality", "") or None
        if locality is not None and locality not in _LOCALITIES:
            raise web.HTTPError(400, f"locality must be one of {', '.join(sorted(_LOCALITIES))}, not {locality!r}")
        return queries.CallFilter(
            target=self.get_query_argument("target", "") or None,
            locality=locality,
            flagged=self.boolean("flagged"),
            run_id=self.get_query_argument("run", "") or None,
        )

    def reply(self, path: Path | str, body: dict[str, Any]) -> None:
        """Send ``body`` with the log's path or URL (password masked, redacted), as JSON."""
        self.set_header("Cache-Control", "no-store")
        shown = masked(path) if isinstance(path, str) else redact_secrets(str(path))
        self.finish(json.dumps({"store": shown, "exists": self._exists, **body}))


class CallsHandler(_RunLogHandler):
    """A page of calls, newest first, filtered."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """``GET /hybrid/api/calls``."""
        try:
            limit = int(self.get_query_argument("limit", "50"))
            offset = int(self.get_query_argument("offset", "0"))
        except ValueError as exc:
            raise web.HTTPError(400, "limit and offset must be whole numbers") from exc
        try:
            asked = self.get_query_argument("before", "")
            before = queries.parse_cursor(asked) if asked else None
        except ValueError as exc:
            raise web.HTTPError(400, "before takes the next of the page above, as it was given") from exc
        where = self.call_filter()

        def page(conn: Any) -> dict[str, Any]:
            if conn is None:
                return {"total": 0, "limit": limit, "offset": offset, "calls": [], "next": None}
            return queries.list_calls(conn, where, limit=limit, offset=offset, before=before)

        path, body = await self.query(page)
        self.reply(path, body)


class CallHandler(_RunLogHandler):
    """One call in full."""

    @web.authenticated
    @authorized
    async def get(self, call_id: str) -> None:
        """``GET /hybrid/api/calls/<call_id>``; ``reveal=true`` unmasks a call whose data stayed on the device."""
        reveal = bool(self.boolean("reveal"))
        path, call = await self.query(
            lambda conn: queries.call_detail(conn, call_id, reveal=reveal) if conn is not None else None
        )
        if call is None:
            raise web.HTTPError(404, "No call with that id in the run log")
        if reveal and not call["revealable"]:
            raise web.HTTPError(403, "Only a call whose data stayed on the device can be shown unmasked")
        self.reply(path, {"call": call})


class TotalsHandler(_RunLogHandler):
    """The whole run log at a glance."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """``GET /hybrid/api/totals``: for the calls the filters keep; ``replayed=include`` counts replayed calls in."""
        replayed = self.get_query_argument("replayed", "")
        if replayed not in ("", "include", "exclude"):
            raise web.HTTPError(400, f"replayed must be include or exclude, not {replayed!r}")
        where = self.call_filter()
        path, body = await self.query(totals.totals, where, include_replayed=replayed == "include")
        self.reply(path, body)


def handlers(base_url: str) -> list[tuple[str, type[APIHandler]]]:
    """The URL routes, under the server's base URL."""
    root = url_path_join(base_url, API_ROOT)
    return [
        (url_path_join(root, "calls"), CallsHandler),
        (url_path_join(root, r"calls/([0-9A-Za-z_-]+)"), CallHandler),
        (url_path_join(root, "totals"), TotalsHandler),
    ]
