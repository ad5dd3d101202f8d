"""A loopback stand-in for a cloud model, so an evaluation notebook runs end to end without a key (demos, CI).

It is not a model: a real HTTP server on ``127.0.0.1`` that speaks the OpenAI chat API
(``POST /v1/chat/completions``, streamed as server-sent events with a final usage chunk when
``stream_options.include_usage`` asks for one, or as one JSON body) and answers from a reference
table of question text to answer. The question is found as the longest table key inside the last
user message. Each question is answered right or wrong by a hash of its text, so a chosen share
of the table (``accuracy``) is right, the same share on every run; a wrong answer is a nearby
number. Every call takes ``latency_s``. Token counts in ``usage`` count words and punctuation
marks of the messages and the answer (not a model's tokenizer, but they grow with the text).

>>> with StandInServer({"What is 2+2?": "4"}, accuracy=0.85) as standin:
...     target = workbench.resolve("openai/gpt-4o-mini-standin", api_base=standin.url, locality="cloud")
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from workbench.errors import ConfigError

__all__ = ["StandInServer"]

_TOKEN = re.compile(r"\w+|[^\w\s]")
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
NO_REFERENCE = "The stand-in has no reference answer for this question."


def _tokens(text: str) -> list[str]:
    """Words and punctuation marks, each with the whitespace before it, so they join back into ``text``."""
    return re.findall(r"\s*(?:\w+|[^\w\s])", text)


def _fraction(text: str, salt: str) -> float:
    """A number in [0, 1) fixed by ``text`` and ``salt``."""
    digest = hashlib.sha256(f"{salt}\0{text}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def wrong_answer(answer: str, question: str) -> str:
    """A plausible wrong answer: the reference's number moved by 1 to 5 (kept positive), written alike."""
    match = _NUMBER.fullmatch(answer.strip())
    if match is None:
        return "I am not sure."
    value = float(answer.replace(",", ""))
    step = 1 + int(_fraction(question, "step") * 5)
    moved = value + step if value - step < 0 or _fraction(question, "sign") < 0.5 else value - step
    text = f"{moved:,.0f}" if "," in answer else f"{moved:g}"
    return text


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._json(404, {"error": {"message": f"The stand-in serves /v1/chat/completions only, not {self.path}."}})
            return
        messages = body.get("messages") or []
        answer = self.server.answer(messages)
        limit = body.get("max_tokens") or body.get("max_completion_tokens")
        pieces = _tokens(answer)
        finish = "stop"
        if isinstance(limit, int) and len(pieces) > limit:
            pieces, finish = pieces[:limit], "length"
        prompt_tokens = sum(len(_TOKEN.findall(str(m.get("content") or ""))) + 3 for m in messages)
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": len(pieces),
                 "total_tokens": prompt_tokens + len(pieces)}  # fmt: skip
        with self.server.lock:
            self.server.calls += 1
        time.sleep(self.server.latency_s)
        model = str(body.get("model", "standin"))
        if body.get("stream"):
            wants_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            self._stream(model, pieces, finish, usage if wants_usage else None)
        else:
            self._json(200, {
                "id": "chatcmpl-standin", "object": "chat.completion", "created": int(time.time()), "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(pieces)},
                             "finish_reason": finish}],
                "usage": usage,
            })  # fmt: skip

    def _json(self, status: int, payload: Mapping[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, model: str, pieces: list[str], finish: str, usage: dict[str, int] | None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def chunk(choices: list[dict[str, Any]], **extra: Any) -> None:
            event = {"id": "chatcmpl-standin", "object": "chat.completion.chunk", "created": int(time.time()),
                     "model": model, "choices": choices, **extra}  # fmt: skip
            self._write(f"data: {json.dumps(event)}\n\n".encode())

        for piece in pieces:
            chunk([{"index": 0, "delta": {"content": piece}, "finish_reason": None}])
        chunk([{"index": 0, "delta": {}, "finish_reason": finish}])
        if usage is not None:
            chunk([], usage=usage)
        self._write(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _write(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, table: Mapping[str, str], accuracy: float, latency_s: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.table = dict(table)
        self.accuracy = accuracy
        self.latency_s = latency_s
        self.lock = threading.Lock()
        self.calls = 0

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client closing its pooled connection is normal
            super().handle_error(request, client_address)

    def answer(self, messages: list[dict[str, Any]]) -> str:
        asked = next((str(m.get("content") or "") for m in reversed(messages) if m.get("role") == "user"), "")
        found = [q for q in self.table if q in asked]
        if not found:
            return NO_REFERENCE
        question = max(found, key=len)
        right = self.table[question]
        return right if is_right(question, self.accuracy) else wrong_answer(right, question)


def is_right(question: str, accuracy: float) -> bool:
    """Whether the stand-in answers ``question`` right at ``accuracy``: fixed by the question's text."""
    return _fraction(question, "right") < accuracy


class StandInServer:
    """A loopback OpenAI-compatible server answering from ``table`` (question text -> reference answer).

    ``accuracy``: the share of questions answered right (which ones is fixed by a hash of the text);
    ``latency_s``: how long each call takes. Use as a context manager, or ``start()`` and ``stop()``
    (a notebook that keeps it across cells). ``url`` is the ``/v1`` base for ``api_base=``.
    """

    def __init__(self, table: Mapping[str, str], *, accuracy: float = 0.85, latency_s: float = 0.3) -> None:
        if not table:
            raise ConfigError("StandInServer needs a reference table: pass {question text: answer}.")
        if not 0.0 <= accuracy <= 1.0:
            raise ConfigError(f"accuracy={accuracy!r}: give the share of right answers, from 0 to 1.")
        if latency_s < 0:
            raise ConfigError(f"latency_s={latency_s!r}: give the seconds each call takes, 0 or more.")
        self._server = _Server(table, accuracy, latency_s)
        self._thread = threading.Thread(target=self._server.serve_forever, name="standin-server", daemon=True)

    @property
    def url(self) -> str:
        """The OpenAI-style base URL, ``http://127.0.0.1:PORT/v1``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def calls(self) -> int:
        """Chat completions answered so far."""
        return self._server.calls

    def expected_right(self) -> dict[str, bool]:
        """Per question of the table, whether the stand-in answers it right."""
        return {q: is_right(q, self._server.accuracy) for q in self._server.table}

    def start(self) -> StandInServer:
        """Serve in a background thread; returns itself."""
        if not self._thread.is_alive():
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the port."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    def __enter__(self) -> StandInServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
