"""JSON lines: one object per alert, appended and fsynced before the alert counts as delivered."""

from __future__ import annotations

import json
import os
from pathlib import Path

from notifiers.base import TransientError
from tenderwatch.alerts import AlertPayload
from tenderwatch.store import AlertRow


class JsonlNotifier:
    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, row: AlertRow, payload: AlertPayload, thread_ref: str | None = None) -> str | None:
        record = {"alert_id": row.id, "destination": row.destination, **payload.to_dict()}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:  # a full disk or a missing mount is worth retrying
            raise TransientError(f"cannot write {self.path}: {exc.strerror}") from exc
        return None
