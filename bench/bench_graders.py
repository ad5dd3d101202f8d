"""Evaluation bench (issue 15): grading speed and dataset loading.

    python bench/bench_graders.py      # figures with pass/short, bench/results/graders.json

Goals:
- 10,000 answers through numeric + regex + choice <= 0.5 s: every answer through all three
  graders (30,000 grades), median of RUNS repeats. The answers are real model output, the
  published GSM8K responses of two models (``../shared/data/routellm``, 2,638 answers, cycled),
  graded against the other model's answer; most name no choice letter, so the choice grader
  reads every tier, its slowest path;
- a 50,000-row CSV loads into a Dataset (filled prompt and system message, hashed ids) <= 2 s;
- re-grading a 10,000-call sweep from the run log <= 2 s: ``workbench.evaluate.grade(NAME,
  "numeric:answer", data=...)`` on a sweep recorded by a real sweep through a target with no model
  (``bench/null_engine.py``): its calls read back, graded, the grades written.
"""

from __future__ import annotations

import asyncio
import csv
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import figure, timed, write
from bench.null_engine import ReadyTokens
from workbench.evaluate import Item, asweep, grade, load_dataset, parse_grader
from workbench.routing import default_routellm_dir
from workbench.runlog.store import Store

ANSWERS = 10_000
ROWS = 50_000
RUNS = 5
GRADE_GOAL_S = 0.5
LOAD_GOAL_S = 2.0
REGRADE_CALLS = 10_000
REGRADE_GOAL_S = 2.0
WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1"
STRONG = "gpt-4-1106-preview"
SPECS = ("numeric:reference", r"regex:####\s*-?[\d,.]+", "choice:letter")


def graded_pairs() -> list[tuple[str, Item]]:
    """10,000 (answer, item) pairs: each real answer against the other model's answer as reference."""
    path = default_routellm_dir() / "gsm8k_responses.csv"
    if not path.is_file():
        sys.exit(f"{path} is missing: copy the shared data/routellm folder there or set WORKBENCH_ROUTELLM_DIR")
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    records = [
        {"id": f"{side}-{n}", "prompt": row["prompt"], "reference": row[f"{other}_response"], "letter": "ABCD"[n % 4],
         "answer": row[f"{side}_response"]}
        for n, row in enumerate(rows)
        for side, other in ((WEAK, STRONG), (STRONG, WEAK))
    ]
    data = load_dataset(records, "{prompt}", id_column="id")
    pairs = [(str(item.references["answer"]), item) for item in data]
    return [pairs[i % len(pairs)] for i in range(ANSWERS)]


def regrade_figure() -> dict[str, object]:
    """Re-grade a 10,000-call sweep from the run log, median of 3."""
    rows = [{"id": str(i), "q": f"What is {i} + 3?", "answer": str(i + 3)} for i in range(REGRADE_CALLS)]
    data = load_dataset(rows, "{q}", id_column="id")
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "regrade.sqlite")
        asyncio.run(asweep(data, targets=[ReadyTokens(4)], name="regrade", store=store, concurrency=16,
                           max_tokens=None, progress=False))  # fmt: skip
        runs = timed(lambda: grade("regrade", "numeric:answer", data=data, store=Store(store.path)), 3)
    took = statistics.median(runs)
    return figure(f"re-grade a {REGRADE_CALLS:,}-call sweep from the run log (numeric)", took, "s",
                  goal=f"<= {REGRADE_GOAL_S:g} s", passed=took <= REGRADE_GOAL_S, values=runs)  # fmt: skip


def main() -> None:
    pairs = graded_pairs()
    graders = [parse_grader(spec) for spec in SPECS]

    def grade_all() -> None:
        for answer, item in pairs:
            for grader in graders:
                grader.grade(answer, item)

    grade_all()  # warm: regex compilation and caches
    runs = timed(grade_all, RUNS)
    measured = statistics.median(runs)
    mean_chars = statistics.mean(len(answer) for answer, _ in pairs)
    figures = [
        figure(
            f"{ANSWERS:,} answers through numeric + regex + choice",
            measured,
            "s",
            goal=f"<= {GRADE_GOAL_S:g} s",
            passed=measured <= GRADE_GOAL_S,
            values=runs,
        )
    ]
    for grader in graders:
        def one(g: object = grader) -> None:
            for answer, item in pairs:
                g.grade(answer, item)  # type: ignore[attr-defined]

        alone = timed(one, RUNS)
        figures.append(figure(f"of which {grader.name}", statistics.median(alone), "s", values=alone))

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["question", "answer", "subject"])
            writer.writerows((f"What is {i} plus {i % 7}? Show your work.", i + i % 7, "arithmetic")
                             for i in range(ROWS))
        loads = timed(lambda: load_dataset(path, "Q: {question}\nA:", system="You answer {subject} questions."), 3)
    load_s = statistics.median(loads)
    figures.append(
        figure(f"load a {ROWS:,}-row CSV into a Dataset", load_s, "s", goal=f"<= {LOAD_GOAL_S:g} s",
               passed=load_s <= LOAD_GOAL_S, values=loads)
    )
    figures.append(regrade_figure())
    print(f"wrote {write('graders', figures, answers=ANSWERS, mean_answer_chars=mean_chars, specs=SPECS)}")


if __name__ == "__main__":
    main()
