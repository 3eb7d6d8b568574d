"""Parsing helpers for the national notice template, shared by the Chinese portal spiders."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from parsel import Selector

from tenderwatch.model import BEIJING, GoodsLine, Money, Supplier

_DATE = re.compile(r"(\d{4})\s*[年.\-/:]\s*(\d{1,2})\s*[月.\-/:]\s*(\d{1,2})(?:\s*日)?(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_AMOUNT = re.compile(r"([0-9][0-9,]*(?:\.[0-9]+)?)\s*(万元|万|元)?")


def parse_cn_datetime(text: str) -> datetime | None:
    """2025年06月27日  17:52, 2026.08.21 19:47:44, 2026-08-14 10:00, 2026:08:21 -> Beijing time."""
    m = _DATE.search(text or "")
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    try:
        return datetime(y, mo, d, h, mi, s, tzinfo=BEIJING)
    except ValueError:
        return None


def parse_amount(text: str) -> Money | None:
    """￥56.980000 万元（人民币） -> 569,800 CNY; 总价形式报价:569800.00(元) -> 569,800 CNY."""
    m = _AMOUNT.search((text or "").replace("，", ","))
    if not m:
        return None
    try:
        value = Decimal(m.group(1).replace(",", ""))
    except InvalidOperation:
        return None
    if m.group(2) in ("万元", "万"):
        value *= 10000
    return Money(value.normalize() if value == value.to_integral() else value)


def label_table(table: Selector) -> dict[str, str]:
    """公告概要: each td.title is a label, the next non-title td its value."""
    fields: dict[str, str] = {}
    for row in table.css("tr"):
        cells = row.css("td")
        for i, cell in enumerate(cells):
            if "title" not in (cell.attrib.get("class") or "").split():
                continue
            label = _text(cell).replace(" ", "")
            value = next((_text(c) for c in cells[i + 1:] if "title" not in (c.attrib.get("class") or "")), "")
            if label and label not in fields:
                fields[label] = value
    return fields


def header_table(root: Selector, required: str) -> list[dict[str, str]]:
    """Rows of the first table whose header row contains ``required``, keyed by header text."""
    for table in root.css("table"):
        rows = table.xpath("./tr|./thead/tr|./tbody/tr")
        for index, row in enumerate(rows):
            headers = [_text(c) for c in row.xpath("./td|./th")]
            if any(required in h for h in headers):
                records = []
                for data in rows[index + 1:]:
                    values = [_text(c) for c in data.xpath("./td|./th")]
                    if len(values) == len(headers):
                        records.append(dict(zip(headers, values, strict=True)))
                return records
    return []


def _col(record: dict[str, str], *names: str) -> str:
    for header, value in record.items():
        if any(name in header for name in names):
            return value
    return ""


def suppliers_from(root: Selector, body_text: str) -> list[Supplier]:
    found = [Supplier(name=_col(r, "供应商名称"), address=_col(r, "供应商地址"), amount=_col(r, "金额"))
             for r in header_table(root, "供应商名称")]
    if not found:  # "供应商名称：<u>…</u>" (Shandong) or "拟定供应商信息 名称：…" (single source)
        for m in re.finditer(r"(?:供应商名称|拟定供应商名称|供应商)[:：]\s*([^\n:：\t]{4,60})", body_text):
            found.append(Supplier(name=m.group(1).strip()))
        if not found and (m := re.search(r"拟定供应商信息[^\n]*\n?\s*名\s*称[:：]\s*([^\n\t]{4,60})", body_text)):
            found.append(Supplier(name=m.group(1).strip()))
    return [s for s in found if s.name]


def goods_from(root: Selector) -> list[GoodsLine]:
    return [GoodsLine(name=_col(r, "标的名称", "货物名称", "名称"), brand=_col(r, "品牌"), model=_col(r, "规格型号", "型号"),
                      quantity=_col(r, "数量"), unit_price=_col(r, "单价"))
            for r in header_table(root, "品牌")]


def _text(node: Selector) -> str:
    return re.sub(r"\s+", " ", " ".join(node.xpath(".//text()").getall())).strip()


_BODY_LABELS = {
    # The national template's body sections: "一、项目编号：…", "采购人信息 名称：…", "代理机构信息 名称：…".
    "project_code": (r"项目编号", r"采购项目编号", r"招标编号"),
    "buyer": (r"采购人信息\s*名\s*称", r"采购人名称", r"采购单位名称", r"采购人", r"采购单位"),
    "agency": (r"采购代理机构信息\s*名\s*称", r"代理机构信息\s*名\s*称", r"采购代理机构名称", r"采购代理机构",
               r"代理机构"),
    "budget": (r"预算金额", r"采购预算", r"最高限价"),
    "award": (r"中标金额", r"成交金额", r"中标（成交）金额", r"总中标金额", r"总成交金额"),
    "project_name": (r"项目名称", r"采购项目名称"),
}


def body_field(body_text: str, name: str) -> str:
    """A labelled value in the free text of a notice ("采购人：喀什地区公安局"), or ''."""
    for label in _BODY_LABELS[name]:
        m = re.search(rf"{label}\s*[:：]\s*([^\n\t：:]{{2,80}})", body_text)
        if m:
            value = m.group(1).strip(" ，,。；;")
            if name == "project_code":
                value = re.split(r"[\s，,。；;（()）]", value)[0]
            if value:
                return value
    return ""


_PERIOD = re.compile(r"公示期限.{0,40}?(\d{4}年\d{1,2}月\d{1,2}日).{0,20}?(\d{4}年\d{1,2}月\d{1,2}日)", re.DOTALL)


def publicity_deadline(body_text: str) -> datetime | None:
    """The end of a publicity period ("公示期限：2026年11月20日至2026年11月27日"): until then a
    single-source notice can be contested."""
    m = _PERIOD.search(body_text)
    return parse_cn_datetime(m.group(2)) if m else None
