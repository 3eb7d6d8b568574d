"""The bundled replay of every portal (tenderwatch/replay_data), for the offline demo and for tests.

Each portal answers on its own host (the replay server serves them under /<host>/ prefixes, and
TENDERWATCH_HOST_MAP points the spiders there), with its API's shape: HTML pages for ccgp, JSON
APIs for the Zhengcaiyun sites and ggzy. Whatever is not bundled answers as an empty listing, so a
replayed portal is quiet rather than broken.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

DATA = Path(__file__).resolve().parent / "replay_data"
HTML = "text/html; charset=utf-8"
JSON = "application/json;charset=UTF-8"
Page = tuple[int, bytes, str]

CCGP_WWW, CCGP_SEARCH = "www.ccgp.gov.cn", "search.ccgp.gov.cn"
EMPTY_LIST = (b"<html><body><ul class='c_list_bid'></ul>"
              b"<script>Pager({size:1, current:0, prefix:'index',suffix:'htm'});</script></body></html>")
EMPTY_SEARCH = b"<html><body><ul class='vT-srch-result-list-bid'></ul></body></html>"


def _json(data: object) -> Page:
    return 200, json.dumps(data, ensure_ascii=False).encode(), JSON


def ccgp(host: str, path: str, query: str) -> Page | None:
    if host == CCGP_SEARCH and path == "/bxsearch":
        return 200, EMPTY_SEARCH, HTML
    parts = path.strip("/").split("/")
    if path.endswith("/index.htm") and len(parts) >= 4:
        listing = DATA / "ccgp" / f"list_{parts[2]}.html"
        return 200, listing.read_bytes() if listing.is_file() else EMPTY_LIST, HTML
    detail = DATA / "ccgp" / parts[-1]
    return (200, detail.read_bytes(), HTML) if parts[-1].startswith("t") and detail.is_file() else None


def zhengcaiyun(folder: str) -> Callable[[str, str, str], Page | None]:
    def answer(host: str, path: str, query: str) -> Page | None:
        if path == "/portal/category":
            code = json.loads(query or "{}").get("categoryCode", "")
            listing = DATA / folder / f"category_{code}.json"
            if listing.is_file():
                return 200, listing.read_bytes(), JSON
            return _json({"success": True, "result": {"data": {"total": 0, "data": []}}})
        if path == "/portal/detail":
            article = parse_qs(query).get("articleId", [""])[0]
            details = json.loads((DATA / folder / "details.json").read_text(encoding="utf-8"))
            return _json(details[article]) if article in details else None
        return None
    return answer


def ggzy(host: str, path: str, query: str) -> Page | None:
    if path == "/information/pubTradingInfo/getTradList":
        form = parse_qs(query, keep_blank_values=True)
        province, day = form.get("DEAL_PROVINCE", [""])[0], form.get("TIMEBEGIN", [""])[0]
        data = json.loads((DATA / "ggzy" / "records.json").read_text(encoding="utf-8"))
        records = [r for r in data["data"]["records"]
                   if f"/{province}/" in r["url"] and r["publishTime"] == day]
        return _json({"code": 200, "message": "success",
                      "data": {"records": records, "total": len(records), "size": 20, "current": 1, "pages": 1}})
    if "/information/deal/html/b/" in path:
        page = DATA / "ggzy" / Path(urlsplit(path).path).name
        return (200, page.read_bytes(), HTML) if page.is_file() else None
    return None


def xjggzy(host: str, path: str, query: str) -> Page | None:
    if path.endswith("/getFullTextDataNew"):
        body = json.loads(query or "{}")
        data = json.loads((DATA / "xjggzy" / "search.json").read_text(encoding="utf-8"))
        if body.get("pn", 0) or any(c.get("fieldName") == "title" for c in body.get("condition", [])):
            data["result"]["records"], data["result"]["totalcount"] = [], 0  # one page; searches find nothing more
        return _json(data)
    page = DATA / "xjggzy" / Path(path).name
    if "/jyxx/" in path and page.is_file():
        raw = page.read_bytes()
        return 200, raw, "text/html" if b"charset=gbk" in raw.lower() else HTML  # GBK pages name it in a meta tag
    return None


SITES: dict[str, Callable[[str, str, str], Page | None]] = {
    CCGP_WWW: ccgp, CCGP_SEARCH: ccgp,
    "www.ccgp-xinjiang.gov.cn": zhengcaiyun("ccgp_xinjiang"),
    "ccgp-bingtuan.gov.cn": zhengcaiyun("ccgp_bingtuan"),
    "www.ggzy.gov.cn": ggzy,
    "ggzy.xinjiang.gov.cn": xjggzy,
}


def replay(host: str, path: str, query: str) -> Page | None:
    site = SITES.get(host)
    return site(host, path, query) if site else None
