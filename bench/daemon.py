"""Daemon benchmark: `tenderwatch run` against a loopback replay of ccgp for many polls.

New notices appear on the replay between polls; alerts go to a loopback Slack (slack-sdk's own
client). Reports the daemon's resident memory at poll 10 and at the last poll (the ratio is the
figure: target under 1.10), the time and the daemon's own CPU per poll, and the seconds from a
notice appearing on the replay to its alert arriving (target: under the poll interval + 5 s).
Usage: .venv/bin/python bench/daemon.py [POLLS=300] [INTERVAL_SECONDS=3] [NEW_EVERY=5]
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.poll import HOSTS, Site
from tenderwatch.replay import PortalServer
from tenderwatch.store import Store
from tests.support.slack_server import SlackServer


def finished_polls(db: Path) -> list[tuple[float, float]]:
    if not db.exists():
        return []
    with Store(db) as store:
        return [((p.finished_at - p.started_at).total_seconds(), p.requests)
                for p in store.polls("ccgp", limit=100_000) if p.finished_at is not None]


def main() -> None:
    polls = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    interval = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    new_every = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    site = Site()
    site.add(30)
    with tempfile.TemporaryDirectory() as tmp, PortalServer(site.page) as server, SlackServer() as slack:
        db = Path(tmp) / "tenderwatch.sqlite3"
        env = {**os.environ, "TENDERWATCH_DATA_DIR": tmp, "TENDERWATCH_HOST_MAP": server.host_map(*HOSTS),
               "TENDERWATCH_DOWNLOAD_DELAY": "0", "TENDERWATCH_LOOKBACK_DAYS": "3650", "TENDERWATCH_PORTALS": "ccgp",
               "TENDERWATCH_LOOPBACK_ONLY": "1", "SLACK_BOT_TOKEN": "xoxb-test",
               "SLACK_CHANNEL": "#bench", "SLACK_API_URL": slack.api_url, "TENDERWATCH_LOG_LEVEL": "WARNING"}
        daemon = subprocess.Popen([sys.executable, "-m", "tenderwatch.cli", "run", "--interval", str(interval / 60)],
                                  cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        process = psutil.Process(daemon.pid)
        started = time.monotonic()
        added: dict[int, float] = {}  # notice id -> when it appeared on the replay
        rss: dict[int, int] = {}
        seen = 0
        try:
            while seen < polls:
                time.sleep(0.2)
                count = len(finished_polls(db))
                if count == seen:
                    if daemon.poll() is not None:
                        raise SystemExit(f"the daemon exited with {daemon.returncode}")
                    continue
                seen = count
                if seen >= 10 and 10 not in rss:
                    rss[10] = process.memory_info().rss
                if seen % new_every == 0 and seen < polls - 2:
                    site.add(1)
                    added[site.ids[0]] = time.monotonic()
                if seen % 50 == 0:
                    print(f"  poll {seen}: daemon RSS {process.memory_info().rss / 2**20:.1f} MiB", flush=True)
            rss[polls] = process.memory_info().rss
            cpu = process.cpu_times()
            time.sleep(interval + 5)  # let the last alerts arrive
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=60)
        elapsed = time.monotonic() - started
        latencies = []
        for notice_id, appeared in added.items():
            arrived = [m["at"] for m in slack.messages if f"_{notice_id}.htm" in m["text"]]
            if arrived:
                latencies.append(arrived[0] - appeared)
        stats = finished_polls(db)
    durations = [d for d, _ in stats]
    requests = [r for _, r in stats]
    print(f"daemon benchmark: {polls} polls every {interval:g} s, a new notice every {new_every} polls, "
          f"{elapsed:.0f} s in all")
    print(f"  daemon RSS at poll 10: {rss[10] / 2**20:.1f} MiB; at poll {polls}: {rss[polls] / 2**20:.1f} MiB; "
          f"ratio {rss[polls] / rss[10]:.3f} (target < 1.10)")
    print(f"  per poll: crawl {statistics.mean(durations):.2f} s (median {statistics.median(durations):.2f}), "
          f"{statistics.mean(requests):.1f} requests, daemon CPU {(cpu.user + cpu.system) / polls * 1000:.0f} ms "
          f"(its own work, the crawl runs in a child process)")
    if latencies:
        print(f"  notice to alert: median {statistics.median(latencies):.1f} s, max {max(latencies):.1f} s over "
              f"{len(latencies)} notices ({len(added) - len(latencies)} missing); target < interval + 5 = "
              f"{interval + 5:.0f} s")
    else:
        print("  notice to alert: no alert arrived")


if __name__ == "__main__":
    main()
