"""`tenderwatch demo`: the real monitor, fully offline, against a bundled replay of portal pages.

It starts a loopback server replaying the pages in tenderwatch/replay_data, points the monitor at it
with TENDERWATCH_HOST_MAP (exactly as an operator would point it at a mirror), polls and delivers.
Its data live apart from the real monitor's (<data dir>/demo); Slack and email are never used.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tenderwatch import app
from tenderwatch.config import Config
from tenderwatch.replay import PortalServer

DATA = Path(__file__).resolve().parent / "replay_data"
WWW, SEARCH = "www.ccgp.gov.cn", "search.ccgp.gov.cn"
EMPTY_LIST = (b"<html><body><ul class='c_list_bid'></ul>"
              b"<script>Pager({size:1, current:0, prefix:'index',suffix:'htm'});</script></body></html>")
EMPTY_SEARCH = b"<html><body><ul class='vT-srch-result-list-bid'></ul></body></html>"
HTML = "text/html; charset=utf-8"


def _replay(host: str, path: str, query: str) -> tuple[int, bytes, str] | None:
    if host == SEARCH and path == "/bxsearch":
        return 200, EMPTY_SEARCH, HTML
    if host != WWW:
        return None
    parts = path.strip("/").split("/")
    if path.endswith("/index.htm") and len(parts) >= 4:
        listing = DATA / "ccgp" / f"list_{parts[2]}.html"
        return 200, listing.read_bytes() if listing.is_file() else EMPTY_LIST, HTML
    detail = DATA / "ccgp" / parts[-1]
    return (200, detail.read_bytes(), HTML) if parts[-1].startswith("t") and detail.is_file() else None


def demo_server() -> PortalServer:
    return PortalServer(_replay)


def run_demo(*, fresh: bool = False, watch: bool = False, verbose: bool = False) -> int:
    base = Config.from_env()
    data_dir = base.data_dir / "demo"
    if fresh and data_dir.exists():
        shutil.rmtree(data_dir)
    for name in [n for n in os.environ if n.startswith(("SLACK_", "SMTP_", "EMAIL_TO"))]:
        del os.environ[name]  # a demo never messages real people
    with demo_server() as server:
        os.environ.update({
            "TENDERWATCH_DATA_DIR": str(data_dir), "TENDERWATCH_HOST_MAP": server.host_map(WWW, SEARCH),
            "TENDERWATCH_DOWNLOAD_DELAY": "0", "TENDERWATCH_LOOKBACK_DAYS": "3650", "TENDERWATCH_LOOPBACK_ONLY": "1",
            "TENDERWATCH_ALERTS_JSONL": str(data_dir / "alerts.jsonl"),
        })
        config = Config.from_env()
        print(f"replaying ccgp.gov.cn on {server.base}; demo data in {data_dir}\n")
        watchlists = app.load_current_watchlists(config)
        if watch:
            import scheduler

            return scheduler.main(config, interval_minutes=0.5)
        results = app.poll(config, watchlists, ["ccgp"], log_level="INFO" if verbose else "WARNING")
        report = app.dispatch(config, watchlists)
    for r in results:
        print(f"{r.portal}: {r.outcome}: {r.reason} ({r.requests} requests, {r.seconds:.1f} s)")
    print(f"{report.delivered} alert deliveries (console + {config.alerts_jsonl})."
          + ("" if report.delivered else " Nothing new: run with --fresh to start over."))
    return 0 if all(r.ok for r in results) else 1
