"""`tenderwatch demo`: the real monitor, fully offline, against a bundled replay of portal pages.

It starts a loopback server replaying every portal (tenderwatch/replay_sites.py), points the monitor at it
with TENDERWATCH_HOST_MAP (exactly as an operator would point it at a mirror), polls and delivers.
Its data live apart from the real monitor's (<data dir>/demo); Slack and email are never used.
"""

from __future__ import annotations

import os
import shutil

from tenderwatch import app
from tenderwatch.config import Config
from tenderwatch.replay import PortalServer
from tenderwatch.replay_sites import CCGP_SEARCH, CCGP_WWW, SITES, replay

WWW, SEARCH = CCGP_WWW, CCGP_SEARCH  # the names tests use


def demo_server() -> PortalServer:
    return PortalServer(replay)


def run_demo(*, fresh: bool = False, watch: bool = False, verbose: bool = False) -> int:
    base = Config.from_env()
    data_dir = base.data_dir / "demo"
    if fresh and data_dir.exists():
        shutil.rmtree(data_dir)
    for name in [n for n in os.environ if n.startswith(("SLACK_", "SMTP_", "EMAIL_TO"))]:
        del os.environ[name]  # a demo never messages real people
    with demo_server() as server:
        os.environ.update({
            "TENDERWATCH_DATA_DIR": str(data_dir), "TENDERWATCH_HOST_MAP": server.host_map(*SITES),
            "TENDERWATCH_DOWNLOAD_DELAY": "0", "TENDERWATCH_LOOKBACK_DAYS": "3650", "TENDERWATCH_LOOPBACK_ONLY": "1",
            "TENDERWATCH_ALERTS_JSONL": str(data_dir / "alerts.jsonl"),
        })
        config = Config.from_env()
        portals = app.all_portal_names()
        print(f"replaying {', '.join(portals)} on {server.base}; demo data in {data_dir}\n")
        watchlists = app.load_current_watchlists(config)
        if watch:
            import scheduler

            return scheduler.main(config, interval_minutes=0.5)
        results = app.poll(config, watchlists, portals, log_level="INFO" if verbose else "WARNING")
        report = app.dispatch(config, watchlists)
    for r in results:
        print(f"{r.portal}: {r.outcome}: {r.reason} ({r.requests} requests, {r.seconds:.1f} s)")
    print(f"{report.delivered} alert deliveries (console + {config.alerts_jsonl})."
          + ("" if report.delivered else " Nothing new: run with --fresh to start over."))
    return 0 if all(r.ok for r in results) else 1
