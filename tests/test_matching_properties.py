"""Property tests of normalisation and matching against a brute-force reference (hypothesis)."""

from __future__ import annotations

import opencc
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tenderwatch.matching import Matcher
from tenderwatch.normalize import normalize, normalize_with_map
from tenderwatch.watchlists.model import Entity, Watchlist, WatchlistSet
from tenderwatch.watchlists.rules import compile_rule

S2T = opencc.OpenCC("s2t")
FIELDS = ("title", "buyer", "goods", "body")
# Letters that fold in interesting ways: case, full width, Traditional/Simplified pairs, separators.
ALPHABET = "abcpXYZＰｏ012 -®·\u200b赛默飞世尔賽默飛世爾普洛麦格麥公安局新疆厅兵团第八师采购试剂"
chinese = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), max_size=25)
texts = st.text(alphabet=ALPHABET, max_size=30)
aliases = st.text(alphabet=ALPHABET, min_size=4, max_size=8).filter(lambda a: len(normalize(a)) >= 4)
RULES = ("brand", "brand or supplier", "brand and buyer", "(brand or supplier) and buyer",
         "brand and not buyer")


@st.composite
def watchlist_sets(draw: st.DrawFn) -> WatchlistSet:
    watchlists = []
    for w in range(draw(st.integers(1, 3))):
        entities = []
        for e in range(draw(st.integers(1, 4))):
            kind = draw(st.sampled_from(("brand", "product", "supplier", "buyer")))
            entities.append(Entity(name=f"e{e}", kind=kind, aliases=tuple(draw(st.lists(aliases, min_size=1,
                                                                                           max_size=3)))))
        watchlists.append(Watchlist(name=f"w{w}", title=f"W{w}", rule=draw(st.sampled_from(RULES)),
                                    entities=tuple(entities)))
    return WatchlistSet(tuple(watchlists), "p")


def reference(watchlists: WatchlistSet, fields: dict[str, str]) -> dict[str, tuple[bool, set[str]]]:
    """Brute force: an alias is found when its normal form is a substring of a field's normal form."""
    out = {}
    for w in watchlists.watchlists:
        found = {(e.name, a) for e in w.entities for a in e.aliases
                 for text in fields.values() if normalize(a) in normalize(text)}
        groups = {e.rule_group for e in w.entities if any(name == e.name for name, _ in found)}
        out[w.name] = (compile_rule(w.rule)(groups), {a for _, a in found})
    return out


@settings(max_examples=150, deadline=None)
@given(watchlist_sets(), st.fixed_dictionaries(dict.fromkeys(FIELDS, texts)))
def test_matcher_agrees_with_brute_force(watchlists: WatchlistSet, fields: dict[str, str]) -> None:
    expected = reference(watchlists, fields)
    for verdict in Matcher(watchlists).evaluate(fields, detail=True):
        fired, found = expected[verdict.watchlist]
        assert verdict.fired == fired, verdict.reason
        assert {h.alias for h in verdict.hits} == found
    quick = {v.watchlist for v in Matcher(watchlists).evaluate(fields) if v.fired}
    assert quick == {name for name, (fired, _) in expected.items() if fired}


@settings(max_examples=150, deadline=None)
@given(watchlist_sets(), st.fixed_dictionaries(dict.fromkeys(FIELDS, texts)))
def test_every_hit_points_at_text_that_normalises_to_its_alias(watchlists: WatchlistSet,
                                                               fields: dict[str, str]) -> None:
    for verdict in Matcher(watchlists).evaluate(fields, detail=True):
        for hit in verdict.hits:
            assert normalize(fields[hit.field][hit.start:hit.end]) == normalize(hit.alias)
            assert hit.snippet[hit.snippet_start:hit.snippet_end] == fields[hit.field][hit.start:hit.end]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.text(max_size=40))
def test_normalisation_is_idempotent_and_compositional(a: str, b: str) -> None:
    assert normalize(normalize(a)) == normalize(a)
    # Each character folds on its own, so an alias normalised alone is found inside any text.
    assert normalize(a + b) == normalize(a) + normalize(b)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_offset_map_is_monotonic_and_in_range(text: str) -> None:
    norm = normalize_with_map(text)
    origin = list(norm.origin)
    assert len(origin) == len(norm.text)
    assert origin == sorted(origin)
    assert all(0 <= i < len(text) for i in origin)


@settings(max_examples=150, deadline=None)
@given(alias=st.text(min_size=2, max_size=12), before=chinese, after=chinese)
def test_an_alias_always_matches_itself_inside_chinese_text(alias: str, before: str, after: str) -> None:
    key = normalize(alias)
    assume(len(key) >= 2 and not any(c in key for c in "\n\t\x1e"))
    assume(not (key.isascii() and len(key) <= 3))  # short Latin aliases are whole words: tested apart
    watchlists = WatchlistSet((Watchlist("w", "W", entities=(Entity("e", "brand", (alias,)),)),), "p")
    [verdict] = Matcher(watchlists).evaluate({"body": before + alias + after})
    assert verdict.fired


@settings(max_examples=150, deadline=None)
@given(before=chinese, after=chinese, alias=st.sampled_from(["PowerPlex 21", "赛默飞世尔", "GlobalFiler", "普洛麦格",
                                                              "Thermo Fisher", "公安局"]),
       noise=st.sampled_from(["", "\u200b", "\ufeff", "\u00ad", "\u2060"]), wide=st.booleans(),
       upper=st.booleans(), traditional=st.booleans())
def test_variants_never_lose_a_hit(before: str, after: str, alias: str, noise: str, wide: bool, upper: bool,
                                   traditional: bool) -> None:
    variant = alias.upper() if upper else alias
    if wide:
        variant = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in variant)
    variant = noise.join(variant)
    text = before + variant + after
    if traditional:
        text = S2T.convert(text)
    watchlists = WatchlistSet((Watchlist("w", "W", entities=(Entity("e", "brand", (alias,)),)),), "p")
    [verdict] = Matcher(watchlists).evaluate({"title": text})
    assert verdict.fired
    [hit] = verdict.hits
    assert normalize(text[hit.start:hit.end]) == normalize(alias)


@settings(max_examples=100, deadline=None)
@given(before=st.text(alphabet="ABILTYabc采购分析仪 \u200b-", max_size=6),
       after=st.text(alphabet="ABILTYabc采购分析仪 \u200b-", max_size=6))
def test_whole_word_agrees_with_reading_the_text(before: str, after: str) -> None:
    watchlists = WatchlistSet((Watchlist("w", "W", entities=(
        Entity("ABI", "brand", ("ABI",), whole_word=True),)),), "p")
    text = before + "ABI" + after
    [verdict] = Matcher(watchlists).evaluate({"body": text})
    visible = text.replace("\u200b", "").upper()  # what a reader sees; the alias is not case-sensitive
    # A reader sees the whole word ABI somewhere: with no Latin letter or digit touching it.
    readable = any(visible[i:i + 3] == "ABI" and not (i > 0 and visible[i - 1].isalnum() and visible[i - 1].isascii())
                   and not (i + 3 < len(visible) and visible[i + 3].isalnum() and visible[i + 3].isascii())
                   for i in range(len(visible)))
    assert verdict.fired == readable
