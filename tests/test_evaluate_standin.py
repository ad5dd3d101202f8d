"""The loopback cloud stand-in, over real HTTP through the workbench's own targets and sweep."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

import workbench
from workbench.errors import ConfigError
from workbench.evaluate import StandInServer
from workbench.evaluate.standin import NO_REFERENCE
from workbench.records import Price

# 40 questions with numeric answers ("2,000"-style ones too): the stand-in's table and the sweep's dataset.
ROWS = [{"id": f"q{n:02d}", "question": f"A crate holds {n} boxes of {n + 3} pens. How many pens are there?",
         "answer": f"{n * (n + 3):,}"} for n in range(1, 41)]  # fmt: skip
TABLE = {row["question"]: row["answer"] for row in ROWS}
PRICE = Price(0.15, 0.60)
PROMPT = "Question: {question}\nAnswer with the number only."


def standin_target(server: StandInServer) -> workbench.Target:
    return workbench.resolve("openai/gpt-4o-mini-standin", api_base=server.url, locality="cloud", price=PRICE)


@pytest.mark.parametrize("accuracy", [0.85, 0.5, 1.0, 0.0])
def test_a_sweep_scores_what_the_table_and_accuracy_say(accuracy: float, tmp_path: Path) -> None:
    with StandInServer(TABLE, accuracy=accuracy, latency_s=0.0) as server:
        result = workbench.sweep(ROWS, PROMPT, targets=[standin_target(server)], graders=["numeric:answer"],
                                 id_column="id", name="standin", store=tmp_path / "runs.sqlite")  # fmt: skip
        expected = server.expected_right()
        assert server.calls == len(ROWS)
    frame = result.to_pandas().set_index("item_id")
    scored = {row["question"]: frame.loc[row["id"], "score numeric:answer"] == 1.0 for row in ROWS}
    assert scored == expected  # right exactly where the hash says, wrong (a number) everywhere else
    share = sum(expected.values()) / len(expected)
    assert abs(share - accuracy) <= 0.1, share
    wrong = frame[frame["score numeric:answer"] == 0.0]["answer"]
    assert all(answer.replace(",", "").isdigit() for answer in wrong)  # a plausible number, not a refusal


def test_the_same_question_gets_the_same_answer_every_run(tmp_path: Path) -> None:
    answers = []
    for _ in range(2):
        with StandInServer(TABLE, accuracy=0.5, latency_s=0.0) as server:
            result = workbench.run(PROMPT.format(question=ROWS[0]["question"]), targets=[standin_target(server)],
                                   store=False)  # fmt: skip
            answers.append(result.records[0].response)
    assert answers[0] == answers[1] and answers[0]


def test_a_streamed_call_records_the_usage_and_cost_the_server_reports() -> None:
    question = ROWS[9]["question"]  # 10 boxes of 13 pens: "130"
    prompt = PROMPT.format(question=question)
    with StandInServer(TABLE, accuracy=1.0, latency_s=0.2) as server:
        result = workbench.run(prompt, targets=[standin_target(server)], store=False)
    (record,) = result.records
    assert record.ok and record.response == "130" and record.locality.value == "cloud"
    # "Question : A crate holds 10 boxes of 13 pens . How many pens are there ? Answer with the number only ."
    # is 23 words and marks, plus 3 for the message; the answer "130" is one.
    assert (record.input_tokens, record.output_tokens, record.tokens_estimated) == (26, 1, False)
    assert record.cost_usd == pytest.approx(26 * 0.15e-6 + 0.60e-6)
    assert record.latency_s is not None and record.latency_s >= 0.2


def test_a_whole_answer_request_gets_one_json_body() -> None:
    """``proxy/...[stream=no]`` asks with ``"stream": false`` over the OpenAI SDK: one JSON body, usage in it."""
    question = ROWS[39]["question"]  # 40 boxes of 43 pens: "1,720"
    with StandInServer(TABLE, accuracy=1.0, latency_s=0.0) as server:
        target = workbench.resolve(f"proxy/gpt-4o-mini-standin@{server.url}[stream=no]", api_key="not-a-key")
        result = workbench.run(f"Question: {question} Answer briefly.", targets=[target], store=False)
    (record,) = result.records
    assert record.ok, record.error_message
    assert record.response == "1,720" and record.output_tokens == 3 and not record.tokens_estimated


def test_a_question_not_in_the_table_says_so_and_max_tokens_cuts_the_answer() -> None:
    with StandInServer(TABLE, latency_s=0.0) as server:
        target = standin_target(server)
        unknown = workbench.run("What is the capital of France?", targets=[target], store=False).records[0]
        cut = workbench.run("What is the capital of France?", targets=[target], max_tokens=3, store=False).records[0]
    assert unknown.response == NO_REFERENCE
    assert cut.response == "The stand-" and cut.output_tokens == 3


def test_it_stops_cleanly_and_frees_its_port() -> None:
    server = StandInServer(TABLE).start()
    port = int(server.url.rsplit(":", 1)[1].split("/")[0])
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 2
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1)


@pytest.mark.parametrize(
    ("table", "kwargs", "words"),
    [({}, {}, "needs a reference table"), (TABLE, {"accuracy": 1.5}, "from 0 to 1"),
     (TABLE, {"latency_s": -1}, "0 or more")],
)  # fmt: skip
def test_bad_settings_name_the_fix(table: dict[str, str], kwargs: dict[str, float], words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        StandInServer(table, **kwargs)
