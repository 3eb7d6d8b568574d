"""A loopback server speaking Slack's Web API (chat.postMessage) and incoming-webhook shapes.

It checks what Slack checks (bot token, at most 50 blocks, section text at most 3,000 characters,
header at most 150) and can be scripted: answers to give before the normal ones, each with an
optional delay (to make a client time out), or an outage answering 500 until a given time.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Scripted:
    status: int
    answer: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering; the message is not posted


def block_problem(body: dict[str, Any]) -> str | None:
    blocks = body.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if len(blocks) > 50:
        return "invalid_blocks"
    for block in blocks:
        text = (block.get("text") or {}).get("text", "")
        if block["type"] == "section" and len(text) > 3000:
            return "invalid_blocks"
        if block["type"] == "header" and len(text) > 150:
            return "invalid_blocks"
    return None


class SlackServer:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.requests = 0
        self.script: list[Scripted | tuple[int, dict[str, Any], dict[str, str]]] = []
        self.down_until = 0.0  # time.monotonic() before which every request gets a 500
        self.post_delay = 0.0  # seconds between posting a message and answering
        self._ts = 1700000000
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                webhook = self.path.startswith("/webhook")
                with server._lock:
                    server.requests += 1
                    step = server.script.pop(0) if server.script else None
                if isinstance(step, tuple):
                    step = Scripted(*step)
                if step is not None:
                    time.sleep(step.delay)
                    status, answer, headers = step.status, step.answer, step.headers
                elif time.monotonic() < server.down_until:
                    status, answer, headers = 500, {"ok": False, "error": "fatal_error"}, {}
                elif not webhook and self.headers.get("Authorization") != "Bearer xoxb-test":
                    status, answer, headers = 200, {"ok": False, "error": "invalid_auth"}, {}
                elif not webhook and body.get("channel") == "#missing":
                    status, answer, headers = 200, {"ok": False, "error": "channel_not_found"}, {}
                elif (problem := block_problem(body)) is not None:
                    status, answer, headers = (400 if webhook else 200), {"ok": False, "error": problem}, {}
                else:
                    with server._lock:
                        server._ts += 1
                        ts = f"{server._ts}.000100"
                        server.messages.append({**body, "ts": ts, "webhook": webhook, "at": time.monotonic()})
                    time.sleep(server.post_delay)  # posted, not yet acknowledged: the duplicate window
                    status, answer, headers = 200, {"ok": True, "ts": ts, "channel": body.get("channel")}, {}
                payload = b"ok" if webhook and status == 200 else json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "text/plain" if webhook else "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
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
