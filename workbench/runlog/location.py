"""Where a run log lives: a SQLite file path or a PostgreSQL URL, and that location as it may be shown.

A PostgreSQL URL may carry a password; :func:`masked` is the one place that hides it, and every
text that shows a location (``repr(Store)``, ``StoreInfo``, errors, the sidebar) passes through it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = ["URL_SCHEMES", "default_location", "is_url", "masked"]

URL_SCHEMES = ("postgresql://", "postgres://")
"""The URL forms of a PostgreSQL run log (libpq's)."""

_USERINFO_PASSWORD = re.compile(r"(?P<head>postgres(?:ql)?://[^:/@\s]*:)(?P<secret>[^@\s]*)(?=@)", re.IGNORECASE)
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&]password=)(?P<secret>[^&\s]*)", re.IGNORECASE)
_KEYWORD_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<secret>'[^']*'|\S+)", re.IGNORECASE)


def is_url(location: object) -> bool:
    """Whether ``location`` names a PostgreSQL run log (``postgresql://...``) rather than a file."""
    return isinstance(location, str) and location.lower().startswith(URL_SCHEMES)


def masked(text: str) -> str:
    """``text`` with every password of a PostgreSQL URL or connection string replaced by ``***``."""
    for pattern in (_USERINFO_PASSWORD, _QUERY_PASSWORD, _KEYWORD_PASSWORD):
        text = pattern.sub(lambda m: m["head"] + "***", text)
    return text


def default_location() -> Path | str:
    """``$WORKBENCH_STORE`` (a path, or a ``postgresql://`` URL), else ``.workbench/runs.sqlite`` here."""
    chosen = os.environ.get("WORKBENCH_STORE") or ""
    if is_url(chosen):
        return chosen
    return Path(chosen or Path.cwd() / ".workbench" / "runs.sqlite")
