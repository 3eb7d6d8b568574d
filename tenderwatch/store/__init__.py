"""The embedded store: notices, matches, the alert outbox and poll history, in one SQLite file.

Crawls write (one transaction per notice: the notice, its matches and its pending alerts); the
dispatcher reads pending alerts and records deliveries; ``status`` reads everything. SQLite in WAL
mode lets a crawl process and the daemon work on the same file at once.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from tenderwatch.model import Notice
from tenderwatch.store.ops import OpsMessage as OpsMessage
from tenderwatch.store.ops import OpsOutbox
from tenderwatch.store.schema import migrate
from tenderwatch.store.times import iso, parse_iso, utcnow

ALERT_STATUSES = ("held", "pending", "delivered", "failed")  # held: waits for its email digest
DIGEST_PREFIX = "digest:"


@dataclass(frozen=True)
class MatchRecord:
    watchlist: str
    entity: str
    entity_kind: str
    alias: str
    field: str
    snippet: str
    fired: bool


@dataclass(frozen=True)
class AlertDraft:
    destination: str
    kind: str  # new | update
    severity: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class AlertRow:
    id: int
    notice_key: str
    destination: str
    kind: str
    project_key: str
    severity: str
    payload: dict[str, Any]
    published_at: datetime | None
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    delivery_ref: str | None


@dataclass
class PollRecord:
    portal: str
    started_at: datetime
    id: int | None = None
    finished_at: datetime | None = None
    outcome: str | None = None
    reason: str = ""
    requests: int = 0
    notices_new: int = 0
    parse_errors: int = 0
    error_urls: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)


class Store(OpsOutbox):
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL is durable across process crashes
        self._conn.execute("PRAGMA foreign_keys=ON")
        with self._lock:
            migrate(self._conn)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    # -- notices --------------------------------------------------------------------------------

    def has_notice(self, key: str) -> bool:
        return bool(self._query("SELECT 1 FROM notices WHERE key = ?", (key,)))

    def notice(self, key: str) -> Notice | None:
        rows = self._query("SELECT data FROM notices WHERE key = ?", (key,))
        return Notice.from_dict(json.loads(rows[0]["data"])) if rows else None

    def notice_by_url(self, url: str) -> Notice | None:
        rows = self._query("SELECT data FROM notices WHERE url = ? LIMIT 1", (url,))
        return Notice.from_dict(json.loads(rows[0]["data"])) if rows else None

    def project_first_notice(self, project_key: str) -> str | None:
        """The first stored notice of a project: later notices are updates of it."""
        rows = self._query(
            "SELECT key FROM notices WHERE project_key = ? AND update_of IS NULL ORDER BY rowid LIMIT 1",
            (project_key,),
        )
        return rows[0]["key"] if rows else None

    def project_notice_like(self, project_key: str, notice_type: str, other_than_portal: str) -> str | None:
        """A notice of the same project and stage on another portal: the same notice, republished."""
        rows = self._query("SELECT key FROM notices WHERE project_key = ? AND notice_type = ? AND portal != ?"
                           " ORDER BY rowid LIMIT 1", (project_key, notice_type, other_than_portal))
        return rows[0]["key"] if rows else None

    def notice_alerts(self, notice_key: str) -> list[AlertRow]:
        return [_alert(r) for r in self._query("SELECT * FROM alerts WHERE notice_key = ? ORDER BY id", (notice_key,))]

    def add_also_at(self, notice_key: str, place: dict[str, str]) -> int:
        """Cite another place a notice appears in its alerts that are not sent yet; return how many."""
        with self.transaction() as conn:
            rows = conn.execute("SELECT id, payload FROM alerts WHERE notice_key = ? AND status IN ('held', 'pending')",
                                (notice_key,)).fetchall()
            changed = 0
            for row in rows:
                payload = json.loads(row["payload"])
                also = payload.setdefault("also_at", [])
                if all(p.get("key") != place.get("key") for p in also):
                    also.append(place)
                    conn.execute("UPDATE alerts SET payload = ? WHERE id = ?",
                                 (json.dumps(payload, ensure_ascii=False), row["id"]))
                    changed += 1
            return changed

    def project_alerts(self, project_key: str) -> list[AlertRow]:
        """The alerts that first told people about a project: its later notices go where they went."""
        rows = self._query("SELECT * FROM alerts WHERE project_key = ? AND kind = 'new' ORDER BY id",
                           (project_key,))
        return [_alert(r) for r in rows]

    def save_notice(
        self,
        notice: Notice,
        *,
        project_key: str,
        update_of: str | None,
        matches: Sequence[MatchRecord] = (),
        alerts: Sequence[AlertDraft] = (),
        now: datetime | None = None,
    ) -> bool:
        """Store a notice with its matches and pending alerts atomically. False if it was already stored."""
        now_s = iso(now or utcnow())
        published = iso(notice.published_at)
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO notices (key, portal, url, title, notice_type, buyer, region,"
                " published_at, project_key, update_of, data, first_seen_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (notice.key, notice.portal, notice.url, notice.title, notice.notice_type.value,
                 notice.buyer, notice.region, published, project_key, update_of,
                 json.dumps(notice.to_dict(), ensure_ascii=False), now_s),
            )
            if cur.rowcount == 0:
                return False
            conn.executemany(
                "INSERT INTO matches (notice_key, watchlist, entity, entity_kind, alias, field, snippet, fired)"
                " VALUES (?,?,?,?,?,?,?,?)",
                [(notice.key, m.watchlist, m.entity, m.entity_kind, m.alias, m.field, m.snippet, int(m.fired))
                 for m in matches],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO alerts (notice_key, destination, kind, project_key, severity, payload,"
                " published_at, created_at, status) VALUES (?,?,?,?,?,?,?,?,?)",
                [(notice.key, a.destination, a.kind, project_key, a.severity,
                  json.dumps(a.payload, ensure_ascii=False), published, now_s,
                  "held" if a.destination.startswith(DIGEST_PREFIX) else "pending") for a in alerts],
            )
        return True

    def matches(self, notice_key: str) -> list[MatchRecord]:
        rows = self._query(
            "SELECT watchlist, entity, entity_kind, alias, field, snippet, fired FROM matches"
            " WHERE notice_key = ? ORDER BY rowid", (notice_key,),
        )
        return [MatchRecord(**{**dict(r), "fired": bool(r["fired"])}) for r in rows]

    def notices_since(self, portal: str, since: datetime) -> int:
        (n,) = self._query(
            "SELECT count(*) FROM notices WHERE portal = ? AND first_seen_at >= ?", (portal, iso(since))
        )[0]
        return int(n)

    def last_new_notice(self, portal: str) -> datetime | None:
        rows = self._query("SELECT max(first_seen_at) AS t FROM notices WHERE portal = ?", (portal,))
        return parse_iso(rows[0]["t"]) if rows else None

    # -- the outbox -----------------------------------------------------------------------------

    def due_alerts(self, now: datetime | None = None, destination: str | None = None,
                   limit: int = 500) -> list[AlertRow]:
        """Pending alerts whose next attempt is due, in delivery order (per destination, by publication)."""
        sql = ("SELECT * FROM alerts WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)")
        params: list[Any] = [iso(now or utcnow())]
        if destination is not None:
            sql += " AND destination = ?"
            params.append(destination)
        sql += " ORDER BY destination, published_at IS NULL, published_at, id LIMIT ?"
        params.append(limit)
        return [_alert(r) for r in self._query(sql, params)]

    def alerts(self, status: str | None = None, limit: int = 200) -> list[AlertRow]:
        if status is not None and status not in ALERT_STATUSES:
            raise ValueError(f"unknown alert status {status!r}")
        where, params = ("WHERE status = ?", [status]) if status else ("", [])
        rows = self._query(f"SELECT * FROM alerts {where} ORDER BY id DESC LIMIT ?", [*params, limit])  # noqa: S608
        return [_alert(r) for r in rows]

    def alert_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ALERT_STATUSES, 0)
        for row in self._query("SELECT status, count(*) AS n FROM alerts GROUP BY status"):
            counts[row["status"]] = int(row["n"])
        return counts

    def mark_delivered(self, ids: int | Sequence[int], ref: str | None = None, now: datetime | None = None) -> None:
        """Acknowledged by the destination (a digest acknowledges all its alerts at once)."""
        self._update(ids, "status = 'delivered', delivered_at = ?, delivery_ref = ?, attempts = attempts + 1,"
                          " last_error = NULL", (iso(now or utcnow()), ref))

    def mark_retry(self, ids: int | Sequence[int], error: str, next_attempt_at: datetime) -> None:
        self._update(ids, "attempts = attempts + 1, last_error = ?, next_attempt_at = ?", (error, iso(next_attempt_at)))

    def mark_failed(self, ids: int | Sequence[int], error: str) -> None:
        self._update(ids, "status = 'failed', attempts = attempts + 1, last_error = ?", (error,))

    def _update(self, ids: int | Sequence[int], assignments: str, params: tuple[Any, ...]) -> None:
        ids = [ids] if isinstance(ids, int) else list(ids)
        with self.transaction() as conn:
            conn.executemany(f"UPDATE alerts SET {assignments} WHERE id = ?",  # noqa: S608 - fixed columns
                             [(*params, i) for i in ids])

    def release_digest(self, destination: str, now: datetime | None = None) -> int:
        """A digest is due: its held alerts become pending, to be sent together."""
        with self.transaction() as conn:
            return conn.execute(
                "UPDATE alerts SET status = 'pending', next_attempt_at = ? WHERE destination = ? AND status = 'held'",
                (iso(now or utcnow()), destination)).rowcount

    def last_delivery(self, destination: str) -> datetime | None:
        rows = self._query("SELECT max(delivered_at) AS t FROM alerts WHERE destination = ?", (destination,))
        return parse_iso(rows[0]["t"]) if rows and rows[0]["t"] else None

    def alerts_between(self, since: datetime, until: datetime | None = None) -> list[AlertRow]:
        """Alerts created in a period, whatever their state (digest preview)."""
        rows = self._query("SELECT * FROM alerts WHERE created_at >= ? AND created_at <= ? ORDER BY published_at, id",
                           (iso(since), iso(until or utcnow())))
        return [_alert(r) for r in rows]

    def requeue_failed(self, ids: Sequence[int] = ()) -> int:
        """Put failed alerts back in the queue (all of them, or those given)."""
        sql = "UPDATE alerts SET status = 'pending', next_attempt_at = NULL, attempts = 0 WHERE status = 'failed'"
        params: list[Any] = []
        if ids:
            sql += f" AND id IN ({','.join('?' * len(ids))})"
            params.extend(ids)
        with self.transaction() as conn:
            return conn.execute(sql, params).rowcount

    def thread_ref(self, project_key: str, destination: str) -> str | None:
        rows = self._query("SELECT ref FROM threads WHERE project_key = ? AND destination = ?",
                           (project_key, destination))
        return rows[0]["ref"] if rows else None

    def set_thread_ref(self, project_key: str, destination: str, ref: str) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO threads (project_key, destination, ref) VALUES (?,?,?)",
                         (project_key, destination, ref))

    # -- polls and portal health ----------------------------------------------------------------

    def start_poll(self, portal: str, now: datetime | None = None) -> int:
        with self.transaction() as conn:
            cur = conn.execute("INSERT INTO polls (portal, started_at) VALUES (?, ?)",
                               (portal, iso(now or utcnow())))
            return int(cur.lastrowid or 0)

    def finish_poll(self, poll_id: int, record: PollRecord) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE polls SET finished_at = ?, outcome = ?, reason = ?, requests = ?, notices_new = ?,"
                " parse_errors = ?, error_urls = ?, stats = ? WHERE id = ?",
                (iso(record.finished_at or utcnow()), record.outcome, record.reason, record.requests,
                 record.notices_new, record.parse_errors, json.dumps(record.error_urls, ensure_ascii=False),
                 json.dumps(record.stats, ensure_ascii=False, default=str), poll_id),
            )

    def polls(self, portal: str | None = None, limit: int = 50) -> list[PollRecord]:
        where, params = ("WHERE portal = ?", [portal]) if portal else ("", [])
        rows = self._query(f"SELECT * FROM polls {where} ORDER BY id DESC LIMIT ?", [*params, limit])  # noqa: S608
        return [
            PollRecord(id=r["id"], portal=r["portal"], started_at=datetime.fromisoformat(r["started_at"]),
                       finished_at=parse_iso(r["finished_at"]), outcome=r["outcome"], reason=r["reason"],
                       requests=r["requests"], notices_new=r["notices_new"], parse_errors=r["parse_errors"],
                       error_urls=json.loads(r["error_urls"]), stats=json.loads(r["stats"]))
            for r in rows
        ]

    def last_success(self, portal: str) -> datetime | None:
        rows = self._query(
            "SELECT started_at FROM polls WHERE portal = ? AND outcome = 'ok' ORDER BY id DESC LIMIT 1", (portal,)
        )
        return parse_iso(rows[0]["started_at"]) if rows else None


def _alert(row: sqlite3.Row) -> AlertRow:
    return AlertRow(
        id=row["id"], notice_key=row["notice_key"], destination=row["destination"], kind=row["kind"],
        project_key=row["project_key"], severity=row["severity"], payload=json.loads(row["payload"]),
        published_at=parse_iso(row["published_at"]), status=row["status"], attempts=row["attempts"],
        next_attempt_at=parse_iso(row["next_attempt_at"]), last_error=row["last_error"],
        created_at=datetime.fromisoformat(row["created_at"]), delivered_at=parse_iso(row["delivered_at"]),
        delivery_ref=row["delivery_ref"],
    )
