"""A loopback HTTP server replaying portal pages: several hosts under /<host>/ path prefixes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import urlsplit

Page = tuple[int, bytes, str]  # status, body, content type


class PortalServer:
    """``pages[(host, path)]`` answers a GET or POST; ``fallback(host, path, query)`` answers the rest
    (for a POST, ``query`` is the request body)."""

    def __init__(self, fallback: Callable[[str, str, str], Page | None] | None = None) -> None:
        self.pages: dict[tuple[str, str], Page] = {}
        self.fallback = fallback
        self.requests: list[tuple[str, str, str]] = []
        # One-shot answers (status, body, headers), given before the page: rate limits, outages.
        self.queued: dict[tuple[str, str], list[tuple[int, bytes, dict[str, str]]]] = {}
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # JSON and form APIs: the fallback sees the body as the query
                length = int(self.headers.get("Content-Length") or 0)
                self.do_GET(self.rfile.read(length).decode("utf-8", "replace"))

            def do_GET(self, posted: str | None = None) -> None:
                parts = urlsplit(self.path)
                host, _, path = parts.path.lstrip("/").partition("/")
                path = "/" + path
                query = parts.query if posted is None else posted
                headers: dict[str, str] = {}
                with server._lock:
                    server.requests.append((host, path, query))
                    queued = server.queued.get((host, path))
                    once = queued.pop(0) if queued else None
                if once is not None:
                    status, body, headers = once
                    ctype = "text/html; charset=utf-8"
                else:
                    page = server.pages.get((host, path)) or (
                        server.fallback and server.fallback(host, path, query))
                    status, body, ctype = page or (404, b"not found", "text/plain")
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def host_map(self, *hosts: str) -> str:
        return " ".join(f"{h}={self.base}/{h}" for h in hosts)

    def queue(self, host: str, path: str, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
              times: int = 1) -> None:
        """Answer the next ``times`` GETs of ``path`` so, then the page again."""
        with self._lock:
            self.queued.setdefault((host, path), []).extend([(status, body, headers or {})] * times)

    def html(self, host: str, path: str, body: bytes, charset: str = "utf-8") -> None:
        self.pages[(host, path)] = (200, body, f"text/html; charset={charset}")
