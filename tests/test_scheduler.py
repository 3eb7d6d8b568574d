"""The daemon's timetable under a controlled clock: no test sleeps."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from apscheduler.executors.debug import DebugExecutor
from apscheduler.schedulers.base import BaseScheduler

import scheduler
from tenderwatch.config import Config
from tenderwatch.schedules import PollSchedule, digest_trigger, health_rules, poll_schedules

BEIJING = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 Beijing, a Monday
DAILY_SUBSCRIBER = """
notify:
  email:
    - address: desk@example.org
      frequency: daily
      hour: 8
      timezone: Europe/Berlin
"""


class ManualScheduler(BaseScheduler):
    """Runs due jobs only when the test calls tick(), in the test's thread, at the travelled time."""

    def wakeup(self) -> None:
        pass

    def shutdown(self, wait: bool = True) -> None:
        super().shutdown(wait)

    def tick(self) -> None:
        self._process_jobs()


class RecordingDaemon(scheduler.Daemon):
    """The real timetable; the steps only record when they ran (they are tested end to end elsewhere)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.calls: list[tuple[str, datetime]] = []

    def poll(self, portal: str) -> None:
        self.calls.append((f"poll:{portal}", datetime.now(UTC)))

    def dispatch(self, digests: Sequence[str] = ()) -> None:
        self.calls.append((f"digest:{','.join(digests)}" if digests else "dispatch", datetime.now(UTC)))

    def self_check(self) -> None:
        self.calls.append(("self-check", datetime.now(UTC)))


@pytest.fixture
def watchlist_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "watchlists"
    folder.mkdir()
    src = Path(__file__).resolve().parent.parent / "watchlists" / "xinjiang-dna.yaml"
    text = src.read_text(encoding="utf-8").replace("\nentities:", DAILY_SUBSCRIBER + "\nentities:", 1)
    (folder / "xinjiang-dna.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("TENDERWATCH_WATCHLISTS", str(folder))
    return folder


@pytest.fixture
def daemon(watchlist_dir: Path) -> Iterator[RecordingDaemon]:
    with time_machine.travel(T0, tick=False) as traveller:
        sched = ManualScheduler(executors={"default": DebugExecutor()}, job_defaults=scheduler.JOB_DEFAULTS,
                                timezone="UTC")
        d = RecordingDaemon(Config.from_env(), schedules={"ccgp": PollSchedule(15), "zcy": PollSchedule(30)},
                            scheduler=sched)
        d.schedule()
        sched.start()
        d.traveller = traveller  # type: ignore[attr-defined]
        yield d
        sched.shutdown(wait=False)


def names(calls: list[tuple[str, datetime]]) -> list[str]:
    return [name for name, _ in calls]


def test_first_tick_polls_every_portal_and_dispatches(daemon: RecordingDaemon) -> None:
    daemon.scheduler.tick()  # type: ignore[attr-defined]
    assert sorted(names(daemon.calls)) == ["dispatch", "poll:ccgp"]  # portals start 2 s apart
    daemon.traveller.shift(timedelta(seconds=3))  # type: ignore[attr-defined]
    daemon.scheduler.tick()  # type: ignore[attr-defined]
    assert sorted(names(daemon.calls)) == ["dispatch", "poll:ccgp", "poll:zcy"]


def test_polls_follow_their_intervals(daemon: RecordingDaemon) -> None:
    for _ in range(4 * 60):  # four hours, one tick a minute
        daemon.traveller.shift(timedelta(minutes=1))  # type: ignore[attr-defined]
        daemon.scheduler.tick()  # type: ignore[attr-defined]
    polls = names(daemon.calls)
    assert 15 <= polls.count("poll:ccgp") <= 17  # every 15 min (+ jitter up to 60 s)
    assert 7 <= polls.count("poll:zcy") <= 9
    assert polls.count("dispatch") >= 4 * 60  # every 30 s, coalesced to one per tick


def test_a_missed_run_runs_once_on_wake(daemon: RecordingDaemon) -> None:
    daemon.traveller.shift(timedelta(seconds=3))  # type: ignore[attr-defined]
    daemon.scheduler.tick()  # type: ignore[attr-defined]
    daemon.calls.clear()
    daemon.traveller.shift(timedelta(hours=5))  # the machine slept through 20 ccgp polls
    daemon.scheduler.tick()  # type: ignore[attr-defined]
    assert names(daemon.calls).count("poll:ccgp") == 1
    assert names(daemon.calls).count("poll:zcy") == 1


def test_a_daily_digest_is_released_at_the_subscribers_hour(daemon: RecordingDaemon) -> None:
    for _ in range(48):
        daemon.traveller.shift(timedelta(hours=1))  # type: ignore[attr-defined]
        daemon.scheduler.tick()  # type: ignore[attr-defined]
    digests = [when for name, when in daemon.calls if name == "digest:desk@example.org"]
    assert [when.astimezone(ZoneInfo("Europe/Berlin")).hour for when in digests] == [8, 8]


def test_self_check_runs_once_a_day(daemon: RecordingDaemon) -> None:
    for _ in range(48):
        daemon.traveller.shift(timedelta(hours=1))  # type: ignore[attr-defined]
        daemon.scheduler.tick()  # type: ignore[attr-defined]
    checks = [when for name, when in daemon.calls if name == "self-check"]
    assert [when.hour for when in checks] == [scheduler.SELF_CHECK_HOUR] * 2


def test_night_polls_are_rarer_in_beijing_time() -> None:
    trigger = PollSchedule(minutes=15, night_minutes=60).trigger()
    day = datetime(2026, 11, 23, 10, 0, tzinfo=BEIJING)
    fire = trigger.get_next_fire_time(None, day)
    assert timedelta(0) <= fire - day <= timedelta(minutes=15, seconds=60)
    night = datetime(2026, 11, 23, 23, 5, tzinfo=BEIJING)
    fire = trigger.get_next_fire_time(None, night)
    assert datetime(2026, 11, 24, 0, 0, tzinfo=BEIJING) <= fire <= datetime(2026, 11, 24, 0, 2, tzinfo=BEIJING)


def test_digests_fire_at_the_subscribers_hour_in_their_zone() -> None:
    daily = digest_trigger("daily", 8, "mon", "Europe/Berlin")
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Berlin: today's 08:00 has passed
    assert daily.get_next_fire_time(None, now) == datetime(2026, 11, 24, 8, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    weekly = digest_trigger("weekly", 7, "fri", "America/New_York")
    fire = weekly.get_next_fire_time(None, now)
    assert fire.weekday() == 4
    assert (fire.hour, fire.tzinfo.key) == (7, "America/New_York")  # type: ignore[union-attr]
    assert digest_trigger("immediate", 8, "mon", "UTC") is None


def test_poll_minutes_from_the_environment() -> None:
    schedules = poll_schedules(["ccgp", "ggzy"], {"TENDERWATCH_POLL_MINUTES": "20",
                                                  "TENDERWATCH_POLL_MINUTES_GGZY": "45",
                                                  "TENDERWATCH_NIGHT_POLL_MINUTES": "90"})
    assert schedules == {"ccgp": PollSchedule(20, 90), "ggzy": PollSchedule(45, 90)}


def test_health_rules_from_the_environment() -> None:
    rules = health_rules("ccgp", {"TENDERWATCH_QUIET_HOURS": "24", "TENDERWATCH_QUIET_HOURS_GGZY": "96",
                                  "TENDERWATCH_FAILING_AFTER": "5"})
    assert (rules.quiet_after, rules.failing_after) == (timedelta(hours=24), 5)
    assert health_rules("ggzy", {"TENDERWATCH_QUIET_HOURS_GGZY": "96"}).quiet_after == timedelta(hours=96)
    assert health_rules("ccgp", {}).quiet_after == timedelta(hours=48)
