"""Poll benchmark against a loopback replay of ccgp with N generated notices.

Every notice has a small PDF attachment, read because the notice matches. Prints requests and
seconds for a cold poll of N notices and for steady-state polls with k new ones (k = 0, 1, 10), each as a ratio to the cold poll measured in the same run; and notices per second
through parse + match + store, as a ratio to parsing alone (the baseline) in the same run.
Usage: .venv/bin/python bench/poll.py [N]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from scrapy.http import HtmlResponse, Request

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spiders.base import ListingEntry
from spiders.ccgp import CcgpSpider
from tenderwatch import app
from tenderwatch.config import Config
from tenderwatch.matching import Matcher
from tenderwatch.projects import project_key
from tenderwatch.replay import PortalServer
from tenderwatch.store import Store, utcnow
from tests.test_attachments_extract import make_pdf

REPO = Path(__file__).resolve().parent.parent
ATTACHMENT = make_pdf(b"BT /F1 12 Tf 72 720 Td (Technical requirements) Tj ET")
TEMPLATE = (REPO / "tests/fixtures/ccgp/detail_dylygg_xinjiang_authored.html").read_text(encoding="utf-8")
WWW, SEARCH, DOWNLOAD = "www.ccgp.gov.cn", "search.ccgp.gov.cn", "download.ccgp.gov.cn"
HOSTS = (WWW, SEARCH, DOWNLOAD)
HTML = "text/html; charset=utf-8"


class Site:
    def __init__(self) -> None:
        self.ids: list[int] = []  # newest first

    def add(self, count: int) -> None:
        start = (self.ids[0] if self.ids else 27_000_000) + 1
        self.ids[:0] = list(range(start + count - 1, start - 1, -1))

    def page(self, host: str, path: str, query: str) -> tuple[int, bytes, str] | None:
        if host == DOWNLOAD:  # every notice's attachment: a small PDF, read because the notice matched
            return 200, ATTACHMENT, "application/pdf"
        if host == SEARCH:
            return 200, b"<ul class='vT-srch-result-list-bid'></ul>", HTML
        if path.endswith(".htm") and "/t2026" in path:
            article = path.rsplit("_", 1)[1].removesuffix(".htm")
            body = TEMPLATE.replace("XJWLMQ-2026-0871", f"BENCH-{article}").replace("DNA检测试剂", f"物资{article}")
            return 200, body.encode(), HTML
        if "/dylygg/index" not in path:
            return 200, b"<ul class='c_list_bid'></ul>", HTML
        number = 0 if path.endswith("index.htm") else int(path.rsplit("_", 1)[1].removesuffix(".htm"))
        chunk = self.ids[number * 25:(number + 1) * 25]
        when = (utcnow() + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
        items = "".join(f'<li><a href="./202611/t20261120_{i}.htm" title="n{i}">n</a><em>{when}</em><em>新疆</em>'
                        f"<em>b</em></li>" for i in chunk)
        pages = max(1, -(-len(self.ids) // 25))
        return 200, f"<ul class='c_list_bid'>{items}</ul><script>Pager({{size:{pages}, current:{number}}});"\
                     f"</script>".encode(), HTML


def main(n: int) -> None:
    site = Site()
    site.add(n)
    with tempfile.TemporaryDirectory() as tmp, PortalServer(site.page) as server:
        os.environ.update({"TENDERWATCH_DATA_DIR": tmp, "TENDERWATCH_HOST_MAP": server.host_map(*HOSTS),
                           "TENDERWATCH_DOWNLOAD_DELAY": "0", "TENDERWATCH_LOOPBACK_ONLY": "1"})
        config = Config.from_env()
        watchlists = app.load_current_watchlists(config)
        runs = []
        for label, new in (("cold", 0), ("steady k=0", 0), ("steady k=1", 1), ("steady k=10", 10)):
            site.add(new)
            server.requests.clear()
            started = time.perf_counter()
            (result,) = app.poll(config, watchlists, ["ccgp"], settings={"TENDERWATCH_SEARCH_TERMS": ""})
            runs.append((label, len(server.requests), time.perf_counter() - started, result.notices_new))
        cold_requests, cold_seconds = runs[0][1], runs[0][2]
        print(f"poll benchmark: N={n} notices on the replay (local, no download delay)")
        for label, requests, seconds, new in runs:
            print(f"  {label:<12} {requests:>5} requests ({requests / cold_requests:5.3f} of cold)"
                  f"  {seconds:6.2f} s ({seconds / cold_seconds:5.3f} of cold)  new notices: {new}")

        # Throughput in-process: parse alone (baseline) vs parse + match + store.
        pages = [(i, site.page(WWW, f"/cggg/dfgg/dylygg/202611/t20261120_{i}.htm", "")[1]) for i in site.ids[:n]]
        spider, matcher = CcgpSpider(), Matcher(watchlists)

        def parse_all() -> list:
            out = []
            for i, body in pages:
                url = f"https://www.ccgp.gov.cn/cggg/dfgg/dylygg/202611/t20261120_{i}.htm"
                out.append(spider.parse_detail(HtmlResponse(url, body=body, request=Request(url)),
                                               ListingEntry(notice_id=str(i), url=url)))
            return out

        t0 = time.perf_counter()
        parse_all()
        parse_only = time.perf_counter() - t0
        with Store(Path(tmp) / "throughput.sqlite3") as store:
            t0 = time.perf_counter()
            for notice in parse_all():
                verdicts = matcher.evaluate(notice.match_fields())
                store.save_notice(notice, project_key=project_key(notice), update_of=None)
                assert verdicts
            full = time.perf_counter() - t0
        print(f"  parse only            {len(pages) / parse_only:8.0f} notices/s (baseline)")
        print(f"  parse + match + store {len(pages) / full:8.0f} notices/s ({parse_only / full:5.2f} of baseline)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
