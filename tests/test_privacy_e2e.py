"""The guard end to end: through the runner and LiteLLM over real HTTP to a loopback server that
records every request body (tests/support/scripted_server.py), and a planted key that must not
reach the store, the logs, a record's renderings, or an executed notebook and its outputs.

A loopback server is on the device, so the "cloud" target here is the same server declared
``locality="cloud"`` (as for a loopback proxy that forwards to a provider).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

import workbench
from tests.support.scripted_server import ScriptedServer

EMAIL = "maria.keller@example.org"
PHONE = "+44 20 7946 0958"
CARD = "4111 1111 1111 1111"
IBAN = "DE89 3704 0044 0532 0130 00"
SSN = "536-22-1847"
IP = "203.0.113.77"
SECRET = "sk-proj-Zt9xQ2wLm4Np8Rv6Ks3Jd1Hf5Gb7Yc0Aa"
VALUES = (EMAIL, PHONE, CARD, IBAN, SSN, IP, SECRET)
PROMPT = (
    f"Write a short reply to {EMAIL} ({PHONE}). Her card {CARD} was charged twice; refund to "
    f"{IBAN}. SSN on file {SSN}; she logged in from {IP}. Our key is {SECRET}."
)
PLANTED_KEY = "sk-plantedPRIVACYkey-9f8e7d6c5b4a3210QRS"


def fragments(value: str, size: int = 8) -> set[str]:
    return {value[i : i + size] for i in range(len(value) - size + 1)}


@pytest.fixture()
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as scripted:
        yield scripted


def bodies(server: ScriptedServer, model: str) -> list[str]:
    return [json.dumps(r["body"]) for r in server.received if r["body"].get("model") == model]


def targets(server: ScriptedServer) -> list[workbench.Target]:
    return [
        workbench.resolve(f"openai/cloud-ok@{server.url}", locality="cloud"),
        workbench.resolve(f"openai/device-ok@{server.url}"),
    ]


def test_redact_no_entity_value_arrives_off_device(server: ScriptedServer) -> None:
    result = workbench.run(PROMPT, targets(server), store=False, guard="redact", timeout=20)
    cloud, device = result
    assert cloud.ok and device.ok, (cloud.error_message, device.error_message)
    [sent] = bodies(server, "cloud-ok")
    for value in VALUES:
        assert value not in sent
    for piece in fragments(SECRET) | fragments(IBAN.replace(" ", "")) | {"4111", "7946", "1847"}:
        assert piece not in sent
    for placeholder in ("[EMAIL_1]", "[PHONE_1]", "[CARD_1]", "[IBAN_1]", "[SSN_1]", "[IP_1]", "[SECRET_1]"):
        assert placeholder in sent
    assert cloud.privacy is not None and cloud.privacy.action == "redact"
    assert cloud.privacy.destination.startswith("cloud")
    assert cloud.privacy.entities == {
        "email": 1,
        "phone": 1,
        "payment_card": 1,
        "iban": 1,
        "ip_address": 1,
        "us_ssn": 1,
        "secret": 1,
    }
    assert not cloud.privacy.left_device
    # The on-device target saw the original, and its record still lists what was found.
    [original] = bodies(server, "device-ok")
    assert all(value in json.loads(original)["messages"][0]["content"] for value in VALUES)
    assert device.privacy is not None and device.privacy.destination == "device"
    assert device.privacy.entities == cloud.privacy.entities


def test_block_sends_nothing_and_records_why(server: ScriptedServer) -> None:
    cloud, device = workbench.run(PROMPT, targets(server), store=False, guard="block", timeout=20)
    assert bodies(server, "cloud-ok") == []
    assert cloud.error_type == "PrivacyBlocked" and cloud.response == ""
    assert cloud.cost_usd == 0.0 and cloud.cost_basis == "not sent"
    assert cloud.privacy is not None and cloud.privacy.action == "block"
    assert all(value not in (cloud.error_message or "") for value in VALUES)
    assert device.ok and len(bodies(server, "device-ok")) == 1


def test_local_keeps_the_call_on_the_device(server: ScriptedServer) -> None:
    [cloud] = workbench.run(
        PROMPT,
        [workbench.resolve(f"openai/cloud-ok@{server.url}", locality="cloud")],
        store=False,
        guard="local",
        local_target=f"openai/device-ok@{server.url}",
        timeout=20,
    )
    assert bodies(server, "cloud-ok") == []
    [kept] = bodies(server, "device-ok")
    assert EMAIL in kept
    assert cloud.ok and cloud.locality == workbench.Locality.DEVICE
    assert cloud.privacy is not None and cloud.privacy.action == "local"


def test_flag_sends_and_marks_the_record(server: ScriptedServer) -> None:
    [cloud] = workbench.run(PROMPT, targets(server)[:1], store=False, timeout=20)
    assert EMAIL in bodies(server, "cloud-ok")[0]
    assert cloud.privacy is not None and cloud.privacy.left_device


def _everything_stored(path: Path) -> str:
    dump = "\n".join(sqlite3.connect(path).iterdump())
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    return dump + raw.decode("latin-1")


def test_planted_key_reaches_no_store_log_or_rendering(
    server: ScriptedServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    store = workbench.Store(tmp_path / "runs.sqlite")
    auth = workbench.resolve(f"openai/auth@{server.url}", api_key=PLANTED_KEY, locality="cloud")
    result = workbench.run("Hello?", [auth], store=store, timeout=20)
    [record] = result
    assert record.error_type == "AuthError"
    # The server did echo the key in its error text and in a URL: the leak was there to make.
    assert any(PLANTED_KEY in json.dumps(r["headers"]) for r in server.received)
    shown = "\n".join([record.to_json(), repr(result), result._repr_html_(), result.to_pandas().to_csv(), caplog.text])
    assert [r.call_id for r in store.records()] == [record.call_id]  # the failed call was stored, without the key
    stored = _everything_stored(tmp_path / "runs.sqlite")
    for piece in fragments(PLANTED_KEY):
        assert piece not in shown
        assert piece not in stored


def test_secret_in_a_flagged_prompt_is_not_stored(server: ScriptedServer, tmp_path: Path) -> None:
    store = workbench.Store(tmp_path / "runs.sqlite")
    workbench.run(PROMPT, targets(server)[:1], store=store, timeout=20)
    # the prompt is stored (flag keeps it as sent), with the secret and nothing else taken out
    [record] = store.records()
    assert record.prompt == ({"role": "user", "content": PROMPT.replace(SECRET, "[REDACTED]")},)
    stored = _everything_stored(tmp_path / "runs.sqlite")
    assert not fragments(SECRET) & {stored[i : i + 8] for i in range(len(stored) - 7)}


NOTEBOOK_CELLS = [
    "import logging, os, sys\n"
    "logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)\n"
    "import workbench\n"
    "from tests.support.scripted_server import ScriptedServer\n"
    "server = ScriptedServer().__enter__()",
    # The key comes from the environment, as it would from a .env file, never from the notebook.
    'auth = workbench.resolve(f"openai/auth@{server.url}", api_key=os.environ["PLANTED_VALUE"], locality="cloud")\n'
    'result = workbench.run("Hello?", [auth], timeout=20)\n'
    "result",
    "print(result[0].error_type, result[0].error_message)\nresult.to_pandas()",
    "raise RuntimeError(result[0].error_message)",
]


@pytest.mark.slow
def test_planted_key_reaches_no_notebook_or_its_outputs(
    tmp_path: Path, isolated_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nbclient
    import nbformat
    monkeypatch.setenv("PLANTED_VALUE", PLANTED_KEY)
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in NOTEBOOK_CELLS])
    root = Path(__file__).resolve().parent.parent
    client = nbclient.NotebookClient(
        notebook, timeout=120, allow_errors=True, resources={"metadata": {"path": str(root)}}
    )
    client.execute()
    path = tmp_path / "leak.ipynb"
    nbformat.write(notebook, path)
    text = path.read_text()
    assert "AuthError" in text and "text/html" in text  # the cells ran and rendered
    assert "RuntimeError" in text  # the error path was rendered too
    stored = _everything_stored(isolated_store)
    for piece in fragments(PLANTED_KEY):
        assert piece not in text
        assert piece not in stored
