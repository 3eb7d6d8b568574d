"""Run one portal's crawl in a child process, and read its outcome from the store.

One interpreter per crawl: a Twisted reactor cannot be restarted, a child's memory and leaked state
go away with it, and a crawl that hangs can be killed. The child is exactly what an operator gets
from ``scrapy crawl <portal>`` plus two settings: the watchlist snapshot and the poll row to fill.

Child: ``python -m tenderwatch.crawl PORTAL --poll-id N [--snapshot FILE] [-s NAME=VALUE ...]``
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tenderwatch.config import Config
from tenderwatch.store import PollRecord, Store, utcnow

DEFAULT_TIMEOUT = 30 * 60
PROJECT_ROOT = Path(__file__).resolve().parent.parent


_active: set[subprocess.Popen[bytes]] = set()
_active_lock = threading.Lock()


def terminate_active_crawls() -> None:
    """Stop every crawl this process started (the daemon's SIGTERM): their polls are recorded failed."""
    with _active_lock:
        procs = list(_active)
    for proc in procs:
        _kill(proc)


@dataclass(frozen=True)
class PollResult:
    portal: str
    poll_id: int
    outcome: str  # ok | failed | blocked | broken
    reason: str
    requests: int
    notices_new: int
    parse_errors: int
    seconds: float

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def run_poll(portal: str, config: Config, *, snapshot: Path | None = None, timeout: float = DEFAULT_TIMEOUT,
             settings: Mapping[str, str] | None = None, log_level: str = "WARNING") -> PollResult:
    """Crawl ``portal`` once in a child process; never raises for a portal's failure."""
    started = time.monotonic()
    with Store(config.db_path) as store:
        poll_id = store.start_poll(portal)
    cmd = [sys.executable, "-m", "tenderwatch.crawl", portal, "--poll-id", str(poll_id)]
    if snapshot is not None:
        cmd += ["--snapshot", str(snapshot)]
    for name, value in (settings or {}).items():
        cmd += ["-s", f"{name}={value}"]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "tenderwatch.settings", "TENDERWATCH_LOG_LEVEL": log_level,
           "TENDERWATCH_DATA_DIR": str(config.data_dir), "TENDERWATCH_WATCHLISTS": str(config.watchlists_dir)}
    failure = ""
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, start_new_session=True)
    with _active_lock:
        _active.add(proc)
    try:
        code = proc.wait(timeout=timeout)
        if code != 0:
            failure = f"crawl process exited with code {code}"
    except subprocess.TimeoutExpired:
        _kill(proc)
        failure = f"crawl killed after {timeout:.0f} s"
    except BaseException:  # SIGINT/SIGTERM of the parent: do not leave an orphan crawl behind
        _kill(proc)
        raise
    finally:
        with _active_lock:
            _active.discard(proc)
    if failure == "" and proc.returncode and proc.returncode < 0:
        failure = f"crawl stopped by signal {-proc.returncode}"
    with Store(config.db_path) as store:
        record = next((p for p in store.polls(portal, limit=20) if p.id == poll_id), None)
        if record is None or record.outcome is None or failure:
            record = PollRecord(id=poll_id, portal=portal, started_at=record.started_at if record else utcnow(),
                                finished_at=utcnow(), outcome="failed",
                                reason=failure or "crawl ended without recording an outcome")
            store.finish_poll(poll_id, record)
    return PollResult(portal=portal, poll_id=poll_id, outcome=record.outcome or "failed", reason=record.reason,
                      requests=record.requests, notices_new=record.notices_new,
                      parse_errors=record.parse_errors, seconds=time.monotonic() - started)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tenderwatch.crawl")
    parser.add_argument("portal")
    parser.add_argument("--poll-id", type=int, required=True)
    parser.add_argument("--snapshot", default="")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)

    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.set("TENDERWATCH_POLL_ID", args.poll_id, priority="cmdline")
    if args.snapshot:
        settings.set("TENDERWATCH_WATCHLIST_SNAPSHOT", args.snapshot, priority="cmdline")
    for pair in args.set:
        name, _, value = pair.partition("=")
        settings.set(name, value, priority="cmdline")
    process = CrawlerProcess(settings)
    process.crawl(args.portal)
    process.start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
