"""What the people who run the monitor are told: a portal that cannot be seen (and when it can be
again), a poll whose pages would not parse, a broken watchlist edit.

Everything is logged; with TENDERWATCH_OPS_SLACK_CHANNEL or TENDERWATCH_OPS_EMAIL set it is also
queued in the operators' outbox, delivered and retried like alerts. Each message has a key (the
poll that caused it, the broken files' content), so however often a state is looked at, it is
reported once.
"""

from __future__ import annotations

import hashlib
import logging
import os

from tenderwatch.config import Config
from tenderwatch.health import HealthEvent, HealthRules, assess, transition
from tenderwatch.schedules import health_rules
from tenderwatch.store import PollRecord, Store

logger = logging.getLogger(__name__)
SHOWN_URLS = 10


def report(config: Config, key: str, subject: str, body: str, *, level: int = logging.ERROR) -> bool:
    """Log and queue one operators' message; False when this key was reported before."""
    with Store(config.db_path) as store:
        if store.ops_key_seen(key):
            return False
        destinations = config.ops_destinations or ["log"]  # "log": remembered, so not logged again
        store.add_ops_message(key, subject, body, destinations)
    logger.log(level, "%s\n%s", subject, body)
    return True


def health_event(config: Config, portal: str, rules: HealthRules | None = None,
                 ) -> tuple[HealthEvent, PollRecord] | None:
    """The health change the latest poll of ``portal`` caused, if any (derived from poll history alone,
    so a restarted daemon neither repeats nor forgets an event)."""
    rules = rules or health_rules(portal, os.environ)
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
    event = transition(portal, previous.state, current, now)
    return (event, polls[0]) if event is not None else None


def after_poll(config: Config, portal: str, poll_id: int | None = None) -> list[str]:
    """Report what the latest poll of ``portal`` revealed; return the subjects reported."""
    reported = []
    found = health_event(config, portal)
    if found is not None:
        event, poll = found
        subject = f"tenderwatch: {event.summary()}"
        body = _health_body(event, poll)
        if report(config, f"health:{portal}:{poll.id}:{event.kind}:{event.state}", subject, body,
                  level=logging.WARNING if event.kind == "recovered" else logging.ERROR):
            reported.append(subject)
    with Store(config.db_path) as store:
        poll = next((p for p in store.polls(portal, limit=5) if poll_id is None or p.id == poll_id), None)
    if poll is not None and poll.parse_errors > config.parse_error_report:
        urls = "\n".join(f"  {u}" for u in poll.error_urls[:SHOWN_URLS])
        more = f"\n  … and {len(poll.error_urls) - SHOWN_URLS} more" if len(poll.error_urls) > SHOWN_URLS else ""
        subject = f"tenderwatch: {portal}: {poll.parse_errors} pages could not be parsed"
        body = (f"Poll {poll.id} of {portal} ({poll.started_at:%Y-%m-%d %H:%M} UTC) met {poll.parse_errors} pages "
                f"its parser could not read (threshold {config.parse_error_report}). A layout change? "
                f"Check with `tenderwatch explain URL --portal {portal}` on a saved copy.\n{urls}{more}")
        if report(config, f"parse:{portal}:{poll.id}", subject, body, level=logging.WARNING):
            reported.append(subject)
    return reported


def watchlist_problem(config: Config, problems: str) -> bool:
    """A broken watchlist edit: the monitor keeps the last good version; say so, once per broken state."""
    digest = hashlib.sha256(problems.encode()).hexdigest()[:16]
    subject = "tenderwatch: a watchlist edit has errors; the last good watchlists stay in force"
    body = f"Fix these and save; `tenderwatch watchlists check` confirms.\n{problems}"
    return report(config, f"watchlists:{digest}", subject, body)


def _health_body(event: HealthEvent, poll: PollRecord) -> str:
    what = {
        "blocked": "The portal answered with a block, rate-limit or captcha page. Polls back off; nothing is "
                   "solved or bypassed. If it lasts, slow the polls (TENDERWATCH_POLL_MINUTES_<PORTAL>).",
        "broken": "Pages no longer have the structure the parser expects (a layout change?). Notices may be "
                  "missed until the spider is updated.",
        "failing": "Several polls in a row failed (unreachable, errors or timeouts).",
        "quiet": "Polls succeed but no new notice arrived for longer than usual.",
    }
    if event.kind == "recovered":
        return f"{event.portal} is polled normally again (it was {event.state}). Last poll: {event.reason}."
    return (f"{what.get(event.state, '')}\nReason: {event.reason}\nPoll {poll.id} at "
            f"{(poll.finished_at or poll.started_at):%Y-%m-%d %H:%M} UTC. `tenderwatch status` shows every portal.")
