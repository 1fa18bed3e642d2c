"""A scripted OpenAI-compatible HTTP server on 127.0.0.1 for tests (standard library only).

Each chat request consumes one scripted behaviour (``server.script(...)``), falling back to
``server.default``. /v1/embeddings gives deterministic unit vectors; /v1/models lists models.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

Json = dict[str, Any]


@dataclass(kw_only=True)
class _Answer:
    """A successful chat answer; ``delay`` is per chunk when streaming, else before the reply."""

    delay: float = 0.0
    chunk_size: int = 8
    usage: bool = True

    def text_for(self, request: Json) -> str:
        raise NotImplementedError


@dataclass
class Reply(_Answer):
    """Answer with ``text``."""

    text: str

    def text_for(self, request: Json) -> str:
        return self.text


@dataclass
class Echo(_Answer):
    """Answer with ``json.dumps`` of the request's ``messages`` (what reached the model)."""

    def text_for(self, request: Json) -> str:
        return json.dumps(request.get("messages"), ensure_ascii=False)


@dataclass
class Responder(_Answer):
    """Answer with ``fn(request_json)``."""

    fn: Callable[[Json], str]

    def text_for(self, request: Json) -> str:
        return self.fn(request)


@dataclass
class Status:
    """An HTTP error; ``body`` (dict, str or bytes) defaults to an OpenAI-style error object."""

    code: int
    body: Json | str | bytes | None = None
    headers: dict[str, str] | None = None


@dataclass
class Hang:
    """Say nothing for ``seconds``, then run ``then`` (or drop the connection if None)."""

    seconds: float
    then: Behaviour | None = None


@dataclass
class Raw:
    """Send ``body`` verbatim with the given content type and status."""

    body: bytes = b""
    content_type: str = "application/json"
    status: int = 200


@dataclass
class TruncatedStream:
    """Stream ``cut_after_chunks`` chunks of ``text``, then close: no finish_reason, no [DONE].

    By default the chunked body is left unterminated (the client sees a protocol error, like a
    dropped connection); with ``clean_eof=True`` the body ends cleanly and the stream just stops.
    """

    text: str
    cut_after_chunks: int
    chunk_size: int = 8
    clean_eof: bool = False


@dataclass
class StopMidStream:
    """Stream ``cut_after_chunks`` chunks of ``text``, then ``[DONE]`` with no finish_reason."""

    text: str
    cut_after_chunks: int
    chunk_size: int = 8


Behaviour = Reply | Echo | Responder | Status | Hang | Raw | TruncatedStream | StopMidStream
_KINDS = {401: "invalid_api_key", 404: "not_found", 429: "rate_limit_exceeded"}


@dataclass
class RecordedRequest:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]  # keys lower-cased
    body: Any  # parsed JSON, or None when absent or not JSON
    raw: bytes = field(default=b"", repr=False)


def embed_text(text: str, dim: int) -> list[float]:
    """The stub's deterministic unit-norm vector for ``text``."""
    data, counter = b"", 0
    while len(data) < 4 * dim:
        data += hashlib.sha256(f"{counter}:{text}".encode()).digest()
        counter += 1
    raw = [v / 2**31 - 1.0 for v in struct.unpack(f"<{dim}I", data[: 4 * dim])]
    norm = math.sqrt(sum(v * v for v in raw)) or 1.0
    return [v / norm for v in raw]


def _tokens(text: str) -> int:
    return len(text.split())


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), max(size, 1))] or [""]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def log_message(self, *args: Any) -> None:
        pass  # no access log

    def do_POST(self) -> None:
        self.close_connection = True
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        path = urlsplit(self.path).path
        stub = self.server.stub
        headers = {k.lower(): v for k, v in self.headers.items()}
        stub._record(RecordedRequest(self.command, path, headers, body, raw))
        route = path.removeprefix("/v1")
        try:
            if self.command == "POST" and route == "/chat/completions":
                self._behave(stub._next(stub._chat_script, stub.default), body or {})
            elif self.command == "POST" and route == "/embeddings":
                self._behave(stub._next(stub._embedding_script, None), body or {}, embeddings=True)
            elif self.command == "GET" and route == "/models":
                data = [
                    {"id": m, "object": "model", "created": 0, "owned_by": "stub"}
                    for m in stub.models
                ]
                self._json(200, {"object": "list", "data": data})
            else:
                self._behave(Status(404), {})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away (e.g. its timeout fired)

    def do_GET(self) -> None:
        self.do_POST()

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self._send(status, raw, "application/json", headers)

    def _send(self, status: int, raw: bytes, ctype: str, headers: Any = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("Connection", "close")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(raw)

    def _behave(self, behaviour: Behaviour | None, request: Json, embeddings: bool = False) -> None:
        stop = self.server.stub._stop
        if isinstance(behaviour, Hang):
            if not stop.wait(behaviour.seconds) and behaviour.then is not None:
                self._behave(behaviour.then, request, embeddings)
        elif isinstance(behaviour, Status):
            body = behaviour.body
            if body is None:
                code = behaviour.code
                kind = _KINDS.get(code, "server_error" if code >= 500 else "invalid_request_error")
                error = {"message": f"stub error {code}", "type": kind, "code": kind}
                body = {"error": {**error, "param": None}}
            raw = body.encode() if isinstance(body, str) else body
            self._json(behaviour.code, raw, behaviour.headers)
        elif isinstance(behaviour, Raw):
            self._send(behaviour.status, behaviour.body, behaviour.content_type)
        elif embeddings:
            self._embeddings(request)
        elif isinstance(behaviour, (TruncatedStream, StopMidStream)):
            pieces = _chunks(behaviour.text, behaviour.chunk_size)[: behaviour.cut_after_chunks]
            cut = "eof" if isinstance(behaviour, TruncatedStream) and behaviour.clean_eof else "cut"
            end = "done" if isinstance(behaviour, StopMidStream) else cut
            self._stream(request, pieces, end, 0.0, None)
        elif isinstance(behaviour, _Answer):
            text = behaviour.text_for(request)
            p = sum(_tokens(str(m.get("content") or "")) for m in request.get("messages") or [])
            c = _tokens(text)
            usage = {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}
            usage = usage if behaviour.usage else None
            if request.get("stream"):
                pieces = _chunks(text, behaviour.chunk_size)
                self._stream(request, pieces, "full", behaviour.delay, usage)
            elif not stop.wait(behaviour.delay):
                message = {"role": "assistant", "content": text}
                choice = {"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}
                payload = {**self._head(request, "chat.completion"), "choices": [choice]}
                self._json(200, {**payload, "usage": usage} if usage else payload)

    def _head(self, request: Json, obj: str) -> Json:
        head = {"id": f"chatcmpl-stub-{id(self):x}", "object": obj, "created": int(time.time())}
        return {**head, "model": request.get("model", "stub"), "system_fingerprint": None}

    def _stream(self, request: Json, pieces: list[str], end: str, delay: float, usage: Any) -> None:
        """SSE over chunked encoding; ``end`` is "full", "done" (no finish), "eof" or "cut"."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        head = self._head(request, "chat.completion.chunk")
        stop = self.server.stub._stop

        def event(data: str) -> None:
            raw = f"data: {data}\n\n".encode()
            self.wfile.write(f"{len(raw):x}\r\n".encode() + raw + b"\r\n")
            self.wfile.flush()

        def chunk(delta: Json, finish_reason: str | None) -> None:
            choice = {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
            event(json.dumps({**head, "choices": [choice]}))

        for i, piece in enumerate(pieces):
            if stop.wait(delay):
                return
            chunk({"role": "assistant", "content": piece} if i == 0 else {"content": piece}, None)
        if end == "full":
            chunk({}, "stop")
            if usage and (request.get("stream_options") or {}).get("include_usage"):
                event(json.dumps({**head, "choices": [], "usage": usage}))
        if end in ("full", "done"):
            event("[DONE]")
        if end != "cut":
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    def _embeddings(self, request: Json) -> None:
        items = request.get("input", "")
        if isinstance(items, str) or (items and isinstance(items[0], int)):
            items = [items]
        dim = int(request.get("dimensions") or self.server.stub.embedding_dim)
        data: list[Json] = []
        for index, item in enumerate(items):
            vector: Any = embed_text(item if isinstance(item, str) else json.dumps(item), dim)
            if request.get("encoding_format") == "base64":  # the openai client asks for this
                vector = base64.b64encode(struct.pack(f"<{dim}f", *vector)).decode()
            data.append({"object": "embedding", "index": index, "embedding": vector})
        tokens = sum(_tokens(i) if isinstance(i, str) else len(i) for i in items)
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        model = request.get("model", "stub")
        self._json(200, {"object": "list", "data": data, "model": model, "usage": usage})


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    stub: ScriptedOpenAIServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # client disconnects are expected in tests; keep stderr quiet


class ScriptedOpenAIServer:
    """An OpenAI-compatible server on 127.0.0.1; use as a context manager or call ``stop()``."""

    def __init__(
        self,
        models: tuple[str, ...] = ("m",),
        embedding_dim: int = 8,
        default: Behaviour | None = None,
    ) -> None:
        self.models = models
        self.embedding_dim = embedding_dim
        self.default: Behaviour = default if default is not None else Reply("OK")
        self._chat_script: deque[Behaviour] = deque()
        self._embedding_script: deque[Behaviour] = deque()
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.stub = self
        self.port: int = self._httpd.server_address[1]
        serve = self._httpd.serve_forever
        self._thread = threading.Thread(target=serve, args=(0.05,), name="openai-stub", daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[Json]:
        """JSON bodies of chat completion requests, oldest first."""
        return [r.body for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def embedding_requests(self) -> list[Json]:
        """JSON bodies of embedding requests, oldest first."""
        return [r.body for r in self.requests if r.path.endswith("/embeddings")]

    def script(self, *behaviours: Behaviour) -> None:
        """Queue behaviours for the next chat requests, one each."""
        with self._lock:
            self._chat_script.extend(behaviours)

    def script_embeddings(self, *behaviours: Behaviour) -> None:
        """Queue Status/Hang/Raw for the next embedding requests (anything else: normal vectors)."""
        with self._lock:
            self._embedding_script.extend(behaviours)

    def _next(self, queue: deque[Behaviour], fallback: Behaviour | None) -> Behaviour | None:
        with self._lock:
            return queue.popleft() if queue else fallback

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def stop(self) -> None:
        """Stop serving and wake any hanging handler; safe to call twice."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ScriptedOpenAIServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def closed_port_url() -> str:
    """A base_url on 127.0.0.1 where nothing listens."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
