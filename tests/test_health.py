from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tenderwatch.health import BLOCKED, BROKEN, FAILING, OK, QUIET, UNKNOWN, HealthRules, assess, transition
from tenderwatch.store import PollRecord

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
