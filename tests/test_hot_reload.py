"""Hot reload in a running daemon (`tenderwatch run` as a process, polling a loopback replay every
few seconds): an edited watchlist takes effect at the next poll; a broken edit is reported (with its
file and line, to the operations channel too) and the last good watchlists stay in force."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from tenderwatch.demo import SEARCH, WWW
from tenderwatch.replay import PortalServer
from tests.support.slack_server import SlackServer
from tests.test_daemon import wait_for
from tests.test_e2e_poll import FIXTURES, LIST, REPO, fallback

DETAIL = (FIXTURES / "detail_dylygg_xinjiang_authored.html").read_text(encoding="utf-8")
LISTING = (FIXTURES / "list_dylygg_authored.html").read_text(encoding="utf-8")
WATCHLIST = """title: Yfiler watch
rule: brand
entities:
  - name: Thermo Fisher Y-STR
    kind: brand
    aliases: [{aliases}]
"""


class Portal:
    """The replayed channel list, to which the test adds notices while the daemon runs."""

    def __init__(self, server: PortalServer) -> None:
        self.server = server
        self.entries: list[str] = []
        self.publish()

    def add(self, article: int, product: str) -> None:
        path = f"/cggg/dfgg/dylygg/202611/t20261122_{article}.htm"
        detail = DETAIL.replace("Power<b>Plex</b>® 21", product).replace("XJWLMQ-2026-0871", f"XJ-{article}")
        self.server.html(WWW, path, detail.encode())
        self.entries.insert(0, f'<li><a href="./202611/t20261122_{article}.htm" title="n{article}">n</a>'
                               f"<em>2026-11-22 {10 + len(self.entries):02d}:00</em><em>新疆</em><em>b</em></li>")
        self.publish()

    def publish(self) -> None:
        listing = LISTING.replace('<ul class="c_list_bid">', '<ul class="c_list_bid">' + "".join(self.entries))
        self.server.html(WWW, LIST, listing.encode())


def alert_keys(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [json.loads(line)["key"] for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_watchlist_edit_takes_effect_and_a_broken_one_is_reported_and_ignored(tmp_path: Path) -> None:
    folder = tmp_path / "watchlists"
    folder.mkdir()
    watchlist = folder / "yfiler.yaml"
    watchlist.write_text(WATCHLIST.format(aliases="Identifiler"), encoding="utf-8")
    data = tmp_path / "data"
    alerts = data / "alerts.jsonl"
    with PortalServer(fallback) as server, SlackServer() as slack:
        portal = Portal(server)
        env = {**os.environ, "TENDERWATCH_DATA_DIR": str(data), "TENDERWATCH_WATCHLISTS": str(folder),
               "TENDERWATCH_HOST_MAP": server.host_map(WWW, SEARCH), "TENDERWATCH_LOOKBACK_DAYS": "3650",
               "TENDERWATCH_DOWNLOAD_DELAY": "0", "TENDERWATCH_PORTALS": "ccgp", "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_CHANNEL": "#alerts",
               "SLACK_API_URL": slack.api_url, "TENDERWATCH_OPS_SLACK_CHANNEL": "#ops"}
        daemon = subprocess.Popen([sys.executable, "-m", "tenderwatch.cli", "run", "--interval", "0.05"], cwd=REPO,
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            requests = lambda: sum(1 for r in server.requests if r[1] == LIST)
            wait_for(lambda: requests() >= 1)
            assert alert_keys(alerts) == []  # the PowerPlex notice is not on this watchlist

            watchlist.write_text(WATCHLIST.format(aliases="Identifiler, Yfiler"), encoding="utf-8")
            portal.add(27300101, "Yfiler Plus 试剂盒")
            wait_for(lambda: alert_keys(alerts) == ["ccgp:27300101"])  # the edit took effect, no restart

            watchlist.write_text(WATCHLIST.format(aliases="Identifiler, Yfiler").replace("kind:", "kidn:"),
                                 encoding="utf-8")
            wait_for(lambda: any(m["channel"] == "#ops" for m in slack.messages))
            portal.add(27300102, "Yfiler 试剂盒")
            wait_for(lambda: alert_keys(alerts) == ["ccgp:27300101", "ccgp:27300102"])  # last good in force
            polls_after = requests()
            wait_for(lambda: requests() >= polls_after + 2)  # more polls: the broken state is not re-reported
        finally:
            daemon.send_signal(signal.SIGTERM)
            out, _ = daemon.communicate(timeout=30)
        ops = [m["text"] for m in slack.messages if m["channel"] == "#ops"]
    assert daemon.returncode == 0, out
    assert len(ops) == 1, ops
    assert "a watchlist edit has errors; the last good watchlists stay in force" in ops[0]
    assert "yfiler.yaml:5:5: entities[0].kidn: unknown key (hint: did you mean 'kind'?)" in ops[0]
    assert "yfiler.yaml:5:5" in out  # and in the daemon's log
