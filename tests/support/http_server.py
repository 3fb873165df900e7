"""A real HTTP server on 127.0.0.1 that replays scripted responses, for client tests.

Tests of HTTP clients exercise the real socket path (headers, status codes, retries,
dropped connections) instead of mocking ``requests``. Usage::

    with ScriptedHttpServer() as server:
        server.script("/path", ScriptedResponse(500), ScriptedResponse(200, "ok"))
        ...  # point the client at server.base_url
        assert [r.path for r in server.requests] == ["/path", "/path"]

Each request to a path takes the next scripted response for it (matched on path+query
first, then on the bare path). A request with nothing scripted gets ``UNSCRIPTED_STATUS``
and is still recorded, so a test sees unexpected calls in ``server.requests``.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

UNSCRIPTED_STATUS = 501
_POLL_SECONDS = 0.02  # serve_forever's shutdown check; the 0.5 s default slows every test


@dataclass(frozen=True)
class ScriptedResponse:
    """One reply. ``drop=True`` closes the connection without any response bytes."""

    status: int = 200
    body: str | bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    drop: bool = False

    def encoded_body(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        """Case-insensitive header lookup, as HTTP header names are case-insensitive."""
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


class ScriptedHttpServer:
    """Threaded HTTP server bound to 127.0.0.1 on a free port; use as a context manager."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[str, deque[ScriptedResponse]] = {}
        self._requests: list[RecordedRequest] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(_POLL_SECONDS,), daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    def script(self, path: str, *responses: ScriptedResponse) -> None:
        """Queue ``responses`` for ``path`` (appended after any already queued)."""
        with self._lock:
            self._scripts.setdefault(path, deque()).extend(responses)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> ScriptedHttpServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _next_response(self, request: RecordedRequest) -> ScriptedResponse:
        with self._lock:
            self._requests.append(request)
            for key in (request.path, urlsplit(request.path).path):
                queue = self._scripts.get(key)
                if queue:
                    return queue.popleft()
        return ScriptedResponse(
            UNSCRIPTED_STATUS, f"no scripted response left for {request.method} {request.path}"
        )

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = RecordedRequest(
                    method=self.command,
                    path=self.path,
                    headers=dict(self.headers.items()),
                    body=self.rfile.read(length) if length else b"",
                )
                response = owner._next_response(request)
                if response.drop:
                    self.close_connection = True
                    return
                body = response.encoded_body()
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

            def log_message(self, format: str, *args: object) -> None:
                """Silence per-request stderr logging so test output stays readable."""

        return Handler
