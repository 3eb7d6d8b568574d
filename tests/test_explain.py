"""`tenderwatch explain` on recorded pages and stored notices: what an editor tuning a watchlist sees."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime

from tenderwatch.explain import explain
from tenderwatch.model import BEIJING, GoodsLine, Notice, NoticeType
from tenderwatch.store import Store
from tenderwatch.watchlists import load_watchlists
from tests.conftest import FIXTURES, REPO

WATCHLISTS = load_watchlists(REPO / "watchlists")


def run_explain(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tenderwatch.cli", "explain", *args], capture_output=True,
                          text=True, timeout=120, cwd=REPO, env=os.environ.copy(), check=False)


def test_explain_a_recorded_page_shows_hits_fields_and_highlighted_snippets() -> None:
    result = run_explain(str(FIXTURES / "ccgp/detail_dylygg_xinjiang_authored.html"), "--watchlist", "xinjiang-dna")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "乌鲁木齐市公安局刑事科学技术研究所DNA检测试剂单一来源采购公示" in out
    assert "xinjiang-dna: FIRED - rule '(brand or supplier) and buyer'" in out
    assert "  buyer: found - Xinjiang / Bingtuan public security" in out
    assert "  supplier: not found - Vendor subsidiaries in China" in out
    assert "via alias 'PowerPlex 21' in body: 拟采购的货物或服务的说明：[[PowerPlex® 21]] 系统检测试剂盒" in out
    assert "via alias '公安局' in buyer: 乌鲁木齐市[[公安局]]刑事科学技术研究所" in out
    assert "dna-vendors-anywhere" not in out  # --watchlist limits the report
    assert out.count("via alias '普洛麦格'") == 1  # 普洛麦格 and 普洛麥格 are one alias after t2s: one hit


def test_explain_a_real_page_without_hits_says_what_is_missing() -> None:
    result = run_explain(str(FIXTURES / "ccgp/detail_zbgg_guizhou_real.html"))
    assert result.returncode == 0, result.stderr
    assert "xinjiang-dna: no alert" in result.stdout
    assert "  brand: not found - Thermo Fisher, Applied Biosystems (ABI), Promega" in result.stdout
    assert result.stdout.count("no alias of this watchlist occurs in the notice") == 2


def test_explain_says_why_a_buyer_is_incomplete() -> None:
    report = explain({"title": "北京市公安局物证鉴定中心PowerPlex 21试剂采购", "buyer": "北京市公安局"}, WATCHLISTS,
                     only="xinjiang-dna")
    assert report.startswith("xinjiang-dna: no alert")
    assert "  brand: found - PowerPlex and other Promega forensic products ('PowerPlex' in title)" in report
    assert "  buyer: not found - Xinjiang / Bingtuan public security" in report
    assert "'Xinjiang / Bingtuan public security' is incomplete: nothing of its list 2 (新疆, 兵团" in report
    assert "in buyer, region, title, agency" in report
    assert "[[北京市公安局]]" not in report
    assert "北京市[[公安局]]" in report


def test_explain_a_stored_notice_by_key_and_by_url(store: Store) -> None:
    notice = Notice(portal="ccgp", notice_id="9", url="https://www.ccgp.gov.cn/t_9.htm", title="试剂采购",
                    buyer="喀什地区公安局", notice_type=NoticeType.AWARD,
                    published_at=datetime(2026, 11, 1, 10, 0, tzinfo=BEIJING),
                    goods=[GoodsLine(name="STR试剂盒", brand="Ｐｒｏｍｅｇａ", model="PowerPlex Fusion 6C")])
    store.save_notice(notice, project_key="code:x", update_of=None)
    for ref in ("ccgp:9", "https://www.ccgp.gov.cn/t_9.htm"):
        result = run_explain(ref, "--watchlist", "xinjiang-dna")
        assert result.returncode == 0, result.stderr
        assert "xinjiang-dna: FIRED" in result.stdout
        assert "via alias 'Promega' in goods: STR试剂盒\t[[Ｐｒｏｍｅｇａ]]\tPowerPlex Fusion 6C" in result.stdout


def test_explain_an_unknown_notice_or_watchlist_is_a_clear_error() -> None:
    result = run_explain("ccgp:does-not-exist")
    assert result.returncode == 2
    assert "neither a saved page nor a stored notice" in result.stderr
    assert "no watchlist named 'nope' (known: dna-vendors-anywhere, xinjiang-dna)" in explain(
        {"title": "x"}, WATCHLISTS, only="nope")


def test_goods_cells_of_a_stored_notice_never_fuse() -> None:
    notice = Notice(portal="ccgp", notice_id="10", url="u", title="试剂采购", buyer="喀什地区公安局",
                    goods=[GoodsLine(name="试剂", brand="Thermo", model="Fisher 100")])
    report = explain(notice.match_fields(), WATCHLISTS, only="xinjiang-dna")
    assert "hit: brand 'Thermo Fisher'" not in report
    assert "brand: not found" in report
