"""JSON graders: the answer is valid JSON, and (optionally) valid against a JSON Schema (``jsonschema``).

An answer wrapped in one Markdown code fence (```` ```json ... ``` ````) is read inside the fence,
and the reason says so; any other text around the JSON makes it invalid.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from workbench.errors import ConfigError
from workbench.evaluate.datasets import Item
from workbench.evaluate.graders import Grade

__all__ = ["JsonSchemaValid", "JsonValid", "parse_json_answer"]

_FENCE = re.compile(r"\A\s*```[\w-]*[ \t]*\n(.*?)\n?```\s*\Z", re.DOTALL)


def parse_json_answer(answer: str) -> tuple[Any, str]:
    """The JSON value in the answer and where it was found; raises ``ValueError`` naming the problem."""
    fenced = _FENCE.match(answer)
    text, where = (fenced.group(1), "inside a code fence") if fenced else (answer, "the whole answer")
    try:
        return json.loads(text), where
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None


class JsonValid:
    """The answer is valid JSON."""

    name = "json"
    version = "1"
    columns: tuple[str, ...] = ()

    def check(self, item: Item) -> None:
        """Needs no reference."""

    def grade(self, answer: str, item: Item) -> Grade:
        """1 when the answer parses as JSON."""
        try:
            _, where = parse_json_answer(answer)
        except ValueError as exc:
            return Grade(0.0, str(exc))
        return Grade(1.0, f"valid JSON ({where})")


class JsonSchemaValid:
    """The answer is JSON that validates against a JSON Schema, given as a dict or read from a file."""

    version = "1"
    columns: tuple[str, ...] = ()

    def __init__(self, schema: dict[str, Any] | str | Path) -> None:
        try:
            import jsonschema
        except ImportError:
            raise ConfigError("json-schema grading needs jsonschema: pip install jsonschema.") from None
        if isinstance(schema, dict):
            self.name = "json-schema"
        else:
            self.name = f"json-schema:{schema}"
            schema = _read_schema(Path(schema))
        validator_class = jsonschema.validators.validator_for(schema)
        try:
            validator_class.check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise ConfigError(f"{self.name}: not a valid JSON Schema ({exc.message}).") from None
        self.validator = validator_class(schema)

    def check(self, item: Item) -> None:
        """Needs no reference."""

    def grade(self, answer: str, item: Item) -> Grade:
        """1 when the answer is JSON and the schema accepts it; else the first problem, with its path."""
        import jsonschema

        try:
            value, where = parse_json_answer(answer)
        except ValueError as exc:
            return Grade(0.0, str(exc))
        error = jsonschema.exceptions.best_match(self.validator.iter_errors(value))
        if error is None:
            return Grade(1.0, f"valid against the schema ({where})")
        path = "/".join(str(p) for p in error.absolute_path) or "(root)"
        return Grade(0.0, f"schema: {error.message} at {path}")


def _read_schema(path: Path) -> dict[str, Any]:
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"Cannot read the JSON Schema {path}: {exc.strerror or exc}.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"The JSON Schema {path} is not valid JSON ({exc}).") from None
    if not isinstance(schema, dict):
        raise ConfigError(f"The JSON Schema {path} holds a JSON {type(schema).__name__}, not an object.")
    return schema
