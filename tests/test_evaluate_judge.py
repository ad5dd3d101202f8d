"""The LLM judge and --reuse on real components: the scripted OpenAI-compatible server on loopback as both
the answering target and the judge (scripted replies by model name), the real runner, a real SQLite run log."""

from __future__ import annotations

import pytest

import workbench
from tests.support.scripted_server import ScriptedServer
from workbench import Price
from workbench.evaluate import grade, load_dataset, sweep
from workbench.evaluate.budget import worst_case_usd
from workbench.evaluate.judge import JudgeGrader, judge_of, parse_verdict
from workbench.evaluate.specs import parse_grader
from workbench.runlog.sweeps import judge_records, read_grades, sweep_records

ROWS = [{"id": f"q{i}", "q": f"Say hello to number {i}.", "answer": "Hello"} for i in range(3)]
PRICE = Price(1000.0, 2000.0)


def _target(server: ScriptedServer, model: str) -> workbench.Target:
    return workbench.resolve(f"openai/{model}@{server.url}", locality="cloud", price=PRICE)


def _sent(server: ScriptedServer, model: str) -> int:
    return sum(r["body"]["model"] == model for r in server.received)


@pytest.mark.parametrize(
    ("reply", "score", "reason"),
    [
        ("Score: 8/10 - correct", 0.8, "correct"),
        ("PASS - matches the reference", 1.0, "matches the reference"),
        ("FAIL: wrong number", 0.0, "wrong number"),
        ("7", 0.7, "no reason given"),
        ("I'd say 3 out of 4. Mostly right", 0.75, "Mostly right"),
        ('{"score": 9, "reason": "close"}', 0.9, "close"),
        ('Here: {"score": "PASS", "reason": "ok"}', 1.0, "ok"),
        ("Rating = 60%", 0.6, "no reason given"),
    ],
)
def test_judge_replies_parse(reply: str, score: float, reason: str) -> None:
    found = parse_verdict(reply)
    assert found.score == pytest.approx(score) and found.reason == reason


@pytest.mark.parametrize("reply", ["I cannot grade this.", "Score: 14/10", '{"verdict": "good"}', ""])
def test_unparseable_replies_score_zero_with_a_reason(reply: str) -> None:
    found = parse_verdict(reply)
    assert found.score == 0.0 and found.reason.startswith("judge reply not understood: ")


def test_judge_spec_and_rubric_columns(scripted: ScriptedServer) -> None:
    grader = parse_grader(f"judge:openai/judge-a@{scripted.url}")
    assert isinstance(grader, JudgeGrader) and grader.name == f"judge:openai/judge-a@{scripted.url}"
    custom = JudgeGrader(grader.target, "Q {question} A {answer} want {answer_key}")
    assert custom.columns == ("answer_key",) and custom.version != grader.version


def test_judge_calls_are_own_records_with_cost_never_answers_and_not_resent(
    scripted: ScriptedServer, tmp_path: object
) -> None:
    scripted.replies["judge-a"] = "Score: 8/10 - correct"
    store = workbench.Store(tmp_path / "runs.sqlite")  # type: ignore[operator]
    judge = JudgeGrader(_target(scripted, "judge-a"))
    kwargs = dict(id_column="id", targets=[_target(scripted, "delay-0")], graders=[judge, "contains:answer"],
                  name="j1", store=store, max_tokens=8)  # fmt: skip
    result = sweep(ROWS, "{q}", **kwargs)
    answers = sweep_records(store, "j1")
    judged = judge_records(store, "j1")
    assert len(answers) == 3 and len(judged) == 3 and store.count() == 6
    assert {judge_of(j)[0] for j in judged} == {a.call_id for a in answers}  # type: ignore[index]
    assert all(j.cost_usd and j.cost_usd > 0 and "sweep" not in j.provenance for j in judged)
    asked = judged[0].prompt[0]["content"]  # type: ignore[index]
    assert "Say hello to number" in asked and "Hello from the scripted server." in asked
    grades = {g.call_id: g for g in read_grades(store) if g.grader == judge.name}
    assert {g.score for g in grades.values()} == {0.8} and {g.reason for g in grades.values()} == {"correct"}
    scores = result.scores(judge.name)
    row = scores.iloc[0]
    assert row["n"] == 3 and row["score"] == pytest.approx(0.8)
    assert row["judge_cost_usd"] == pytest.approx(sum(j.cost_usd for j in judged))  # type: ignore[misc]
    assert row["cost_usd"] == pytest.approx(sum(a.cost_usd for a in answers))  # type: ignore[misc]
    assert len(result.to_pandas()) == 3
    before = _sent(scripted, "judge-a")
    again = sweep(ROWS, "{q}", **kwargs)  # resume: nothing left to send, no judge asked again
    assert _sent(scripted, "judge-a") == before and again.sent == 0 and store.count() == 6
    assert again.scores(judge.name).iloc[0]["score"] == pytest.approx(0.8)


def test_an_unparseable_judge_reply_scores_zero_without_failing(scripted: ScriptedServer, tmp_path: object) -> None:
    scripted.replies["judge-b"] = "Hmm, hard to say."
    judge = JudgeGrader(_target(scripted, "judge-b"))
    result = sweep(ROWS[:1], "{q}", id_column="id", targets=[_target(scripted, "delay-0")], graders=[judge],
                   name="j2", store=workbench.Store(tmp_path / "runs.sqlite"), max_tokens=8)  # type: ignore[operator]  # fmt: skip
    frame = result.to_pandas()
    assert frame[f"score {judge.name}"].iloc[0] == 0.0
    assert frame[f"reason {judge.name}"].iloc[0].startswith("judge reply not understood: 'Hmm, hard to say.")


def test_regrading_with_a_judge_reads_back_its_verdicts(scripted: ScriptedServer, tmp_path: object) -> None:
    scripted.replies["judge-c"] = "PASS - fine"
    store = workbench.Store(tmp_path / "runs.sqlite")  # type: ignore[operator]
    sweep(ROWS[:2], "{q}", id_column="id", targets=[_target(scripted, "delay-0")], name="j3", store=store,
          max_tokens=8)  # fmt: skip
    judge = JudgeGrader(_target(scripted, "judge-c"))
    first = grade("j3", judge, store=store)
    assert _sent(scripted, "judge-c") == 2 and first.scores(judge.name).iloc[0]["score"] == 1.0
    second = grade("j3", judge, store=store)
    assert _sent(scripted, "judge-c") == 2 and len(second.judge_calls) == 2


def test_the_budget_counts_judge_calls(scripted: ScriptedServer, tmp_path: object) -> None:
    """The cap: the first (answer, judge) pair's real cost plus one answer and one judge at their worst case.
    Real costs ($0.024 an answer, $0.020 a judge) settle below the worst case, so three answers and two
    judges fit; the third judge's worst case does not, and the sweep stops before it is sent."""
    scripted.replies["judge-d"] = "Score: 5/10 - half"
    store = workbench.Store(tmp_path / "runs.sqlite")  # type: ignore[operator]
    judge = JudgeGrader(_target(scripted, "judge-d"), max_tokens=16)
    target = _target(scripted, "delay-0")
    item = load_dataset(ROWS, "{q}", id_column="id")[0]
    worst_answer = worst_case_usd(target, item.messages, 8, price=None, compute_per_hour=None, timeout=120)
    worst_judge = worst_case_usd(judge.target, judge.messages("Hello from the scripted server.", item), 16,
                                 price=None, compute_per_hour=None, timeout=120)  # fmt: skip
    first_pair = 0.024 + (12 * 1000 + 4 * 2000) / 1e6
    cap = first_pair + worst_answer + worst_judge - 0.001
    result = sweep(ROWS, "{q}", id_column="id", targets=[target], graders=[judge], name="j4",
                   store=store, max_tokens=8, concurrency=1, budget_usd=cap)  # fmt: skip
    answers, judged = sweep_records(store, "j4"), judge_records(store, "j4")
    spent = sum(r.cost_usd for r in (*answers, *judged))  # type: ignore[misc]
    assert result.stopped == "budget" and spent <= cap
    assert result.spent_usd == pytest.approx(spent)
    assert (len(answers), len(judged)) == (3, 2)


def test_reuse_serves_identical_requests_from_the_run_log(scripted: ScriptedServer, tmp_path: object) -> None:
    store = workbench.Store(tmp_path / "runs.sqlite")  # type: ignore[operator]
    target = _target(scripted, "delay-0.01")
    kwargs = dict(id_column="id", targets=[target], graders=["contains:answer"], store=store, max_tokens=8, seed=3)
    sweep(ROWS, "{q}", name="r1", **kwargs)  # type: ignore[arg-type]
    before = _sent(scripted, "delay-0.01")
    reused = sweep(ROWS, "{q}", name="r2", reuse=True, **kwargs)  # type: ignore[arg-type]
    assert _sent(scripted, "delay-0.01") == before
    records = sweep_records(store, "r2")
    assert len(records) == 3 and all(r.replayed for r in records) and len(sweep_records(store, "r1")) == 3
    row = reused.scores().iloc[0]
    assert row["reused"] == 3 and row["score"] == 1.0 and reused.spent_usd == 0.0
    fresh = sweep(ROWS, "{q}", name="r3", **kwargs)  # type: ignore[arg-type]
    assert _sent(scripted, "delay-0.01") == before + 3 and fresh.scores().iloc[0]["reused"] == 0
