"""A portal's health, from its poll history: pure functions, no I/O.

The failure operators fear is silence, so every state but ``ok`` is worth one alert when a portal
enters it and one when it recovers, never one per poll:

* ``failing`` – the last N polls (default 3) failed (unreachable, errors, killed);
* ``blocked`` – the last poll met a block, rate-limit or captcha page;
* ``broken``  – the last poll found pages without the structure the parser expects (layout change);
* ``quiet``   – polls succeed but no new notice arrived for longer than the portal's quiet period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tenderwatch.store import PollRecord

OK, FAILING, BLOCKED, BROKEN, QUIET, UNKNOWN = "ok", "failing", "blocked", "broken", "quiet", "never polled"


@dataclass(frozen=True)
class HealthRules:
    failing_after: int = 3
    quiet_after: timedelta = timedelta(days=2)  # ccgp publishes every day, weekends included


@dataclass(frozen=True)
class Health:
    state: str
    reason: str
    consecutive_failures: int


@dataclass(frozen=True)
class HealthEvent:
    portal: str
    kind: str  # entered | recovered
    state: str  # the state entered, or the state recovered from
    reason: str
    at: datetime

    def summary(self) -> str:
        if self.kind == "recovered":
            return f"{self.portal} recovered (was {self.state}): {self.reason}"
        return f"{self.portal} is {self.state}: {self.reason}"


def assess(polls: Sequence[PollRecord], last_new_notice: datetime | None, now: datetime,
           rules: HealthRules = HealthRules()) -> Health:
    """The state after the given polls (newest first; unfinished polls are ignored)."""
    finished = [p for p in polls if p.outcome is not None]
    if not finished:
        return Health(UNKNOWN, "no poll yet", 0)
    failures = 0
    for record in finished:
        if record.outcome == OK:
            break
        failures += 1
    last = finished[0]
    if last.outcome in (BLOCKED, BROKEN):
        return Health(last.outcome, last.reason, failures)
    if failures >= rules.failing_after:
        return Health(FAILING, f"{failures} polls in a row failed; last: {last.reason}", failures)
    if failures:  # a failure or two is weather, not a state change
        return Health(OK, f"last poll failed ({last.reason}); {failures} of {rules.failing_after}", failures)
    watched_since = finished[-1].started_at
    quiet_since = last_new_notice or watched_since
    if now - quiet_since > rules.quiet_after and now - watched_since > rules.quiet_after:
        hours = (now - quiet_since).total_seconds() / 3600
        return Health(QUIET, f"no new notice for {hours:.0f} h", 0)
    return Health(OK, last.reason, 0)


def transition(portal: str, previous: str, current: Health, now: datetime) -> HealthEvent | None:
    """The one event a change of state deserves, or None when nothing worth saying changed."""
    if current.state == previous or current.state == UNKNOWN:
        return None
    if current.state == OK:
        if previous in (OK, UNKNOWN):
            return None
        return HealthEvent(portal, "recovered", previous, current.reason, now)
    return HealthEvent(portal, "entered", current.state, current.reason, now)


BLOCK_BACKOFF_CAP = timedelta(hours=8)


def blocked_backoff(polls: Sequence[PollRecord], interval: timedelta,
                    cap: timedelta = BLOCK_BACKOFF_CAP) -> datetime | None:
    """When a blocked portal may be polled again: after k blocked polls in a row, interval × 2^k
    (capped) after the last one; None when the last poll was not blocked. Hammering a portal that
    blocks us only prolongs the block."""
    finished = [p for p in polls if p.outcome is not None]
    streak = 0
    for record in finished:
        if record.outcome != BLOCKED:
            break
        streak += 1
    if not streak:
        return None
    last = finished[0].finished_at or finished[0].started_at
    return last + min(cap, interval * 2 ** min(streak, 16))
