"""The watchlist model: what an editor writes in a watchlist file, validated and frozen."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

KINDS = ("brand", "product", "supplier", "buyer")
SCOPES = ("title", "buyer", "region", "agency", "supplier", "goods", "body", "attachments")
SEVERITIES = ("low", "medium", "high", "critical")
FREQUENCIES = ("immediate", "daily", "weekly")


@dataclass(frozen=True)
class EmailSubscriber:
    address: str
    frequency: str = "immediate"
    hour: int = 8
    weekday: str = "mon"
    timezone: str = "UTC"


@dataclass(frozen=True)
class Routing:
    slack_channels: tuple[str, ...] = ()  # empty: the operator's SLACK_CHANNEL
    email: tuple[EmailSubscriber, ...] = ()  # empty: the operator's EMAIL_TO, immediately


@dataclass(frozen=True)
class Entity:
    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    all_of: tuple[tuple[str, ...], ...] = ()  # buyers: one alias of every list must be found
    scopes: tuple[str, ...] = ()  # empty: anywhere
    group: str = ""  # the name the rule uses; defaults to the kind (a product counts as a brand)
    whole_word: bool = False
    case_sensitive: bool = False
    brand: str = ""  # products: the brand they imply
    search: bool = True
    whole_word_aliases: tuple[str, ...] = ()  # per-alias whole_word (the entity's flag covers all)
    case_sensitive_aliases: tuple[str, ...] = ()

    def is_whole_word(self, alias: str) -> bool:
        return self.whole_word or alias in self.whole_word_aliases

    def is_case_sensitive(self, alias: str) -> bool:
        return self.case_sensitive or alias in self.case_sensitive_aliases

    @property
    def rule_group(self) -> str:
        if self.group:
            return self.group
        return "brand" if self.kind == "product" else self.kind


@dataclass(frozen=True)
class Watchlist:
    name: str
    title: str
    description: str = ""
    severity: str = "medium"
    rule: str = "brand"
    notify: Routing = field(default_factory=Routing)
    exclude: tuple[str, ...] = ()
    entities: tuple[Entity, ...] = ()


@dataclass(frozen=True)
class WatchlistSet:
    watchlists: tuple[Watchlist, ...]
    fingerprint: str

    def get(self, name: str) -> Watchlist:
        for watchlist in self.watchlists:
            if watchlist.name == name:
                return watchlist
        raise KeyError(name)

    def search_terms(self) -> list[str]:
        """Terms a portal's keyword search should query: the aliases of searchable brands, products
        and suppliers (buyers are found by the portals' listings instead). A term containing a
        shorter term is left out (PowerPlex finds PowerPlex 21), so each poll asks as little as it can."""
        from tenderwatch.normalize import normalize

        found: dict[str, str] = {}
        for watchlist in self.watchlists:
            for entity in watchlist.entities:
                if entity.kind == "buyer" or not entity.search:
                    continue
                for term in entity.aliases:
                    key = normalize(term)
                    if len(key) >= 2 and key not in found:
                        found[key] = term
        keys = sorted(found, key=len)
        kept: list[str] = []
        for key in keys:
            if not any(shorter in key for shorter in kept):
                kept.append(key)
        return [found[key] for key in found if key in set(kept)]

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> WatchlistSet:
        data = json.loads(text)
        return cls(tuple(_watchlist(w) for w in data["watchlists"]), data["fingerprint"])


_TUPLES = ("aliases", "scopes", "whole_word_aliases", "case_sensitive_aliases")


def _watchlist(d: dict[str, Any]) -> Watchlist:
    notify = d["notify"]
    return Watchlist(
        name=d["name"], title=d["title"], description=d["description"], severity=d["severity"], rule=d["rule"],
        notify=Routing(tuple(notify["slack_channels"]), tuple(EmailSubscriber(**e) for e in notify["email"])),
        exclude=tuple(d["exclude"]),
        entities=tuple(Entity(**{**e, **{k: tuple(e.get(k, ())) for k in _TUPLES},
                                 "all_of": tuple(tuple(g) for g in e["all_of"])}) for e in d["entities"]),
    )
