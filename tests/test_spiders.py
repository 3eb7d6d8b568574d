"""Every portal spider, the same way (as Kingfisher Collect tests its spiders): it is listed, builds its
first requests without the network, and crawls the bundled replay of its portal on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import scrapy
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from tenderwatch.demo import demo_server
from tenderwatch.replay_sites import SITES
from tests.conftest import REPO

os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "tenderwatch.settings")
LOADER = SpiderLoader.from_settings(get_project_settings())
PORTALS = sorted(LOADER.list())


def test_all_five_portals_are_listed_by_scrapy() -> None:
    result = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=REPO, capture_output=True, text=True,
                            timeout=120, check=True)
    assert result.stdout.split() == ["ccgp", "ccgp_bingtuan", "ccgp_xinjiang", "ggzy", "xjggzy"]


@pytest.mark.parametrize("name", PORTALS)
def test_first_requests_build_without_the_network(name: str) -> None:
    cls = LOADER.load(name)
    spider = cls.from_crawler(get_crawler(cls, {"TENDERWATCH_DB": "", "TENDERWATCH_SEARCH_TERMS": ["PowerPlex"]}))
    streams = list(spider.streams())
    assert streams, name
    requests = [spider.listing_request(stream, 1) for stream in streams]
    assert all(isinstance(r, scrapy.Request) for r in requests)
    hosts = {urlsplit(r.url).hostname for r in requests}
    assert hosts <= set(SITES), f"{name} asks hosts the replay does not serve: {hosts - set(SITES)}"
    assert spider.portal == name
    second = spider.listing_request(streams[0], 2)
    assert (second.url, second.body) != (requests[0].url, requests[0].body)  # paging changes the request


@pytest.mark.parametrize("name", PORTALS)
def test_each_portal_crawls_its_replay(name: str, tmp_path: Path) -> None:
    with demo_server() as server:
        env = {**os.environ, "TENDERWATCH_HOST_MAP": server.host_map(*SITES), "TENDERWATCH_DATA_DIR": str(tmp_path),
               "TENDERWATCH_LOOKBACK_DAYS": "3650"}
        result = subprocess.run([sys.executable, "-m", "tenderwatch.cli", "poll", name], cwd=REPO, env=env,
                                capture_output=True, text=True, timeout=240, check=False)
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith(f"{name}: "))
    assert line.startswith(f"{name}: ok: ")
    assert int(line.split("ok: ")[1].split()[0]) >= 1  # new notices
