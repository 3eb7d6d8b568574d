"""Read watchlist YAML files; every problem names file, line, column and field, with a hint."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from tenderwatch.normalize import normalize
from tenderwatch.watchlists.model import (
    FREQUENCIES,
    KINDS,
    SCOPES,
    SEVERITIES,
    EmailSubscriber,
    Entity,
    Routing,
    Watchlist,
    WatchlistSet,
)
from tenderwatch.watchlists.rules import RuleError, rule_names

TOP_KEYS = ("title", "description", "severity", "rule", "notify", "exclude", "entities")
ENTITY_KEYS = ("name", "kind", "aliases", "all_of", "scope", "group", "whole_word", "case_sensitive",
               "brand", "search")
NOTIFY_KEYS = ("slack", "email")
ALIAS_KEYS = ("text", "whole_word", "case_sensitive")
EMAIL_KEYS = ("address", "frequency", "hour", "weekday", "timezone")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    column: int
    field: str
    message: str
    hint: str = ""
    level: str = "error"

    def __str__(self) -> str:
        hint = f" (hint: {self.hint})" if self.hint else ""
        tag = "" if self.level == "error" else f"{self.level}: "
        return f"{self.path}:{self.line}:{self.column}: {tag}{self.field}: {self.message}{hint}"


class WatchlistError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class _File:
    """Collects problems of one file, locating each YAML node."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def add(self, node: Any, key: Any, field: str, message: str, hint: str = "", level: str = "error") -> None:
        line, col = 1, 1
        try:
            if isinstance(node, CommentedMap) and key in node:
                line, col = node.lc.key(key)[0] + 1, node.lc.key(key)[1] + 1
            elif isinstance(node, CommentedSeq) and isinstance(key, int):
                line, col = node.lc.item(key)[0] + 1, node.lc.item(key)[1] + 1
            elif hasattr(node, "lc"):
                line, col = node.lc.line + 1, node.lc.col + 1
        except (KeyError, IndexError, TypeError):
            pass
        self.problems.append(Problem(str(self.path), line, col, field, message, hint, level))

    def keys(self, node: CommentedMap, allowed: Sequence[str], where: str) -> None:
        for key in node:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(allowed)}"
                self.add(node, key, f"{where}{key}", "unknown key", hint)


def _files(paths: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml")))
        else:
            found.append(path)
    return found


def check_paths(paths: Sequence[Path] | Path) -> tuple[WatchlistSet | None, list[Problem]]:
    paths = [paths] if isinstance(paths, Path) else list(paths)
    problems: list[Problem] = []
    watchlists: list[Watchlist] = []
    digest = hashlib.sha256()
    files = _files(paths)
    if not files:
        problems.append(Problem(", ".join(map(str, paths)), 1, 1, "-", "no watchlist files (*.yaml) found"))
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(str(path), 1, 1, "-", f"cannot read: {exc.strerror}"))
            continue
        digest.update(path.name.encode() + b"\0" + data)
        watchlist, file_problems = _load(path, data)
        problems.extend(file_problems)
        if watchlist is not None:
            watchlists.append(watchlist)
    if any(p.level == "error" for p in problems):
        return None, problems
    return WatchlistSet(tuple(watchlists), digest.hexdigest()), problems


def load_watchlists(paths: Sequence[Path] | Path) -> WatchlistSet:
    watchlists, problems = check_paths(paths)
    if watchlists is None:
        raise WatchlistError([p for p in problems if p.level == "error"])
    return watchlists


def _load(path: Path, data: bytes) -> tuple[Watchlist | None, list[Problem]]:
    f = _File(path)
    try:
        doc = YAML(typ="rt").load(data.decode("utf-8"))
    except UnicodeDecodeError:
        return None, [Problem(str(path), 1, 1, "-", "not UTF-8 text", "save the file as UTF-8")]
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [Problem(str(path), line, col, "-", f"YAML syntax: {exc.problem or exc.context}",
                              "check indentation, and quote text containing ':' or '#'")]
    if not isinstance(doc, CommentedMap):
        return None, [Problem(str(path), 1, 1, "-", "a watchlist file is a mapping of keys (title:, rule:, …)")]
    f.keys(doc, TOP_KEYS, "")
    entities = _entities(f, doc)
    severity = str(doc.get("severity", "medium"))
    if severity not in SEVERITIES:
        f.add(doc, "severity", "severity", f"unknown severity {severity!r}", f"one of {', '.join(SEVERITIES)}")
    rule = str(doc.get("rule", "brand"))
    try:
        groups = {e.rule_group for e in entities}
        for name in rule_names(rule):
            if name not in groups:
                f.add(doc, "rule", "rule", f"names the group {name!r}, which no entity defines",
                      f"defined: {', '.join(sorted(groups)) or 'none'}")
    except RuleError as exc:
        f.add(doc, "rule", "rule", str(exc), "e.g. '(brand or supplier) and buyer'")
    if "title" not in doc:
        f.add(doc, None, "title", "missing", "give the watchlist a title people will read in alerts")
    exclude = _strings(f, doc, "exclude", "exclude")
    watchlist = Watchlist(name=path.stem, title=str(doc.get("title", path.stem)),
                          description=str(doc.get("description", "")), severity=severity, rule=rule,
                          notify=_routing(f, doc.get("notify")), exclude=tuple(exclude),
                          entities=tuple(entities))
    errors = [p for p in f.problems if p.level == "error"]
    return (None if errors else watchlist), f.problems


def _strings(f: _File, node: Any, key: Any, where: str) -> list[str]:
    if isinstance(node, CommentedMap):
        value = node.get(key)
    elif isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
        value = node[key]
    else:
        value = None
    if value is None:
        return []
    if not isinstance(value, CommentedSeq):
        f.add(node, key, where, "must be a list", "write one item per line, each starting with '- '")
        return []
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str | int | float) or not str(item).strip():
            f.add(value, i, f"{where}[{i}]", "empty or not text", "remove the empty line or write the text")
            continue
        out.append(str(item).strip())
    return out


def _aliases(f: _File, node: CommentedMap, where: str) -> tuple[list[str], tuple[str, ...], tuple[str, ...]]:
    """Aliases are text, or a mapping ``{text: ABI, whole_word: true, case_sensitive: true}``."""
    seq = node.get("aliases")
    if seq is None:
        return [], (), ()
    if not isinstance(seq, CommentedSeq):
        f.add(node, "aliases", where, "must be a list", "write [Alias one, Alias two] or one '- alias' per line")
        return [], (), ()
    aliases: list[str] = []
    word: list[str] = []
    case: list[str] = []
    for i, item in enumerate(seq):
        if isinstance(item, CommentedMap):
            f.keys(item, ALIAS_KEYS, f"{where}[{i}].")
            text = item.get("text")
            if not isinstance(text, str | int | float) or not str(text).strip():
                f.add(seq, i, f"{where}[{i}].text", "missing or empty", "e.g. {text: ABI, whole_word: true}")
                continue
            alias = str(text).strip()
            if item.get("whole_word"):
                word.append(alias)
            if item.get("case_sensitive"):
                case.append(alias)
        elif isinstance(item, str | int | float) and str(item).strip():
            alias = str(item).strip()
        else:
            f.add(seq, i, f"{where}[{i}]", "empty or not text", "remove the empty line or write the text")
            continue
        aliases.append(alias)
    return aliases, tuple(word), tuple(case)


def _entities(f: _File, doc: CommentedMap) -> list[Entity]:
    items = doc.get("entities")
    if not isinstance(items, CommentedSeq) or not items:
        f.add(doc, "entities" if "entities" in doc else None, "entities", "a watchlist needs a list of entities")
        return []
    entities: list[Entity] = []
    names: set[str] = set()
    owner: dict[str, str] = {}
    for i, node in enumerate(items):
        where = f"entities[{i}]."
        if not isinstance(node, CommentedMap):
            f.add(items, i, f"entities[{i}]", "an entity is a mapping (name:, kind:, aliases:)")
            continue
        f.keys(node, ENTITY_KEYS, where)
        name, kind = str(node.get("name", "")).strip(), str(node.get("kind", ""))
        if not name:
            f.add(node, None, f"{where}name", "missing", "the name shown in alerts, e.g. Thermo Fisher")
        elif name in names:
            f.add(node, "name", f"{where}name", f"duplicate entity {name!r}", "merge the two entries")
        names.add(name)
        if kind not in KINDS:
            f.add(node, "kind" if "kind" in node else None, f"{where}kind", f"unknown kind {kind!r}",
                  f"one of {', '.join(KINDS)}")
        aliases, word_aliases, case_aliases = _aliases(f, node, f"{where}aliases")
        all_of = []
        if "all_of" in node:
            groups = node["all_of"]
            if not isinstance(groups, CommentedSeq):
                f.add(node, "all_of", f"{where}all_of", "must be a list of lists")
            else:
                for j in range(len(groups)):
                    all_of.append(tuple(_strings(f, groups, j, f"{where}all_of[{j}]")) if isinstance(
                        groups[j], CommentedSeq) else ())
                    if not isinstance(groups[j], CommentedSeq):
                        f.add(groups, j, f"{where}all_of[{j}]", "must be a list of aliases")
        if not aliases and not all_of:
            f.add(node, None, f"{where}aliases", "no aliases", "list the ways the name is written")
        whole_word = bool(node.get("whole_word", False))
        seq = node.get("aliases")
        for j, alias in enumerate(aliases):
            key = normalize(alias)
            if not key:
                f.add(seq, j, f"{where}aliases[{j}]", f"{alias!r} normalises to nothing",
                      "an alias needs letters, digits or Chinese characters")
            elif len(key) < 2 and not (whole_word or alias in word_aliases):
                f.add(seq, j, f"{where}aliases[{j}]", f"{alias!r} is shorter than 2 characters",
                      "set whole_word: true or use a longer alias")
            elif key.isascii() and len(key) == 2 and not (whole_word or alias in word_aliases):
                f.add(seq, j, f"{where}aliases[{j}]", f"{alias!r} is a 2-letter alias without whole_word",
                      "set whole_word: true so it does not match inside longer words", level="warning")
            if key and owner.get(key, name) != name:
                f.add(seq, j, f"{where}aliases[{j}]", f"{alias!r} also belongs to {owner[key]!r}",
                      "an alias should name one entity", level="warning")
            owner.setdefault(key, name)
        scope = node.get("scope", "any")
        scopes: list[str] = []
        if scope != "any":
            scopes = [scope] if isinstance(scope, str) else list(scope) if isinstance(scope, list) else []
            for s in scopes:
                if s not in SCOPES:
                    f.add(node, "scope", f"{where}scope", f"unknown scope {s!r}", f"any, or some of {', '.join(SCOPES)}")
        entities.append(Entity(name=name, kind=kind, aliases=tuple(aliases), all_of=tuple(all_of),
                               scopes=tuple(scopes), group=str(node.get("group", "")), whole_word=whole_word,
                               case_sensitive=bool(node.get("case_sensitive", False)),
                               brand=str(node.get("brand", "")), search=bool(node.get("search", True)),
                               whole_word_aliases=word_aliases, case_sensitive_aliases=case_aliases))
    return entities


def _routing(f: _File, node: Any) -> Routing:
    if node is None:
        return Routing()
    if not isinstance(node, CommentedMap):
        f.add(node, None, "notify", "must be a mapping with slack: and/or email:")
        return Routing()
    f.keys(node, NOTIFY_KEYS, "notify.")
    slack = _strings(f, node, "slack", "notify.slack")
    subscribers = []
    for i, item in enumerate(node.get("email") or []):
        where = f"notify.email[{i}]"
        item = CommentedMap(address=item) if isinstance(item, str) else item
        if not isinstance(item, CommentedMap):
            f.add(node["email"], i, where, "an address, or a mapping with address:, frequency:, hour:…")
            continue
        f.keys(item, EMAIL_KEYS, f"{where}.")
        sub = EmailSubscriber(address=str(item.get("address", "")), frequency=str(item.get("frequency", "immediate")),
                              hour=item.get("hour", 8), weekday=str(item.get("weekday", "mon")),
                              timezone=str(item.get("timezone", "UTC")))
        if not _EMAIL.match(sub.address):
            f.add(node["email"], i, f"{where}.address", f"{sub.address!r} is not an email address")
        if sub.frequency not in FREQUENCIES:
            f.add(item, "frequency", f"{where}.frequency", f"unknown frequency {sub.frequency!r}",
                  f"one of {', '.join(FREQUENCIES)}")
        if not isinstance(sub.hour, int) or not 0 <= sub.hour <= 23:
            f.add(item, "hour", f"{where}.hour", f"{sub.hour!r} is not an hour", "0 to 23")
        if sub.weekday not in WEEKDAYS:
            f.add(item, "weekday", f"{where}.weekday", f"unknown weekday {sub.weekday!r}", ", ".join(WEEKDAYS))
        try:
            ZoneInfo(sub.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            f.add(item, "timezone", f"{where}.timezone", f"unknown time zone {sub.timezone!r}",
                  "e.g. Europe/Berlin, America/New_York, Asia/Shanghai")
        subscribers.append(sub)
    return Routing(tuple(slack), tuple(subscribers))
