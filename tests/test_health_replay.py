"""Health alerts to the operations channel, end to end: the replayed portal turns to a block page,
to 500s, to a changed layout, and back each time; `tenderwatch poll` runs as a subprocess and the
operations channel (a loopback Slack, through slack-sdk) gets exactly one "entered" and one
"recovered" message per episode, never one per poll."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tenderwatch.demo import SEARCH, WWW
from tenderwatch.replay import PortalServer
from tenderwatch.store import Store
from tests.support.slack_server import SlackServer
from tests.test_e2e_poll import FIXTURES, LIST, REPO, detail_path, fallback

GOOD_LIST = (FIXTURES / "list_dylygg_authored.html").read_bytes()
BLOCK = "<html><body>您的访问过于频繁，请稍后再试</body></html>".encode()
NEW_LAYOUT = b"<html><body><div class='news-list'><p>redesigned</p></div></body></html>"


def poll(server: PortalServer, slack: SlackServer, data: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TENDERWATCH_HOST_MAP": server.host_map(WWW, SEARCH), "TENDERWATCH_DATA_DIR": str(data),
           "TENDERWATCH_LOOKBACK_DAYS": "3650", "TENDERWATCH_DOWNLOAD_DELAY": "0",
           "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_CHANNEL": "#dna", "SLACK_API_URL": slack.api_url,
           "TENDERWATCH_OPS_SLACK_CHANNEL": "#ops", **extra}
    return subprocess.run([sys.executable, "-m", "tenderwatch.cli", "poll", "ccgp"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=240, check=False)


def ops(slack: SlackServer) -> list[str]:
    return [m["text"].splitlines()[0] for m in slack.messages if m["channel"] == "#ops"]


@pytest.fixture
def server() -> PortalServer:
    with PortalServer(fallback) as s:
        s.html(WWW, LIST, GOOD_LIST)
        s.html(WWW, detail_path("27300001"), (FIXTURES / "detail_dylygg_xinjiang_authored.html").read_bytes())
        yield s


def test_each_episode_gives_one_entered_and_one_recovered_message(server: PortalServer, tmp_path: Path) -> None:
    data = tmp_path / "data"
    episodes = [
        ("blocked", 2, lambda: server.html(WWW, LIST, BLOCK)),
        ("failing", 4, lambda: server.pages.__setitem__((WWW, LIST), (500, b"error", "text/html"))),
        ("broken", 2, lambda: server.html(WWW, LIST, NEW_LAYOUT)),
    ]
    with SlackServer() as slack:
        assert poll(server, slack, data).returncode == 0
        assert ops(slack) == []  # healthy: nothing to say
        assert [m["channel"] for m in slack.messages] == ["#dna"]  # the alert itself
        expected: list[str] = []
        for state, polls, turn_bad in episodes:
            turn_bad()
            for _ in range(polls):
                assert poll(server, slack, data).returncode == 1
            server.html(WWW, LIST, GOOD_LIST)
            assert poll(server, slack, data).returncode == 0
            expected += [f"*tenderwatch: ccgp is {state}: ", f"*tenderwatch: ccgp recovered (was {state}): "]
            got = ops(slack)
            assert len(got) == len(expected), got
            assert all(g.startswith(e) for g, e in zip(got, expected, strict=True)), got
    with Store(data / "tenderwatch.sqlite3") as store:
        outcomes = [p.outcome for p in reversed(store.polls("ccgp", limit=50))]
        assert all(m.status == "delivered" for m in store.ops_messages())
    assert outcomes == ["ok", "blocked", "blocked", "ok", "failed", "failed", "failed", "failed", "ok",
                        "broken", "broken", "ok"]


def test_a_poll_with_parse_errors_reports_the_urls(server: PortalServer, tmp_path: Path) -> None:
    listing = GOOD_LIST.replace(
        b"<ul class=\"c_list_bid\">", b"<ul class=\"c_list_bid\">\n  <li><a href=\"./202611/t20261121_27300009.htm\""
        b" title=\"x\">x</a><em>2026-11-21 09:00</em><em>\xe6\x96\xb0\xe7\x96\x86</em><em>b</em></li>")
    server.html(WWW, LIST, listing)
    server.html(WWW, detail_path("27300009").replace("20261120", "20261121"), b"<html><body>garbage</body></html>")
    with SlackServer() as slack:
        result = poll(server, slack, tmp_path / "data", TENDERWATCH_PARSE_ERROR_REPORT="0")
        assert result.returncode == 0, result.stderr
        (message,) = [m["text"] for m in slack.messages if m["channel"] == "#ops"]
    assert message.startswith("*tenderwatch: ccgp: 1 pages could not be parsed*")
    assert "https://www.ccgp.gov.cn/cggg/dfgg/dylygg/202611/t20261121_27300009.htm" in message
