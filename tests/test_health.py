from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import scheduler
from tenderwatch.config import Config
from tenderwatch.health import (
    BLOCKED,
    BROKEN,
    FAILING,
    OK,
    QUIET,
    UNKNOWN,
    HealthRules,
    assess,
    blocked_backoff,
    transition,
)
from tenderwatch.schedules import PollSchedule
from tenderwatch.store import PollRecord, Store

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


def history(*outcomes: str, every: timedelta = timedelta(minutes=15)) -> list[PollRecord]:
    """Poll records, newest first, the newest 15 minutes ago."""
    return [PollRecord(portal="ccgp", started_at=NOW - every * (i + 1), outcome=o, reason=f"{o} #{i}")
            for i, o in enumerate(outcomes)]


@pytest.mark.parametrize(("outcomes", "state"), [
    ((), UNKNOWN),
    (("ok", "ok"), OK),
    (("failed", "ok"), OK),
    (("failed", "failed", "ok"), OK),
    (("failed", "failed", "failed", "ok"), FAILING),
    (("blocked", "ok"), BLOCKED),
    (("broken",), BROKEN),
    (("ok", "failed", "failed", "failed"), OK),
])
def test_states(outcomes: tuple[str, ...], state: str) -> None:
    assert assess(history(*outcomes), last_new_notice=NOW, now=NOW).state == state


def test_quiet_only_after_the_quiet_period_of_watching() -> None:
    rules = HealthRules(quiet_after=timedelta(days=2))
    young = history("ok", "ok", every=timedelta(hours=1))  # watched for 2 hours: too soon to call it quiet
    assert assess(young, last_new_notice=None, now=NOW, rules=rules).state == OK
    old = history("ok", "ok", "ok", every=timedelta(days=1))
    assert assess(old, last_new_notice=NOW - timedelta(days=3), now=NOW, rules=rules).state == QUIET
    assert assess(old, last_new_notice=NOW - timedelta(hours=5), now=NOW, rules=rules).state == OK


def test_one_event_on_entering_and_one_on_recovering() -> None:
    states = [OK, OK, BLOCKED, BLOCKED, BLOCKED, OK, OK]
    events = []
    previous = UNKNOWN
    for state in states:
        health = assess(history(state if state != OK else "ok"), last_new_notice=NOW, now=NOW)
        event = transition("ccgp", previous, health, NOW)
        if event:
            events.append((event.kind, event.state))
        previous = health.state
    assert events == [("entered", BLOCKED), ("recovered", BLOCKED)]


def test_moving_between_bad_states_is_reported() -> None:
    event = transition("ccgp", BLOCKED, assess(history("broken"), NOW, NOW), NOW)
    assert event is not None
    assert (event.kind, event.state) == ("entered", BROKEN)
    assert "ccgp is broken" in event.summary()


@pytest.mark.parametrize(("outcomes", "wait"), [
    (("ok", "blocked"), None),
    (("blocked", "ok"), timedelta(minutes=30)),
    (("blocked", "blocked", "blocked", "ok"), timedelta(minutes=120)),
    (("blocked",) * 12, timedelta(hours=8)),  # capped
])
def test_blocked_portals_are_left_alone_longer_each_time(outcomes: tuple[str, ...], wait: timedelta | None) -> None:
    polls = history(*outcomes)
    resume = blocked_backoff(polls, timedelta(minutes=15))
    assert resume == (None if wait is None else polls[0].started_at + wait)


def test_the_daemon_skips_a_blocked_portal_until_its_backoff_ends(tmp_path, monkeypatch) -> None:

    monkeypatch.setenv("TENDERWATCH_WATCHLISTS", str(Path(__file__).resolve().parent.parent / "watchlists"))
    config = Config.from_env()
    with Store(config.db_path) as store:
        for _ in range(2):
            poll_id = store.start_poll("ccgp")
            store.finish_poll(poll_id, PollRecord(portal="ccgp", started_at=NOW, finished_at=NOW, outcome="blocked",
                                                  reason="block page"))
    daemon = scheduler.Daemon(config, schedules={"ccgp": PollSchedule(15)})
    assert not daemon.poll_due("ccgp", now=NOW + timedelta(minutes=59))  # 15 min × 2² after the last block
    assert daemon.poll_due("ccgp", now=NOW + timedelta(minutes=61))
