from __future__ import annotations

from pathlib import Path

import pytest

from tenderwatch.watchlists import WatchlistError, WatchlistSet, check_paths, load_watchlists

BUNDLED = Path(__file__).resolve().parent.parent / "watchlists"
GOOD = """title: t
rule: brand and buyer
entities:
  - name: Promega
    kind: brand
    aliases: [Promega]
  - name: Police
    kind: buyer
    aliases: [公安局]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "w.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_watchlists_are_valid_and_round_trip() -> None:
    watchlists, problems = check_paths([BUNDLED])
    assert watchlists is not None, problems
    assert {w.name for w in watchlists.watchlists} == {"xinjiang-dna", "dna-vendors-anywhere"}
    assert WatchlistSet.from_json(watchlists.to_json()) == watchlists
    assert "普洛麦格" in watchlists.search_terms()
    assert "公安局" not in watchlists.search_terms()


@pytest.mark.parametrize(("edit", "line", "field", "hint"), [
    (GOOD.replace("kind: brand", "kidn: brand"), 5, "entities[0].kidn", "did you mean 'kind'"),
    (GOOD.replace("aliases: [Promega]", "aliases: ['', Promega]"), 6, "entities[0].aliases[0]", "remove"),
    (GOOD.replace("aliases: [Promega]", "aliases: [P]"), 6, "entities[0].aliases[0]", "whole_word"),
    (GOOD.replace("aliases: [Promega]", "aliases: ['®·']"), 6, "entities[0].aliases[0]", "letters"),
    (GOOD.replace("brand and buyer", "brand and reseller"), 2, "rule", "defined: brand, buyer"),
    (GOOD.replace("name: Police", "name: Promega"), 7, "entities[1].name", "merge"),
    (GOOD.replace("rule: brand and buyer", "rule: brand and (buyer"), 2, "rule", "e.g."),
    (GOOD + "notify:\n  email:\n    - address: x@y.org\n      timezone: Mars/Base\n", 13,
     "notify.email[0].timezone", "Europe/Berlin"),
    (GOOD.replace("title: t", "title: [t"), 2, "-", "indentation"),
])
def test_problems_name_file_line_field_and_hint(tmp_path: Path, edit: str, line: int, field: str,
                                                 hint: str) -> None:
    path = write(tmp_path, edit)
    watchlists, problems = check_paths([path])
    assert watchlists is None
    problem = next(p for p in problems if p.level == "error")
    assert (problem.path, problem.line, problem.field) == (str(path), line, field)
    assert hint in problem.hint
    with pytest.raises(WatchlistError, match=f"w.yaml:{line}:"):
        load_watchlists(path)


def test_fingerprint_changes_with_the_files(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    before = load_watchlists(path).fingerprint
    path.write_text(GOOD.replace("[Promega]", "[Promega, 普洛麦格]"), encoding="utf-8")
    assert load_watchlists(path).fingerprint != before
