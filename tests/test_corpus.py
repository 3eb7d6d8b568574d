"""The labelled development corpus (tests/corpus/notices.yaml) against the bundled watchlists.

Recall and precision are computed per watchlist and reported; both must be 100%. A case that
fails names itself and shows `explain`'s account of it, which is what an editor would look at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tenderwatch.explain import explain
from tenderwatch.htmltext import html_to_text
from tenderwatch.matching import Matcher
from tenderwatch.watchlists import load_watchlists

ROOT = Path(__file__).resolve().parent.parent
CASES: list[dict[str, Any]] = YAML(typ="safe").load((ROOT / "tests/corpus/notices.yaml").read_text("utf-8"))
WATCHLISTS = load_watchlists(ROOT / "watchlists")
MATCHER = Matcher(WATCHLISTS)
NAMES = [w.name for w in WATCHLISTS.watchlists]


def fields_of(case: dict[str, Any]) -> dict[str, str]:
    fields = dict(case["fields"])
    if "body_html" in fields:
        fields["body"] = (fields.get("body", "") + "\n" + html_to_text(fields.pop("body_html"))).strip()
    return fields


def fired(case: dict[str, Any]) -> set[str]:
    return {v.watchlist for v in MATCHER.evaluate(fields_of(case)) if v.fired}


def test_corpus_is_large_varied_and_well_formed() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "duplicate ids"
    positives = [c for c in CASES if c["expect"]]
    assert len(CASES) >= 60
    assert len(positives) >= 25
    assert len(CASES) - len(positives) >= 25
    for case in CASES:
        assert set(case["expect"]) <= set(NAMES), case["id"]
        assert set(case["fields"]) <= {"title", "buyer", "region", "agency", "supplier", "goods", "body",
                                       "body_html", "attachments"}, case["id"]


def test_recall_and_precision_are_100_percent(capsys: pytest.CaptureFixture[str]) -> None:
    wrong: list[str] = []
    report: list[str] = []
    for name in NAMES:
        tp = fp = fn = 0
        for case in CASES:
            expected, got = name in case["expect"], name in fired(case)
            tp += expected and got
            fp += got and not expected
            fn += expected and not got
            if expected != got:
                wrong.append(f"{case['id']} ({case['note']}): {name} expected {expected}, got {got}\n"
                             + explain(fields_of(case), WATCHLISTS, only=name))
        recall = tp / (tp + fn) if tp + fn else 1.0
        precision = tp / (tp + fp) if tp + fp else 1.0
        report.append(f"{name}: recall {recall:.1%} ({tp}/{tp + fn}), precision {precision:.1%} "
                      f"({tp}/{tp + fp}) over {len(CASES)} notices")
    with capsys.disabled():
        print("\n" + "\n".join(report))
    assert not wrong, "\n\n".join(wrong)
