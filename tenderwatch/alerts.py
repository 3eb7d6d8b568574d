"""The alert payload: the facts of one alert, frozen into the outbox when the notice is stored.

Notifiers render only from this payload, never from the crawl or the live store, so an alert reads
the same whenever it is finally delivered. ``AlertPayload.from_dict(row.payload)`` gives it back.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from tenderwatch.model import Notice

SEVERITIES = ("low", "medium", "high", "critical")

NOTICE_TYPE_LABELS = {
    "intention": "Procurement intention",
    "tender": "Tender",
    "single_source": "Single-source notice",
    "correction": "Correction",
    "award": "Award",
    "contract": "Contract",
    "termination": "Termination",
    "other": "Other notice",
}


@dataclass(frozen=True)
class HitFact:
    watchlist: str
    entity: str  # display name, in English where the watchlist gives one
    entity_kind: str  # brand | product | supplier | buyer
    alias: str  # the alias that matched
    field: str  # title | buyer | region | agency | supplier | goods | body | attachments
    snippet: str  # surrounding original text
    brand: str = ""  # brands and products: the brand (a product names its brand), for digest summaries


@dataclass(frozen=True)
class WatchlistFact:
    name: str
    title: str
    severity: str


@dataclass(frozen=True)
class AlertPayload:
    kind: str  # new | update | republished (the same notice on another portal, after its alert went out)
    key: str
    portal: str
    url: str
    title: str
    notice_type: str
    type_label: str
    buyer: str
    agency: str
    region: str
    published_at: str | None  # ISO-8601, Beijing time
    project_code: str
    project_key: str
    budget: str | None  # formatted, e.g. "¥200,000.00"
    award_amount: str | None
    deadline: str | None
    suppliers: list[str]
    goods: list[dict[str, str]]
    attachments: list[dict[str, str]]
    watchlists: list[WatchlistFact]
    hits: list[HitFact]
    severity: str
    update_of: dict[str, str] | None = None  # {key, title, url} of the project's first notice
    also_at: list[dict[str, str]] = field(default_factory=list)  # the same notice on other portals
    amount: dict[str, str] | None = None  # {value, currency, kind: award|budget}, for digest totals

    @property
    def lead(self) -> str:
        """What kind of message this is, before the notice type: "", "Update: " or "Also published: "."""
        return {"update": "Update: ", "republished": "Also published: "}.get(self.kind, "")

    @property
    def notice_type_label(self) -> str:
        return NOTICE_TYPE_LABELS.get(self.notice_type, self.notice_type)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AlertPayload:
        data = dict(data)
        data["watchlists"] = [WatchlistFact(**w) for w in data.get("watchlists", [])]
        data["hits"] = [HitFact(**h) for h in data.get("hits", [])]
        return cls(**data)

    @classmethod
    def build(cls, notice: Notice, *, kind: str, project_key: str, watchlists: list[WatchlistFact],
              hits: list[HitFact], update_of: Notice | None = None) -> AlertPayload:
        severity = max((w.severity for w in watchlists), key=severity_rank, default="medium")
        return cls(
            kind=kind,
            key=notice.key,
            portal=notice.portal,
            url=notice.url,
            title=notice.title,
            notice_type=notice.notice_type.value,
            type_label=notice.type_label,
            buyer=notice.buyer,
            agency=notice.agency,
            region=notice.region,
            published_at=notice.published_at.isoformat() if notice.published_at else None,
            project_code=notice.project_code,
            project_key=project_key,
            budget=str(notice.budget) if notice.budget else None,
            award_amount=str(notice.award_amount) if notice.award_amount else None,
            deadline=notice.deadline.isoformat() if notice.deadline else None,
            suppliers=[s.name for s in notice.suppliers],
            goods=[{"name": g.name, "brand": g.brand, "model": g.model, "quantity": g.quantity,
                    "unit_price": g.unit_price} for g in notice.goods],
            attachments=[{"name": a.name, "url": a.url} for a in notice.attachments],
            watchlists=watchlists,
            hits=hits,
            severity=severity,
            update_of=({"key": update_of.key, "title": update_of.title, "url": update_of.url}
                       if update_of else None),
            amount=_amount(notice),
        )


def _amount(notice: Notice) -> dict[str, str] | None:
    for kind, money in (("award", notice.award_amount), ("budget", notice.budget)):
        if money is not None:
            return {"value": str(money.amount), "currency": money.currency, "kind": kind}
    return None


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else 1
