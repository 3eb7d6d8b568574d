"""The monitor daemon (`tenderwatch run`): APScheduler 3 drives polls, alert delivery and digests.

Each poll runs its crawl in a child process (see tenderwatch/crawl.py for why). Jobs coalesce and
never overlap per portal; a run missed while the machine slept runs once on wake. Before every poll
the watchlists are re-validated: an edit takes effect at the next poll, a broken edit is reported
and the last good watchlists stay in force. One daemon per data directory (an flock that dies with
its process); SIGTERM/SIGINT stop the current crawl and exit within seconds.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler

from tenderwatch import app, ops
from tenderwatch.config import Config
from tenderwatch.crawl import terminate_active_crawls
from tenderwatch.health import blocked_backoff
from tenderwatch.lock import AlreadyRunning, DataDirLock, state_path
from tenderwatch.schedules import PollSchedule, digest_trigger, poll_schedules
from tenderwatch.store import Store
from tenderwatch.watchlists import WatchlistError, WatchlistSet

logger = logging.getLogger("tenderwatch.scheduler")

DISPATCH_SECONDS = 5  # an alert leaves within seconds of its notice being stored, even mid-crawl
# coalesce + max_instances=1: a portal's polls never overlap, and runs missed while the machine slept
# run once on wake, not once per missed interval (a day of grace: a missed poll is still worth doing).
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 24 * 3600}
SELF_CHECK_HOUR = 7  # UTC


class Watchlists:
    """The watchlists in force: re-validated on demand, the last good version kept on a broken edit."""

    def __init__(self, config: Config, on_problem: Callable[[WatchlistError], None] | None = None) -> None:
        self.config = config
        self.on_problem = on_problem
        self.current: WatchlistSet = app.load_current_watchlists(config)  # broken at start: refuse to start
        self._reported: str | None = None

    def refresh(self) -> WatchlistSet:
        try:
            latest = app.load_current_watchlists(self.config)
        except WatchlistError as exc:
            if str(exc) != self._reported:  # report each broken state once, not at every poll
                self._reported = str(exc)
                logger.error("watchlists have errors; keeping the last good version:\n%s", exc)
                if self.on_problem:
                    self.on_problem(exc)
            return self.current
        if latest.fingerprint != self.current.fingerprint:
            logger.warning("watchlists changed: %s", ", ".join(w.name for w in latest.watchlists))
        self._reported = None
        self.current = latest
        return latest


class Daemon:
    def __init__(self, config: Config, *, schedules: dict[str, PollSchedule] | None = None,
                 scheduler: BlockingScheduler | None = None) -> None:
        self.config = config
        self.schedules = schedules or poll_schedules(app.portal_names(), os.environ)
        self.watchlists = Watchlists(config, on_problem=lambda exc: ops.watchlist_problem(config, str(exc)))
        self.scheduler = scheduler or BlockingScheduler(
            executors={"default": ThreadPoolExecutor(max(2, len(self.schedules) + 2))},
            job_defaults=JOB_DEFAULTS,
            timezone="UTC",
        )
        self._dispatch_lock = threading.Lock()
        self._stopping = threading.Event()

    @property
    def portals(self) -> list[str]:
        return list(self.schedules)

    def schedule(self, now: datetime | None = None) -> None:
        start = now or datetime.now(self.scheduler.timezone)
        for index, (portal, schedule) in enumerate(self.schedules.items()):
            self.scheduler.add_job(self.poll, schedule.trigger(), args=[portal], id=f"poll:{portal}",
                                   name=f"poll {portal}", next_run_time=start + timedelta(seconds=2 * index),
                                   replace_existing=True)
        self.scheduler.add_job(self.dispatch, "interval", id="dispatch", name="deliver alerts",
                               seconds=DISPATCH_SECONDS, next_run_time=start, replace_existing=True)
        self.schedule_digests()
        self.scheduler.add_job(self.self_check, "cron", hour=SELF_CHECK_HOUR, id="self-check",
                               name="daily self-check", replace_existing=True)
        self.scheduler.add_listener(self._job_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)

    def write_state(self) -> None:
        """What `tenderwatch status` cannot read from the store: when each job runs next.

        Written from inside jobs (every dispatch tick, after every poll), never from a scheduler
        event listener: listeners run in executor threads that hold the executor's lock, and
        get_jobs() there deadlocks with the scheduler thread submitting the next job."""
        next_runs = {job.id: job.next_run_time.astimezone(UTC).isoformat()
                     for job in self.scheduler.get_jobs() if getattr(job, "next_run_time", None)}
        state = {"pid": os.getpid(), "updated_at": datetime.now(UTC).isoformat(), "next_runs": next_runs}
        path = state_path(self.config)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=1), encoding="utf-8")
        tmp.replace(path)  # atomic: status never reads half a file

    def schedule_digests(self) -> None:
        """One job per daily/weekly digest schedule, at the subscriber's hour in their time zone."""
        for job in self.scheduler.get_jobs():
            if job.id.startswith("digest:"):
                job.remove()
        for address, digest in app.digest_schedules(self.watchlists.current).items():
            trigger = digest_trigger(digest.frequency, digest.hour, digest.weekday, digest.timezone)
            if trigger is not None:
                self.scheduler.add_job(self.dispatch, trigger, id=f"digest:{address}", args=[[address]],
                                       name=f"{digest.frequency} digest for {address}", replace_existing=True)

    def poll(self, portal: str) -> None:
        if self._stopping.is_set():
            return
        if not self.poll_due(portal):
            return
        before = self.watchlists.current.fingerprint
        watchlists = self.watchlists.refresh()
        if watchlists.fingerprint != before:
            self.schedule_digests()
        app.poll(self.config, watchlists, [portal])  # reports health changes to the operators
        if not self._stopping.is_set():
            self.dispatch()  # alert as soon as the notice is stored, not at the next dispatch tick

    def poll_due(self, portal: str, now: datetime | None = None) -> bool:
        """False while a blocked portal is being left alone (exponential back-off on blocks)."""
        schedule = self.schedules.get(portal)
        if schedule is None:
            return True
        with Store(self.config.db_path) as store:
            polls = store.polls(portal, limit=20)
        resume = blocked_backoff(polls, timedelta(minutes=schedule.minutes))
        if resume is not None and (now or datetime.now(UTC)) < resume:
            logger.info("%s is blocked: leaving it alone until %s", portal, f"{resume:%Y-%m-%d %H:%M} UTC")
            return False
        return True

    def dispatch(self, digests: Sequence[str] = ()) -> None:
        """Deliver due alerts; ``digests``: the addresses whose digest is due now."""
        with self._dispatch_lock:  # the tick and a poll's own dispatch never send the same row twice
            report = app.dispatch(self.config, self.watchlists.current, release=digests)
        for line in report.errors:
            logger.error("alert delivery: %s", line)
        self.write_state()

    def self_check(self) -> None:
        """Once a day: a portal that stayed quiet too long (no poll event reveals that) is reported."""
        for portal in self.portals:
            ops.after_poll(self.config, portal)  # reported once: a state already reported is not repeated

    def _job_event(self, event: JobExecutionEvent) -> None:
        if event.exception is not None:
            logger.error("job %s failed: %r", event.job_id, event.exception)
            hour = datetime.now(UTC).strftime("%Y-%m-%dT%H")  # the same failure reported at most hourly
            ops.report(self.config, f"job:{event.job_id}:{type(event.exception).__name__}:{hour}",
                       f"tenderwatch: the {event.job_id} job failed",
                       f"{event.exception!r}\nThe daemon keeps running; the job runs again at its next time.")
        else:
            logger.warning("job %s missed its run time", event.job_id)

    def stop(self, *_: Any) -> None:
        logger.warning("stopping: finishing the current step")
        self._stopping.set()
        terminate_active_crawls()
        self.scheduler.shutdown(wait=False)


def main(config: Config, interval_minutes: float | None = None) -> int:
    lock = DataDirLock(config.data_dir)
    try:
        lock.acquire()
    except AlreadyRunning as exc:
        print(exc)
        return 3
    try:
        schedules = poll_schedules(app.portal_names(), os.environ, default_minutes=interval_minutes)
        daemon = Daemon(config, schedules=schedules)
        signal.signal(signal.SIGTERM, daemon.stop)
        signal.signal(signal.SIGINT, daemon.stop)
        daemon.schedule()
        logger.warning("tenderwatch daemon started: %s; data in %s",
                       ", ".join(f"{p} every {s.minutes:g} min" for p, s in schedules.items()), config.data_dir)
        daemon.scheduler.start()  # blocks until stop()
        return 0
    finally:
        lock.release()
