"""Last stage: store the notice, its matches and its pending alerts in one transaction.

Alerts go to the outbox, never straight to Slack or email: the dispatcher delivers them later, so an
alert that could not be sent is still there after a crash or an outage.
"""

from __future__ import annotations

from typing import Self

from scrapy.crawler import Crawler

from tenderwatch.alerts import AlertPayload, HitFact, WatchlistFact
from tenderwatch.config import Config
from tenderwatch.crawl_inputs import crawl_watchlists
from tenderwatch.matching import Hit
from tenderwatch.model import Notice
from tenderwatch.pipelines import Candidate
from tenderwatch.routing import destinations_for
from tenderwatch.store import AlertDraft, AlertRow, MatchRecord, Store
from tenderwatch.watchlists import WatchlistSet


class StorePipeline:
    def __init__(self, crawler: Crawler, store: Store, watchlists: WatchlistSet, config: Config) -> None:
        self.crawler = crawler
        self.store = store
        self.watchlists = watchlists
        self.config = config

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, Store(crawler.settings["TENDERWATCH_DB"]), crawl_watchlists(crawler),
                   Config.from_env())

    def close_spider(self) -> None:
        self.store.close()

    def process_item(self, item: Candidate) -> Candidate:
        notice = item.notice
        matches = [
            MatchRecord(watchlist=h.watchlist, entity=h.entity, entity_kind=h.entity_kind, alias=h.alias,
                        field=h.field, snippet=h.snippet, fired=v.fired)
            for v in item.verdicts for h in v.hits
        ]
        saved = self.store.save_notice(notice, project_key=item.project_key,
                                       update_of=item.update_of.key if item.update_of else None,
                                       matches=matches, alerts=self._alerts(item))
        stats = self.crawler.stats
        if saved:
            stats.inc_value("tenderwatch/notices_new")
        else:  # another stream or process stored it first
            stats.inc_value("tenderwatch/duplicates")
        return item

    def _alerts(self, item: Candidate) -> list[AlertDraft]:
        original = item.republication_of
        first_alerts = self.store.notice_alerts(original.key) if original is not None else []
        if original is not None and first_alerts:
            return self._republished(item, original, first_alerts)
        fired = item.fired
        earlier = self.store.project_alerts(item.project_key) if item.update_of else []
        if not fired and not earlier:
            return []
        kind = "update" if earlier else "new"
        watchlists = [WatchlistFact(v.watchlist, v.title, v.severity) for v in fired]
        if not watchlists:  # a later notice of an alerted project, e.g. the award: tell the same people
            watchlists = [WatchlistFact(**w) for w in earlier[0].payload["watchlists"]]
        hits = [HitFact(h.watchlist, h.entity, h.entity_kind, h.alias, h.field, h.snippet, self._brand(h))
                for v in fired for h in v.hits]
        payload = AlertPayload.build(item.notice, kind=kind, project_key=item.project_key,
                                     watchlists=watchlists, hits=hits, update_of=item.update_of)
        names = {w.name for w in watchlists}
        targets = destinations_for([w for w in self.watchlists.watchlists if w.name in names], self.config)
        targets += [a.destination for a in earlier if a.destination not in targets]
        self.crawler.stats.inc_value("tenderwatch/alerts_created", len(targets))
        return [AlertDraft(destination=d, kind=kind, severity=payload.severity, payload=payload.to_dict())
                for d in targets]

    def _republished(self, item: Candidate, original: Notice, first_alerts: list[AlertRow]) -> list[AlertDraft]:
        """The same notice on another portal: never a second alert. An alert not sent yet cites this
        place too; where it was sent already, the record (console, JSON lines) and the Slack thread
        are told where else it appears (evidence, if one copy is taken down); inboxes are spared."""
        notice = item.notice
        self.store.add_also_at(original.key, {"portal": notice.portal, "key": notice.key, "url": notice.url,
                                              "title": notice.title})
        self.crawler.stats.inc_value("tenderwatch/republications")
        sent = [a for a in first_alerts if a.status == "delivered"
                and (a.destination in ("console", "jsonl") or a.destination.startswith("slack:"))]
        if not sent:
            return []
        first = AlertPayload.from_dict(sent[0].payload)
        payload = AlertPayload.build(notice, kind="republished", project_key=item.project_key,
                                     watchlists=first.watchlists, hits=first.hits, update_of=original)
        return [AlertDraft(destination=a.destination, kind="republished", severity=payload.severity,
                           payload=payload.to_dict()) for a in sent]

    def _brand(self, hit: Hit) -> str:
        if hit.entity_kind == "brand":
            return hit.entity
        if hit.entity_kind == "product":
            entity = next((e for e in self.watchlists.get(hit.watchlist).entities if e.name == hit.entity), None)
            return (entity.brand if entity else "") or hit.entity
        return ""
