"""The dispatcher: deliver due outbox rows, in order per destination, marking each only once acknowledged.

A transient failure (TransientError) is recorded with a back-off and retried at later runs, within a
retry budget counted from the alert's creation (default 48 h); then the alert is marked failed and
reported. A permanent failure is marked failed at once. Order per destination is kept: after a
transient failure, that destination waits for the next run.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TextIO

from notifiers.base import Notifier, PermanentError, TransientError
from notifiers.console import ConsoleNotifier
from notifiers.digest import DigestSchedule
from notifiers.email import EmailNotifier
from notifiers.jsonl import JsonlNotifier
from notifiers.slack import SlackBotNotifier, SlackWebhookNotifier
from tenderwatch.alerts import AlertPayload
from tenderwatch.config import Config
from tenderwatch.store import AlertRow, Store, utcnow

MAX_BACKOFF = timedelta(hours=1)


@dataclass
class DispatchReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    waiting: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    """Exponential back-off with jitter; a server's Retry-After wins when it asks for longer."""
    base = min(MAX_BACKOFF.total_seconds(), 30 * 2 ** min(attempts, 12))
    delay = base * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not cryptography
    return timedelta(seconds=max(delay, retry_after or 0))


class Dispatcher:
    def __init__(self, store: Store, config: Config, *, digest_schedules: Mapping[str, DigestSchedule] | None = None,
                 retry_budget: timedelta = timedelta(hours=48), clock: Callable[[], datetime] = utcnow,
                 out: TextIO = sys.stdout) -> None:
        self.store = store
        self.config = config
        self.digest_schedules = dict(digest_schedules or {})
        self.retry_budget = retry_budget
        self.clock = clock
        self.notifiers: dict[str, Notifier] = {
            "console": ConsoleNotifier(out),
            "jsonl": JsonlNotifier(config.alerts_jsonl),
        }
        if config.slack is not None and config.slack.bot_token:
            self.notifiers["slack"] = SlackBotNotifier(config.slack)
        if config.slack is not None and config.slack.webhook_url:
            self.notifiers["slack-webhook"] = SlackWebhookNotifier(config.slack)
        if config.smtp is not None:
            self.notifiers["email"] = EmailNotifier(config.smtp)

    def notifier(self, destination: str) -> Notifier | None:
        return self.notifiers.get(destination.split(":", 1)[0])

    def run_once(self, *, force_digest: bool = False) -> DispatchReport:
        report = DispatchReport()
        now = self.clock()
        blocked: set[str] = set()  # destinations that failed transiently this run: keep their order
        for row in self.store.due_alerts(now=now):
            if row.destination in blocked:
                continue
            notifier = self.notifier(row.destination)
            try:
                if notifier is None:
                    raise TransientError(f"no notifier for {row.destination} in this version")
                # A project's later notice replies in the thread of its first alert (Slack bot mode).
                thread = self.store.thread_ref(row.project_key, row.destination) if row.kind == "update" else None
                ref = notifier.send(row, AlertPayload.from_dict(row.payload), thread)
            except TransientError as exc:
                blocked.add(row.destination)
                self._transient(row, str(exc), exc.retry_after, now, report)
                continue
            except PermanentError as exc:
                self.store.mark_failed(row.id, str(exc))
                report.failed += 1
                report.errors.append(f"alert {row.id} to {row.destination} failed: {exc}")
                continue
            self.store.mark_delivered(row.id, ref=ref, now=self.clock())
            if row.kind == "new" and ref and row.destination.startswith("slack:"):
                self.store.set_thread_ref(row.project_key, row.destination, ref)
            report.delivered += 1
        return report

    def _transient(self, row: AlertRow, error: str, retry_after: float | None, now: datetime,
                   report: DispatchReport) -> None:
        if now - row.created_at >= self.retry_budget:
            self.store.mark_failed(row.id, f"gave up after {self.retry_budget}: {error}")
            report.failed += 1
            report.errors.append(f"alert {row.id} to {row.destination} failed for good: {error}")
            return
        self.store.mark_retry(row.id, error, now + backoff(row.attempts, retry_after))
        report.retrying += 1
