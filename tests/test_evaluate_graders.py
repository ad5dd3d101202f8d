"""Graders on real and adversarial answers: numeric on the published GSM8K answers, choice on MMLU-style prose."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from workbench.errors import ConfigError
from workbench.evaluate import (
    GRADER_SPECS,
    CallableGrader,
    ChoiceMatch,
    Contains,
    ExactMatch,
    Grade,
    Grader,
    Item,
    JsonSchemaValid,
    JsonValid,
    NormalizedMatch,
    NumericMatch,
    RegexMatch,
    check_graders,
    chosen_letters,
    final_number,
    load_dataset,
    parse_grader,
)
from workbench.routing import default_routellm_dir

WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1"
STRONG = "gpt-4-1106-preview"


def item(**references: Any) -> Item:
    return load_dataset([{"prompt": "q", **references}])[0]


def score(grader: Grader, text: str, /, **references: Any) -> float:
    return grader.grade(text, item(**references)).score


def test_exact_match_ignores_only_surrounding_whitespace() -> None:
    grader = ExactMatch("answer")
    assert score(grader, " Paris\n", answer="Paris") == 1.0
    assert score(grader, "paris", answer="Paris") == 0.0
    assert grader.grade("Lyon", item(answer="Paris")).reason == "expected 'Paris', got 'Lyon'"
    assert score(grader, "Lutetia", answer=["Paris", "Lutetia"]) == 1.0


@pytest.mark.parametrize(
    ("answer", "reference", "expected"),
    [
        ("The Eiffel Tower!", "eiffel tower", 1.0),
        ("  “Paris.”  ", "paris", 1.0),
        ("New-York", "new york", 1.0),
        ("An apple", "apple", 1.0),
        ("ÉCOLE", "école", 1.0),
        ("theatre", "the atre", 0.0),
        ("Paris, France", "Paris", 0.0),
    ],
)
def test_normalized_match(answer: str, reference: str, expected: float) -> None:
    assert score(NormalizedMatch("answer"), answer, answer=reference) == expected


def test_contains_and_not_contains_with_a_column_or_a_literal() -> None:
    assert score(Contains("answer"), "I believe it is Paris.", answer="Paris") == 1.0
    assert score(Contains("answer"), "I believe it is paris.", answer="Paris") == 0.0
    assert score(Contains("answer", ignore_case=True), "I believe it is paris.", answer="Paris") == 1.0
    assert score(Contains(text="sorry", negate=True), "Sorry, I can't.", answer="x") == 1.0
    assert score(Contains(text="Sorry", negate=True), "Sorry, I can't.", answer="x") == 0.0
    assert parse_grader('not-contains:"as an AI"').grade("As an AI, no", item()).score == 1.0
    assert parse_grader('not-icontains:"as an AI"').grade("As an AI, no", item()).score == 0.0
    assert parse_grader("icontains:answer").grade("PARIS!", item(answer="paris")).score == 1.0
    assert parse_grader("icontains:answer").name == "icontains:answer"
    with pytest.raises(ConfigError, match="exactly one"):
        Contains("answer", text="x")


def test_regex_searches_anywhere_and_rejects_a_bad_pattern() -> None:
    grader = parse_grader(r"regex:^\d{3}-\d{4}$")
    assert isinstance(grader, RegexMatch)
    assert score(grader, "555-1234") == 1.0 and score(grader, "call 555-1234") == 0.0
    assert parse_grader("regex:(?i)yes").grade("YES!", item()).reason == "matches 'YES'"
    with pytest.raises(ConfigError, match=r"regex:\(unclosed is not a valid regular expression"):
        parse_grader("regex:(unclosed")


@pytest.mark.parametrize(
    ("answer", "reference", "expected"),
    [
        ("She sells 9 eggs for $2 each: 9 * $2 = $<<9*2=18>>18.\n#### 18", "18", 1.0),
        ("#### 1,234", "1234", 1.0),
        ("The total is $1,234.50.", "1234.5", 1.0),
        ("It costs $12.50 in all.", "12.5", 1.0),
        ("The town is 12 km away.", "12", 1.0),
        ("The temperature fell to -5 degrees.", "-5", 1.0),
        ("He owes \u22127 dollars.", "-7", 1.0),
        ("He lost -$5 on the trade.", "-5", 1.0),
        ("Each gets 3/4 of a pie.", "0.75", 1.0),
        ("That takes 2 1/2 hours.", "2.5", 1.0),
        (r"So $x = \frac{3}{4}$.", "0.75", 1.0),
        (r"\boxed{42}. Checking: 41 + 1 = 42, and 7 more", "42", 1.0),
        ("The answer is 18 dollars, since 9 * 2 = 18 and 3 more make 21.", "18", 1.0),
        ("Between 5-7 apples.", "7", 1.0),
        ("16 - 3 = 13", "13", 1.0),
        ("It is .5 of the whole.", "0.5", 1.0),
        ("One million is 1e6.", "1000000", 1.0),
        ("It is 17.", "18", 0.0),
        ("The answer is eighteen.", "18", 0.0),
        ("5-7 apples", "-7", 0.0),
        ("I got 18, no wait, 19.", "18", 0.0),
        ("#### 18", "Janet sells 9 eggs a day at $2 each.\n#### 18", 1.0),
    ],
)
def test_numeric_reads_the_final_number(answer: str, reference: str, expected: float) -> None:
    assert score(NumericMatch("answer"), answer, answer=reference) == expected


def test_numeric_tolerance_absolute_and_relative_and_json_numbers() -> None:
    assert score(parse_grader("numeric:answer:0.001"), "pi is about 3.14", answer=3.14159) == 0.0
    assert score(parse_grader("numeric:answer:0.001"), "pi is about 3.142", answer=3.14159) == 1.0
    assert score(parse_grader("numeric:answer:1%"), "about 990", answer=1000) == 1.0
    assert score(parse_grader("numeric:answer:1%"), "about 980", answer=1000) == 0.0
    assert score(NumericMatch("answer"), "0.30000000000000004", answer=0.3) == 1.0
    assert parse_grader("numeric:answer:1%").name == "numeric:answer:1%"
    with pytest.raises(ConfigError, match="Tolerance 'x' is not a number"):
        parse_grader("numeric:answer:x")


def test_numeric_reasons_say_what_was_read() -> None:
    grader = NumericMatch("answer")
    assert grader.grade("so 41.\n#### 42", item(answer="42")).reason == "42 (after '####') = 42"
    assert grader.grade("It is 17.", item(answer="18")).reason == "17 (last number) is not 18"
    assert grader.grade("no idea", item(answer="18")).reason == "no number in the answer; expected 18"


def gsm8k_rows() -> list[dict[str, str]]:
    path = default_routellm_dir() / "gsm8k_responses.csv"
    if not path.is_file():
        pytest.fail(f"{path} is missing: copy the shared data/routellm folder there or set WORKBENCH_ROUTELLM_DIR")
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_numeric_agrees_with_the_published_gsm8k_judgements() -> None:
    """Two models' real answers: when both were judged right their final numbers agree; when only one was, not."""
    grader = NumericMatch("reference")
    both, one = [], []
    for row in gsm8k_rows():
        graded = grader.grade(row[f"{WEAK}_response"], item(reference=row[f"{STRONG}_response"])).score
        if row[WEAK] == row[STRONG] == "True":
            both.append(graded)
        elif row[WEAK] != row[STRONG]:
            one.append(graded)
    assert len(both) == 747 and len(one) == 478
    assert sum(both) / len(both) >= 0.99, f"agree on {sum(both)} of {len(both)} answers both judged right"
    assert sum(one) / len(one) <= 0.08, f"agree on {sum(one)} of {len(one)} answers judged differently"


@pytest.mark.parametrize(
    ("answer", "chosen"),
    [
        ("C", "C"),
        ("(C)", "C"),
        ("**C.**", "C"),
        ("The answer is (C).", "C"),
        ("Answer: C", "C"),
        ("The answer is: C", "C"),
        ("The correct answer is **(C) Paris**", "C"),
        ("C) Paris, since it is the capital.", "C"),
        ("(C) Paris", "C"),
        ("C. Paris", "C"),
        ("I think it's C because the others are cities in Germany.", "C"),
        ("It's probably C.", "C"),
        ("I'd go with option C.", "C"),
        ("A good case can be made, but I pick C.", "C"),
        ("Looking at the options, Paris (C) fits.", "C"),
        (r"\boxed{C}", "C"),
        ("Answer: The answer is C", "C"),
    ],
)
def test_choice_reads_the_letter_from_prose(answer: str, chosen: str) -> None:
    grade = ChoiceMatch("answer").grade(answer, item(answer="C"))
    assert grade.score == 1.0, grade.reason
    assert grade.reason.startswith(f"chose {chosen} (")


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("The answer is A or C.", "ambiguous: a stated answer names A, C; expected C"),
        ("It's either B or C.", "ambiguous: a choice in words names B, C; expected C"),
        ("A) 1\nB) 2\nC) 3\nD) 4\nHard to say.", "ambiguous: an option line names A, B, C, D"),
        ("I am not sure about this one.", "no choice letter in the answer; expected C"),
        ("I think a dog is the answer.", "no choice letter"),
        ("The answer is B.", "chose B (a stated answer), which is not C"),
    ],
)
def test_choice_scores_ambiguous_or_missing_letters_zero_with_a_reason(answer: str, reason: str) -> None:
    grade = ChoiceMatch("answer").grade(answer, item(answer="C"))
    assert grade.score == 0.0 and grade.reason.startswith(reason), grade.reason


def test_choice_references_letters_and_indices() -> None:
    grader = ChoiceMatch("answer")
    assert score(grader, "B", answer=1) == 1.0
    assert score(grader, "B", answer="(b)") == 1.0
    assert score(grader, "J", answer="J") == 1.0
    assert score(ChoiceMatch("answer", letters="ABCD"), "E) none; the answer is D", answer="D") == 1.0
    with pytest.raises(ConfigError, match=r"row 1 \(item \w+\): grader choice:answer needs a letter A-J .* not '2'"):
        grader.check(item(answer="2"))
    with pytest.raises(ConfigError, match="distinct capital letters"):
        ChoiceMatch("answer", letters="abc")


def test_json_and_json_schema(tmp_path: Path) -> None:
    assert JsonValid().grade('{"a": 1}', item()).score == 1.0
    assert JsonValid().grade('```json\n{"a": 1}\n```', item()).reason == "valid JSON (inside a code fence)"
    bad = JsonValid().grade('Sure! {"a": 1}', item())
    assert bad.score == 0.0 and bad.reason.startswith("not valid JSON (Expecting value at line 1 column 1")
    schema = {"type": "object", "properties": {"age": {"type": "integer"}}, "required": ["age"]}
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(schema), encoding="utf-8")
    grader = parse_grader(f"json-schema:{path}")
    assert isinstance(grader, JsonSchemaValid)
    assert grader.grade('{"age": 3}', item()).score == 1.0
    assert grader.grade('{"age": "3"}', item()).reason == "schema: '3' is not of type 'integer' at age"
    assert grader.grade("{}", item()).reason == "schema: 'age' is a required property at (root)"
    assert grader.grade("[1,", item()).score == 0.0
    path.write_text('{"type": "nonsense"}', encoding="utf-8")
    with pytest.raises(ConfigError, match="not a valid JSON Schema"):
        parse_grader(f"json-schema:{path}")
    with pytest.raises(ConfigError, match="Cannot read the JSON Schema"):
        parse_grader(f"json-schema:{tmp_path / 'missing.json'}")


def test_python_callables_return_bool_float_tuple_or_grade() -> None:
    def polite(answer: str, it: Item) -> bool:
        return "please" in answer

    grade = CallableGrader(polite).grade("please", item())
    assert grade.score == 1.0 and grade.reason.endswith("<locals>.polite returned True")
    assert CallableGrader(polite).grade("thanks", item()).score == 0.0
    assert CallableGrader(lambda a, i: 0.25).grade("x", item()).score == 0.25
    assert CallableGrader(lambda a, i: (0.5, "half")).grade("x", item()) == Grade(0.5, "half")
    assert CallableGrader(lambda a, i: Grade(1.0, "ok"), name="mine").grade("x", item()) == Grade(1.0, "ok")
    with pytest.raises(ConfigError, match=r"returned 1\.5; return a bool, a score from 0 to 1"):
        CallableGrader(lambda a, i: 1.5).grade("x", item())
    with pytest.raises(ConfigError, match="returned 'yes'"):
        CallableGrader(lambda a, i: "yes").grade("x", item())


def test_a_grade_is_a_score_in_zero_to_one() -> None:
    for bad in (1.5, -0.1, float("nan")):
        with pytest.raises(ConfigError, match="from 0 to 1"):
            Grade(bad, "x")
    assert Grade(1, "ok").passed and not Grade(0.9, "close").passed


@pytest.mark.parametrize(
    ("spec", "kind", "name"),
    [
        ("exact:answer", ExactMatch, "exact:answer"),
        ("normalized:answer", NormalizedMatch, "normalized:answer"),
        ("normalised:answer", NormalizedMatch, "normalized:answer"),
        ("numeric:answer", NumericMatch, "numeric:answer"),
        ("numeric:answer:0.5", NumericMatch, "numeric:answer:0.5"),
        ("choice:answer", ChoiceMatch, "choice:answer"),
        ("regex:a:b", RegexMatch, "regex:a:b"),
        ("contains:answer", Contains, "contains:answer"),
        ("contains:'x y'", Contains, "contains:'x y'"),
        ("not-contains:answer", Contains, "not-contains:answer"),
        ("json", JsonValid, "json"),
    ],
)
def test_spec_strings_make_graders(spec: str, kind: type, name: str) -> None:
    grader = parse_grader(spec)
    assert isinstance(grader, kind) and isinstance(grader, Grader)
    assert grader.name == name and grader.version == "1"


def test_bad_specs_get_one_line_listing_the_valid_ones() -> None:
    with pytest.raises(ConfigError, match=r"Unknown grader 'fuzzy:answer'; use one of exact:COLUMN, ") as caught:
        parse_grader("fuzzy:answer")
    assert all(spec in str(caught.value) for spec in GRADER_SPECS)
    with pytest.raises(ConfigError, match=r"Grader 'judge:' is incomplete: write judge:TARGET"):
        parse_grader("judge:")
    with pytest.raises(ConfigError, match=r"Grader 'exact' is incomplete: write exact:COLUMN"):
        parse_grader("exact")
    with pytest.raises(ConfigError, match=r"incomplete: write json-schema:PATH"):
        parse_grader("json-schema:")


def test_check_graders_fails_on_a_bad_reference_before_any_call() -> None:
    data = load_dataset(
        [{"q": "a", "gold": "4"}, {"q": "b", "gold": "7"}, {"q": "c", "gold": "n/a"}], "{q}", id_column="q"
    )
    check_graders([parse_grader("exact:gold")], data)
    with pytest.raises(ConfigError, match=r"row 3 \(item c\): grader numeric:gold finds no number in column 'gold'"):
        check_graders([parse_grader("numeric:gold")], data)
    kept = load_dataset([{"q": "a", "gold": "4"}], "{q}", references=["q"])
    with pytest.raises(ConfigError, match=r"grader exact:gold reads column 'gold', which is not kept \(kept: q\)"):
        check_graders([parse_grader("exact:gold")], kept)
    with pytest.raises(ConfigError, match=r"grader exact:gold needs a value in column 'gold'"):
        check_graders([parse_grader("exact:gold")], load_dataset([{"q": "a", "gold": None}], "{q}"))


def test_final_number_reads_long_numbers_and_odd_casing_whole() -> None:
    assert final_number("#### 7") == (7.0, "7", "after '####'")
    long = "1,234,567,890,123,456,789,012,345,678,901,234"
    answer = f"{'word ' * 30}a total of {long} grains"
    assert final_number(answer) == (float(long.replace(",", "")), long, "last number")
    assert final_number("\u0130\u0130\u0130\u0130 answer: 3, then 4") == (3.0, "3", "after 'answer:'")


def test_choice_keywords_must_be_whole_words() -> None:
    assert chosen_letters("Under the adoption C rules, I choose B.") == (["B"], "a choice in words")


def test_choice_keeps_positions_when_lower_case_is_longer() -> None:
    assert chosen_letters("\u0130stanbul \u0130zmir, the answer is C, not Ankara") == (["C"], "a stated answer")
