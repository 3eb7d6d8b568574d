"""The notice model: one procurement notice, whatever portal it came from.

Field names follow OCDS where one fits (buyer, tender.value -> budget, awards.suppliers -> suppliers),
flattened because every consumer (matcher, store, notifiers) wants plain attributes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


class NoticeType(StrEnum):
    """Normalised notice type; each portal keeps its own label in ``Notice.type_label``."""

    INTENTION = "intention"  # 采购意向
    TENDER = "tender"  # 招标/询价/谈判/磋商 公告
    SINGLE_SOURCE = "single_source"  # 单一来源公示
    CORRECTION = "correction"  # 更正/变更/澄清
    AWARD = "award"  # 中标/成交 结果
    CONTRACT = "contract"  # 合同公告
    TERMINATION = "termination"  # 废标/流标/终止
    OTHER = "other"

    @property
    def is_update(self) -> bool:
        """Later stages of a project: they thread under the project's first alert."""
        return self in {NoticeType.CORRECTION, NoticeType.AWARD, NoticeType.CONTRACT, NoticeType.TERMINATION}


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str = "CNY"

    def __str__(self) -> str:
        if self.currency == "CNY":
            return f"¥{self.amount:,.2f}"
        return f"{self.amount:,.2f} {self.currency}"


@dataclass
class Supplier:
    name: str
    address: str = ""
    amount: str = ""  # as printed: "总价形式报价:569800.00(元)", a rate, or a sum


@dataclass
class GoodsLine:
    name: str = ""
    brand: str = ""
    model: str = ""
    quantity: str = ""
    unit_price: str = ""

    def text(self) -> str:
        """Cells joined by tabs: normalisation removes spaces, and Thermo | Fisher in two cells
        must not read as one name."""
        return "\t".join(p for p in (self.name, self.brand, self.model) if p)


@dataclass
class Attachment:
    name: str
    url: str
    text: str = ""  # extracted text, when the attachment was fetched and read


@dataclass
class Notice:
    """A notice as parsed from a portal. ``key`` (portal:notice_id) is its identity everywhere."""

    portal: str
    notice_id: str
    url: str
    title: str
    notice_type: NoticeType = NoticeType.OTHER
    type_label: str = ""
    buyer: str = ""
    agency: str = ""
    region: str = ""
    published_at: datetime | None = None
    project_code: str = ""
    project_name: str = ""
    budget: Money | None = None
    award_amount: Money | None = None
    deadline: datetime | None = None  # bid deadline or end of a publicity period
    suppliers: list[Supplier] = field(default_factory=list)
    goods: list[GoodsLine] = field(default_factory=list)
    body_text: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)  # the portal's own label -> value pairs

    @property
    def key(self) -> str:
        return f"{self.portal}:{self.notice_id}"

    def match_fields(self) -> dict[str, str]:
        """The text of each matching scope. Lines separate values so they never fuse into one word."""
        return {
            "title": self.title,
            "buyer": self.buyer,
            "region": self.region,
            "agency": self.agency,
            "supplier": "\n".join(s.name for s in self.suppliers),
            "goods": "\n".join(g.text() for g in self.goods),
            "body": self.body_text,
            "attachments": "\n".join(a.name for a in self.attachments),
            # Each read attachment is its own field, "attachments:<file name>", so a hit names the file.
            **{f"attachments:{a.name or a.url}": a.text for a in self.attachments if a.text},
        }

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Notice:
        data = dict(data)
        data["notice_type"] = NoticeType(data.get("notice_type") or "other")
        for name in ("published_at", "deadline"):
            if data.get(name):
                data[name] = datetime.fromisoformat(data[name])
        for name in ("budget", "award_amount"):
            if data.get(name):
                data[name] = Money(Decimal(data[name]["amount"]), data[name]["currency"])
        data["suppliers"] = [Supplier(**s) for s in data.get("suppliers", [])]
        data["goods"] = [GoodsLine(**g) for g in data.get("goods", [])]
        data["attachments"] = [Attachment(**a) for a in data.get("attachments", [])]
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, StrEnum):
        return value.value
    return value
