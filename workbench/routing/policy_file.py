"""The saved-policy file: plain JSON (never pickle), a format version, provenance and a SHA-256 checksum.

A file holds the policy's name, its ``state`` (settings, calibrated threshold and, for the learned
router, its fitted vocabulary, IDF weights, scaler and logistic-regression coefficients) and where
it came from. JSON cannot run code when read, so a file from a stranger can at worst route badly;
the checksum catches a file edited or damaged after it was saved (it is not a signature).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from workbench.errors import ConfigError

__all__ = ["FORMAT", "FORMAT_VERSION", "PROVENANCE_FIELDS", "PolicyFile", "read_policy_file", "write_policy_file"]

FORMAT = "workbench.routing.policy"
FORMAT_VERSION = 1
"""Bumped whenever a field's meaning changes; files of another version are refused, not guessed at."""
PROVENANCE_FIELDS = ("data", "split", "seed", "metrics")
"""What the caller says about the fit: the outcomes (or sweep) name, the split, the seed, and metrics
at fit time (``apgr`` and ``cloud_share`` at the threshold, ``None`` where not defined)."""
METRIC_FIELDS = ("apgr", "cloud_share")
_TOP_FIELDS = ("format_version", "policy", "state", "provenance", "checksum")
_RESAVE = "save it again with this workbench (hybrid experiment ... --save FILE, or policy.save(FILE, provenance=...))"


@dataclass(frozen=True)
class PolicyFile:
    """A saved policy as read back: its name, state, provenance and checksum (``sha256:...``)."""

    path: Path
    policy: str
    state: dict[str, Any]
    provenance: dict[str, Any]
    checksum: str


def _checksum(body: Mapping[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _missing(path: Path, where: str, found: Mapping[str, Any], fields: tuple[str, ...]) -> None:
    for name in fields:
        if name not in found:
            raise ConfigError(f"{path}: the saved policy has no {where}{name!r} field; {_RESAVE}.")


def write_policy_file(
    path: str | os.PathLike[str], policy: str, state: Mapping[str, Any], provenance: Mapping[str, Any]
) -> PolicyFile:
    """Write ``policy`` with its ``state`` and ``provenance`` (see :data:`PROVENANCE_FIELDS`) to ``path``."""
    target = Path(path).expanduser()
    _missing(target, "provenance ", provenance, PROVENANCE_FIELDS)
    if not isinstance(provenance["metrics"], Mapping):
        raise ConfigError(f"{target}: provenance 'metrics' must be a dict with {', '.join(METRIC_FIELDS)}.")
    _missing(target, "provenance metrics ", provenance["metrics"], METRIC_FIELDS)
    full = {
        **provenance,
        "workbench_version": metadata.version("hybrid-workbench"),
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    body = {"format": FORMAT, "format_version": FORMAT_VERSION, "policy": policy, "state": dict(state),
            "provenance": full}  # fmt: skip
    try:
        checksum = _checksum(body)
    except (TypeError, ValueError) as exc:  # an infinite threshold, or a value JSON cannot hold
        raise ConfigError(
            f"{target}: cannot save the {policy} policy as JSON ({exc}); set a finite threshold."
        ) from None
    text = json.dumps({**body, "checksum": checksum}, indent=1, allow_nan=False)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"{target}: cannot write the saved policy ({exc.strerror}); choose a writable path."
        ) from None
    return PolicyFile(target, policy, dict(state), full, checksum)


def read_policy_file(path: str | os.PathLike[str]) -> PolicyFile:
    """Read and check a saved policy: its format version, its fields and its checksum."""
    source = Path(path).expanduser()
    try:
        body = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{source}: no saved policy file there; check the path, or save one with --save.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{source}: not a saved policy file ({exc}); {_RESAVE}.") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise ConfigError(f'{source}: not a saved policy file (no "format": "{FORMAT}"); {_RESAVE}.')
    version = body.get("format_version")
    if version != FORMAT_VERSION:
        raise ConfigError(
            f"{source}: saved policy format version {version}, this workbench reads version {FORMAT_VERSION}; "
            f"{_RESAVE}."
        )
    _missing(source, "", body, _TOP_FIELDS)
    _missing(source, "provenance ", body["provenance"], (*PROVENANCE_FIELDS, "workbench_version"))
    _missing(source, "provenance metrics ", body["provenance"]["metrics"], METRIC_FIELDS)
    checksum = body.pop("checksum")
    if _checksum(body) != checksum:
        raise ConfigError(
            f"{source}: checksum mismatch, the file was changed after it was saved; do not edit it, {_RESAVE}."
        )
    return PolicyFile(source, str(body["policy"]), body["state"], body["provenance"], checksum)
