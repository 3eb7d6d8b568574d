"""The JSON Schema editors validate against while typing agrees with the loader `check` uses."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from tenderwatch.matching import Matcher
from tenderwatch.watchlists import check_paths, loader, model

BUNDLED = Path(__file__).resolve().parent.parent / "watchlists"
SCHEMA = json.loads((BUNDLED / "schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)


def load(text: str) -> object:
    return YAML(typ="safe").load(text)


@pytest.mark.parametrize("path", sorted(BUNDLED.glob("*.yaml")), ids=lambda p: p.name)
def test_bundled_watchlists_follow_the_schema_and_point_editors_at_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=./schema.json"
    assert list(VALIDATOR.iter_errors(load(text))) == []


def test_schema_names_exactly_the_keys_and_values_the_loader_accepts() -> None:
    defs = SCHEMA["definitions"]
    assert set(SCHEMA["properties"]) == set(loader.TOP_KEYS)
    assert set(defs["entity"]["properties"]) == set(loader.ENTITY_KEYS)
    assert set(defs["alias"]["oneOf"][1]["properties"]) == set(loader.ALIAS_KEYS)
    assert set(SCHEMA["properties"]["notify"]["properties"]) == set(loader.NOTIFY_KEYS)
    subscriber = SCHEMA["properties"]["notify"]["properties"]["email"]["items"]["oneOf"][1]["properties"]
    assert set(subscriber) == set(loader.EMAIL_KEYS)
    assert tuple(subscriber["frequency"]["enum"]) == model.FREQUENCIES
    assert tuple(subscriber["weekday"]["enum"]) == loader.WEEKDAYS
    assert tuple(defs["entity"]["properties"]["kind"]["enum"]) == model.KINDS
    assert tuple(defs["scopeName"]["enum"]) == model.SCOPES
    assert tuple(SCHEMA["properties"]["severity"]["enum"]) == model.SEVERITIES


GOOD = """title: t
rule: brand and buyer
entities:
  - name: Promega
    kind: brand
    aliases: [Promega, {text: PP, whole_word: true}]
  - name: Police
    kind: buyer
    scope: [buyer, title]
    all_of: [[公安局], [新疆]]
"""


@pytest.mark.parametrize("edit", [
    GOOD.replace("kind: brand", "kidn: brand"),
    GOOD.replace("kind: brand", "kind: maker"),
    GOOD.replace("scope: [buyer, title]", "scope: [buyers]"),
    GOOD.replace("whole_word: true", "wholeword: true"),
    GOOD + "severity: urgent\n",
    GOOD + "notify:\n  email:\n    - address: x@y.org\n      frequency: hourly\n",
])
def test_schema_and_loader_both_reject_an_editing_mistake(tmp_path: Path, edit: str) -> None:
    assert list(VALIDATOR.iter_errors(load(edit)))
    path = tmp_path / "w.yaml"
    path.write_text(edit, encoding="utf-8")
    watchlists, problems = check_paths([path])
    assert watchlists is None
    assert problems


def test_schema_and_loader_both_accept_the_example(tmp_path: Path) -> None:
    assert list(VALIDATOR.iter_errors(load(GOOD))) == []
    path = tmp_path / "w.yaml"
    path.write_text(GOOD, encoding="utf-8")
    watchlists, problems = check_paths([path])
    assert watchlists is not None, problems
    entity = watchlists.watchlists[0].entities[0]
    assert entity.whole_word_aliases == ("PP",)


def test_the_readme_example_of_adding_a_brand_works(tmp_path: Path) -> None:
    """The five-minute guide in watchlists/README.md, followed literally."""
    readme = (BUNDLED / "README.md").read_text(encoding="utf-8")
    guide = readme.split("## Add a brand in five minutes", 1)[1]
    snippet = guide.split("```yaml\n", 1)[1].split("```", 1)[0]
    edited = tmp_path / "xinjiang-dna.yaml"
    edited.write_text((BUNDLED / "xinjiang-dna.yaml").read_text(encoding="utf-8").rstrip("\n") + "\n" + snippet,
                      encoding="utf-8")
    watchlists, problems = check_paths([edited])
    assert watchlists is not None, problems
    assert list(VALIDATOR.iter_errors(load(edited.read_text(encoding="utf-8")))) == []
    notice = {"title": "喀什地区公安局凱傑 Investigator 24plex 试剂采购", "buyer": "喀什地区公安局"}
    [verdict] = Matcher(watchlists).evaluate(notice)
    assert verdict.fired
    assert {h.entity for h in verdict.hits} >= {"Qiagen", "Qiagen forensic kits"}
