"""Offline truth: with no network at all, cloud targets fail fast with an offline error; local ones answer.

The test runs the workbench in a fresh network namespace (``unshare --map-root-user --net``: no
interface but a down loopback), so nothing leaves this machine and the offline path is the real one.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

CODE = """
import json, workbench
cloud = workbench.resolve("openai/gpt-4o-mini", api_key="sk-offline-test-key-000000000000")
result = workbench.run("Hi", [cloud, "local/smollm2"], store=False, max_tokens=8)
print(json.dumps([[r.error_type, r.latency_s, r.attempts, r.error_message or "", r.response] for r in result]))
"""


UNSHARE = ["unshare", "--map-root-user", "--net"]  # a user namespace: no root needed where the kernel allows it


def test_offline_cloud_fails_fast_and_local_answers() -> None:
    if shutil.which("unshare") is None or subprocess.run([*UNSHARE, "true"], capture_output=True).returncode != 0:
        pytest.fail(
            f"`{' '.join(UNSHARE)} true` failed: install util-linux and allow user namespaces "
            "(sysctl -w kernel.unprivileged_userns_clone=1 user.max_user_namespaces=15000), or run the tests as root",
            pytrace=False,
        )
    done = subprocess.run([*UNSHARE, sys.executable, "-c", CODE], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    (cloud_error, cloud_latency, attempts, message, _), (local_error, _, _, _, answer) = json.loads(
        done.stdout.strip().splitlines()[-1]
    )
    assert cloud_error == "OfflineError" and attempts == 1  # not retried: retrying cannot help
    assert cloud_latency < 5  # seconds, not minutes
    assert "offline" in message and "sk-offline-test" not in message
    assert local_error is None and answer
