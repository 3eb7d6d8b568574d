"""`tenderwatch poll` end to end: a real crawl (child process) against a loopback replay of ccgp,
through every pipeline into a real SQLite file, alerts delivered to the JSON-lines file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tenderwatch.demo import SEARCH, WWW
from tenderwatch.replay import PortalServer
from tenderwatch.replay_sites import EMPTY_LIST, EMPTY_SEARCH
from tenderwatch.store import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ccgp"
REPO = Path(__file__).resolve().parent.parent
LIST = "/cggg/dfgg/dylygg/index.htm"


def fallback(host: str, path: str, query: str) -> tuple[int, bytes, str] | None:
    ctype = "text/html; charset=utf-8"
    if host == WWW and path.endswith("/index.htm"):
        return 200, EMPTY_LIST, ctype  # the other channels: nothing new today
    if host == SEARCH and path == "/bxsearch":
        return 200, EMPTY_SEARCH, ctype
    return None


def detail_path(article: str) -> str:
    return f"/cggg/dfgg/dylygg/202611/t20261120_{article}.htm"


def poll(server: PortalServer, data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TENDERWATCH_HOST_MAP": server.host_map(WWW, SEARCH), "TENDERWATCH_DATA_DIR": str(data),
           "TENDERWATCH_LOOKBACK_DAYS": "3650", "TENDERWATCH_DOWNLOAD_DELAY": "0"}
    return subprocess.run([sys.executable, "-m", "tenderwatch.cli", "poll", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=240, check=False)


def alerts(data: Path) -> list[dict[str, object]]:
    path = data / "alerts.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@pytest.fixture
def server() -> PortalServer:
    with PortalServer(fallback) as s:
        s.html(WWW, LIST, (FIXTURES / "list_dylygg_authored.html").read_bytes())
        s.html(WWW, detail_path("27300001"), (FIXTURES / "detail_dylygg_xinjiang_authored.html").read_bytes())
        yield s


def test_poll_alerts_once_and_then_only_fetches_what_is_new(server: PortalServer, tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = poll(server, data, "ccgp")
    assert first.returncode == 0, first.stderr
    assert "ccgp: ok" in first.stdout
    (alert,) = alerts(data)
    assert alert["key"] == "ccgp:27300001"
    assert alert["notice_type"] == "single_source"
    assert alert["url"] == "https://www.ccgp.gov.cn" + detail_path("27300001")  # the portal's URL, not the replay's
    assert {w["name"] for w in alert["watchlists"]} == {"xinjiang-dna", "dna-vendors-anywhere"}
    assert any(h["alias"] == "PowerPlex 21" and h["field"] == "body" for h in alert["hits"])
    assert alert["deadline"].startswith("2026-11-27")
    assert "[HIGH] Single-source notice" in first.stdout  # the console alert
    details = [r for r in server.requests if "/t2026" in r[1]]
    assert [r[1] for r in details] == [detail_path("27300001")]  # the Hebei notice is out of scope

    server.requests.clear()
    second = poll(server, data, "ccgp")
    assert second.returncode == 0, second.stderr
    assert len(alerts(data)) == 1  # nothing alerts twice
    assert not [r for r in server.requests if "/t2026" in r[1]]  # steady state: no detail fetched

    # A correction of the same project (same 项目编号) appears: it is fetched alone and threads as an update.
    correction = (FIXTURES / "detail_dylygg_xinjiang_authored.html").read_bytes().replace(
        "单一来源采购公示".encode(), "单一来源采购更正公告".encode())
    server.html(WWW, detail_path("27300003"), correction)
    listing = (FIXTURES / "list_dylygg_authored.html").read_bytes().replace(
        b"<ul class=\"c_list_bid\">", b"<ul class=\"c_list_bid\">\n  <li><a href=\"./202611/t20261120_27300003.htm\""
        b" title=\"x\">x</a><em>2026-11-21 09:00</em><em>\xe6\x96\xb0\xe7\x96\x86</em><em>b</em></li>")
    server.html(WWW, LIST, listing)
    server.requests.clear()
    third = poll(server, data, "ccgp")
    assert third.returncode == 0, third.stderr
    assert [r[1] for r in server.requests if "/t2026" in r[1]] == [detail_path("27300003")]
    update = alerts(data)[-1]
    assert (update["key"], update["kind"]) == ("ccgp:27300003", "update")
    assert update["update_of"]["key"] == "ccgp:27300001"
    with Store(data / "tenderwatch.sqlite3") as store:
        assert store.alert_counts() == {"held": 0, "pending": 0, "delivered": 4, "failed": 0}
        assert [p.outcome for p in store.polls("ccgp")] == ["ok", "ok", "ok"]


def test_a_blocked_portal_makes_poll_fail_with_a_reason(server: PortalServer, tmp_path: Path) -> None:
    server.html(WWW, LIST, "<html><body>您的访问过于频繁，请稍后再试</body></html>".encode())
    result = poll(server, tmp_path / "data", "ccgp")
    assert result.returncode == 1
    assert "ccgp: blocked: block page (访问过于频繁)" in result.stderr


def test_a_broken_watchlist_stops_poll_before_any_request(server: PortalServer, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "wl"
    folder.mkdir()
    (folder / "bad.yaml").write_text("title: x\nrule: brand\nentities:\n  - name: A\n    kidn: brand\n",
                                     encoding="utf-8")
    monkeypatch.setenv("TENDERWATCH_WATCHLISTS", str(folder))
    result = poll(server, tmp_path / "data", "ccgp")
    assert result.returncode == 2
    assert "bad.yaml:5:5: entities[0].kidn: unknown key (hint: did you mean 'kind'?)" in result.stderr
    assert server.requests == []


def test_a_malformed_page_is_logged_with_its_url_and_skipped(server: PortalServer, tmp_path: Path) -> None:
    listing = (FIXTURES / "list_dylygg_authored.html").read_bytes().replace(
        b"<ul class=\"c_list_bid\">", b"<ul class=\"c_list_bid\">\n  <li><a href=\"./202611/t20261121_27300009.htm\""
        b" title=\"x\">x</a><em>2026-11-21 09:00</em><em>\xe6\x96\xb0\xe7\x96\x86</em><em>b</em></li>")
    server.html(WWW, LIST, listing)
    server.html(WWW, detail_path("27300009").replace("20261120", "20261121"), b"<html><body>garbage</body></html>")
    data = tmp_path / "data"
    result = poll(server, data, "ccgp", "-v")
    assert result.returncode == 0, result.stderr
    assert "cannot parse detail page https://www.ccgp.gov.cn/cggg/dfgg/dylygg/202611/t20261121_27300009.htm" \
        in result.stderr
    assert [a["key"] for a in alerts(data)] == ["ccgp:27300001"]  # the good notice still alerted
    with Store(data / "tenderwatch.sqlite3") as store:
        (record,) = store.polls("ccgp")
    assert record.parse_errors == 1
    assert record.error_urls == ["https://www.ccgp.gov.cn/cggg/dfgg/dylygg/202611/t20261121_27300009.htm"]


def test_retry_after_is_honoured_then_a_long_one_is_a_block(server: PortalServer, tmp_path: Path) -> None:
    data = tmp_path / "data"
    server.queue(WWW, LIST, 429, b"slow down", {"Retry-After": "2"})
    started = time.monotonic()
    first = poll(server, data, "ccgp")
    assert first.returncode == 0, first.stderr
    listing_times = [r for r in server.requests if r[1] == LIST]
    assert len(listing_times) == 2  # refused once, then served
    assert time.monotonic() - started >= 2.0  # the host waited out the Retry-After
    assert [a["key"] for a in alerts(data)] == ["ccgp:27300001"]
    server.queue(WWW, LIST, 429, b"go away", {"Retry-After": "3600"})
    second = poll(server, data, "ccgp")
    assert second.returncode == 1
    assert "ccgp: blocked: rate limited: HTTP 429 with Retry-After 3600.0 s" in second.stderr
