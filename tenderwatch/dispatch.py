"""The dispatcher: deliver due outbox rows, in order per destination, marking each only once acknowledged.

One retry layer, two time scales (slack-sdk's own retries are off):
- within a run, tenacity retries a transient failure (connection error, timeout, HTTP 5xx, Slack 429,
  SMTP 4xx) a few times with exponential back-off and jitter, honouring Retry-After;
- past that, the row keeps its place in the outbox with a next attempt time (exponential back-off,
  Retry-After when longer) and later runs try again, for up to the retry budget counted from the
  alert's creation (default 48 h); then it is marked failed and reported.
A permanent failure (bad token, unknown channel, refused recipient) is marked failed at once.
Order per destination is kept: after a failure, that destination's later alerts wait.

Digest rows (``digest:<address>``) are held until their digest is released (at the subscriber's
hour, or on request) and then go out together, as one message, acknowledged together.
"""

from __future__ import annotations

import logging
import random
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby
from typing import TextIO, TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    before_sleep_log,
    retry_if_exception_type,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)

from notifiers.base import Notifier, PermanentError, TransientError
from notifiers.console import ConsoleNotifier
from notifiers.digest import DigestSchedule
from notifiers.email import DigestNotifier, EmailNotifier, SmtpTransport, build_ops_message
from notifiers.jsonl import JsonlNotifier
from notifiers.slack import SlackBotNotifier, SlackWebhookNotifier
from tenderwatch.alerts import AlertPayload
from tenderwatch.config import Config
from tenderwatch.store import DIGEST_PREFIX, AlertRow, OpsMessage, Store, utcnow

logger = logging.getLogger(__name__)
T = TypeVar("T")

MAX_BACKOFF = timedelta(hours=1)
IN_RUN_ATTEMPTS = 3
IN_RUN_BUDGET = 20.0  # seconds one send may take with its retries, so one outage never stalls a run
IN_RUN_MAX_WAIT = 10.0  # a Retry-After longer than this is left to a later run
UNCONFIGURED_WAIT = 600.0


@dataclass
class DispatchReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    waiting: int = 0  # held for a digest
    digests: int = 0
    ops_delivered: int = 0  # operators' messages
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    """Across runs: exponential back-off with jitter; a server's Retry-After wins when it asks for longer."""
    base = min(MAX_BACKOFF.total_seconds(), 30 * 2 ** min(attempts, 12))
    delay = base * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not cryptography
    return timedelta(seconds=max(delay, retry_after or 0))


_in_run_backoff = wait_exponential_jitter(multiplier=0.5, max=IN_RUN_MAX_WAIT, jitter=0.5)


def _wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    retry_after = getattr(exc, "retry_after", None)
    return float(retry_after) if retry_after else _in_run_backoff(state)


def _retry_after_too_long(state: RetryCallState) -> bool:
    exc = state.outcome.exception() if state.outcome else None
    return (getattr(exc, "retry_after", None) or 0) > IN_RUN_MAX_WAIT


class Dispatcher:
    def __init__(self, store: Store, config: Config, *, digest_schedules: Mapping[str, DigestSchedule] | None = None,
                 retry_budget: timedelta = timedelta(hours=48), clock: Callable[[], datetime] = utcnow,
                 out: TextIO = sys.stdout, sleep: Callable[[float], None] = time.sleep,
                 in_run_attempts: int = IN_RUN_ATTEMPTS) -> None:
        self.store = store
        self.config = config
        self.digest_schedules = dict(digest_schedules or {})
        self.retry_budget = retry_budget
        self.clock = clock
        self.sleep = sleep
        self.in_run_attempts = in_run_attempts
        self.notifiers: dict[str, Notifier] = {
            "console": ConsoleNotifier(out),
            "jsonl": JsonlNotifier(config.alerts_jsonl),
        }
        if config.slack is not None and config.slack.bot_token:
            self.notifiers["slack"] = SlackBotNotifier(config.slack, sleep=sleep)
        if config.slack is not None and config.slack.webhook_url:
            self.notifiers["slack-webhook"] = SlackWebhookNotifier(config.slack, sleep=sleep)
        self.digester: DigestNotifier | None = None
        if config.smtp is not None:
            self.notifiers["email"] = EmailNotifier(config.smtp)
            self.digester = DigestNotifier(config.smtp, self._frequency)

    def _frequency(self, address: str) -> str:
        schedule = self.digest_schedules.get(address)
        return schedule.frequency if schedule and schedule.frequency != "immediate" else "on request"

    def notifier(self, destination: str) -> Notifier | None:
        return self.notifiers.get(destination.split(":", 1)[0])

    def run_once(self, *, force_digest: bool = False, release: Iterable[str] = ()) -> DispatchReport:
        """Send what is due. ``release``: addresses whose digest is due now; ``force_digest``: all
        digests now, including an empty one where nothing is new (it is asked for)."""
        report = DispatchReport()
        now = self.clock()
        addresses = list(self.digest_schedules) if force_digest else list(release)
        for address in addresses:
            self.store.release_digest(DIGEST_PREFIX + address, now)
        sent_digests: set[str] = set()
        for destination, rows in groupby(self.store.due_alerts(now=now), key=lambda r: r.destination):
            if destination.startswith(DIGEST_PREFIX):
                sent_digests.add(destination)
                self._send_digest(destination, now, report)
                continue
            for row in rows:
                if not self._send_one(row, now, report):
                    break  # keep this destination's order: its later alerts wait for the next run
        if force_digest:
            for address in addresses:
                if DIGEST_PREFIX + address not in sent_digests:
                    self._send_empty_digest(address, now, report)
        self._send_ops(now, report)
        report.waiting = self.store.alert_counts().get("held", 0)
        return report

    def _attempt(self, send: Callable[[], T]) -> T:
        retrying = Retrying(
            retry=retry_if_exception_type(TransientError),
            stop=stop_after_attempt(self.in_run_attempts) | stop_before_delay(IN_RUN_BUDGET) | _retry_after_too_long,
            wait=_wait, sleep=self.sleep, reraise=True,
            before_sleep=before_sleep_log(logger, logging.WARNING))
        return retrying(send)

    def _send_one(self, row: AlertRow, now: datetime, report: DispatchReport) -> bool:
        notifier = self.notifier(row.destination)
        # A project's later notice replies in the thread of its first alert (Slack bot mode).
        thread = self.store.thread_ref(row.project_key, row.destination) if row.kind != "new" else None
        try:
            if notifier is None:  # configuration changed since: wait for it to be restored, within the budget
                raise TransientError(f"{row.destination} is not configured (check SLACK_*/SMTP_* settings)",
                                     retry_after=UNCONFIGURED_WAIT)
            ref = self._attempt(lambda: notifier.send(row, AlertPayload.from_dict(row.payload), thread))
        except TransientError as exc:
            self._transient([row], str(exc), exc.retry_after, now, report)
            return False
        except PermanentError as exc:
            self._failed([row], str(exc), report)
            return False
        self.store.mark_delivered(row.id, ref=ref, now=self.clock())
        if row.kind == "new" and ref and row.destination.startswith("slack:"):
            self.store.set_thread_ref(row.project_key, row.destination, ref)
        report.delivered += 1
        return True

    def _send_digest(self, destination: str, now: datetime, report: DispatchReport) -> None:
        rows = self.store.due_alerts(now=now, destination=destination, limit=1_000_000)
        address = destination.removeprefix(DIGEST_PREFIX)
        since = self.store.last_delivery(destination)
        payloads = [AlertPayload.from_dict(r.payload) for r in rows]
        try:
            if self.digester is None:
                raise TransientError("email digests need SMTP_HOST", retry_after=UNCONFIGURED_WAIT)
            digester = self.digester
            ref = self._attempt(lambda: digester.send_digest(address, payloads, since, now))
        except TransientError as exc:
            self._transient(rows, str(exc), exc.retry_after, now, report)
            return
        except PermanentError as exc:
            self._failed(rows, str(exc), report)
            return
        self.store.mark_delivered([r.id for r in rows], ref=ref, now=self.clock())
        report.delivered += len(rows)
        report.digests += 1

    def _send_empty_digest(self, address: str, now: datetime, report: DispatchReport) -> None:
        if self.digester is None:
            report.errors.append(f"digest for {address}: email digests need SMTP_HOST")
            return
        digester = self.digester
        since = self.store.last_delivery(DIGEST_PREFIX + address)
        try:
            self._attempt(lambda: digester.send_digest(address, [], since, now))
        except (TransientError, PermanentError) as exc:  # nothing was owed: report, keep nothing
            report.errors.append(f"empty digest for {address} not sent: {exc}")
            return
        report.digests += 1

    def _send_ops(self, now: datetime, report: DispatchReport) -> None:
        """The operators' messages (health, parse errors, broken watchlists), with the same retries."""
        blocked: set[str] = set()
        for message in self.store.due_ops_messages(now):
            if message.destination in blocked:
                continue
            try:
                self._attempt(self._ops_sender(message))
            except TransientError as exc:
                blocked.add(message.destination)
                if now - message.created_at >= self.retry_budget:
                    self.store.mark_ops(message.id, "failed", error=str(exc))
                    report.errors.append(f"operators' message {message.key} to {message.destination} failed: {exc}")
                else:
                    self.store.mark_ops(message.id, "pending", error=str(exc),
                                        next_attempt_at=now + backoff(message.attempts, exc.retry_after))
                continue
            except PermanentError as exc:
                self.store.mark_ops(message.id, "failed", error=str(exc))
                report.errors.append(f"operators' message {message.key} to {message.destination} failed: {exc}")
                continue
            self.store.mark_ops(message.id, "delivered", now=self.clock())
            report.ops_delivered += 1

    def _ops_sender(self, message: OpsMessage) -> Callable[[], object]:
        kind, _, target = message.destination.partition(":")
        slack = self.notifiers.get("slack")
        if kind == "slack" and isinstance(slack, SlackBotNotifier):
            return lambda: slack.send_text(target, message.subject, message.body)
        if kind == "email" and self.config.smtp is not None:
            transport = SmtpTransport(self.config.smtp)
            msg = build_ops_message(message.subject, message.body, self.config.smtp.from_addr, target)
            return lambda: transport.deliver(msg, target)
        raise TransientError(f"{message.destination} is not configured", retry_after=UNCONFIGURED_WAIT)

    def _failed(self, rows: list[AlertRow], error: str, report: DispatchReport) -> None:
        self.store.mark_failed([r.id for r in rows], error)
        report.failed += len(rows)
        report.errors.append(f"{len(rows)} alert(s) to {rows[0].destination} failed: {error}")

    def _transient(self, rows: list[AlertRow], error: str, retry_after: float | None, now: datetime,
                   report: DispatchReport) -> None:
        oldest = min(r.created_at for r in rows)
        if now - oldest >= self.retry_budget:
            self.store.mark_failed([r.id for r in rows], f"gave up after {self.retry_budget}: {error}")
            report.failed += len(rows)
            report.errors.append(f"{len(rows)} alert(s) to {rows[0].destination} failed for good: {error}")
            return
        self.store.mark_retry([r.id for r in rows], error, now + backoff(max(r.attempts for r in rows), retry_after))
        report.retrying += len(rows)
