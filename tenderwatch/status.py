"""`tenderwatch status`: each portal's health and the alert queue, read from the store alone.

Because it only reads the store, it works while the daemon runs (SQLite WAL lets readers in).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tenderwatch.config import Config
from tenderwatch.model import BEIJING
from tenderwatch.store import PollRecord, Store, utcnow

FAILING_AFTER = 3  # consecutive failed polls before a portal counts as failing


@dataclass(frozen=True)
class PortalHealth:
    portal: str
    state: str  # ok | failing | blocked | broken | quiet | never polled
    last_poll: PollRecord | None
    last_success: datetime | None
    consecutive_failures: int
    notices_24h: int


def portal_health(store: Store, portal: str, now: datetime | None = None,
                  failing_after: int = FAILING_AFTER) -> PortalHealth:
    now = now or utcnow()
    polls = [p for p in store.polls(portal, limit=100) if p.outcome is not None]
    failures = 0
    for record in polls:
        if record.outcome == "ok":
            break
        failures += 1
    last = polls[0] if polls else None
    if last is None:
        state = "never polled"
    elif last.outcome in ("blocked", "broken"):
        state = last.outcome
    elif failures >= failing_after:
        state = "failing"
    else:
        state = "ok"
    return PortalHealth(portal=portal, state=state, last_poll=last, last_success=store.last_success(portal),
                        consecutive_failures=failures,
                        notices_24h=store.notices_since(portal, now - timedelta(hours=24)))


def render_status(config: Config, portals: Sequence[str]) -> str:
    if not config.db_path.exists():
        return f"no data yet in {config.data_dir}: run `tenderwatch poll` or `tenderwatch run`"
    lines = [f"{'portal':<16} {'state':<13} {'last success (Beijing)':<23} {'24h':>4} {'fails':>5}  last poll"]
    with Store(config.db_path) as store:
        for portal in portals:
            h = portal_health(store, portal)
            success = h.last_success.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if h.last_success else "-"
            last = f"{h.last_poll.outcome}: {h.last_poll.reason}" if h.last_poll else "-"
            lines.append(f"{portal:<16} {h.state:<13} {success:<23} {h.notices_24h:>4} "
                         f"{h.consecutive_failures:>5}  {last}")
        counts = store.alert_counts()
    lines.append("")
    lines.append("alerts: " + ", ".join(f"{n} {status}" for status, n in counts.items()))
    return "\n".join(lines)
