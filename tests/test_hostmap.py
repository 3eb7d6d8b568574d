from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse

from tenderwatch.middlewares import ORIGINAL_URL, HostMapMiddleware, map_url

MAP = {"www.ccgp.gov.cn": "http://127.0.0.1:8001/www.ccgp.gov.cn"}


def test_map_url_keeps_path_and_query() -> None:
    assert map_url("https://www.ccgp.gov.cn/cggg/dfgg/index_1.htm?a=1#x", MAP) == (
        "http://127.0.0.1:8001/www.ccgp.gov.cn/cggg/dfgg/index_1.htm?a=1")
    assert map_url("https://search.ccgp.gov.cn/bxsearch", MAP) is None


def test_requests_go_to_the_mirror_and_responses_come_back_as_the_portal() -> None:
    mw = HostMapMiddleware(MAP)
    request = Request("https://www.ccgp.gov.cn/cggg/a.htm", meta={"keep": 1})
    mapped = mw.process_request(request)
    assert mapped is not None
    assert mapped.url == "http://127.0.0.1:8001/www.ccgp.gov.cn/cggg/a.htm"
    assert mapped.meta["keep"] == 1
    assert mapped.meta["allow_offsite"] is True
    assert mw.process_request(mapped) is None  # never mapped twice
    response = mw.process_response(mapped, HtmlResponse(mapped.url, body=b"<a href='b.htm'>", request=mapped))
    assert response.url == request.url == mapped.meta[ORIGINAL_URL]
    assert response.urljoin("b.htm") == "https://www.ccgp.gov.cn/cggg/b.htm"
    other = Request("https://example.org/")
    assert mw.process_request(other) is None
