"""A real HTTP server on loopback that speaks the OpenAI chat API and misbehaves on request.

It stands in for a cloud provider's failures, which cannot be reached from here. The model
name picks the behaviour:

- ``ok`` / ``delay-SECONDS``: stream "Hello from the scripted server." (after a delay), usage last;
  a request with ``"stream": false`` (promptfoo's default) gets the same answer as one JSON body;
- ``auth``: 401 whose body and URL echo the bearer key (as leaky providers do);
- ``ratelimit-N``: 429 with ``Retry-After: 1`` for the first N requests, then ``ok``;
- ``rps-R``: a token bucket of R requests a second (a burst of R/5 at most): within it ``ok`` at once,
  above it 429 with ``Retry-After`` in whole seconds until a token is free (counted in ``refused``);
- ``error500``: 500 every time;
- ``hang``: accept and never answer;
- ``drop``: stream two chunks, then cut the connection mid-answer;
- a model named in ``replies``: stream that text instead (a scripted LLM judge, say).

Every request body is kept in ``received`` so tests can check what arrived.
"""

from __future__ import annotations

import json
import math
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["ScriptedServer"]

ANSWER = ["Hello", " from", " the", " scripted", " server", "."]


def _chunk(content: str | None, finish: str | None = None, usage: dict[str, int] | None = None) -> bytes:
    body: dict[str, Any] = {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "scripted",
        "choices": []
        if usage
        else [{"index": 0, "delta": {"content": content} if content else {}, "finish_reason": finish}],
    }
    if usage:
        body["usage"] = usage
    return f"data: {json.dumps(body)}\n\n".encode()


def _completion(answer: list[str]) -> dict[str, Any]:
    """The whole answer as one non-streamed chat completion."""
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "scripted",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "".join(answer)}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": len(answer), "total_tokens": 12 + len(answer)},
    }


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and chunks go out as separate writes: no 40 ms delayed-ACK stall

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        self.server.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
        model = str(body.get("model", "ok"))
        self.server.counts[model] += 1
        if model == "auth":
            key = self.headers.get("Authorization", "").removeprefix("Bearer ")
            self._json(401, {"error": {"message": f"Incorrect API key provided: {key}. See https://x.test/?key={key}"}})
        elif model.startswith("ratelimit-") and self.server.counts[model] <= int(model.split("-")[1]):
            self._json(429, {"error": {"message": "Rate limit reached"}}, {"Retry-After": "1"})
        elif model.startswith("rps-") and (wait := self.server.bucket(model, float(model.split("-")[1]))):
            with self.server.lock:
                self.server.refused[model] += 1
            self._json(429, {"error": {"message": "Rate limit reached"}}, {"Retry-After": str(math.ceil(wait))})
        elif model == "error500":
            self._json(500, {"error": {"message": "internal error"}})
        elif model in self.server.replies:
            self._stream(0.0, drop=False, text=self.server.replies[model])
        elif model == "hang":
            self.server.release.wait()
        else:
            delay = float(model.split("-")[1]) if model.startswith("delay-") else 0.0
            if body.get("stream"):
                self._stream(delay, drop=model == "drop")
            else:
                time.sleep(delay)
                self._json(200, _completion(ANSWER))

    def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, delay: float, drop: bool, text: str | None = None) -> None:
        time.sleep(delay)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        answer = ANSWER if text is None else [w + " " for w in text.split(" ")]
        pieces = answer[:2] if drop else answer
        for piece in pieces:
            self._write(_chunk(piece))
        if drop:
            self.wfile.flush()
            self.connection.shutdown(2)  # cut mid-answer, no terminating chunk
            return
        self._write(_chunk(None, "stop"))
        self._write(
            _chunk(
                None, usage={"prompt_tokens": 12, "completion_tokens": len(answer), "total_tokens": 12 + len(answer)}
            )
        )
        self._write(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _write(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a real server's backlog: a sweep opens dozens of connections at once

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client closing its pooled connection is normal
            super().handle_error(request, client_address)

    received: list[dict[str, Any]]
    counts: Counter[str]
    refused: Counter[str]
    replies: dict[str, str]
    release: threading.Event
    lock: threading.Lock
    tokens: dict[str, tuple[float, float]]

    def bucket(self, model: str, rate: float) -> float:
        """Take a token from ``model``'s bucket (``rate`` a second, holding ``rate / 5``): 0, or seconds until one."""
        capacity = max(1.0, rate / 5)
        with self.lock:
            now = time.monotonic()
            level, then = self.tokens.get(model, (capacity, now))
            level = min(capacity, level + (now - then) * rate)
            taken = level >= 1.0
            self.tokens[model] = (level - 1.0 if taken else level, now)
            return 0.0 if taken else (1.0 - level) / rate


class ScriptedServer:
    """Start with ``with ScriptedServer() as server:``; ``server.url`` is its ``/v1`` base."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.received = []
        self._server.counts = Counter()
        self._server.refused = Counter()
        self._server.lock = threading.Lock()
        self._server.tokens = {}
        self._server.replies = {}
        self._server.release = threading.Event()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The OpenAI-style base URL, ``http://127.0.0.1:PORT/v1``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def replies(self) -> dict[str, str]:
        """Scripted answers by model name: ``server.replies["judge"] = "Score: 8/10 - correct"``."""
        return self._server.replies

    @property
    def refused(self) -> Counter[str]:
        """429s sent by the ``rps-R`` models, by model name."""
        return self._server.refused

    @property
    def received(self) -> list[dict[str, Any]]:
        """Every request that arrived: path, headers and JSON body."""
        return self._server.received

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.release.set()
        self._server.shutdown()
        self._server.server_close()
