"""A watchlist's rule: a boolean expression over group names, e.g. ``(brand or supplier) and buyer``."""

from __future__ import annotations

import re
from collections.abc import Callable

_TOKEN = re.compile(r"\s*(\(|\)|[A-Za-z_][A-Za-z0-9_-]*)")
OPERATORS = ("and", "or", "not")


class RuleError(ValueError):
    pass


def _tokens(rule: str) -> list[str]:
    tokens, pos = [], 0
    rule = rule.strip()
    while pos < len(rule):
        m = _TOKEN.match(rule, pos)
        if not m:
            raise RuleError(f"cannot read the rule at {rule[pos:]!r}")
        tokens.append(m.group(1).lower() if m.group(1).lower() in OPERATORS else m.group(1))
        pos = m.end()
    if not tokens:
        raise RuleError("the rule is empty")
    return tokens


def compile_rule(rule: str) -> Callable[[set[str]], bool]:
    """A predicate over the set of group names found in a notice."""
    tokens = _tokens(rule)
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise RuleError("the rule ends too early")
        pos += 1
        return tokens[pos - 1]

    def expr() -> Callable[[set[str]], bool]:
        left = term()
        while peek() == "or":
            take()
            a, b = left, term()
            left = lambda found, a=a, b=b: a(found) or b(found)
        return left

    def term() -> Callable[[set[str]], bool]:
        left = factor()
        while peek() == "and":
            take()
            a, b = left, factor()
            left = lambda found, a=a, b=b: a(found) and b(found)
        return left

    def factor() -> Callable[[set[str]], bool]:
        word = take()
        if word == "not":
            inner = factor()
            return lambda found: not inner(found)
        if word == "(":
            inner = expr()
            if take() != ")":
                raise RuleError("a '(' is not closed")
            return inner
        if word in (")", "and", "or"):
            raise RuleError(f"unexpected {word!r}")
        return lambda found: word in found

    predicate = expr()
    if pos != len(tokens):
        raise RuleError(f"unexpected {tokens[pos]!r}")
    return predicate


def rule_names(rule: str) -> list[str]:
    compile_rule(rule)  # raises RuleError on a malformed rule
    return [t for t in _tokens(rule) if t not in (*OPERATORS, "(", ")")]
