"""Slack delivery under trouble, through slack-sdk's own client to a loopback Slack: 429 with
Retry-After, a 500 outage then recovery, timeouts, bad channels; every alert arrives exactly once
and in publication order, one message per second per channel, within Slack's block limits."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tenderwatch.alerts import AlertPayload, HitFact, WatchlistFact
from tenderwatch.config import Config
from tenderwatch.dispatch import Dispatcher
from tenderwatch.model import BEIJING, GoodsLine, Notice, NoticeType
from tenderwatch.store import AlertDraft, Store
from tests.support.slack_server import Scripted, SlackServer


def save(store: Store, i: int, destination: str = "slack:#dna", **fields: object) -> None:
    notice = Notice(portal="ccgp", notice_id=str(i), url=f"https://www.ccgp.gov.cn/t_{i}.htm",
                    title=fields.pop("title", f"notice {i:02d}"), notice_type=NoticeType.SINGLE_SOURCE,
                    buyer="乌鲁木齐市公安局", published_at=datetime(2026, 11, 20, 8, tzinfo=BEIJING) + timedelta(minutes=i),
                    **fields)
    payload = AlertPayload.build(notice, kind="new", project_key=f"p{i}",
                                 watchlists=[WatchlistFact("xinjiang-dna", "Xinjiang DNA", "high")],
                                 hits=[HitFact("xinjiang-dna", "PowerPlex", "product", "PowerPlex", "title", "x")])
    store.save_notice(notice, project_key=f"p{i}", update_of=None,
                      alerts=[AlertDraft(destination, "new", "high", payload.to_dict())])


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    with SlackServer() as server:
        yield server


def config_for(slack: SlackServer, data: Path, **extra: str) -> Config:
    return Config.from_env({"TENDERWATCH_DATA_DIR": str(data), "SLACK_BOT_TOKEN": "xoxb-test",
                            "SLACK_CHANNEL": "#dna", "SLACK_API_URL": slack.api_url, **extra})


def titles(slack: SlackServer) -> list[str]:
    return [m["text"].splitlines()[0].rsplit(": ", 1)[1] for m in slack.messages]


def test_429_retry_after_is_honoured_within_the_run_and_posts_are_paced(slack: SlackServer, tmp_path: Path) -> None:
    slack.script = [Scripted(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})] * 2
    config = config_for(slack, tmp_path)
    with Store(config.db_path) as store:
        for i in range(4):
            save(store, i)
        started = time.monotonic()
        report = Dispatcher(store, config).run_once()
        elapsed = time.monotonic() - started
    assert report.delivered == 4
    assert titles(slack) == ["notice 00", "notice 01", "notice 02", "notice 03"]  # once each, in order
    assert slack.requests == 6
    assert elapsed >= 2.0  # two Retry-After: 1 waits
    gaps = [b["at"] - a["at"] for a, b in zip(slack.messages, slack.messages[1:], strict=False)]
    assert min(gaps) >= 0.95  # about one message per second per channel


def test_outage_then_recovery_delivers_every_alert_once_in_order(slack: SlackServer, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """The daemon's dispatch tick against a Slack that answers 500 for 3 seconds, then recovers."""
    config = config_for(slack, tmp_path)
    clock = [datetime.now(BEIJING)]
    with Store(config.db_path) as store:
        for i in range(6):
            save(store, i)
        slack.down_until = time.monotonic() + 3.0
        dispatcher = Dispatcher(store, config, clock=lambda: clock[0])
        runs = 0
        while store.alert_counts()["pending"] and runs < 20:
            report = dispatcher.run_once()
            runs += 1
            assert report.failed == 0
            clock[0] += timedelta(hours=1)  # the outbox's next attempt comes due (the daemon's clock moving on)
        counts = store.alert_counts()
    assert counts["delivered"] == 6
    assert titles(slack) == [f"notice {i:02d}" for i in range(6)]
    duplicates = len(slack.messages) - len({m["text"] for m in slack.messages})
    assert duplicates == 0
    first = slack.messages[0]["at"] - slack.down_until
    last = slack.messages[-1]["at"] - slack.down_until
    with capsys.disabled():
        print(f"\nslack outage (500s for 3.0 s): 6 alerts delivered, {duplicates} duplicates, {slack.requests} "
              f"requests in {runs} dispatcher runs; first alert {first:.1f} s after recovery, all {last:.1f} s after "
              "(paced at 1 message/s)")


def test_a_timeout_is_retried_and_the_alert_arrives_once(slack: SlackServer, tmp_path: Path) -> None:
    slack.script = [Scripted(200, {"ok": True}, delay=2.0)]  # longer than the client waits
    config = config_for(slack, tmp_path, SLACK_TIMEOUT="0.5")
    with Store(config.db_path) as store:
        save(store, 1)
        save(store, 2)
        report = Dispatcher(store, config).run_once()
    assert report.delivered == 2
    assert titles(slack) == ["notice 01", "notice 02"]


def test_unknown_channel_fails_alone_and_is_reported(slack: SlackServer, tmp_path: Path) -> None:
    config = config_for(slack, tmp_path)
    with Store(config.db_path) as store:
        save(store, 1, "slack:#missing")
        save(store, 2, "slack:#dna")
        report = Dispatcher(store, config).run_once()
        assert (report.delivered, report.failed) == (1, 1)
        assert "channel_not_found" in report.errors[0]
        (failed,) = store.alerts("failed")
    assert failed.destination == "slack:#missing"
    assert slack.requests == 2  # a permanent error is not retried blindly


def test_a_huge_notice_stays_within_slack_limits(slack: SlackServer, tmp_path: Path) -> None:
    config = config_for(slack, tmp_path)
    goods = [GoodsLine(name=f"试剂{i}" * 30, brand="Promega", model="PowerPlex 21" * 10) for i in range(400)]
    with Store(config.db_path) as store:
        save(store, 1, title="超长标题" * 3000, goods=goods, suppliers=[], region="新疆" * 2000)
        assert Dispatcher(store, config).run_once().delivered == 1  # the server refuses what Slack refuses
    (message,) = slack.messages
    assert len(message["blocks"]) <= 50
    assert len(message["text"]) <= 40_000
