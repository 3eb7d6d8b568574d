"""The monitor's steps, shared by the CLI and the daemon: validate watchlists, poll portals, dispatch alerts."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

from notifiers.digest import DigestSchedule
from tenderwatch.config import Config
from tenderwatch.crawl import DEFAULT_TIMEOUT, PollResult, run_poll
from tenderwatch.dispatch import Dispatcher, DispatchReport
from tenderwatch.health import HealthEvent, HealthRules, assess, transition
from tenderwatch.store import Store
from tenderwatch.watchlists import WatchlistSet, load_watchlists

logger = logging.getLogger(__name__)


def portal_names() -> list[str]:
    """Every portal spider in the project, by name."""
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "tenderwatch.settings")
    return sorted(SpiderLoader.from_settings(get_project_settings()).list())


def load_current_watchlists(config: Config) -> WatchlistSet:
    """Validate the watchlist folder; raises WatchlistError naming file:line:column of every problem."""
    return load_watchlists(config.watchlists_dir)


def write_snapshot(config: Config, watchlists: WatchlistSet) -> Path:
    """Record the watchlists that validated; crawls read only this, so a broken edit never reaches them."""
    path = config.watchlist_snapshot
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False,
                                     prefix=".watchlists-", suffix=".tmp") as tmp:
        tmp.write(watchlists.to_json())
        tmp.flush()
        os.fsync(tmp.fileno())
    Path(tmp.name).replace(path)  # atomic: a crawl never reads half a snapshot
    return path


def poll(config: Config, watchlists: WatchlistSet, portals: Iterable[str], *,
         timeout: float = DEFAULT_TIMEOUT, log_level: str = "WARNING",
         settings: Mapping[str, str] | None = None) -> list[PollResult]:
    snapshot = write_snapshot(config, watchlists)
    terms = ",".join(t.replace(",", " ") for t in watchlists.search_terms())
    results = []
    for portal in portals:
        result = run_poll(portal, config, snapshot=snapshot, timeout=timeout, log_level=log_level,
                          settings={"TENDERWATCH_SEARCH_TERMS": terms, **(settings or {})})
        log = logger.info if result.ok else logger.error
        log("%s: %s (%s)", portal, result.outcome, result.reason)
        results.append(result)
    return results


def health_event(config: Config, portal: str, rules: HealthRules | None = None) -> HealthEvent | None:
    """The health change the latest poll of ``portal`` caused, if any (derived from poll history alone,
    so a restarted daemon neither repeats nor forgets an event)."""
    rules = rules or HealthRules()
    with Store(config.db_path) as store:
        polls = [p for p in store.polls(portal, limit=100) if p.outcome is not None]
        last_new = store.last_new_notice(portal)
    if not polls:
        return None
    now = polls[0].finished_at or polls[0].started_at
    current = assess(polls, last_new, now, rules)
    earlier = polls[1:]
    previous_at = earlier[0].finished_at or earlier[0].started_at if earlier else now
    previous = assess(earlier, last_new if last_new and last_new <= previous_at else None, previous_at, rules)
    return transition(portal, previous.state, current, now)


def dispatch(config: Config, watchlists: WatchlistSet, *, out: TextIO = sys.stdout,
             force_digest: bool = False, release: Sequence[str] = ()) -> DispatchReport:
    """Deliver every due alert in the outbox once; ``release``: addresses whose digest is due."""
    with Store(config.db_path) as store:
        return Dispatcher(store, config, digest_schedules=digest_schedules(watchlists),
                          out=out).run_once(force_digest=force_digest, release=release)


def digest_schedules(watchlists: WatchlistSet) -> dict[str, DigestSchedule]:
    """Per digest subscriber (daily or weekly somewhere), its most frequent schedule across watchlists."""
    order = {"daily": 1, "weekly": 2}
    chosen: dict[str, DigestSchedule] = {}
    for watchlist in watchlists.watchlists:
        for sub in watchlist.notify.email:
            if sub.frequency not in order:
                continue
            current = chosen.get(sub.address)
            if current is None or order[sub.frequency] < order[current.frequency]:
                chosen[sub.address] = DigestSchedule(frequency=sub.frequency, hour=sub.hour,
                                                     weekday=sub.weekday, timezone=sub.timezone)
    return chosen
