"""Slack through slack-sdk's own clients to a loopback server; email to a real aiosmtpd server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tenderwatch.alerts import AlertPayload, HitFact, WatchlistFact
from tenderwatch.config import Config
from tenderwatch.dispatch import Dispatcher
from tenderwatch.model import BEIJING, Notice, NoticeType
from tenderwatch.store import AlertDraft, Store
from tests.support.slack_server import SlackServer
from tests.support.smtp_server import Inbox, free_port, smtp_server, trust_test_ca

HOSTILE = "公安局采购 <!channel> <@U123> <http://evil.example|bank> & <b>PowerPlex</b>"


def save(store: Store, notice_id: str, destination: str, *, kind: str = "new", project: str = "p1",
         title: str = HOSTILE, hour: int = 9) -> None:
    notice = Notice(portal="ccgp", notice_id=notice_id, url=f"https://www.ccgp.gov.cn/t_{notice_id}.htm", title=title,
                    notice_type=NoticeType.SINGLE_SOURCE, buyer="乌鲁木齐市公安局",
                    published_at=datetime(2026, 11, 20, hour, tzinfo=BEIJING))
    payload = AlertPayload.build(notice, kind=kind, project_key=project,
                                 watchlists=[WatchlistFact("xinjiang-dna", "Xinjiang DNA", "high")],
                                 hits=[HitFact("xinjiang-dna", "PowerPlex", "product", "PowerPlex", "title", title)])
    store.save_notice(notice, project_key=project, update_of=None,
                      alerts=[AlertDraft(destination, kind, "high", payload.to_dict())])


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    with SlackServer() as server:
        yield server


def bot_config(slack: SlackServer, data: Path) -> Config:
    return Config.from_env({"TENDERWATCH_DATA_DIR": str(data), "SLACK_BOT_TOKEN": "xoxb-test",
                            "SLACK_CHANNEL": "#dna", "SLACK_API_URL": slack.api_url})


def test_slack_bot_posts_inert_text_and_threads_updates(slack: SlackServer, tmp_path: Path) -> None:
    config = bot_config(slack, tmp_path)
    with Store(config.db_path) as store:
        save(store, "1", "slack:#dna")
        save(store, "2", "slack:#dna", kind="update", title="更正公告", hour=10)
        report = Dispatcher(store, config).run_once()
    assert report.delivered == 2
    first, update = slack.messages
    assert first["channel"] == "#dna"
    posted = str(first["blocks"]) + first["text"]
    for hostile in ("<!channel>", "<@U123>", "<http://evil.example|bank>"):
        assert hostile not in posted
    assert "&lt;!channel&gt;" in first["text"]
    assert "link_names" not in first
    assert "parse" not in first
    assert update["thread_ts"] == first["ts"]
    assert "Update" in str(update["blocks"])


def test_slack_long_retry_after_waits_for_a_later_run_in_order(slack: SlackServer, tmp_path: Path) -> None:
    config = bot_config(slack, tmp_path)
    slack.script = [(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"}),
                    (500, {"ok": False, "error": "fatal_error"}, {})]
    now = datetime.now(BEIJING)
    with Store(config.db_path) as store:
        for i in range(3):
            save(store, str(i), "slack:#dna", project=f"p{i}", title=f"notice {i}", hour=9 + i)
        clock = [now]
        dispatcher = Dispatcher(store, config, clock=lambda: clock[0])
        report = dispatcher.run_once()  # 30 s is too long to wait within a run: the row keeps its place
        assert (report.retrying, report.delivered) == (1, 0)
        (row,) = [r for r in store.alerts("pending") if r.attempts]
        assert row.payload["title"] == "notice 0"
        assert row.next_attempt_at >= now + timedelta(seconds=30)  # Retry-After honoured
        clock[0] = now + timedelta(hours=2)
        assert dispatcher.run_once().delivered == 3  # the 500 is retried within the run
        assert dispatcher.run_once().delivered == 0
    assert [m["text"].splitlines()[0][-8:] for m in slack.messages] == ["notice 0", "notice 1", "notice 2"]


def test_slack_invalid_auth_is_permanent_and_reported(slack: SlackServer, tmp_path: Path) -> None:
    config = Config.from_env({"TENDERWATCH_DATA_DIR": str(tmp_path), "SLACK_BOT_TOKEN": "xoxb-wrong",
                              "SLACK_CHANNEL": "#dna", "SLACK_API_URL": slack.api_url})
    with Store(config.db_path) as store:
        save(store, "1", "slack:#dna")
        report = Dispatcher(store, config).run_once()
        assert report.failed == 1
        assert "invalid_auth" in report.errors[0]
        assert store.alert_counts()["failed"] == 1


def test_slack_webhook(slack: SlackServer, tmp_path: Path) -> None:
    config = Config.from_env({"TENDERWATCH_DATA_DIR": str(tmp_path), "SLACK_WEBHOOK_URL": slack.webhook_url})
    with Store(config.db_path) as store:
        save(store, "1", "slack-webhook")
        assert Dispatcher(store, config).run_once().delivered == 1
    assert slack.messages[0]["webhook"] is True


def test_email_over_verified_starttls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with smtp_server(tls=trust_test_ca(tmp_path, monkeypatch)) as (inbox, port):
        config = Config.from_env({"TENDERWATCH_DATA_DIR": str(tmp_path), "SMTP_HOST": "127.0.0.1",
                                  "SMTP_PORT": str(port), "EMAIL_TO": "desk@example.org"})
        with Store(config.db_path) as store:
            save(store, "1", "email:desk@example.org")
            assert Dispatcher(store, config).run_once().delivered == 1
    (msg,) = inbox.messages
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["To"] == "desk@example.org"
    assert msg["Message-ID"]
    assert msg["Date"]
    assert msg["List-Id"] == "tenderwatch alerts <alerts.tenderwatch.invalid>"
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert "&lt;b&gt;PowerPlex&lt;/b&gt;" in html
    assert "<b>PowerPlex</b>" not in html
    assert "乌鲁木齐市公安局" in msg.get_body(preferencelist=("plain",)).get_content()


def test_email_server_down_then_up_arrives_once(tmp_path: Path) -> None:
    port = free_port()
    config = Config.from_env({"TENDERWATCH_DATA_DIR": str(tmp_path), "SMTP_HOST": "127.0.0.1",
                              "SMTP_PORT": str(port), "SMTP_STARTTLS": "false"})
    now = datetime.now(BEIJING)
    with Store(config.db_path) as store:
        save(store, "1", "email:desk@example.org")
        assert Dispatcher(store, config, clock=lambda: now).run_once().retrying == 1  # nobody listening
        with smtp_server(port) as (inbox, _):
            later = Dispatcher(store, config, clock=lambda: now + timedelta(hours=2))
            assert later.run_once().delivered == 1
            assert later.run_once().delivered == 0
    assert len(inbox.messages) == 1


class PickyInbox(Inbox):
    """Refuses one recipient for good (550) and defers another (451), as mail servers do."""

    async def handle_RCPT(self, server: object, session: object, envelope: object, address: str,
                          rcpt_options: list[str]) -> str:
        if address.startswith("gone@"):
            return "550 5.1.1 no such user"
        if address.startswith("later@"):
            return "451 4.7.1 greylisted, try again later"
        envelope.rcpt_tos.append(address)  # type: ignore[attr-defined]
        return "250 OK"


def test_smtp_refusal_is_permanent_and_deferral_is_retried(tmp_path: Path) -> None:
    inbox = PickyInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        config = Config.from_env({"TENDERWATCH_DATA_DIR": str(tmp_path), "SMTP_HOST": "127.0.0.1",
                                  "SMTP_PORT": str(port), "SMTP_STARTTLS": "false"})
        with Store(config.db_path) as store:
            save(store, "1", "email:gone@example.org")
            save(store, "2", "email:later@example.org", project="p2")
            save(store, "3", "email:desk@example.org", project="p3")
            report = Dispatcher(store, config, in_run_attempts=1).run_once()
            assert (report.delivered, report.failed, report.retrying) == (1, 1, 1)
            assert "recipient refused: gone@example.org (550)" in " ".join(report.errors)
            (deferred,) = store.alerts("pending")
            assert deferred.destination == "email:later@example.org"
            assert "451" in (deferred.last_error or "")
    finally:
        controller.stop()
    assert len(inbox.messages) == 1


def test_email_over_verified_implicit_tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server_ctx = trust_test_ca(tmp_path, monkeypatch)
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=server_ctx)  # TLS from the first byte
    controller.start()
    try:
        config = Config.from_env({"TENDERWATCH_DATA_DIR": str(tmp_path), "SMTP_HOST": "127.0.0.1",
                                  "SMTP_PORT": str(port), "SMTP_TLS": "true"})
        assert config.smtp is not None
        assert (config.smtp.implicit_tls, config.smtp.starttls) == (True, False)
        with Store(config.db_path) as store:
            save(store, "1", "email:desk@example.org")
            assert Dispatcher(store, config).run_once().delivered == 1
        monkeypatch.delenv("SSL_CERT_FILE")  # an untrusted certificate is refused, never sent to
        with Store(config.db_path) as store:
            save(store, "2", "email:desk@example.org", project="p2")
            report = Dispatcher(store, config, in_run_attempts=1).run_once()
            assert (report.delivered, report.retrying) == (0, 1)
            (pending,) = store.alerts("pending")
            assert "CERTIFICATE_VERIFY_FAILED" in (pending.last_error or "")
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
