"""Email digests: the alerts held for one subscriber, in one multipart message (text + HTML).

Grouped by watchlist, then severity; each notice with the facts of its Slack alert; a summary of
counts and amounts per buyer and per brand over the period. Mail clients clip messages past about
100 KB, so past that the digest keeps as many notices in full as fit and lists the rest by title
and link. Templates are ``*.html.j2`` (autoescaped: portal text is untrusted) and ``*.txt.j2``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from tenderwatch.alerts import AlertPayload, severity_rank
from tenderwatch.model import Money

HTML_LIMIT = 100_000  # bytes of HTML; Gmail clips messages past ~102 KB
SUMMARY_ROWS = 30  # per table; the rest are summed in one row
LIST_ID = "tenderwatch digests <digest.tenderwatch.invalid>"

# The trap: select_autoescape(["html"]) does not escape "digest.html.j2"; name the double suffix.
templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), undefined=StrictUndefined,
    autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), disabled_extensions=("txt.j2",),
                                 default_for_string=True, default=True),
    trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


@dataclass(frozen=True)
class DigestSchedule:
    frequency: str = "immediate"  # immediate | daily | weekly
    hour: int = 8
    weekday: str = "mon"
    timezone: str = "UTC"


@dataclass
class SummaryRow:
    name: str
    count: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)

    @property
    def total(self) -> str:
        return ", ".join(str(Money(v, c)) for c, v in sorted(self.totals.items())) or "–"


@dataclass
class Section:
    watchlist: str
    severity: str
    items: list[AlertPayload]


@dataclass
class Digest:
    address: str
    frequency: str  # daily | weekly, or "on request"
    period_start: datetime | None
    period_end: datetime
    alerts: list[AlertPayload]

    @property
    def sections(self) -> list[Section]:
        """By watchlist (its most severe alerts first), then severity, then publication time."""
        groups: dict[tuple[str, str], list[AlertPayload]] = defaultdict(list)
        for p in self.alerts:
            primary = max(p.watchlists, key=lambda w: severity_rank(w.severity)).title if p.watchlists else "-"
            groups[(primary, p.severity)].append(p)
        top: dict[str, int] = {}
        for watchlist, severity in groups:
            top[watchlist] = max(top.get(watchlist, 0), severity_rank(severity))
        order = sorted(groups, key=lambda k: (-top[k[0]], k[0], -severity_rank(k[1])))
        return [Section(w, sev, sorted(groups[(w, sev)], key=lambda p: p.published_at or "")) for w, sev in order]

    def summary(self, by: str) -> list[SummaryRow]:
        rows: dict[str, SummaryRow] = {}
        for p in self.alerts:
            names = [p.buyer or "(buyer not given)"] if by == "buyer" else sorted(
                {h.brand or h.entity for h in p.hits if h.entity_kind in ("brand", "product")}) or ["(no brand)"]
            for name in names:
                row = rows.setdefault(name, SummaryRow(name))
                row.count += 1
                value = _value(p)
                if value is not None:
                    row.totals[value[1]] = row.totals.get(value[1], Decimal(0)) + value[0]
        ranked = sorted(rows.values(), key=lambda r: (-r.count, r.name))
        if len(ranked) <= SUMMARY_ROWS:
            return ranked
        rest = SummaryRow(f"({len(ranked) - SUMMARY_ROWS + 1} others)")
        for row in ranked[SUMMARY_ROWS - 1:]:
            rest.count += row.count
            for currency, value in row.totals.items():
                rest.totals[currency] = rest.totals.get(currency, Decimal(0)) + value
        return [*ranked[:SUMMARY_ROWS - 1], rest]

    @property
    def subject(self) -> str:
        high = sum(severity_rank(p.severity) >= severity_rank("high") for p in self.alerts)
        what = f"{len(self.alerts)} notice{'s' * (len(self.alerts) != 1)}" if self.alerts else "nothing new"
        return f"[tenderwatch] {self.frequency.capitalize()} digest: {what}" + (f" ({high} high)" if high else "")


def _value(p: AlertPayload) -> tuple[Decimal, str] | None:
    if not p.amount:
        return None
    try:
        return Decimal(p.amount["value"]), p.amount["currency"]
    except (InvalidOperation, KeyError):
        return None


def render(digest: Digest, limit: int = HTML_LIMIT) -> tuple[str, str, int]:
    """Text and HTML of the digest, and how many notices are shown in full.

    Past ``limit`` bytes of HTML: as many notices in full as fit, the rest by title and link, and
    if even those do not fit, as many titles as fit and a count of the others.
    """
    order = _in_order(digest)

    def both(full: int, listed: int) -> tuple[str, str]:
        context = {"d": digest, "full": {p.key for p in order[:full]}, "listed": {p.key for p in order[:listed]},
                   "shown": full, "hidden": len(order) - listed, "limit_kb": limit // 1000}
        return (templates.get_template("digest.txt.j2").render(**context),
                templates.get_template("digest.html.j2").render(**context))

    def fits(full: int, listed: int) -> bool:
        return len(both(full, listed)[1].encode()) <= limit

    total = len(order)
    if fits(total, total):
        return (*both(total, total), total)
    if fits(0, total):
        full = _largest(lambda n: fits(n, total), total)
        return (*both(full, total), full)
    listed = _largest(lambda n: fits(0, n), total)
    return (*both(0, listed), 0)


def _largest(ok: Callable[[int], bool], high: int) -> int:
    """The largest n in [0, high] with ok(n), for ok true at 0 and monotonic."""
    low = 0
    while low < high:
        mid = (low + high + 1) // 2
        if ok(mid):
            low = mid
        else:
            high = mid - 1
    return low


def _in_order(digest: Digest) -> list[AlertPayload]:
    return [p for s in digest.sections for p in s.items]


def build_message(digest: Digest, sender: str, now: datetime) -> EmailMessage:
    text, html, _ = render(digest)
    msg = EmailMessage()
    msg["Subject"] = digest.subject
    msg["From"], msg["To"] = sender, digest.address
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(idstring="digest", domain="tenderwatch.invalid")
    msg["List-Id"] = LIST_ID
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg
