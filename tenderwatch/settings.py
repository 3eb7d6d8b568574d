"""Scrapy settings for the tenderwatch project (scrapy.cfg points here).

Every override says what it replaces and why. Deployment values come from the environment
(``tenderwatch.config.Config``), applied by ``tenderwatch.crawl`` when it starts a crawl.
"""

from __future__ import annotations

import os

from tenderwatch.config import Config

BOT_NAME = "tenderwatch"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

_config = Config.from_env()

# Identify ourselves: portals and their operators should know who polls them and how to reach us.
USER_AGENT = f"tenderwatch/0.1 (+{_config.contact_url}; public-interest procurement monitor)"

# Government portals publish robots.txt inconsistently (ccgp's disallows nothing we use); we poll
# slowly and identify ourselves instead. Default True.
ROBOTSTXT_OBEY = False

# Politeness: one request at a time per portal host and 2-3 s between requests, as public scrapers
# of ccgp search do (default 8 concurrent per domain, no delay). The jitter spreads the
# delay by ±50% (DOWNLOAD_DELAY_JITTER), so the 2.5 s base gives 1.25-3.75 s.
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = float(os.environ.get("TENDERWATCH_DOWNLOAD_DELAY", "2.5"))
TENDERWATCH_ATTACHMENT_MB = float(os.environ.get("TENDERWATCH_ATTACHMENT_MB", "20"))
TENDERWATCH_ATTACHMENT_FILES = int(os.environ.get("TENDERWATCH_ATTACHMENT_FILES", "10"))
TENDERWATCH_RETRY_AFTER_MAX = float(os.environ.get("TENDERWATCH_RETRY_AFTER_MAX", "120"))
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = False  # fixed, documented delays are easier to reason about than adaptive ones

DOWNLOAD_TIMEOUT = 60  # default 180: a portal that takes a minute is down for our purposes
RETRY_TIMES = 2  # default 2; transient 5xx/timeouts, then the poll is counted as failed
# 429 is RetryAfterMiddleware's (it honours Retry-After); a 503 with Retry-After too, without it Scrapy's.
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]

# A poll never needs the cookie jar across runs, but the ccgp bot-check sets cookies in a session.
COOKIES_ENABLED = True

TELNETCONSOLE_ENABLED = False  # default True: an open port for nothing on a monitoring server
LOG_LEVEL = os.environ.get("TENDERWATCH_LOG_LEVEL", "INFO")

DOWNLOADER_MIDDLEWARES = {
    # Rewrites portal hosts to mirrors / the local replay (TENDERWATCH_HOST_MAP) before anything else
    # sees the URL, and restores the real URL on the response so spiders only ever see portal URLs.
    "tenderwatch.middlewares.HostMapMiddleware": 50,
    # After RetryMiddleware (550) in the response chain: a Retry-After answer never reaches it.
    "tenderwatch.middlewares.RetryAfterMiddleware": 560,
    # Tests and the demo: nothing but 127.0.0.1, checked after the host map has rewritten the URL.
    "tenderwatch.middlewares.LoopbackOnlyMiddleware": 60,
}
TENDERWATCH_LOOPBACK_ONLY = os.environ.get("TENDERWATCH_LOOPBACK_ONLY", "") not in ("", "0", "false")

# normalize -> dedupe -> match -> store (+ outbox). Data flows one way; notifiers read the outbox.
ITEM_PIPELINES = {
    "tenderwatch.pipelines.normalize.NormalizePipeline": 100,
    "tenderwatch.pipelines.dedupe.DedupePipeline": 200,
    "tenderwatch.pipelines.match.MatchPipeline": 300,
    "tenderwatch.pipelines.attachments.AttachmentsPipeline": 350,
    "tenderwatch.pipelines.store.StorePipeline": 400,
}

EXTENSIONS = {
    # Records each crawl's outcome (ok/failed/blocked/broken) and figures in the store's poll history.
    "tenderwatch.extensions.PollRecorder": 100,
}

# tenderwatch's own settings (prefix TENDERWATCH_), filled from the environment by default.
TENDERWATCH_DB = str(_config.db_path)
TENDERWATCH_WATCHLISTS = str(_config.watchlists_dir)
TENDERWATCH_WATCHLIST_SNAPSHOT = ""  # set by the daemon: the last watchlists that validated
TENDERWATCH_HOST_MAP = dict(_config.host_map)
TENDERWATCH_LOOKBACK_DAYS = _config.lookback_days
TENDERWATCH_MAX_PAGES = 50  # per stream and poll: a runaway guard, never reached in steady state

FEED_EXPORT_ENCODING = "utf-8"
