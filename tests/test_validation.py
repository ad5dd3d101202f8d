"""Bad input is checked once, before anything is sent, the same way for the CLI, the API and the magic.

Issue 12, points 5-7 and 10: bytes that are not UTF-8 (stdin, a file, arguments, notebook cells),
malformed target specs, empty prompts and targets, bad timeouts, and the exit status when no
target answered. The CLI runs as a real subprocess; the API and the magic against the real model.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

import workbench
from workbench.errors import ConfigError
from workbench.runlog.store import Store

ROOT = Path(__file__).resolve().parent.parent
FFFD = "\ufffd"
UNDECODABLE = b"\xff".decode("utf-8", "surrogateescape")  # how Python carries a byte from argv or stdin


def hybrid(
    *args: str, store: Path, stdin: bytes | None = None, stdin_file: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    """``hybrid ARGS`` in a subprocess; stdin strict, so no locale's error handler hides a decoding slip."""
    env = {**os.environ, "WORKBENCH_STORE": str(store), "PYTHONIOENCODING": "utf-8:strict", "LC_ALL": "C.UTF-8"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "workbench.cli", *args]
    if stdin_file is not None:
        with stdin_file.open("rb") as handle:
            return subprocess.run(command, stdin=handle, capture_output=True, timeout=180, env=env)
    return subprocess.run(command, input=stdin, capture_output=True, timeout=180, env=env)


def recorded(store: Path) -> int:
    """Calls in the run log at ``store`` (the magic opens its log before a cell runs; the CLI does not)."""
    return Store(store).count() if store.exists() else 0


def errors(done: subprocess.CompletedProcess[bytes]) -> list[str]:
    return done.stderr.decode().strip().splitlines()


RUN = ("run", "--json", "--max-tokens", "2", "--temperature", "0", "--seed", "1")


# --- 12.5: bytes that are not UTF-8 are sent as U+FFFD, with one line on stderr ---------------------------


def note(what: str, count: str) -> str:
    return f"The {what} held {count} not UTF-8, sent as U+FFFD ({FFFD}); save the text as UTF-8 to send it as written."


def _one_fffd_record(done: subprocess.CompletedProcess[bytes], store: Path, expected: str) -> None:
    assert done.returncode == 0, done.stderr.decode()
    (line,) = errors(done)
    assert "1 byte that is not UTF-8, sent as U+FFFD" in line
    (record,) = [json.loads(x) for x in done.stdout.decode().splitlines()]
    assert record["prompt"][-1]["content"] == expected
    assert [r.call_id for r in Store(store).records()] == [record["call_id"]]


def test_undecodable_stdin_is_replaced_and_said_once(tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    done = hybrid(*RUN, store=store, stdin=b"Say hi \xff")
    _one_fffd_record(done, store, f"Say hi {FFFD}")


def test_undecodable_file_on_stdin_is_replaced(tmp_path: Path) -> None:
    prompt = tmp_path / "prompt.txt"
    prompt.write_bytes("Résumé in Latin-1: caf".encode() + b"\xe9.")
    store = tmp_path / "s.sqlite"
    done = hybrid(*RUN, "-", store=store, stdin_file=prompt)
    _one_fffd_record(done, store, f"Résumé in Latin-1: caf{FFFD}.")


def test_undecodable_argument_is_replaced(tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    done = hybrid(*RUN, f"Say hi {UNDECODABLE}", store=store)
    _one_fffd_record(done, store, f"Say hi {FFFD}")


def test_api_replaces_undecodable_text_and_bytes_and_logs_one_line(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="workbench"):
        result = workbench.run(
            f"Say hi {UNDECODABLE}{UNDECODABLE}", ["local/smollm2"], system=f"Be brief {UNDECODABLE}",
            max_tokens=2, temperature=0, seed=1,
        )  # fmt: skip
        from_bytes = workbench.run(b"Say hi \xff", max_tokens=2, temperature=0, seed=1)
    assert result[0].ok and result[0].prompt == (
        {"role": "system", "content": f"Be brief {FFFD}"},
        {"role": "user", "content": f"Say hi {FFFD}{FFFD}"},
    )
    assert from_bytes[0].prompt == ({"role": "user", "content": f"Say hi {FFFD}"},)
    notes = [r.getMessage() for r in caplog.records if "U+FFFD" in r.getMessage()]
    assert notes == [note("prompt", "2 bytes that are"), note("system message", "1 byte that is"),
                     note("prompt", "1 byte that is")]  # fmt: skip


def test_magic_cell_with_undecodable_text_is_replaced(
    ip: InteractiveShell, isolated_store: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ip.user_ns["word"] = f"hi {UNDECODABLE}"
    with caplog.at_level(logging.WARNING, logger="workbench"):
        result = ip.run_cell_magic("hybrid", "--max-tokens 2 --temperature 0 --seed 1 --no-panel", "Say {word}")
    (record,) = result
    assert record.ok and record.prompt == ({"role": "user", "content": f"Say hi {FFFD}"},)
    assert [r.getMessage() for r in caplog.records if "U+FFFD" in r.getMessage()] == [note("prompt", "1 byte that is")]
    assert [r.call_id for r in Store(isolated_store).records()] == [record.call_id]


# --- 12.6: a malformed target is refused before anything is sent -------------------------------------------

BAD_TARGETS = [
    ("openai/ok@not-a-url", "'not-a-url' is not an http(s) URL with a host; write openai/ok@http://HOST:PORT/v1"),
    ("mlc/x@not-a-url", "'not-a-url' is not an http(s) URL with a host; write mlc/x@http://HOST:PORT/v1"),
    ("openai/ok@", "has '@' but no URL after it"),
    ("openai/ok@ftp://host/v1", "is not an http(s) URL"),
    ("openai/ok@http://host:99999/v1", "Port out of range"),
    ("openai/ok@http://a b/v1", "is not an http(s) URL with a host"),
    ("llamacpp/nope.gguf", "no file at 'nope.gguf'; give the path of a .gguf model"),
    ("local/smollm2@http://127.0.0.1:1/v1", "local/ models run in this process and take no @URL"),
    ("  ", "A target spec is empty"),
    ("openai/", "Unknown target 'openai/'"),
]


@pytest.mark.parametrize(("spec", "words"), BAD_TARGETS)
def test_cli_refuses_a_malformed_target_with_one_line_and_exit_2(tmp_path: Path, spec: str, words: str) -> None:
    store = tmp_path / "s.sqlite"
    done = hybrid("run", "-t", "local/smollm2", "-t", spec, "hi", store=store)
    assert done.returncode == 2, done.stdout.decode()
    (line,) = errors(done)
    assert line.startswith("hybrid: error: ") and words in line
    assert not store.exists()  # nothing ran, nothing was recorded


@pytest.mark.parametrize(("spec", "words"), BAD_TARGETS[:3])
def test_api_and_magic_refuse_a_malformed_target_alike(
    ip: InteractiveShell, isolated_store: Path, spec: str, words: str
) -> None:
    with pytest.raises(ConfigError) as api:
        workbench.run("hi", ["local/smollm2", spec])
    with pytest.raises(UsageError) as magic:
        ip.run_cell_magic("hybrid", f"-t local/smollm2 -t '{spec}' --no-panel", "hi")
    assert words in str(api.value) and str(magic.value) == str(api.value)
    assert recorded(isolated_store) == 0


def test_well_formed_specs_still_resolve(tmp_path: Path) -> None:
    from workbench.targets.llamacpp import smollm2_path

    assert workbench.resolve(f"llamacpp/{smollm2_path()}").model == smollm2_path().name
    served = workbench.resolve("openai/m@http://[::1]:8000/v1")
    assert served.locality is workbench.Locality.DEVICE and served.model == "openai/m"
    assert workbench.resolve("mlc/m@https://gpu.example.com/v1").locality is workbench.Locality.CLOUD


# --- 12.7: one check, the same errors from the API, the CLI and the magic ----------------------------------

SAME_ERRORS = [
    # (API call, CLI args, magic line, cell, the error's words)
    ((" \n", None, {}), ["run", " \n"], "", " \n", "The prompt is empty"),
    (("hi", None, {"timeout": 0}), ["run", "--timeout", "0", "hi"], "--timeout 0", "hi",
     "timeout=0 must be a number of seconds more than 0"),
    (("hi", None, {"timeout": -1}), ["run", "--timeout", "-1", "hi"], "--timeout -1", "hi",
     "timeout=-1 must be a number of seconds more than 0"),
    (("hi", None, {"temperature": 3}), ["run", "--temperature", "3", "hi"], "--temperature 3", "hi",
     "use a value from 0 to 2"),
    (("hi", None, {"max_tokens": 0}), ["run", "--max-tokens", "0", "hi"], "--max-tokens 0", "hi",
     "max_tokens=0 must be at least 1"),
]  # fmt: skip


@pytest.mark.parametrize(("api", "cli", "line", "cell", "words"), SAME_ERRORS)
def test_api_cli_and_magic_give_the_same_error(
    ip: InteractiveShell, isolated_store: Path, tmp_path: Path,
    api: tuple[str, list[str] | None, dict[str, object]], cli: list[str], line: str, cell: str, words: str,
) -> None:  # fmt: skip
    prompt, targets, options = api
    with pytest.raises(ConfigError) as from_api:
        workbench.run(prompt, targets, **options)
    done = hybrid(*cli, store=tmp_path / "cli.sqlite")
    with pytest.raises(UsageError) as from_magic:
        ip.run_cell_magic("hybrid", f"{line} --no-panel", cell)
    assert words in str(from_api.value)
    assert done.returncode == 2 and errors(done) == [f"hybrid: error: {from_api.value}"]
    assert str(from_magic.value) == str(from_api.value)
    assert recorded(isolated_store) == 0 and not (tmp_path / "cli.sqlite").exists()


@pytest.mark.parametrize(
    ("targets", "options", "words"),
    [
        ([], {}, "No target given: name at least one"),
        ((), {}, "No target given"),
        (None, {"timeout": float("nan")}, "timeout=nan must be a number of seconds more than 0"),
        (None, {"timeout": "30"}, "timeout='30' must be a number"),
        (None, {"retries": -1}, "retries=-1 must be a whole number, 0 or more"),
        (None, {"guard": "ignore"}, "guard='ignore' is not a guard action; use one of flag, redact, block, local"),
    ],
)
def test_api_refuses_what_the_cli_cannot_express(
    isolated_store: Path, targets: list[str] | None, options: dict[str, object], words: str
) -> None:
    with pytest.raises(ConfigError, match=None) as caught:
        workbench.run("hi", targets, **options)
    assert words in str(caught.value)
    assert not isolated_store.exists()


def test_magic_with_no_default_targets_is_refused(ip: InteractiveShell) -> None:
    ip.run_line_magic("config", "Hybrid.default_targets = []")
    try:
        with pytest.raises(UsageError, match="No target given"):
            ip.run_cell_magic("hybrid", "--no-panel", "hi")
    finally:
        ip.config.pop("Hybrid", None)


def test_api_prompt_of_the_wrong_type_names_the_fix() -> None:
    with pytest.raises(ConfigError, match="The prompt is a int; pass a string, or a list of messages"):
        workbench.run(3, ["local/smollm2"])  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="The prompt is empty"):
        workbench.run([{"role": "system", "content": "Be brief."}, {"role": "user", "content": " "}])


# --- 12.10: exit status 3 when no target answered ----------------------------------------------------------


def test_exit_3_when_no_target_answered_and_0_when_one_did(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env with a key nearby
    store = tmp_path / "s.sqlite"
    none = hybrid("run", "-t", "openai/gpt-4o-mini", "-t", "anthropic/claude-3-5-haiku-latest", "hi", store=store)
    assert none.returncode == 3, none.stderr.decode()
    assert errors(none) == ["hybrid: no target answered (exit status 3); each error is on its record above."]
    assert "MissingKeyError" in none.stdout.decode()
    assert len(Store(store).records()) == 2  # the failures are still recorded
    one = hybrid(*RUN, "-t", "local/smollm2", "-t", "openai/gpt-4o-mini", "hi", store=store)
    assert one.returncode == 0, one.stderr.decode()


def test_exit_statuses_are_documented_in_the_help_and_the_readme(tmp_path: Path) -> None:
    done = hybrid("run", "--help", store=tmp_path / "s.sqlite")
    text = " ".join(done.stdout.decode().split())
    assert "Exit status: 0 when at least one target answered, 3 when none did, 2 for a bad argument" in text
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert "`hybrid run` exits 0 when at least one target answered, 3 when none did" in readme
