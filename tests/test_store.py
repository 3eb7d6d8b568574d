from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tenderwatch.model import BEIJING, GoodsLine, Money, Notice, NoticeType, Supplier
from tenderwatch.store import AlertDraft, MatchRecord, PollRecord, Store
from tenderwatch.store.schema import MIGRATIONS


def make_notice(notice_id: str = "1", published: datetime | None = None, **fields: object) -> Notice:
    return Notice(portal="ccgp", notice_id=notice_id, url=f"https://www.ccgp.gov.cn/t_{notice_id}.htm",
                  title=f"notice {notice_id}", notice_type=NoticeType.SINGLE_SOURCE,
                  published_at=published or datetime(2026, 11, 1, 10, 0, tzinfo=BEIJING), **fields)


def draft(destination: str = "console") -> AlertDraft:
    return AlertDraft(destination=destination, kind="new", severity="high", payload={"title": "x"})


def test_notice_round_trips_through_json(store: Store) -> None:
    notice = make_notice(budget=Money(Decimal(569800)), suppliers=[Supplier("某公司")],
                         goods=[GoodsLine(name="试剂盒", brand="Promega", model="PowerPlex 21")])
    assert store.save_notice(notice, project_key="code:X", update_of=None)
    again = store.notice(notice.key)
    assert again == notice
    assert again is not None
    assert again.published_at is not None
    assert again.published_at.utcoffset() == timedelta(hours=8)


def test_saving_twice_is_refused_and_writes_nothing_more(store: Store) -> None:
    notice = make_notice()
    assert store.save_notice(notice, project_key="p", update_of=None, alerts=[draft()])
    assert not store.save_notice(notice, project_key="p", update_of=None, alerts=[draft("jsonl")])
    assert [a.destination for a in store.alerts()] == ["console"]


def test_notice_matches_and_alerts_commit_together(store: Store) -> None:
    bad = [draft(), AlertDraft(destination="console", kind="new", severity="high", payload={"x": object()})]
    with pytest.raises(TypeError):  # the payload cannot be serialised: nothing of the notice may remain
        store.save_notice(make_notice(), project_key="p", update_of=None, alerts=bad)
    assert not store.has_notice("ccgp:1")
    assert store.alert_counts()["pending"] == 0
    match = MatchRecord("wl", "Promega", "brand", "普洛麦格", "body", "…普洛麦格…", fired=True)
    assert store.save_notice(make_notice(), project_key="p", update_of=None, matches=[match], alerts=[draft()])
    assert store.matches("ccgp:1") == [match]


def test_due_alerts_follow_publication_time_per_destination(store: Store) -> None:
    base = datetime(2026, 11, 1, tzinfo=UTC)
    for i, hours in enumerate([5, 1, 3]):
        store.save_notice(make_notice(str(i), published=base + timedelta(hours=hours)),
                          project_key=f"p{i}", update_of=None, alerts=[draft("slack:#a"), draft("console")])
    due = store.due_alerts()
    assert [(a.destination, a.notice_key) for a in due] == [
        ("console", "ccgp:1"), ("console", "ccgp:2"), ("console", "ccgp:0"),
        ("slack:#a", "ccgp:1"), ("slack:#a", "ccgp:2"), ("slack:#a", "ccgp:0"),
    ]


def test_retry_delivery_failure_and_requeue(store: Store) -> None:
    store.save_notice(make_notice(), project_key="p", update_of=None, alerts=[draft()])
    (alert,) = store.due_alerts()
    now = datetime(2026, 11, 1, tzinfo=UTC)
    store.mark_retry(alert.id, "HTTP 500", next_attempt_at=now + timedelta(minutes=5))
    assert store.due_alerts(now=now) == []
    (later,) = store.due_alerts(now=now + timedelta(minutes=5))
    assert later.attempts == 1
    assert later.last_error == "HTTP 500"
    store.mark_failed(alert.id, "invalid_auth")
    assert store.alert_counts() == {"held": 0, "pending": 0, "delivered": 0, "failed": 1}
    assert store.requeue_failed() == 1
    (again,) = store.due_alerts(now=now)
    store.mark_delivered(again.id, ref="1700000000.000100")
    (done,) = store.alerts("delivered")
    assert done.delivery_ref == "1700000000.000100"
    assert done.delivered_at is not None


def test_project_first_notice_and_alerts(store: Store) -> None:
    store.save_notice(make_notice("1"), project_key="code:A", update_of=None, alerts=[draft("slack:#x")])
    store.save_notice(make_notice("2"), project_key="code:A", update_of="ccgp:1")
    assert store.project_first_notice("code:A") == "ccgp:1"
    assert store.project_first_notice("code:B") is None
    assert [a.destination for a in store.project_alerts("code:A")] == ["slack:#x"]


def test_poll_history_and_last_success(store: Store) -> None:
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    ok = store.start_poll("ccgp", now=t0)
    store.finish_poll(ok, PollRecord(portal="ccgp", started_at=t0, outcome="ok", requests=3, notices_new=2))
    bad = store.start_poll("ccgp", now=t0 + timedelta(hours=1))
    store.finish_poll(bad, PollRecord(portal="ccgp", started_at=t0, outcome="blocked", reason="block page"))
    assert store.last_success("ccgp") == t0
    latest = store.polls("ccgp")[0]
    assert (latest.id, latest.outcome, latest.reason) == (bad, "blocked", "block page")


def test_two_connections_see_each_other(config, store: Store) -> None:  # crawl process + daemon
    other = Store(config.db_path)
    try:
        other.save_notice(make_notice(), project_key="p", update_of=None, alerts=[draft()])
        assert store.has_notice("ccgp:1")
        assert len(store.due_alerts()) == 1
    finally:
        other.close()
    assert sqlite3.connect(config.db_path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        store.save_notice(make_notice(published=datetime(2026, 1, 1)), project_key="p", update_of=None)  # noqa: DTZ001


def test_concurrent_first_opens_migrate_once(tmp_path) -> None:
    import threading

    path = tmp_path / "new.sqlite3"
    errors: list[BaseException] = []

    def open_store() -> None:
        try:
            Store(path).close()
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_digest_rows_are_held_until_released_and_acknowledged_together(store: Store) -> None:
    now = datetime(2026, 11, 2, tzinfo=UTC)
    for i in range(3):
        store.save_notice(make_notice(str(i)), project_key=f"p{i}", update_of=None,
                          alerts=[draft("digest:desk@example.org"), draft("console")])
    assert [a.destination for a in store.due_alerts(now=now)] == ["console"] * 3
    assert store.alert_counts()["held"] == 3
    assert store.release_digest("digest:desk@example.org", now) == 3
    rows = store.due_alerts(now=now, destination="digest:desk@example.org")
    assert len(rows) == 3
    store.mark_delivered([r.id for r in rows], ref="<digest@x>", now=now)
    assert store.last_delivery("digest:desk@example.org") == now
    assert {a.delivery_ref for a in store.alerts("delivered")} == {"<digest@x>"}
    assert store.release_digest("digest:desk@example.org", now) == 0
