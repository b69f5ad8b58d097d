"""A LangSmith API on loopback that accepts what the langsmith client posts and keeps it, decoded.

The client asks ``GET /info`` first: the answer here is what LangSmith itself announces (multipart
ingestion with zstd compression), so the client sends what it sends in production: runs as
``multipart/form-data`` to ``/runs/multipart``, zstd-compressed once its compressing sender is up
(plain before that), and JSON to ``/runs/batch`` if multipart is refused. Every body is kept
decompressed, so a test can search it for raw values; :meth:`FakeLangSmith.created_runs` reads the
run ids the posts create.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

import zstandard  # a dependency of langsmith, which compresses runs with it
from langsmith import utils as ls_utils

INFO = {
    "version": "0.10.0",
    "instance_flags": {"zstd_compression_enabled": True},
    "batch_ingest_config": {
        "use_multipart_endpoint": True,
        "size_limit": 100,
        "size_limit_bytes": 20_971_520,
        "scale_up_nthreads_limit": 16,
        "scale_up_qsize_trigger": 1000,
        "scale_down_nempty_trigger": 4,
    },
}
_CREATE_PART = re.compile(r"post\.([0-9a-f-]{36})")
_CREATE_FIELD = re.compile(r"post\.([0-9a-f-]{36})\.(inputs|outputs)")


def clear_langsmith_env_cache() -> None:
    """Make langsmith read the environment again: it caches what it read for the process's life, so a
    test that changes ``LANGSMITH_*`` variables clears the cache after the change and after the undo."""
    for cached in (ls_utils.get_env_var, ls_utils.get_tracer_project):
        cast(Any, cached).cache_clear()


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes  # decompressed


@dataclass
class FakeLangSmith:
    url: str
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def posted(self) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.method == "POST"]

    def body_bytes(self) -> bytes:
        """Every posted body, decompressed, one after another."""
        return b"\n".join(r.body for r in self.posted())

    def created_runs(self) -> list[dict[str, Any]]:
        """One entry per run a post creates (a run created twice appears twice), with the inputs and
        outputs sent with it."""
        runs: list[dict[str, Any]] = []
        for request in self.posted():
            if request.path.endswith("/runs/multipart"):
                latest: dict[str, dict[str, Any]] = {}  # a run's fields follow its own part
                for name, payload in _form_parts(request):
                    if match := _CREATE_PART.fullmatch(name):
                        latest[match[1]] = json.loads(payload)
                        runs.append(latest[match[1]])
                    elif (match := _CREATE_FIELD.fullmatch(name)) and match[1] in latest:
                        latest[match[1]][match[2]] = json.loads(payload)
            elif request.path.endswith("/runs/batch"):
                runs += json.loads(request.body).get("post") or []
        return runs


def _form_parts(request: Request) -> Iterator[tuple[str, bytes]]:
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request.body)
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        name = str(part.get_param("name", header="content-disposition"))
        yield name, payload if isinstance(payload, bytes) else b""


def _decode(body: bytes, encoding: str) -> bytes:
    if encoding == "zstd":
        # streamed frames carry no content size: decompress through a decompressobj
        return zstandard.ZstdDecompressor().decompressobj().decompress(body)
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding not in ("", "identity"):
        raise ValueError(f"unexpected Content-Encoding {encoding!r}")
    return body


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while size := int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
        handler.rfile.readline()
        return b"".join(chunks)
    return handler.rfile.read(int(handler.headers.get("Content-Length") or 0))


@contextmanager
def fake_langsmith() -> Iterator[FakeLangSmith]:
    """A server on 127.0.0.1 (a free port) for the duration of the block."""
    server_ref: list[FakeLangSmith] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the client's connection pool expects

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, payload: object) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _record(self) -> None:
            raw = _read_body(self)
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                body = _decode(raw, headers.get("content-encoding", "").lower())
            except (ValueError, OSError, zstandard.ZstdError) as exc:
                self._answer(400, {"detail": str(exc)})
                raise
            state = server_ref[0]
            with state.lock:
                state.requests.append(Request(self.command, self.path, headers, body))
            self._answer(200 if self.command == "GET" else 202, INFO if self.path == "/info" else {})

        do_GET = do_POST = do_PATCH = do_PUT = _record

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server_ref.append(FakeLangSmith(f"http://127.0.0.1:{server.server_address[1]}"))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server_ref[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
