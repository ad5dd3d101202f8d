"""Evaluations: a dataset of prompts, deterministic graders, and sweeps that run and grade them.

>>> from workbench.evaluate import load_dataset, parse_grader, check_graders
>>> data = load_dataset("gsm8k.jsonl", prompt="{question}", id_column="id")
>>> graders = [parse_grader("numeric:answer")]
>>> check_graders(graders, data)       # every reference usable, before any call is made
>>> graders[0].grade("... so she makes $18.\\n#### 18", data[0])
Grade(score=1.0, reason="18 (after '####') = 18")

Datasets (:func:`load_dataset`) read CSV/TSV, JSON Lines, a JSON array, Parquet (with pyarrow),
a pandas DataFrame or a list of dicts into immutable :class:`Item` s: a stable id, the filled
prompt and system templates, and the reference columns. Graders (:func:`parse_grader` specs, or
the classes) return a :class:`Grade` with a score in [0, 1] and a reason; none calls a model.
:func:`sweep` sends every item to every target (each call a record in the run log, tagged with the
sweep, item and repeat), grades the answers beside the calls and resumes by name; :func:`grade`
re-grades a sweep from the run log. :class:`StandInServer` is a loopback stand-in for a cloud model (answers from a
reference table, for demos and CI without a key); it is not a model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench._lazy import lazy_names

if TYPE_CHECKING:
    from workbench.evaluate.choice import ChoiceMatch, chosen_letters
    from workbench.evaluate.datasets import Dataset, Item, item_hash, load_dataset
    from workbench.evaluate.engine import DEFAULT_CONCURRENCY, asweep, sweep
    from workbench.evaluate.graders import (
        CallableGrader,
        Contains,
        ExactMatch,
        Grade,
        Grader,
        NormalizedMatch,
        RegexMatch,
        check_graders,
        normalize,
    )
    from workbench.evaluate.grading import grade, load_sweep
    from workbench.evaluate.jsongraders import JsonSchemaValid, JsonValid
    from workbench.evaluate.numeric import NumericMatch, final_number
    from workbench.evaluate.results import Sweep
    from workbench.evaluate.specs import GRADER_SPECS, parse_grader
    from workbench.evaluate.standin import StandInServer
    from workbench.evaluate.template import fill_template, template_columns

# Submodules load on first use (PEP 562), so importing the package stays cheap.
_HOMES = {
    "CallableGrader": "workbench.evaluate.graders",
    "ChoiceMatch": "workbench.evaluate.choice",
    "Contains": "workbench.evaluate.graders",
    "DEFAULT_CONCURRENCY": "workbench.evaluate.engine",
    "Dataset": "workbench.evaluate.datasets",
    "ExactMatch": "workbench.evaluate.graders",
    "GRADER_SPECS": "workbench.evaluate.specs",
    "Grade": "workbench.evaluate.graders",
    "Grader": "workbench.evaluate.graders",
    "Item": "workbench.evaluate.datasets",
    "JsonSchemaValid": "workbench.evaluate.jsongraders",
    "JsonValid": "workbench.evaluate.jsongraders",
    "NormalizedMatch": "workbench.evaluate.graders",
    "NumericMatch": "workbench.evaluate.numeric",
    "RegexMatch": "workbench.evaluate.graders",
    "StandInServer": "workbench.evaluate.standin",
    "Sweep": "workbench.evaluate.results",
    "asweep": "workbench.evaluate.engine",
    "check_graders": "workbench.evaluate.graders",
    "chosen_letters": "workbench.evaluate.choice",
    "fill_template": "workbench.evaluate.template",
    "final_number": "workbench.evaluate.numeric",
    "grade": "workbench.evaluate.grading",
    "item_hash": "workbench.evaluate.datasets",
    "load_dataset": "workbench.evaluate.datasets",
    "load_sweep": "workbench.evaluate.grading",
    "normalize": "workbench.evaluate.graders",
    "parse_grader": "workbench.evaluate.specs",
    "sweep": "workbench.evaluate.engine",
    "template_columns": "workbench.evaluate.template",
}

__all__ = [
    "DEFAULT_CONCURRENCY",
    "GRADER_SPECS",
    "CallableGrader",
    "ChoiceMatch",
    "Contains",
    "Dataset",
    "ExactMatch",
    "Grade",
    "Grader",
    "Item",
    "JsonSchemaValid",
    "JsonValid",
    "NormalizedMatch",
    "NumericMatch",
    "RegexMatch",
    "StandInServer",
    "Sweep",
    "asweep",
    "check_graders",
    "chosen_letters",
    "fill_template",
    "final_number",
    "grade",
    "item_hash",
    "load_dataset",
    "load_sweep",
    "normalize",
    "parse_grader",
    "sweep",
    "template_columns",
]


__getattr__ = lazy_names(__name__, _HOMES)


def __dir__() -> list[str]:
    return sorted(__all__)
