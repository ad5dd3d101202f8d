"""No secret leaves in a bundle: check the notebook and the calls, refuse or strip with a clear message.

A text holds a secret when the privacy detectors (:func:`workbench.privacy.inspect`) find a key
format, a token or a key-like literal after ``api_key=``, or when it holds an 8-character piece
of a secret-looking environment variable's value. ``[REDACTED]`` and key-like words followed by
a URL or a dotted name (``AuthError: openai/auth@http://...``) do not count.

A secret in a cell's *source* always refuses the export (the key belongs in the environment or
a ``.env`` file, and stripping would change the code);
a key-like word followed by code (``auth = resolve(...)``) is not counted there. A secret
in an output or a recorded call refuses the export too, unless ``strip`` asks to replace it with
``[REDACTED]``. Messages name the place, never the value.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from workbench.errors import BundleError
from workbench.privacy import REDACTED, inspect
from workbench.privacy.secrets import environment_secrets, redact_deep
from workbench.records import CallRecord

__all__ = ["check_secrets", "code_has_secret", "has_secret", "strip_strings"]


_PIECE = 8


def _environment_pieces() -> set[str]:
    values = environment_secrets()
    return {v[i : i + _PIECE] for v in values for i in range(len(v) - _PIECE + 1)}


def _counted(text: str, span: Any, code: bool) -> bool:
    if span.type != "secret" or REDACTED in text[span.start : span.end]:  # already redacted is fine
        return False
    if span.detail != "keyword_value":
        return True
    value = text[span.start : span.end]
    if code:  # `auth = resolve(...)` is code; `api_key = "..."` is a literal
        return text[span.start - 1 : span.start] in ("'", '"')
    return (
        len(value) >= 16
        and not set(value) & set("/@:. ")  # a URL or a dotted name, not a key
        and any(c.isdigit() for c in value)
        and any(c.isalpha() for c in value)
    )


def _found(text: str, code: bool) -> bool:
    if any(_counted(text, span, code) for span in inspect(text).spans):
        return True
    return any(piece in text for piece in _environment_pieces())


def has_secret(text: str) -> bool:
    """Whether ``text`` holds a key format, a token, a key-like literal after ``api_key=`` and the like,
    or a piece of a secret-looking environment variable's value (``[REDACTED]`` does not count)."""
    return _found(text, code=False)


def code_has_secret(source: str) -> bool:
    """:func:`has_secret` for code: a key-like word followed by code (``auth = resolve(...)``) is not a value."""
    return _found(source, code=True)


def strip_strings(value: Any) -> Any:
    """``value`` (JSON-like) with secrets redacted from every string in it."""
    return redact_deep(value)


def check_secrets(notebook: Any, records: list[CallRecord], *, strip: bool) -> tuple[Any, list[CallRecord], int]:
    """The notebook and records to export, secrets stripped if ``strip``; a BundleError if any must stay out."""

    in_sources = [i for i, c in enumerate(notebook.cells) if code_has_secret(c.source)]
    if in_sources:
        raise BundleError(
            f"Cell(s) {', '.join(str(i + 1) for i in in_sources)} of the notebook contain a secret in their source "
            "(an API key, a token, or the value of a secret-looking environment variable). Move it to the "
            "environment or a .env file, re-run the notebook, and export again. Nothing was written."
        )
    found: list[str] = []
    for index, cell in enumerate(notebook.cells):
        for number, output in enumerate(cell.get("outputs", []), 1):
            if has_secret(json.dumps(output)):
                found.append(f"cell {index + 1} output {number}")
    if has_secret(json.dumps(notebook.metadata)):
        found.append("the notebook metadata (widget state)")
    for record in records:
        if has_secret(record.to_json()):
            found.append(f"recorded call {record.call_id} ({record.target})")
    if found and not strip:
        raise BundleError(
            f"A secret (an API key, a token, or the value of a secret-looking environment variable) is in "
            f"{'; '.join(found)}. Clear those outputs and re-run without printing it, or pass --strip-secrets "
            "to replace it with [REDACTED] in the bundle. Nothing was written."
        )
    if not found:
        return notebook, records, 0
    import nbformat

    cleaned = copy.deepcopy(notebook)
    for cell in cleaned.cells:
        if "outputs" in cell:
            cell.outputs = [nbformat.from_dict(strip_strings(o)) for o in cell.outputs]
    cleaned.metadata = nbformat.from_dict(strip_strings(cleaned.metadata))
    kept = [CallRecord.from_dict(strip_strings(r.to_dict())) if has_secret(r.to_json()) else r for r in records]
    return cleaned, kept, len(found)
