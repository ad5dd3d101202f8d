"""No part of a key reaches a bundle: a notebook whose run hit a 401 with a planted key exports clean, and a
notebook that printed a key is refused (or stripped on request)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tests.test_privacy_e2e import PLANTED_KEY, fragments
from tests.test_sharing import execute
from workbench.sharing import BundleError, export_bundle

ROOT = Path(__file__).resolve().parent.parent
CELLS = [
    "import os\nimport workbench\nfrom tests.support.scripted_server import ScriptedServer\n"
    "server = ScriptedServer().__enter__()",
    # The key comes from the environment, as it would from a .env file, never from the notebook.
    'auth = workbench.resolve(f"openai/auth@{server.url}", api_key=os.environ["PLANTED_VALUE"], locality="cloud")\n'
    'result = workbench.run("Hello?", [auth], timeout=20)\nresult',
    "print(result[0].error_type, result[0].error_message)\nresult.to_pandas()",
]


def bundle_text(bundle: Path) -> str:
    return "\n".join(p.read_bytes().decode("latin-1") for p in sorted(bundle.iterdir()))


@pytest.mark.slow
def test_a_401_with_a_planted_key_leaves_no_part_of_it_in_the_bundle(tmp_path: Path) -> None:
    log = tmp_path / "runs.sqlite"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    execute(notebook, ROOT, log, PLANTED_VALUE=PLANTED_KEY, LITELLM_LOCAL_MODEL_COST_MAP="True")
    nbformat.write(notebook, tmp_path / "leak.ipynb")
    assert "AuthError" in (tmp_path / "leak.ipynb").read_text()  # the call was made and failed as planned
    summary = export_bundle(tmp_path / "leak.ipynb", tmp_path / "bundle", store=log)
    assert summary.calls == 1
    text = bundle_text(tmp_path / "bundle")
    assert "AuthError" in text
    for piece in fragments(PLANTED_KEY):
        assert piece not in text

    # The same notebook, had it printed the key: refused, naming where, never the value; stripped on request.
    notebook.cells.append(nbformat.v4.new_code_cell('print(os.environ["PLANTED_VALUE"])'))
    notebook.cells[-1].outputs = [nbformat.v4.new_output("stream", name="stdout", text=PLANTED_KEY + "\n")]
    nbformat.write(notebook, tmp_path / "printed.ipynb")
    with pytest.raises(BundleError, match="cell 4 output 1") as refused:
        export_bundle(tmp_path / "printed.ipynb", tmp_path / "refused", store=log)
    assert not any(piece in str(refused.value) for piece in fragments(PLANTED_KEY))
    assert not (tmp_path / "refused").exists()
    summary = export_bundle(tmp_path / "printed.ipynb", tmp_path / "stripped", store=log, strip_secrets=True)
    assert summary.stripped == 1
    text = bundle_text(tmp_path / "stripped")
    assert "[REDACTED]" in text and not any(piece in text for piece in fragments(PLANTED_KEY))


def test_a_key_in_a_cell_source_is_always_refused(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f'KEY = "{PLANTED_KEY}"')])
    nbformat.write(notebook, tmp_path / "source.ipynb")
    with pytest.raises(BundleError, match=r"Cell\(s\) 1 .* in their source"):
        export_bundle(tmp_path / "source.ipynb", tmp_path / "bundle", store=tmp_path / "log.sqlite", strip_secrets=True)
    assert not (tmp_path / "bundle").exists()
