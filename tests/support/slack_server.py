"""A loopback server speaking Slack's Web API (chat.postMessage) and incoming-webhook shapes."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class SlackServer:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.script: list[tuple[int, dict[str, Any], dict[str, str]]] = []  # answers to give before normal ones
        self._ts = 1700000000
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                webhook = self.path.startswith("/webhook")
                if server.script:
                    status, answer, headers = server.script.pop(0)
                elif not webhook and self.headers.get("Authorization") != "Bearer xoxb-test":
                    status, answer, headers = 200, {"ok": False, "error": "invalid_auth"}, {}
                else:
                    server._ts += 1
                    ts = f"{server._ts}.000100"
                    server.messages.append({**body, "ts": ts, "webhook": webhook})
                    status, answer, headers = 200, {"ok": True, "ts": ts, "channel": body.get("channel")}, {}
                payload = b"ok" if webhook and status == 200 else json.dumps(answer).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "text/plain" if webhook else "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> SlackServer:  # noqa: PYI034
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/api/"

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/webhook/T1/B1/x"
