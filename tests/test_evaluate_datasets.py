"""Evaluation datasets: real files in every format, stable ids, the template rules, one clear error per bad input."""

from __future__ import annotations

import csv
import dataclasses
import importlib.util
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.errors import ConfigError
from workbench.evaluate import Dataset, fill_template, item_hash, load_dataset, template_columns


def write_csv(path: Path, rows: list[dict[str, object]], delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


ROWS = [
    {"question": "What is 2 + 2?", "answer": "4", "subject": "arithmetic"},
    {"question": "Capital of France?", "answer": "Paris", "subject": "geography"},
    {"question": "Largest planet?", "answer": "Jupiter", "subject": "astronomy"},
]


def test_csv_rows_become_items_with_filled_messages_and_references(tmp_path: Path) -> None:
    data = load_dataset(
        write_csv(tmp_path / "q.csv", ROWS), "Q: {question}\nA:", system="You answer {subject} questions."
    )
    assert isinstance(data, Dataset) and len(data) == 3 and data.source.endswith("q.csv")
    first = data[0]
    assert first.prompt == "Q: What is 2 + 2?\nA:"
    assert first.messages == (
        {"role": "system", "content": "You answer arithmetic questions."},
        {"role": "user", "content": "Q: What is 2 + 2?\nA:"},
    )
    assert dict(first.references) == ROWS[0]
    assert (first.row, first.line) == (1, 2)
    assert data.get(data[2].item_id) is data[2]
    assert list(data.to_pandas().columns[:4]) == ["item_id", "row", "prompt", "system"]


def test_no_system_prompt_sends_the_user_message_alone() -> None:
    data = load_dataset([{"prompt": "Hello {name}", "name": "Ada"}], "{name}: hi")
    assert data[0].messages == ({"role": "user", "content": "Ada: hi"},)
    frame = data.to_pandas()
    assert frame.loc[0, "prompt"] == "Ada: hi" and frame.loc[0, "prompt (reference)"] == "Hello {name}"


def test_quoted_multi_line_cells_keep_their_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "multi.csv"
    path.write_text('question,answer\n"line one\nline two",1\nsecond,\n', encoding="utf-8")
    data = load_dataset(path, "{question}")
    assert data[0].prompt == "line one\nline two"
    assert [item.line for item in data] == [2, 4]


def test_tsv_jsonl_json_list_and_dataframe_give_the_same_items(tmp_path: Path) -> None:
    sources = [
        write_csv(tmp_path / "q.tsv", ROWS, delimiter="\t"),
        write_jsonl(tmp_path / "q.jsonl", ROWS),
        write_jsonl(tmp_path / "q.ndjson", ROWS),
        tmp_path / "q.json",
        ROWS,
        pd.DataFrame(ROWS),
    ]
    (tmp_path / "q.json").write_text(json.dumps(ROWS), encoding="utf-8")
    reference = load_dataset(write_csv(tmp_path / "q.csv", ROWS), "{question}")
    for source in sources:
        data = load_dataset(source, "{question}")
        assert [(i.item_id, i.prompt, dict(i.references)) for i in data] == [
            (i.item_id, i.prompt, dict(i.references)) for i in reference
        ], source


def test_parquet_loads_with_pyarrow(tmp_path: Path) -> None:
    path = tmp_path / "q.parquet"
    rows = [{**row, "choices": ["x", "y"]} for row in ROWS]
    pd.DataFrame(rows).to_parquet(path)  # pyarrow comes with the dev extra ([parquet])
    data = load_dataset(path, "{question} {choices[1]}")
    assert [i.prompt for i in data] == [r["question"] + " y" for r in ROWS]


def test_parquet_without_an_engine_names_the_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "q.parquet"
    path.write_bytes(b"PAR1")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in ("pyarrow", "fastparquet")
                        else real(name, *a))  # fmt: skip
    with pytest.raises(ConfigError, match=r"needs pyarrow: pip install .hybrid-workbench\[parquet\]."):
        load_dataset(path, "{question}")


def test_hashed_ids_survive_reordering_and_reruns(tmp_path: Path) -> None:
    forward = load_dataset(write_csv(tmp_path / "a.csv", ROWS), "{question}")
    backward = load_dataset(write_csv(tmp_path / "b.csv", ROWS[::-1]), "Other template: {question}")
    assert {i.item_id: i.references["answer"] for i in forward} == {
        i.item_id: i.references["answer"] for i in backward
    }
    assert forward[0].item_id == item_hash(ROWS[0]) and len(forward[0].item_id) == 12
    assert item_hash({"a": 1, "b": "x"}) == item_hash({"b": "x", "a": 1}) != item_hash({"a": 1, "b": "y"})
    assert len(set(forward.item_ids)) == 3


def test_csv_cells_stay_text_so_ids_do_not_depend_on_other_rows(tmp_path: Path) -> None:
    one = load_dataset(write_csv(tmp_path / "a.csv", [{"prompt": "p", "n": "7"}]))
    two = load_dataset(write_csv(tmp_path / "b.csv", [{"prompt": "p", "n": "7"}, {"prompt": "q", "n": ""}]))
    assert one[0].item_id == two[0].item_id and one[0].references["n"] == "7"


def test_dataframe_numpy_values_hash_like_python_values() -> None:
    rows = [{"prompt": "p", "n": 3, "x": 0.5}]
    assert load_dataset(pd.DataFrame(rows))[0].item_id == load_dataset(rows)[0].item_id == item_hash(rows[0])
    arrays = pd.DataFrame({"prompt": ["p"], "choices": [np.array(["a", "b"], dtype=object)]})  # as Parquet gives
    item = load_dataset(arrays)[0]
    assert item.references["choices"] == ("a", "b")
    assert item.item_id == item_hash({"prompt": "p", "choices": ["a", "b"]})


def test_id_column_gives_the_ids(tmp_path: Path) -> None:
    rows = [{"id": 10, **ROWS[0]}, {"id": "b", **ROWS[1]}]
    data = load_dataset(write_jsonl(tmp_path / "q.jsonl", rows), "{question}", id_column="id")
    assert data.item_ids == ("10", "b")


def test_template_rules_match_the_magic() -> None:
    row = {"name": "Ada", "scores": [3, 1], "price": "3.14159", "n": 2.5, "meta": {"k": "v"}}
    filled = fill_template("{name} {scores[0]} {price:.2f} {n:.1f} {n.real} {meta[k]} {{literal}}", row)
    assert filled == "Ada 3 3.14 2.5 2.5 v {literal}"
    assert template_columns("{a} {b.c} {d[0]:>4} {a}") == ("a", "b", "d")
    assert fill_template("{count:d} items", {"count": "1,204"}) == "1204 items"


@pytest.mark.parametrize(
    ("template", "row", "message"),
    [
        ("{missing}", {"q": "x"}, r"row 1 \(item \w{12}\): no column 'missing' \(columns: q\)"),
        ("{q}", {"q": None}, r"column 'q' is empty \(null\)"),
        ("{q}", {"q": float("nan")}, r"column 'q' is empty \(null\)"),
        ("{q:.2f}", {"q": "many"}, r"cannot fill column 'q' \(ValueError: format '\.2f' needs a number"),
        ("{q[5]}", {"q": [1]}, r"cannot fill column 'q' \(IndexError"),
        ("{q.nope}", {"q": 1}, r"cannot fill column 'q' \(AttributeError"),
        ('Answer in JSON: {"a": 1}', {"q": 1}, r"no column '\"a\"'.*write \{\{ and \}\}"),
    ],
)
def test_a_row_that_cannot_fill_the_template_names_row_and_column(
    template: str, row: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_dataset([row], template)


@pytest.mark.parametrize("template", ["{}", "{0}", "{q", "q}", "{q!z}"])
def test_a_malformed_template_fails_before_any_row(template: str) -> None:
    with pytest.raises(ConfigError, match=r"literal braces|names no column|malformed|cannot fill"):
        load_dataset([{"q": "x"}], template)


def test_missing_column_in_one_jsonl_row_names_file_row_line_and_item(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "a"}\n\n{"question": "b"}\n{"questoin": "c"}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_dataset(path, "{question}")
    text = str(caught.value)
    assert f"{path} row 3 (line 4, item {item_hash({'questoin': 'c'})}): no column 'question'" in text
    assert "\n" not in text


def test_empty_prompt_after_filling_is_an_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "q.csv", [{"question": "a"}, {"question": "  "}])
    with pytest.raises(ConfigError, match=r"row 2 \(line 3, item \w+\): the prompt is empty after filling"):
        load_dataset(path, "{question}")
    with pytest.raises(ConfigError, match="system prompt is empty"):
        load_dataset([{"q": "a", "s": ""}], "{q}", system="{s}")


def test_not_utf8_names_the_byte_offset_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("question\nfine\ncaf\u00e9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"not UTF-8: byte 0xe9 at offset 17 \(line 3\); save the file as UTF-8"):
        load_dataset(path, "{question}")


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffquestion\nhi\n".encode())
    assert load_dataset(path, "{question}")[0].prompt == "hi"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", "", "is empty: it needs a header"),
        ("header.csv", "question,answer\n", "has no rows"),
        ("blank.jsonl", "\n\n", "has no rows"),
        ("ragged.csv", "question,answer\na,1\nb,2,3\n", r"line 3: 3 fields, the header has 2"),
        ("noname.csv", "question,\na,1\n", "column 2 has no name"),
        ("twice.csv", "q,q\na,b\n", "column 'q' appears twice"),
        ("quote.csv", 'q\n"a"b"\n', r"line 2: not valid CSV"),
        ("bad.jsonl", '{"q": "a"}\n{"q": \n', r"line 2: not valid JSON"),
        ("list.jsonl", '{"q": "a"}\n["a"]\n', r"line 2: a JSON list, not an object"),
        ("obj.json", '{"q": "a"}', "a .json dataset is an array of objects, not a JSON dict"),
        ("q.txt", "q\na\n", r"unknown file kind '\.txt'; use \.csv"),
    ],
)
def test_bad_files_get_one_line_naming_the_problem(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as caught:
        load_dataset(path, "{q}")
    assert "\n" not in str(caught.value)


def test_unreadable_paths_say_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"Cannot read dataset .*nope\.csv: No such file"):
        load_dataset(tmp_path / "nope.csv")
    (tmp_path / "dir.jsonl").mkdir()
    with pytest.raises(ConfigError, match=r"Cannot read dataset .*dir\.jsonl: Is a directory"):
        load_dataset(tmp_path / "dir.jsonl")


def test_empty_and_malformed_in_memory_sources() -> None:
    with pytest.raises(ConfigError, match="list has no rows"):
        load_dataset([])
    with pytest.raises(ConfigError, match="DataFrame has no rows"):
        load_dataset(pd.DataFrame({"prompt": []}))
    with pytest.raises(ConfigError, match="row 2 of the list is a str"):
        load_dataset([{"prompt": "a"}, "b"])  # type: ignore[list-item]
    with pytest.raises(ConfigError, match="column name 0 is not text"):
        load_dataset(pd.DataFrame([[1, 2]]))


def test_duplicate_rows_and_duplicate_ids_name_both_rows(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "dup.csv", [ROWS[0], ROWS[1], ROWS[0]])
    with pytest.raises(ConfigError, match=r"rows 1 and 3: identical rows \(item id \w{12}\); drop the duplicate"):
        load_dataset(path, "{question}")
    rows = [{"id": 1, "q": "a"}, {"id": 2, "q": "b"}, {"id": 1, "q": "c"}]
    with pytest.raises(ConfigError, match=r"rows 1 and 3: the same id '1' in column 'id'"):
        load_dataset(rows, "{q}", id_column="id")


def test_id_and_reference_columns_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"row 2: no id column 'id'"):
        load_dataset([{"id": 1, "q": "a"}, {"q": "b"}], "{q}", id_column="id")
    with pytest.raises(ConfigError, match=r"row 1: the id column 'id' is empty"):
        load_dataset([{"id": " ", "q": "a"}], "{q}", id_column="id")
    with pytest.raises(ConfigError, match=r"row 1 \(item \w+\): no reference column 'gold'"):
        load_dataset([{"q": "a"}], "{q}", references=["gold"])
    kept = load_dataset([{"q": "a", "gold": "x", "junk": "y"}], "{q}", references=["gold"])
    assert dict(kept[0].references) == {"gold": "x"}


def test_items_and_their_references_are_immutable() -> None:
    source = [{"prompt": "p", "choices": ["a", "b"], "meta": {"k": [1]}}]
    item = load_dataset(source)[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.prompt = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        item.references["prompt"] = "changed"  # type: ignore[index]
    assert item.references["choices"] == ("a", "b")
    with pytest.raises(TypeError):
        item.references["meta"]["k"] = 2
    source[0]["prompt"] = "mutated after loading"
    assert item.references["prompt"] == "p"


def test_fifty_thousand_rows_load_in_well_under_two_seconds(tmp_path: Path) -> None:
    """CPU time of this process, so other work on a shared machine does not make it flaky (bench: wall time)."""
    rows = [{"question": f"What is {i} plus {i % 7}? Show your work.", "answer": str(i + i % 7)} for i in range(50_000)]
    path = write_csv(tmp_path / "big.csv", rows)
    start, wall = time.process_time(), time.perf_counter()
    data = load_dataset(path, "Q: {question}\nA:", system="Be brief.")
    cpu, wall = time.process_time() - start, time.perf_counter() - wall
    assert len(data) == 50_000 and data[-1].line == 50_001
    assert cpu < 2.0, f"50,000 rows took {cpu:.2f} s of CPU ({wall:.2f} s wall)"
