"""Who is told about a watchlist's alerts: the outbox destinations for its routing and the operator's config.

Console and the JSON-lines file always get every alert. Slack and email get it when configured: a
watchlist's own channels and subscribers, or else the operator's defaults (SLACK_CHANNEL, EMAIL_TO).
Email subscribers with a daily or weekly frequency get ``digest:<address>`` rows, held in the
outbox until their digest is due.
"""

from __future__ import annotations

from collections.abc import Iterable

from tenderwatch.config import Config
from tenderwatch.watchlists import Routing, Watchlist

ALWAYS = ("console", "jsonl")


def destinations(routing: Routing, config: Config) -> list[str]:
    found: list[str] = list(ALWAYS)
    if config.slack is not None:
        if config.slack.bot_token:
            channels = routing.slack_channels or (config.slack.channel,)
            found.extend(f"slack:{channel}" for channel in channels)
        else:  # a webhook posts to the one channel it was created for
            found.append("slack-webhook")
    if config.smtp is not None:
        if routing.email:  # immediate subscribers get one email per alert; the others a digest
            found.extend(f"{'email' if s.frequency == 'immediate' else 'digest'}:{s.address}" for s in routing.email)
        else:
            found.extend(f"email:{address}" for address in config.smtp.to)
    return _unique(found)


def destinations_for(watchlists: Iterable[Watchlist], config: Config) -> list[str]:
    found: list[str] = []
    for watchlist in watchlists:
        found.extend(destinations(watchlist.notify, config))
    return _unique(found)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
