"""Read a dataset's rows: CSV/TSV, JSON Lines, a JSON array, Parquet, a pandas DataFrame or a list of dicts.

Each reader returns :class:`Rows`: the rows as plain dicts and, for text files, the line each row
starts on, so errors can name it. CSV cells stay text exactly as written (no type guessing, so
a row's id hash does not change when another row is added). Every failure is one
:class:`~workbench.errors.ConfigError` line naming the file, line and fix.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SUFFIXES", "Rows", "read_rows"]

SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".parquet")
"""File kinds :func:`read_rows` reads, by suffix."""


@dataclass(frozen=True)
class Rows:
    """Rows read from one source; ``lines[i]`` is the 1-based line row ``i`` starts on (``None``: not a text file)."""

    source: str
    rows: list[dict[str, Any]]
    lines: list[int] | None = None


def read_rows(source: str | Path | pd.DataFrame | Iterable[Mapping[str, Any]]) -> Rows:
    """The rows of a file path, a DataFrame or an iterable of mappings."""
    if isinstance(source, str | Path):
        return _read_file(Path(source))
    if type(source).__name__ == "DataFrame" and hasattr(source, "to_dict"):
        return _from_frame(source, "DataFrame")  # type: ignore[arg-type]
    rows: list[dict[str, Any]] = []
    for number, row in enumerate(source, start=1):
        if not isinstance(row, Mapping):
            raise ConfigError(f"row {number} of the list is a {type(row).__name__}, not a dict of column: value.")
        rows.append(_string_keys(dict(row), f"row {number} of the list"))
    return Rows("list", rows)


def _string_keys(row: dict[Any, Any], where: str) -> dict[str, Any]:
    if {str}.issuperset(map(type, row)):
        return row
    bad = next(key for key in row if not isinstance(key, str))
    raise ConfigError(f"{where}: column name {bad!r} is not text; name every column with a string.")


def _read_file(path: Path) -> Rows:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        kind = suffix or "(no suffix)"
        raise ConfigError(f"Cannot read {path}: unknown file kind {kind!r}; use {', '.join(SUFFIXES)}.")
    if suffix == ".parquet":
        return _read_parquet(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"Cannot read dataset {path}: {exc.strerror or exc}; check the path.") from None
    text = _decode(data, path)
    if suffix in (".csv", ".tsv"):
        return _read_csv(text, path, "\t" if suffix == ".tsv" else ",")
    if suffix == ".json":
        return _read_json_array(text, path)
    return _read_jsonl(text, path)


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{path} is not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start} (line {line}); "
            "save the file as UTF-8."
        ) from None


def _read_csv(text: str, path: Path, delimiter: str) -> Rows:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise ConfigError(f"{path} is empty: it needs a header line and at least one row.")
        _check_header(header, path)
        rows: list[dict[str, Any]] = []
        lines: list[int] = []
        start = reader.line_num + 1
        width = len(header)
        for record in reader:
            if record:
                if len(record) != width:
                    raise ConfigError(
                        f"{path} line {start}: {len(record)} fields, the header has {width}; "
                        "quote fields that hold the delimiter."
                    )
                rows.append(dict(zip(header, record, strict=True)))
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ConfigError(f"{path} line {reader.line_num}: not valid CSV ({exc}); check its quotes.") from None
    return Rows(str(path), rows, lines)


def _check_header(header: list[str], path: Path) -> None:
    seen: set[str] = set()
    for number, name in enumerate(header, start=1):
        if not name.strip():
            raise ConfigError(f"{path} line 1: column {number} has no name; name every column in the header.")
        if name in seen:
            raise ConfigError(f"{path} line 1: column {name!r} appears twice; give every column its own name.")
        seen.add(name)


def _read_jsonl(text: str, path: Path) -> Rows:
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path} line {number}: not valid JSON ({exc.msg} at column {exc.colno}).") from None
        if not isinstance(row, dict):
            raise ConfigError(f"{path} line {number}: a JSON {type(row).__name__}, not an object of column: value.")
        rows.append(row)
        lines.append(number)
    return Rows(str(path), rows, lines)


def _read_json_array(text: str, path: Path) -> Rows:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path} line {exc.lineno}: not valid JSON ({exc.msg}); JSON Lines files end in .jsonl."
        ) from None
    if not isinstance(data, list):
        raise ConfigError(f"{path}: a .json dataset is an array of objects, not a JSON {type(data).__name__}.")
    rows: list[dict[str, Any]] = []
    for number, row in enumerate(data, start=1):
        if not isinstance(row, dict):
            raise ConfigError(f"{path} element {number}: a JSON {type(row).__name__}, not an object of column: value.")
        rows.append(row)
    return Rows(str(path), rows)


def _read_parquet(path: Path) -> Rows:
    if importlib.util.find_spec("pyarrow") is None and importlib.util.find_spec("fastparquet") is None:
        raise ConfigError(
            f"Reading Parquet ({path}) needs pyarrow: pip install 'hybrid-workbench[parquet]' (or pip install pyarrow)."
        )
    import pandas as pd

    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Cannot read Parquet file {path}: {exc}; check the path and that it is Parquet.") from None
    return _from_frame(frame, str(path))


def _from_frame(frame: pd.DataFrame, source: str) -> Rows:
    bad = [column for column in frame.columns if not isinstance(column, str)]
    if bad:
        raise ConfigError(f"{source}: column name {bad[0]!r} is not text; name every column with a string.")
    if frame.columns.duplicated().any():
        raise ConfigError(f"{source}: two columns share a name; give every column its own name.")
    # to_dict boxes numpy scalars as Python ones, so a row hashes the same as from a list of dicts;
    # list cells (Parquet) come as numpy arrays, made lists here for the same reason.
    rows: list[dict[str, Any]] = frame.to_dict("records")  # type: ignore[assignment]
    arrays = [c for c in frame.columns if frame[c].dtype == object and any(hasattr(v, "tolist") for v in frame[c])]
    for row in rows if arrays else ():
        for column in arrays:
            if hasattr(row[column], "tolist"):
                row[column] = row[column].tolist()
    return Rows(source, rows)
