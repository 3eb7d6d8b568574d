from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

from tenderwatch.alerts import AlertPayload, HitFact, WatchlistFact
from tenderwatch.config import Config
from tenderwatch.dispatch import Dispatcher
from tenderwatch.model import BEIJING, Notice, NoticeType
from tenderwatch.store import AlertDraft, Store


def save(store: Store, notice_id: str, destinations: list[str], hour: int) -> None:
    notice = Notice(portal="ccgp", notice_id=notice_id, url=f"https://www.ccgp.gov.cn/t_{notice_id}.htm",
                    title=f"乌鲁木齐市公安局PowerPlex 21试剂盒 {notice_id}", notice_type=NoticeType.SINGLE_SOURCE,
                    buyer="乌鲁木齐市公安局", published_at=datetime(2026, 11, 20, hour, tzinfo=BEIJING))
    payload = AlertPayload.build(notice, kind="new", project_key=f"p{notice_id}",
                                 watchlists=[WatchlistFact("xinjiang-dna", "Xinjiang DNA", "high")],
                                 hits=[HitFact("xinjiang-dna", "PowerPlex", "product", "PowerPlex 21", "title",
                                               notice.title)])
    store.save_notice(notice, project_key=f"p{notice_id}", update_of=None,
                      alerts=[AlertDraft(d, "new", "high", payload.to_dict()) for d in destinations])


def test_console_and_jsonl_get_each_alert_once_in_publication_order(config: Config, store: Store) -> None:
    for notice_id, hour in (("a", 12), ("b", 9), ("c", 15)):
        save(store, notice_id, ["console", "jsonl"], hour)
    out = io.StringIO()
    report = Dispatcher(store, config, out=out).run_once()
    assert report.delivered == 6
    assert Dispatcher(store, config, out=out).run_once().delivered == 0  # nothing twice
    lines = [json.loads(line) for line in config.alerts_jsonl.read_text(encoding="utf-8").splitlines()]
    assert [line["key"] for line in lines] == ["ccgp:b", "ccgp:a", "ccgp:c"]
    assert lines[0]["hits"][0]["alias"] == "PowerPlex 21"
    printed = out.getvalue()
    assert printed.count("[HIGH] Single-source notice") == 3
    assert printed.index("盒 b") < printed.index("盒 a") < printed.index("盒 c")


def test_an_unwritable_file_is_retried_then_delivered(config: Config, store: Store, tmp_path) -> None:
    save(store, "a", ["jsonl"], 9)
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where a folder should be")
    broken = Config(data_dir=config.data_dir, alerts_jsonl=blocked / "alerts.jsonl")
    now = datetime(2026, 11, 22, tzinfo=UTC)
    report = Dispatcher(store, broken, clock=lambda: now).run_once()
    assert (report.delivered, report.retrying) == (0, 1)
    assert store.alerts("pending")[0].last_error.startswith("cannot write")
    later = now + timedelta(hours=2)
    assert Dispatcher(store, config, clock=lambda: later).run_once().delivered == 1


def test_retry_budget_exhausted_marks_failed_and_reports(config: Config, store: Store) -> None:
    save(store, "a", ["slack:#x"], 9)  # no Slack notifier in this version: transient, kept in the outbox
    created = store.alerts()[0].created_at
    first = Dispatcher(store, config, clock=lambda: created + timedelta(minutes=1)).run_once()
    assert (first.retrying, first.failed) == (1, 0)
    last = Dispatcher(store, config, clock=lambda: created + timedelta(hours=49)).run_once()
    assert last.failed == 1
    assert "slack:#x" in last.errors[0]
    assert store.alert_counts()["failed"] == 1
