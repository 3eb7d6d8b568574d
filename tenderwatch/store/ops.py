"""The operators' outbox: health changes, parse-error reports and broken watchlist edits.

Kept apart from the alert outbox (an ops message is about the monitor, not about a notice) but with
the same guarantees: written once per subject and destination (the key makes a repeated report a
no-op), delivered by the dispatcher, retried until acknowledged.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tenderwatch.store.times import iso, parse_iso, utcnow


@dataclass(frozen=True)
class OpsMessage:
    id: int
    key: str
    destination: str
    subject: str
    body: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class OpsOutbox:
    """Mixed into Store, which provides ``_query`` and ``transaction``."""

    _query: Callable[..., list[sqlite3.Row]]
    transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]

    def add_ops_message(self, key: str, subject: str, body: str, destinations: Sequence[str],
                        now: datetime | None = None) -> int:
        """Queue one message per destination; a key already queued is not queued again."""
        with self.transaction() as conn:
            return sum(conn.execute(
                "INSERT OR IGNORE INTO ops_messages (key, destination, subject, body, created_at, status)"
                " VALUES (?,?,?,?,?,?)", (key, d, subject, body, iso(now or utcnow()),
                                          "delivered" if d == "log" else "pending")).rowcount for d in destinations)

    def ops_key_seen(self, key: str) -> bool:
        return bool(self._query("SELECT 1 FROM ops_messages WHERE key = ? LIMIT 1", (key,)))

    def due_ops_messages(self, now: datetime | None = None) -> list[OpsMessage]:
        rows = self._query("SELECT * FROM ops_messages WHERE status = 'pending' AND"
                           " (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY destination, id",
                           (iso(now or utcnow()),))
        return [_message(r) for r in rows]

    def ops_messages(self, limit: int = 200) -> list[OpsMessage]:
        return [_message(r) for r in self._query("SELECT * FROM ops_messages ORDER BY id DESC LIMIT ?", (limit,))]

    def mark_ops(self, message_id: int, status: str, *, error: str | None = None,
                 next_attempt_at: datetime | None = None, now: datetime | None = None) -> None:
        assignments: dict[str, Any] = {"status": status, "last_error": error,
                                       "next_attempt_at": iso(next_attempt_at) if next_attempt_at else None}
        if status == "delivered":
            assignments["delivered_at"] = iso(now or utcnow())
        columns = ", ".join(f"{name} = ?" for name in assignments)
        with self.transaction() as conn:
            conn.execute(f"UPDATE ops_messages SET {columns}, attempts = attempts + 1 WHERE id = ?",  # noqa: S608
                         (*assignments.values(), message_id))


def _message(row: sqlite3.Row) -> OpsMessage:
    return OpsMessage(id=row["id"], key=row["key"], destination=row["destination"], subject=row["subject"],
                      body=row["body"], status=row["status"], attempts=row["attempts"],
                      next_attempt_at=parse_iso(row["next_attempt_at"]), last_error=row["last_error"],
                      created_at=datetime.fromisoformat(row["created_at"]), delivered_at=parse_iso(row["delivered_at"]))

