"""Console: every alert printed to the dispatcher's standard output."""

from __future__ import annotations

from typing import TextIO

from notifiers.text import render_text
from tenderwatch.alerts import AlertPayload
from tenderwatch.store import AlertRow


class ConsoleNotifier:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def send(self, row: AlertRow, payload: AlertPayload, thread_ref: str | None = None) -> str | None:
        print(render_text(payload), file=self.out, flush=True)
        return None
