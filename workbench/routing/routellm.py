"""Load RouteLLM-format outcome files: one row per prompt, each model's correctness, responses where present."""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from workbench.errors import ConfigError
from workbench.records import Price
from workbench.routing.costing import count_tokens
from workbench.routing.outcomes import Outcomes
from workbench.routing.privacy_hook import count_entities
from workbench.runner.pricing import dollars, price_for

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_CLOUD_MODEL",
    "DEFAULT_EDGE_MODEL",
    "OUTPUT_TOKENS_ESTIMATE",
    "default_routellm_dir",
    "load_routellm",
    "resolve_outcome_paths",
]

DEFAULT_EDGE_MODEL = "mistralai/Mixtral-8x7B-Instruct-v0.1"
"""RouteLLM's weak model: one a team could run on its own GPUs."""
DEFAULT_CLOUD_MODEL = "gpt-4-1106-preview"
"""RouteLLM's strong model: a cloud frontier model."""
OUTPUT_TOKENS_ESTIMATE = 16
"""Output tokens assumed per answer when a file has no responses (MMLU: a letter and a short phrase)."""

_REPO_ROOT = Path(__file__).resolve().parents[2]


def default_routellm_dir() -> Path:
    """The shared RouteLLM data: ``$WORKBENCH_ROUTELLM_DIR``, else ``../shared/data/routellm`` from the repo root."""
    override = os.environ.get("WORKBENCH_ROUTELLM_DIR")
    return Path(override) if override else _REPO_ROOT.parent / "shared" / "data" / "routellm"


def resolve_outcome_paths(path_or_glob: str | Path) -> list[Path]:
    """The CSV files named by a file, a folder (all CSVs below it) or a glob pattern, sorted."""
    text = str(path_or_glob)
    path = Path(text)
    if path.is_dir():
        found = sorted(path.rglob("*.csv"))
    elif path.is_file():
        found = [path]
    else:
        found = sorted(Path(p) for p in glob.glob(text, recursive=True) if p.endswith(".csv"))
    if not found:
        raise ConfigError(
            f"No outcome CSV files at {text!r}; pass a file, a folder or a glob such as "
            f"'{default_routellm_dir()}/mmlu/*.csv' (or set WORKBENCH_ROUTELLM_DIR)."
        )
    return found


def _read(path: Path, edge_model: str, cloud_model: str) -> pd.DataFrame:
    import pandas as pd

    frame = pd.read_csv(path)
    missing = [c for c in ("prompt", edge_model, cloud_model) if c not in frame.columns]
    if missing:
        raise ConfigError(
            f"{path} lacks columns {missing}; RouteLLM files have 'prompt' and one correctness column "
            f"per model (pass edge_model=/cloud_model= for other models)."
        )
    out = pd.DataFrame({"prompt": frame["prompt"].astype(str), "source": path.stem})
    for side, model in (("edge", edge_model), ("cloud", cloud_model)):
        out[f"{side}_score"] = frame[model].map(_truth).astype(float)
        response = f"{model}_response"
        out[f"{side}_response"] = frame[response].fillna("").astype(str) if response in frame else None
    return out


def _truth(value: object) -> float:
    if isinstance(value, bool | np.bool_):
        return float(value)
    text = str(value).strip().lower()
    if text in ("true", "1", "1.0"):
        return 1.0
    if text in ("false", "0", "0.0"):
        return 0.0
    raise ConfigError(f"Correctness value {value!r} is not True/False; fix the outcome file.")


def _side_costs(frame: pd.DataFrame, side: str, model: str, price: Price, output_estimate: int) -> tuple[bool, bool]:
    """Fill token and cost columns for one side; return (counted with another model's tokenizer, outputs guessed)."""
    prompts = frame["prompt"].tolist()
    input_tokens, in_est = count_tokens(prompts, model, as_prompt=True)
    responses = frame[f"{side}_response"]
    if responses.isna().any():
        output_tokens = np.full(len(frame), float(output_estimate))
        out_est, guessed = False, True
    else:
        output_tokens, out_est = count_tokens(responses.tolist(), model)
        guessed = False
    frame[f"{side}_input_tokens"] = input_tokens
    frame[f"{side}_output_tokens"] = output_tokens
    frame[f"{side}_cost_usd"] = dollars(input_tokens, output_tokens, price)
    frame[f"{side}_latency_s"] = np.nan
    return in_est or out_est, guessed


def load_routellm(
    path_or_glob: str | Path | Sequence[str | Path] | None = None,
    *,
    edge_model: str = DEFAULT_EDGE_MODEL,
    cloud_model: str = DEFAULT_CLOUD_MODEL,
    output_tokens_estimate: int = OUTPUT_TOKENS_ESTIMATE,
    edge_price: Price | None = None,
    cloud_price: Price | None = None,
) -> Outcomes:
    """Load RouteLLM outcome CSVs (default: every CSV of the shared data) into :class:`Outcomes`.

    Tokens are counted from the prompts and, where the file has them, the responses; files without
    responses get ``output_tokens_estimate`` output tokens per call and are marked estimated.
    Prices come from LiteLLM's price map (offline) unless given. Latency is unknown (NaN).
    """
    import pandas as pd

    if path_or_glob is None:
        path_or_glob = default_routellm_dir()
    sources = [path_or_glob] if isinstance(path_or_glob, str | Path) else list(path_or_glob)
    paths = [p for s in sources for p in resolve_outcome_paths(s)]
    frame = pd.concat([_read(p, edge_model, cloud_model) for p in paths], ignore_index=True)
    edge_price = edge_price or price_for(edge_model)
    cloud_price = cloud_price or price_for(cloud_model)
    edge_est, edge_guess = _side_costs(frame, "edge", edge_model, edge_price, output_tokens_estimate)
    cloud_est, cloud_guess = _side_costs(frame, "cloud", cloud_model, cloud_price, output_tokens_estimate)
    frame["privacy_entities"] = [sum(count_entities(p).values()) for p in frame["prompt"]]
    notes = ["no latency in these files: latency is unknown"]
    for model, estimated in ((edge_model, edge_est), (cloud_model, cloud_est)):
        if estimated:
            notes.append(f"{model} tokens counted with OpenAI's cl100k_base encoding (LiteLLM's fallback): estimated")
    if edge_guess or cloud_guess:
        notes.append(f"no responses in some files: output tokens estimated at {output_tokens_estimate} per call")
    return Outcomes(
        frame=frame,
        edge_model=edge_model,
        cloud_model=cloud_model,
        cost_basis=f"edge {edge_model}: {edge_price.describe()}; cloud {cloud_model}: {cloud_price.describe()}",
        tokens_estimated=edge_est or cloud_est or edge_guess or cloud_guess,
        cost_estimated=edge_guess or cloud_guess or edge_est or cloud_est,
        notes=tuple(notes),
    )
