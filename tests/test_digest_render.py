"""The HTML digest as a browser renders it: headless Chromium (Debian's), installed by the test if
absent and apt-get can, else skipped with the reason. No network: every host resolves to nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from notifiers.digest import Digest, render
from tenderwatch.alerts import AlertPayload, HitFact, WatchlistFact
from tenderwatch.model import BEIJING, Money, Notice, NoticeType

NO_NETWORK = ["--host-resolver-rules=MAP * ~NOTFOUND", "--disable-background-networking", "--disable-sync",
              "--disable-component-update", "--no-first-run", "--disable-default-apps"]


def _install() -> str | None:
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
    if subprocess.run(install, capture_output=True, env=env, timeout=900, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], capture_output=True, env=env, timeout=600, check=False)
        subprocess.run(install, capture_output=True, env=env, timeout=900, check=False)
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium() -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser") or _install()
    if binary is None:
        pytest.skip("headless Chromium is not installed and could not be installed with apt-get "
                    "(needs root and a package mirror): the digest's rendering was not checked")
    return binary


def payload(i: int) -> AlertPayload:
    notice = Notice(portal="ccgp", notice_id=str(i), url=f"https://www.ccgp.gov.cn/t_{i}.htm",
                    title=f"喀什地区公安局DNA检测试剂单一来源采购公示 <i>{i}</i>", notice_type=NoticeType.SINGLE_SOURCE,
                    buyer="喀什地区公安局", region="新疆", award_amount=Money(1000 * (i + 1)),
                    published_at=datetime(2026, 11, 20, 9, tzinfo=BEIJING))
    return AlertPayload.build(notice, kind="new", project_key=f"p{i}",
                              watchlists=[WatchlistFact("xinjiang-dna", "Xinjiang police DNA", "high")],
                              hits=[HitFact("xinjiang-dna", "PowerPlex", "product", "PowerPlex 21", "title", "x",
                                            "Promega")])


def test_the_digest_renders_in_a_browser(chromium: str, tmp_path: Path) -> None:
    digest = Digest("desk@example.org", "daily", datetime(2026, 11, 22, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC),
                    [payload(i) for i in range(3)])
    _, html, _ = render(digest)
    page = tmp_path / "digest.html"
    page.write_text(html, encoding="utf-8")
    png = tmp_path / "digest.png"
    common = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              f"--user-data-dir={tmp_path / 'profile'}", *NO_NETWORK]
    shot = subprocess.run([*common, f"--screenshot={png}", "--window-size=900,1400", page.as_uri()],
                          capture_output=True, text=True, timeout=120, check=False)
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000  # a page with text, not a blank
    dom = subprocess.run([*common, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120,
                         check=False)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "Daily digest: 3 notices" in dom.stdout
    assert "喀什地区公安局DNA检测试剂单一来源采购公示 &lt;i&gt;2&lt;/i&gt;" in dom.stdout  # escaped, shown as text
    assert "<i>2</i>" not in dom.stdout
    assert "¥6,000.00" in dom.stdout  # the summary total
