"""A real HTTP server on a loopback port, in a thread, for the blocks that call out."""

from __future__ import annotations

import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from PIL import Image


def png_bytes(size=(30, 20), color=(200, 40, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    counters: dict[str, int] = {}
    extra: dict[str, tuple[bytes, str]] = {}  # path → (body, content type), added by a test
    lock = threading.Lock()

    def log_message(self, *args):  # quiet
        pass

    def send(self, status: int, body: bytes, ctype: str, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self) -> None:
        url = urlparse(self.path)
        path, query = url.path, parse_qs(url.query)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if path in self.extra:
            self.send(200, *self.extra[path])
        elif path == "/json":
            self.send(200, json.dumps({"a": 1, "b": [1, 2]}).encode(), "application/json")
        elif path == "/text":
            self.send(200, "héllo".encode("latin-1"), "text/plain; charset=latin-1")
        elif path == "/bytes":
            self.send(200, bytes(range(256)), "application/octet-stream")
        elif path == "/image":
            self.send(200, png_bytes(), "image/png")
        elif path == "/echo":
            self.send(200, json.dumps({"method": self.command, "query": {k: v[0] for k, v in query.items()},
                                       "content_type": self.headers.get("Content-Type"),
                                       "x_token": self.headers.get("X-Token"),
                                       "body": body.decode("utf-8", "replace")}).encode(), "application/json")
        elif path == "/slow":
            time.sleep(float(query.get("s", ["3"])[0]))
            self.send(200, b"late", "text/plain")
        elif path == "/huge-declared":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(10 * 1024**3))
            self.end_headers()
            self.wfile.write(bytes(65536))
        elif path == "/endless":  # 10 GB, chunked with no length: only streaming can refuse it
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = bytes(65536)
            try:
                for _ in range(10 * 1024**3 // len(chunk)):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:
                pass
            self.close_connection = True
        elif path == "/redirect":
            self.send(302, b"", "text/plain", {"Location": "/json"})
        elif path.startswith("/flaky/"):  # /flaky/KEY/N: N failures (503), then success
            _, _, key, n = path.split("/")
            with self.lock:
                seen = self.counters[key] = self.counters.get(key, 0) + 1
            if seen <= int(n):
                self.send(503, b"busy", "text/plain")
            else:
                self.send(200, json.dumps({"attempt": seen}).encode(), "application/json")
        elif path.startswith("/status/"):
            self.send(int(path.rsplit("/", 1)[1]), b"nope", "text/plain")
        else:
            self.send(404, b"unknown path", "text/plain")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any


class Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # a client that hung up early (timeouts, size limits)
        pass


class LoopbackServer:
    def __init__(self):
        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
