"""redact_secrets: known keys, environment keys, fragments of keys, and detected secrets vanish."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.privacy import REDACTED, redact_secrets

PLANTED = "pk-test-9fQ2xLm4Np8Rv6Ks3Jd1Hf5Gb7Yc0Ww"


def test_known_key_and_its_fragments_are_removed() -> None:
    masked = f"sk-****{PLANTED[-10:]}"
    text = (
        f"401 Unauthorized: invalid key {PLANTED} "
        f"(https://api.example.com/v1/chat?key={PLANTED}&x=1); provider says: key ends {masked}"
    )
    out = redact_secrets(text, known=[PLANTED])
    for i in range(len(PLANTED) - 8 + 1):
        assert PLANTED[i : i + 8] not in out
    assert "401 Unauthorized" in out and REDACTED in out


def test_environment_secret_values_are_removed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYPROVIDER_API_KEY", "plainlookingvalue123")
    assert "plainlookingvalue123" not in redact_secrets("echo: plainlookingvalue123")


@pytest.mark.parametrize(
    "secret",
    [
        "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789",
        "AKIAABCDEFGHIJKLMNOP",
        "ghp_" + "a1B2c3D4e5" * 3 + "f6G7h8",
        "AIza" + "Sy" + "B1c2D3e4F5g6H7i8J9k0L1m2N3o4P5q6R",
        "xoxb-123456789012-abcdefABCDEF123456",
        "https://hooks.slack.com/services/T0000AAAA/B0000BBBB/abcdefghijklmnopqrstuvwx",
    ],
)
def test_detected_secrets_are_removed(secret: str) -> None:
    out = redact_secrets(f"error while calling with {secret} (retry later)")
    assert secret not in out and REDACTED in out and "retry later" in out


def test_ordinary_text_is_unchanged() -> None:
    text = "Rate limit reached for gpt-4o-mini in organization org on tokens per min. Retry in 20s."
    assert redact_secrets(text) == text


def test_settings_that_name_a_place_are_not_secrets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """LiteLLM sets TIKTOKEN_CACHE_DIR to a site-packages path on import: 'TOKEN' in a name is not enough."""
    from workbench.privacy.secrets import environment_secrets
    from workbench.sharing.secrets import has_secret

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "site-packages" / "tokenizers"))
    monkeypatch.setenv("SOME_TOKEN_PATH", str(tmp_path))
    monkeypatch.setenv("REAL_SERVICE_TOKEN", "tok-live-0123456789abcdef")
    assert "tok-live-0123456789abcdef" in environment_secrets()
    assert not any(str(tmp_path) in s for s in environment_secrets())
    text = f'{{"packages": {{"litellm": "1.110.2"}}, "path": "{tmp_path}/site-packages"}}'
    assert redact_secrets(text) == text and not has_secret(text)
    assert has_secret("the token is tok-live-0123456789abcdef")
