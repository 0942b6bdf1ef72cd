"""A small hostile central service on 127.0.0.1 for the client's tests: it answers each call
with whatever a test scripted — wrong types, integers past 2^63, deep nesting, endless or huge
bodies, other content types, odd statuses — echoing the batch id and uuids it was sent so that
the answers get past the client's first checks."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sync import wire

# A scripted answer: (status, headers, body) or a body generator for a streamed answer.
Answer = tuple[int, dict[str, str], bytes | Iterator[bytes]]
Script = Callable[[str, dict[str, Any]], Answer]


def as_json(doc: Any, status: int = 200, raw: bytes | None = None) -> Answer:
    body = raw if raw is not None else json.dumps(doc).encode()
    return status, {"Content-Type": "application/json"}, body


def sent_batch(request: dict[str, Any]) -> tuple[str, list[str]]:
    """The batch id and the uuids of an uploaded batch."""
    parts = wire.decode_multipart(request["body"], request["headers"].get("Content-Type", ""))
    manifest = json.loads(parts["manifest"])
    return manifest["batch_id"], [r["uuid"] for r in manifest["records"]]


def empty_feed(request: dict[str, Any]) -> Answer:
    since = int(request["query"].get("since", "0"))
    return as_json({"events": [], "next": since})


class HostileService:
    def __init__(self) -> None:
        self.batches: Script | None = None  # POST …/batches
        self.changes: Script = lambda path, req: empty_feed(req)  # GET …/changes
        self.calls: list[str] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                from urllib.parse import parse_qsl, urlsplit

                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                target = urlsplit(self.path)
                request = {
                    "method": self.command,
                    "headers": dict(self.headers),
                    "body": body,
                    "query": dict(parse_qsl(target.query)),
                }
                service.calls.append(f"{self.command} {target.path}")
                script = service.changes if target.path.endswith("/changes") else service.batches
                if script is None:
                    status, headers, payload = as_json({"error": {"code": "x"}}, 500)
                else:
                    status, headers, payload = script(target.path, request)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if isinstance(payload, bytes):
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    for chunk in payload:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:
                    pass  # the client hung up: what it should do with an endless answer

            do_GET = do_POST = _answer  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="fault-proxy", daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
