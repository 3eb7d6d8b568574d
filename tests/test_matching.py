from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenderwatch.explain import explain
from tenderwatch.matching import Matcher
from tenderwatch.normalize import normalize, normalize_with_map
from tenderwatch.watchlists import load_watchlists

WATCHLISTS = load_watchlists(Path(__file__).resolve().parent.parent / "watchlists")
MATCHER = Matcher(WATCHLISTS)
POLICE = {"buyer": "乌鲁木齐市公安局"}


def fired(fields: dict[str, str]) -> set[str]:
    return {v.watchlist for v in MATCHER.evaluate(fields) if v.fired}


@pytest.mark.parametrize(("fields", "expected"), [
    ({"title": "PowerPlex 21试剂盒单一来源采购公示", **POLICE}, {"xinjiang-dna", "dna-vendors-anywhere"}),
    ({"title": "采购ＰｏｗｅｒＰｌｅｘ２１", **POLICE}, {"xinjiang-dna", "dna-vendors-anywhere"}),
    ({"title": "采购賽默飛世爾分析仪", **POLICE}, {"xinjiang-dna", "dna-vendors-anywhere"}),
    ({"title": "采购Power\u200bPlex", **POLICE}, {"xinjiang-dna", "dna-vendors-anywhere"}),
    ({"goods": "试剂\tThermo-Fisher\t3500xL", **POLICE}, {"xinjiang-dna", "dna-vendors-anywhere"}),
    ({"body": "采购ABI分析仪", **POLICE}, {"xinjiang-dna"}),
    ({"title": "普洛麦格试剂", "buyer": "某县公安局", "region": "新疆维吾尔自治区"},
     {"xinjiang-dna", "dna-vendors-anywhere"}),
    ({"title": "普洛麦格试剂", "buyer": "第八师公安局"}, {"xinjiang-dna", "dna-vendors-anywhere"}),
    ({"title": "普洛麦格试剂", "buyer": "北京市公安局", "region": "北京市"}, {"dna-vendors-anywhere"}),
    ({"title": "普洛麦格试剂", "buyer": "新疆医科大学第一附属医院", "region": "新疆"}, {"dna-vendors-anywhere"}),
    ({"title": "警用车辆采购", **POLICE}, set()),
    ({"title": "Thermos保温杯采购", **POLICE}, set()),
    ({"body": "ABILITY assessment", **POLICE}, set()),
    ({"body": "Promegestone tablets", **POLICE}, set()),
    ({"title": "赛默科技服务", **POLICE}, set()),
    ({"goods": "Thermo\tFisher", **POLICE}, set()),  # two cells never fuse into one name
])
def test_bundled_watchlists(fields: dict[str, str], expected: set[str]) -> None:
    assert fired(fields) == expected


def test_hits_point_at_the_original_text() -> None:
    text = "采购 Thermo-Fisher 3500xL 遗传分析仪"
    verdict = next(v for v in MATCHER.evaluate({"goods": text, **POLICE}) if v.watchlist == "xinjiang-dna")
    brand = next(h for h in verdict.hits if h.entity == "Thermo Fisher")
    assert text[brand.start:brand.end] == "Thermo-Fisher"
    assert brand.snippet[brand.snippet_start:brand.snippet_end] == "Thermo-Fisher"


def test_explain_says_why_not() -> None:
    report = explain({"title": "普洛麦格试剂", "buyer": "北京市公安局"}, WATCHLISTS, only="xinjiang-dna")
    assert "no alert" in report
    assert "[[普洛麦格]]" in report
    assert "buyer: not found" in report


chinese = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4E80), max_size=30)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40))
def test_normalisation_is_idempotent(text: str) -> None:
    assert normalize(normalize(text)) == normalize(text)


@settings(max_examples=60, deadline=None)
@given(before=chinese, after=chinese, alias=st.sampled_from(["PowerPlex 21", "赛默飞世尔", "GlobalFiler", "普洛麦格"]),
       noise=st.sampled_from(["", "\u200b", "\ufeff"]), wide=st.booleans(), upper=st.booleans())
def test_variants_never_lose_a_hit(before: str, after: str, alias: str, noise: str, wide: bool, upper: bool) -> None:
    variant = alias.upper() if upper else alias
    if wide:
        variant = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in variant)
    variant = noise.join(variant)
    text = before + variant + after
    verdict = next(v for v in MATCHER.evaluate({"title": text}) if v.watchlist == "dna-vendors-anywhere")
    assert verdict.fired
    norm = normalize_with_map(text)
    assert all(norm.origin[i] < len(text) for i in range(len(norm.text)))
