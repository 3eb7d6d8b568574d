"""Slack: Block Kit alerts through slack-sdk (bot token with threads, or an incoming webhook).

Portal text is untrusted: &, < and > are escaped everywhere, so <!channel>, <@U…> or <http://evil|bank>
in a notice title arrive inert; no parse=full, no link_names. Blocks stay within Slack's limits.
slack-sdk's own retries are off (retry_handlers=[]): the dispatcher owns retrying.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock
from slack_sdk.webhook import WebhookClient

from notifiers.base import PermanentError, TransientError
from notifiers.text import render_text
from tenderwatch.alerts import AlertPayload
from tenderwatch.config import SlackConfig
from tenderwatch.store import AlertRow

SECTION_LIMIT = 2900  # Slack refuses sections over 3,000 characters
POST_INTERVAL = 1.0  # seconds between two messages to one channel
# Errors Slack reports with HTTP 200 and ok=false that mean "try again later".
TRANSIENT_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable",
                              "request_timeout", "team_added_to_org"})


def escape(text: str) -> str:
    """Slack's three control characters, and nothing else."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def blocks(p: AlertPayload) -> list[dict[str, object]]:
    head = p.lead
    title = f"<{escape(p.url)}|{escape(_cut(p.title, 300)).replace('|', '¦')}>"
    facts = [("Buyer", p.buyer), ("Region", p.region), ("Type", p.notice_type_label), ("Budget", p.budget or ""),
             ("Awarded", p.award_amount or ""), ("Deadline", p.deadline or ""), ("Suppliers", ", ".join(p.suppliers))]
    fact_text = "\n".join(f"*{name}:* {escape(_cut(value, 300))}" for name, value in facts if value)
    matched: dict[str, list[str]] = {}
    for hit in p.hits:
        matched.setdefault(f"{hit.entity} ({hit.entity_kind})", []).append(f"{hit.alias} in {hit.field}")
    match_text = "\n".join(f"• {escape(e)}: {escape(', '.join(dict.fromkeys(w)))}" for e, w in matched.items())
    built = [
        HeaderBlock(text=_cut(f"{p.severity.upper()} · {head}{p.notice_type_label}", 150)),
        SectionBlock(text=MarkdownTextObject(text=_cut(title, SECTION_LIMIT), verbatim=True)),
    ]
    if fact_text:
        built.append(SectionBlock(text=MarkdownTextObject(text=_cut(fact_text, SECTION_LIMIT), verbatim=True)))
    if match_text:
        built.append(SectionBlock(text=MarkdownTextObject(text=_cut("*Matched*\n" + match_text, SECTION_LIMIT),
                                                          verbatim=True)))
    if p.also_at:
        places = "\n".join(f"• {escape(a['portal'])}: <{escape(a['url'])}|{escape(_cut(a.get('title') or a['url'], 150))}>"
                           for a in p.also_at[:10])
        built.append(SectionBlock(text=MarkdownTextObject(text=_cut("*Also published on*\n" + places, SECTION_LIMIT),
                                                          verbatim=True)))
    context = f"{p.portal} · published {p.published_at or 'unknown'} · " + ", ".join(w.title for w in p.watchlists)
    built.append(ContextBlock(elements=[MarkdownTextObject(text=escape(_cut(context, 1900)), verbatim=True)]))
    return [b.to_dict() for b in built]


def fallback(p: AlertPayload) -> str:
    return escape(_cut(render_text(p), 3000))


class Pacer:
    """At most one message per second per channel, as Slack asks (its rate-limits page)."""

    def __init__(self, sleep: Callable[[float], None], interval: float = POST_INTERVAL) -> None:
        self.sleep = sleep
        self.interval = interval
        self.last: dict[str, float] = {}

    def wait(self, channel: str) -> None:
        since = time.monotonic() - self.last.get(channel, float("-inf"))
        if since < self.interval:
            self.sleep(self.interval - since)

    def posted(self, channel: str) -> None:
        self.last[channel] = time.monotonic()


class SlackBotNotifier:
    def __init__(self, config: SlackConfig, sleep: Callable[[float], None] = time.sleep) -> None:
        kwargs = {"base_url": config.api_url} if config.api_url else {}
        self.client = WebClient(token=config.bot_token, timeout=config.timeout, retry_handlers=[], **kwargs)
        self.pacer = Pacer(sleep)

    def send(self, row: AlertRow, payload: AlertPayload, thread_ref: str | None = None) -> str | None:
        channel = row.destination.split(":", 1)[1]
        return self._post(channel, text=fallback(payload), blocks=blocks(payload), thread_ts=thread_ref)

    def send_text(self, channel: str, subject: str, body: str) -> str:
        """An operators' message: plain, escaped text (portal names and reasons are untrusted too)."""
        return self._post(channel, text=escape(_cut(f"*{subject}*\n{body}", 3000)))

    def _post(self, channel: str, **message: Any) -> str:
        """One chat.postMessage, paced per channel, its failure classified for the dispatcher."""
        self.pacer.wait(channel)
        try:
            response = self.client.chat_postMessage(channel=channel, unfurl_links=False, **message)
        except SlackApiError as exc:
            status = exc.response.status_code
            error = exc.response.get("error", status) if isinstance(exc.response.data, dict) else status
            if status == 429 or status >= 500 or error in TRANSIENT_ERRORS:
                retry = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
                raise TransientError(f"Slack HTTP {status} {error}", float(retry) if retry else None) from exc
            raise PermanentError(f"Slack refused: {error}") from exc
        except (URLError, TimeoutError, ConnectionError, OSError) as exc:
            raise TransientError(f"Slack unreachable: {exc}") from exc
        finally:
            self.pacer.posted(channel)
        return str(response["ts"])


class SlackWebhookNotifier:
    def __init__(self, config: SlackConfig, sleep: Callable[[float], None] = time.sleep) -> None:
        self.client = WebhookClient(config.webhook_url, timeout=config.timeout, retry_handlers=[])
        self.pacer = Pacer(sleep)

    def send(self, row: AlertRow, payload: AlertPayload, thread_ref: str | None = None) -> str | None:
        self.pacer.wait("webhook")  # a webhook posts to one channel
        try:
            response = self.client.send(text=fallback(payload), blocks=blocks(payload), unfurl_links=False)
        except (URLError, TimeoutError, ConnectionError, OSError) as exc:
            raise TransientError(f"Slack webhook unreachable: {exc}") from exc
        finally:
            self.pacer.posted("webhook")
        if response.status_code == 200 and response.body == "ok":
            return None
        if response.status_code == 429 or response.status_code >= 500:
            retry = response.headers.get("Retry-After") or response.headers.get("retry-after")
            raise TransientError(f"Slack webhook HTTP {response.status_code}", float(retry) if retry else None)
        raise PermanentError(f"Slack webhook refused: HTTP {response.status_code} {response.body}")
