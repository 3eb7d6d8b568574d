"""When the daemon does what: poll triggers per portal and digest triggers per subscriber (APScheduler 3).

Configured from the environment:
  TENDERWATCH_POLL_MINUTES          minutes between polls of every portal (default 15)
  TENDERWATCH_POLL_MINUTES_<PORTAL> the same for one portal, e.g. TENDERWATCH_POLL_MINUTES_CCGP=10
  TENDERWATCH_NIGHT_POLL_MINUTES    if set, poll this rarely from 23:00 to 06:00 Beijing time
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from tenderwatch.config import ConfigError
from tenderwatch.health import HealthRules

BEIJING_TZ = "Asia/Shanghai"
NIGHT_HOURS, DAY_HOURS = "23,0-5", "6-22"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class PollSchedule:
    minutes: float = 15.0
    night_minutes: float | None = None

    def trigger(self) -> BaseTrigger:
        # Jitter spreads polls so many monitors never hit a portal on the same second.
        jitter = max(1, min(60, int(self.minutes * 6)))
        if not self.night_minutes:
            return IntervalTrigger(minutes=self.minutes, jitter=jitter)
        return OrTrigger([
            CronTrigger(minute=_every(self.minutes), hour=DAY_HOURS, timezone=BEIJING_TZ, jitter=jitter),
            CronTrigger(minute=_every(self.night_minutes), hour=NIGHT_HOURS, timezone=BEIJING_TZ, jitter=jitter),
        ])


def poll_schedules(portals: list[str], env: Mapping[str, str],
                   default_minutes: float | None = None) -> dict[str, PollSchedule]:
    base = default_minutes or _minutes(env, "TENDERWATCH_POLL_MINUTES", 15.0)
    night = _minutes(env, "TENDERWATCH_NIGHT_POLL_MINUTES", 0.0) or None
    return {p: PollSchedule(_minutes(env, f"TENDERWATCH_POLL_MINUTES_{p.upper()}", base), night) for p in portals}


def health_rules(portal: str, env: Mapping[str, str]) -> HealthRules:
    """When a portal counts as failing or quiet: TENDERWATCH_FAILING_AFTER polls (default 3) and
    TENDERWATCH_QUIET_HOURS[_<PORTAL>] without a new notice (default 48; ccgp publishes daily)."""
    quiet = _minutes(env, f"TENDERWATCH_QUIET_HOURS_{portal.upper()}", 0.0) or _minutes(
        env, "TENDERWATCH_QUIET_HOURS", 48.0)
    failing = int(_minutes(env, "TENDERWATCH_FAILING_AFTER", 3.0))
    return HealthRules(failing_after=max(1, failing), quiet_after=timedelta(hours=quiet))


def digest_trigger(frequency: str, hour: int, weekday: str, timezone: str) -> BaseTrigger | None:
    """A daily or weekly digest goes out at the subscriber's hour in their own time zone."""
    if frequency == "daily":
        return CronTrigger(hour=hour, minute=0, timezone=timezone)
    if frequency == "weekly":
        return CronTrigger(day_of_week=weekday, hour=hour, minute=0, timezone=timezone)
    return None  # immediate digests go out with every dispatch


def _every(minutes: float) -> str:
    step = max(1, round(minutes))
    return "0" if step >= 60 else f"*/{step}"


def _minutes(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if value <= 0:
        raise ConfigError(f"{name}={raw!r} must be positive")
    return value
