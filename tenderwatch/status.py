"""`tenderwatch status`: each portal's health and the alert queue, read from the store alone.

Because it only reads the store, it works while the daemon runs (SQLite WAL lets readers in).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tenderwatch.config import Config
from tenderwatch.health import Health, HealthRules, assess
from tenderwatch.lock import DataDirLock, state_path
from tenderwatch.model import BEIJING
from tenderwatch.schedules import health_rules
from tenderwatch.store import PollRecord, Store, utcnow


@dataclass(frozen=True)
class PortalStatus:
    portal: str
    health: Health
    last_poll: PollRecord | None
    last_success: datetime | None
    notices_24h: int


def portal_status(store: Store, portal: str, now: datetime | None = None,
                  rules: HealthRules | None = None) -> PortalStatus:
    now = now or utcnow()
    rules = rules or health_rules(portal, os.environ)
    polls = store.polls(portal, limit=100)
    finished = [p for p in polls if p.outcome is not None]
    return PortalStatus(portal=portal, health=assess(polls, store.last_new_notice(portal), now, rules),
                        last_poll=finished[0] if finished else None, last_success=store.last_success(portal),
                        notices_24h=store.notices_since(portal, now - timedelta(hours=24)))


def daemon_state(config: Config) -> tuple[str, dict[str, datetime]]:
    """Whether the daemon runs, and its jobs' next run times (it writes them as it goes)."""
    if not DataDirLock(config.data_dir).held_by_another():
        return "not running (start it with `tenderwatch run`)", {}
    try:
        state = json.loads(state_path(config).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "running", {}
    runs = {job: datetime.fromisoformat(when) for job, when in state.get("next_runs", {}).items()}
    return f"running (pid {state.get('pid', '?')})", runs


def render_status(config: Config, portals: Sequence[str]) -> str:
    if not config.db_path.exists():
        return f"no data yet in {config.data_dir}: run `tenderwatch poll` or `tenderwatch run`"
    daemon, next_runs = daemon_state(config)
    header = (f"{'portal':<16} {'state':<13} {'last success (Beijing)':<23} {'24h':>4} {'fails':>5} "
              f"{'next run':<12} why")
    lines = [f"daemon: {daemon}", "", header]
    with Store(config.db_path) as store:
        for portal in portals:
            st = portal_status(store, portal)
            success = st.last_success.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if st.last_success else "-"
            upcoming = next_runs.get(f"poll:{portal}")
            when = upcoming.astimezone(BEIJING).strftime("%H:%M:%S") if upcoming else "-"
            lines.append(f"{portal:<16} {st.health.state:<13} {success:<23} {st.notices_24h:>4} "
                         f"{st.health.consecutive_failures:>5} {when:<12} {st.health.reason}")
        counts = store.alert_counts()
        ops_failed = sum(m.status == "failed" for m in store.ops_messages(limit=100))
    lines.append("")
    lines.append("alerts: " + ", ".join(f"{n} {status}" for status, n in counts.items()))
    if ops_failed:
        lines.append(f"operators' messages that could not be delivered: {ops_failed}")
    return "\n".join(lines)
