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
from tenderwatch import ops
from tenderwatch.config import Config, ConfigError
from tenderwatch.crawl import DEFAULT_TIMEOUT, PollResult, run_poll
from tenderwatch.dispatch import Dispatcher, DispatchReport
from tenderwatch.store import Store
from tenderwatch.watchlists import WatchlistSet, load_watchlists

logger = logging.getLogger(__name__)


def all_portal_names() -> list[str]:
    """Every portal spider in the project, by name."""
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "tenderwatch.settings")
    return sorted(SpiderLoader.from_settings(get_project_settings()).list())


def portal_names(env: Mapping[str, str] | None = None) -> list[str]:
    """The portals this monitor watches: TENDERWATCH_PORTALS (comma-separated), default all of them."""
    env = os.environ if env is None else env
    known = all_portal_names()
    chosen = [p.strip() for p in env.get("TENDERWATCH_PORTALS", "").split(",") if p.strip()]
    unknown = [p for p in chosen if p not in known]
    if unknown:
        raise ConfigError(f"TENDERWATCH_PORTALS: unknown portal(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return chosen or known


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
        ops.after_poll(config, portal, result.poll_id)  # health changes and parse-error reports, once each
        results.append(result)
    return results


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
