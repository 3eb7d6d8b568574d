"""Email digests to a real SMTP server (aiosmtpd, STARTTLS with a trustme CA): held alerts go out
together at the digest's time, once; content, headers, structure, escaping, size cap and preview."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

import pytest

from notifiers.digest import DigestSchedule
from tenderwatch.alerts import AlertPayload, HitFact, WatchlistFact
from tenderwatch.config import Config
from tenderwatch.dispatch import Dispatcher
from tenderwatch.model import BEIJING, Money, Notice, NoticeType
from tenderwatch.store import AlertDraft, Store
from tests.conftest import REPO
from tests.support.smtp_server import free_port, smtp_server, trust_test_ca

ADDRESS = "compliance@example.com"
HOSTILE = "喀什地区公安局<script>alert(1)</script> & <b>PowerPlex</b>采购"
MISSION = WatchlistFact("xinjiang-dna", "Xinjiang police DNA", "high")
VENDORS = WatchlistFact("dna-vendors-anywhere", "DNA vendors anywhere", "medium")
SCHEDULES = {ADDRESS: DigestSchedule("daily", 8, "mon", "Europe/Berlin")}


def save(store: Store, i: int, *, title: str | None = None, buyer: str = "喀什地区公安局", amount: int = 100_000,
         watchlist: WatchlistFact = MISSION, brand: str = "Promega", destination: str = f"digest:{ADDRESS}") -> None:
    notice = Notice(portal="ccgp", notice_id=str(i), url=f"https://www.ccgp.gov.cn/t_{i}.htm",
                    title=title or f"试剂采购 {i}", notice_type=NoticeType.AWARD, buyer=buyer, region="新疆",
                    published_at=datetime(2026, 11, 20, 8, tzinfo=BEIJING) + timedelta(minutes=i),
                    award_amount=Money(Decimal(amount)))
    payload = AlertPayload.build(notice, kind="new", project_key=f"p{i}", watchlists=[watchlist],
                                 hits=[HitFact(watchlist.name, "PowerPlex", "product", "PowerPlex 21", "title", "x",
                                               brand)])
    store.save_notice(notice, project_key=f"p{i}", update_of=None,
                      alerts=[AlertDraft(destination, "new", watchlist.severity, payload.to_dict())])


def smtp_config(tmp_path: Path, port: int, starttls: bool = True) -> Config:
    return Config.from_env({"TENDERWATCH_DATA_DIR": str(tmp_path / "data"), "SMTP_HOST": "127.0.0.1",
                            "SMTP_PORT": str(port), "SMTP_STARTTLS": str(starttls).lower(),
                            "SMTP_FROM": "tenderwatch <tw@example.org>"})


def html_of(msg: EmailMessage) -> str:
    return msg.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]


def text_of(msg: EmailMessage) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


def test_daily_digest_is_held_then_sent_once_with_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with smtp_server(tls=trust_test_ca(tmp_path, monkeypatch)) as (inbox, port):
        config = smtp_config(tmp_path, port)
        with Store(config.db_path) as store:
            save(store, 1, title=HOSTILE, amount=250_000)
            save(store, 2, buyer="第八师公安局", amount=50_000, brand="Thermo Fisher")
            save(store, 3, buyer="北京市公安局", amount=10_000, watchlist=VENDORS)
            dispatcher = Dispatcher(store, config, digest_schedules=SCHEDULES)
            early = dispatcher.run_once()
            assert (early.delivered, early.waiting, len(inbox.messages)) == (0, 3, 0)  # not before its hour
            due = dispatcher.run_once(release=[ADDRESS])
            assert (due.delivered, due.digests, due.waiting) == (3, 1, 0)
            assert dispatcher.run_once(release=[ADDRESS]).digests == 0  # nothing new: nothing sent
            assert {a.delivery_ref for a in store.alerts("delivered")} == {inbox.messages[0]["Message-ID"].strip()}
    (msg,) = inbox.messages
    assert msg["To"] == ADDRESS
    assert msg["From"] == "tenderwatch <tw@example.org>"
    assert msg["Subject"] == "[tenderwatch] Daily digest: 3 notices (2 high)"
    assert msg["Date"]
    assert msg["Message-ID"].endswith("@tenderwatch.invalid>")
    assert msg["List-Id"] == "tenderwatch digests <digest.tenderwatch.invalid>"
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    html, text = html_of(msg), text_of(msg)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;PowerPlex&lt;/b&gt;" in html
    assert "<script>" not in html
    assert "<b>PowerPlex</b>" not in html
    assert HOSTILE in text  # plain text is not HTML-escaped
    # Grouped by watchlist then severity; summaries per buyer and per brand with totals.
    assert html.index("Xinjiang police DNA · HIGH") < html.index("DNA vendors anywhere · MEDIUM")  # severe first
    assert html.index("试剂采购 2") < html.index("试剂采购 3")
    assert "<td>喀什地区公安局</td><td align=\"right\">1</td><td align=\"right\">¥250,000.00</td>" in html
    assert "<td>Promega</td><td align=\"right\">2</td><td align=\"right\">¥260,000.00</td>" in html
    assert "<td>Thermo Fisher</td><td align=\"right\">1</td><td align=\"right\">¥50,000.00</td>" in html
    assert "SUMMARY BY BUYER" in text
    assert "Awarded" in html
    assert "https://www.ccgp.gov.cn/t_2.htm" in html


def test_digest_waits_out_a_mail_server_outage_and_arrives_once(tmp_path: Path) -> None:
    port = free_port()
    config = smtp_config(tmp_path, port, starttls=False)
    now = datetime.now(BEIJING)
    with Store(config.db_path) as store:
        for i in range(3):
            save(store, i)
        down = Dispatcher(store, config, digest_schedules=SCHEDULES, clock=lambda: now).run_once(release=[ADDRESS])
        assert (down.retrying, down.delivered) == (3, 0)  # nobody listening: all three keep their place
        with smtp_server(port) as (inbox, _):
            later = Dispatcher(store, config, digest_schedules=SCHEDULES, clock=lambda: now + timedelta(hours=2))
            assert later.run_once().delivered == 3
            assert later.run_once().delivered == 0
    (msg,) = inbox.messages
    assert msg["Subject"] == "[tenderwatch] Daily digest: 3 notices (3 high)"


def test_an_empty_digest_is_sent_only_when_asked(tmp_path: Path) -> None:
    with smtp_server() as (inbox, port):
        config = smtp_config(tmp_path, port, starttls=False)
        with Store(config.db_path) as store:
            dispatcher = Dispatcher(store, config, digest_schedules=SCHEDULES)
            assert dispatcher.run_once(release=[ADDRESS]).digests == 0
            assert inbox.messages == []
            assert dispatcher.run_once(force_digest=True).digests == 1
    (msg,) = inbox.messages
    assert msg["Subject"] == "[tenderwatch] Daily digest: nothing new"
    assert "Nothing new matched your watchlists" in html_of(msg)


def test_a_large_digest_stays_under_100_kb_and_lists_the_rest(tmp_path: Path) -> None:
    with smtp_server() as (inbox, port):
        config = smtp_config(tmp_path, port, starttls=False)
        with Store(config.db_path) as store:
            for i in range(300):
                save(store, i, title=f"新疆维吾尔自治区公安厅物证鉴定中心DNA实验室耗材采购项目第{i}包" * 3)
            report = Dispatcher(store, config, digest_schedules=SCHEDULES).run_once(force_digest=True)
            assert (report.delivered, report.digests) == (300, 1)
    (msg,) = inbox.messages
    html = html_of(msg)
    assert len(html.encode()) <= 100_000
    assert "listed by title only" in html
    assert "https://www.ccgp.gov.cn/t_0.htm" in html


def test_digest_preview_writes_html_and_text(tmp_path: Path) -> None:
    env = {**os.environ, "TENDERWATCH_DATA_DIR": str(tmp_path / "data")}
    with Store(Config.from_env(env).db_path) as store:
        save(store, 1, title=HOSTILE, destination="console")
        save(store, 2, watchlist=VENDORS, destination="console")
    out = tmp_path / "preview"
    result = subprocess.run([sys.executable, "-m", "tenderwatch.cli", "digest", "preview", "--since", "3650d",
                             "--watchlist", "xinjiang-dna", "--out", str(out)],
                            capture_output=True, text=True, env=env, cwd=REPO, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "1 notice(s)" in result.stdout
    html = (out / "digest-preview.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;" in html
    assert "试剂采购 2" not in html  # the other watchlist's notice
    assert HOSTILE in (out / "digest-preview.txt").read_text(encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "tenderwatch.cli", "digest", "preview", "--since", "7x"],
                         capture_output=True, text=True, env=env, cwd=REPO, timeout=120, check=False)
    assert bad.returncode == 2
    assert "7x" in bad.stderr
