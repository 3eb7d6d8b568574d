"""Attachments end to end: a police notice whose brand is only in its attached XLSX and PDF ("详见附件")
alerts, the alert naming the files; an oversized attachment is skipped with a log line, not a crash."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tenderwatch.demo import SEARCH, WWW
from tenderwatch.replay import PortalServer
from tests.test_attachments_extract import make_pdf, make_xlsx
from tests.test_e2e_poll import FIXTURES, LIST, REPO, detail_path, fallback

DOWNLOAD = "download.ccgp.gov.cn"
DETAIL = (FIXTURES / "detail_dylygg_xinjiang_authored.html").read_text(encoding="utf-8")


def notice_with_attachments() -> bytes:
    page = DETAIL.replace("Power<b>Plex</b>® 21 系统检测试剂盒（普洛麦格）", "DNA检测试剂盒（品牌、型号详见附件）")
    page = page.replace("与现有3500xL遗传分析仪及数据库配套", "与现有设备及数据库配套")
    links = "".join(f'<li><p><a href="https://{DOWNLOAD}/oss/download?uuid={uuid}">{name}</a></p></li>'
                    for uuid, name in (("x1", "货物清单.xlsx"), ("p1", "技术参数.pdf"), ("z1", "扫描件.zip")))
    page = page.replace('<ul class="fjxx"><li><p><a href="https://download.ccgp.gov.cn/oss/download?uuid=0d3a4c1e" '
                        "ignore=1>专业人员论证意见.pdf</a></p></li></ul>", f'<ul class="fjxx">{links}</ul>')
    assert "PowerPlex" not in page
    assert "uuid=x1" in page
    return page.encode()


def test_brands_only_in_attachments_are_found_and_a_big_one_is_skipped(tmp_path: Path) -> None:
    with PortalServer(fallback) as server:
        server.html(WWW, LIST, (FIXTURES / "list_dylygg_authored.html").read_bytes())
        server.html(WWW, detail_path("27300001"), notice_with_attachments())
        files = {"x1": (make_xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                 "p1": (make_pdf(b"BT /F1 12 Tf 72 720 Td (Promega PowerPlex 21) Tj ET"), "application/pdf"),
                 "z1": (b"PK\x03\x04" + b"\0" * 300_000, "application/zip")}
        server.fallback = lambda host, path, query: (
            (200, *files[query.removeprefix("uuid=")]) if host == DOWNLOAD and query.removeprefix("uuid=") in files
            else fallback(host, path, query))
        data = tmp_path / "data"
        env = {**os.environ, "TENDERWATCH_HOST_MAP": server.host_map(WWW, SEARCH, DOWNLOAD),
               "TENDERWATCH_DATA_DIR": str(data), "TENDERWATCH_LOOKBACK_DAYS": "3650",
               "TENDERWATCH_ATTACHMENT_MB": "0.1"}
        result = subprocess.run([sys.executable, "-m", "tenderwatch.cli", "poll", "ccgp"], cwd=REPO, env=env,
                                capture_output=True, text=True, timeout=240, check=False)
        fetched = [q for h, _, q in server.requests if h == DOWNLOAD]
    assert result.returncode == 0, result.stderr
    assert sorted(fetched) == ["uuid=p1", "uuid=x1", "uuid=z1"]  # the police notice was worth reading
    (alert,) = [json.loads(line) for line in (data / "alerts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert alert["key"] == "ccgp:27300001"
    places = {(h["alias"], h["field"]) for h in alert["hits"] if h["entity_kind"] in ("brand", "product")}
    assert ("赛默飞世尔", "attachments:货物清单.xlsx") in places
    assert ("PowerPlex 21", "attachments:技术参数.pdf") in places
    assert all(field.startswith("attachments:") for _, field in places)  # nowhere else
    assert "'PowerPlex 21' in attachments:技术参数.pdf" in result.stdout  # the alert names the file
    assert "attachment skipped: 扫描件.zip" in result.stderr
    assert "larger than download max size" in result.stderr  # refused while downloading, not after
