"""`tenderwatch run` as a real process against the loopback replay."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from tenderwatch.demo import SEARCH, WWW, demo_server

REPO = Path(__file__).resolve().parent.parent


def start(data: Path, host_map: str) -> subprocess.Popen[str]:
    env = {**os.environ, "TENDERWATCH_DATA_DIR": str(data), "TENDERWATCH_HOST_MAP": host_map,
           "TENDERWATCH_LOOKBACK_DAYS": "3650", "TENDERWATCH_DOWNLOAD_DELAY": "0",
           "TENDERWATCH_PORTALS": "ccgp"}
    return subprocess.Popen([sys.executable, "-m", "tenderwatch.cli", "run", "--interval", "60"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def status(data: Path) -> str:
    result = subprocess.run([sys.executable, "-m", "tenderwatch.cli", "status"], cwd=REPO, capture_output=True,
                            text=True, env={**os.environ, "TENDERWATCH_DATA_DIR": str(data)}, timeout=60, check=True)
    return result.stdout


def lines(path: Path) -> int:
    return path.read_text(encoding="utf-8").count("\n") if path.exists() else 0


def wait_for(condition: object, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_daemon_polls_alerts_stops_on_sigterm_and_restarts_without_realerting(tmp_path: Path) -> None:
    alerts = tmp_path / "alerts.jsonl"
    with demo_server() as server:
        host_map = server.host_map(WWW, SEARCH)
        daemon = start(tmp_path, host_map)
        try:
            wait_for(lambda: lines(alerts) == 2)
            shown = status(tmp_path)  # reads the store while the daemon runs
            assert f"daemon: running (pid {daemon.pid})" in shown
            (ccgp,) = [line for line in shown.splitlines() if line.startswith("ccgp ")]
            assert ccgp.split()[1] == "ok"
            assert re.search(r" \d\d:\d\d:\d\d ", ccgp)  # its next run
            assert "alerts: 0 held, 0 pending, 4 delivered, 0 failed" in shown  # console + JSON lines
            second = start(tmp_path, host_map)  # same data dir: refused
            out, _ = second.communicate(timeout=60)
            assert second.returncode == 3
            assert "already runs" in out
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=20)
        finally:
            if daemon.poll() is None:
                daemon.kill()
            daemon.communicate()
        assert daemon.returncode == 0
        assert "daemon: not running" in status(tmp_path)
        again = start(tmp_path, host_map)  # the lock died with the process
        try:
            wait_for(lambda: list_polls(tmp_path).count("ok") >= 2)  # the restarted daemon polled again
        finally:
            again.send_signal(signal.SIGTERM)
            again.communicate(timeout=20)
    assert lines(alerts) == 2  # nothing re-alerted after the restart


def list_polls(data: Path) -> list[str]:
    from tenderwatch.store import Store

    with Store(data / "tenderwatch.sqlite3") as store:
        return [p.outcome or "" for p in store.polls("ccgp")]
