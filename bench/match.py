"""Matching benchmark: the engine against a naive baseline measured in the same run.

A synthetic corpus of N notices (default 20,000) of realistic length (title, buyer, region, goods
lines, a body of ~1,500 characters of Chinese procurement prose, some Latin model numbers) and a
watchlist set of A aliases (default 2,000) in 20 watchlists. Reports, for the engine (one
Aho-Corasick automaton, tenderwatch.matching.Matcher): notices/s and MB/s, and the share of its
time spent normalising; for the baseline (one ``re.search`` per alias over the same normalised
text), notices/s on a sample, and the ratio. Both must find the same aliases on the sample.
Usage: .venv/bin/python bench/match.py [N] [A] [BASELINE_SAMPLE]
"""

from __future__ import annotations

import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tenderwatch.matching import Matcher
from tenderwatch.normalize import FIELD_SEPARATOR, normalize, normalize_with_map
from tenderwatch.watchlists.model import Entity, Watchlist, WatchlistSet

PROSE = ("根据《中华人民共和国政府采购法》及相关规定，现将本项目采购需求、供应商资格要求、评审办法及合同主要条款"
         "公示如下。采购人对本项目的技术参数、商务条款负责解释；供应商应当具备独立承担民事责任的能力，具有良好的"
         "商业信誉和健全的财务会计制度，参加政府采购活动前三年内在经营活动中没有重大违法记录。投标文件应当按照"
         "招标文件要求编制，逾期送达的投标文件不予受理。项目预算金额已经财政部门批复，资金来源为财政性资金。")
BUYERS = ["喀什地区公安局", "新疆医科大学第一附属医院", "北京市公安局", "第八师石河子市公安局", "乌鲁木齐市教育局",
          "克拉玛依市人民医院", "四川省公安厅", "伊犁州疾病预防控制中心"]
GOODS = ["台式计算机", "警用车辆", "DNA检测试剂", "基因分析仪", "办公家具", "执法记录仪", "离心机", "移液器"]
SYLLABLES = ["bio", "gen", "tech", "lab", "med", "sci", "vita", "max", "plex", "quant", "cyto", "nova"]
HAN = "赛默飞世尔普洛麦格生物科技仪器试剂分析基因检测医疗器械贸易发展新华中德美联安捷伦凯杰"


def aliases(count: int, rng: random.Random) -> list[str]:
    out: set[str] = set()
    while len(out) < count:
        if rng.random() < 0.5:
            out.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).title()
                    + rng.choice(["", f" {rng.randint(10, 99)}", " Pro"]))
        else:
            out.add("".join(rng.choice(HAN) for _ in range(rng.randint(4, 7))))
    return sorted(out)


def watchlist_set(alias_list: list[str]) -> WatchlistSet:
    watchlists = []
    per = len(alias_list) // 20
    for w in range(20):
        chunk = alias_list[w * per:(w + 1) * per]
        entities = [Entity(name=f"E{w}-{i}", kind="brand", aliases=tuple(chunk[i:i + 5]))
                    for i in range(0, len(chunk), 5)]
        entities.append(Entity(name="Police", kind="buyer", all_of=(("公安局", "公安厅"), ("新疆", "喀什", "第八师")),
                               scopes=("buyer", "title")))
        watchlists.append(Watchlist(name=f"w{w}", title=f"W{w}", rule="brand and buyer",
                                    exclude=("Thermos",), entities=tuple(entities)))
    return WatchlistSet(tuple(watchlists), "bench")


def notices(count: int, alias_list: list[str], rng: random.Random) -> list[dict[str, str]]:
    out = []
    for n in range(count):
        buyer = rng.choice(BUYERS)
        body = "\n".join(PROSE[rng.randrange(60):] + f"项目编号：XJ-2026-{n:05d}，型号 Model-{rng.randint(100, 999)}xL。"
                         for _ in range(7))
        goods = [f"{rng.choice(GOODS)}\t{rng.choice(['国产', '详见附件', 'Generic'])}\t{rng.randint(1, 50)}台"
                 for _ in range(rng.randint(1, 6))]
        if rng.random() < 0.05:  # a watched name somewhere in the notice
            goods.append(f"试剂盒\t{rng.choice(alias_list)}\t1盒")
        out.append({"title": f"{buyer}{rng.choice(GOODS)}采购项目单一来源采购公示", "buyer": buyer,
                    "region": "新疆维吾尔自治区", "agency": "新疆某某招标代理有限公司",
                    "goods": "\n".join(goods), "body": body})
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    a = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000
    sample = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    rng = random.Random(7)
    alias_list = aliases(a, rng)
    corpus = notices(n, alias_list, rng)
    megabytes = sum(len(v.encode()) for f in corpus for v in f.values()) / 1e6
    print(f"corpus: {n} notices, {megabytes:.1f} MB of UTF-8 text (~{megabytes * 1e6 / n / 1000:.1f} KB each); "
          f"{a} aliases in 20 watchlists")

    t = time.perf_counter()
    matcher = Matcher(watchlist_set(alias_list))
    print(f"automaton build: {time.perf_counter() - t:.3f} s (once per watchlist change)")
    for fields in corpus[:200]:  # warm the fold table
        matcher.evaluate(fields)

    joined = [FIELD_SEPARATOR.join(fields.values()) for fields in corpus]
    t = time.perf_counter()
    for text in joined:
        normalize_with_map(text).origin  # noqa: B018 - the offset map is part of the cost
    norm_s = time.perf_counter() - t

    t = time.perf_counter()
    fired = sum(any(v.fired for v in matcher.evaluate(fields)) for fields in corpus)
    engine_s = time.perf_counter() - t
    engine_rate = n / engine_s
    print(f"engine: {engine_s:.2f} s, {engine_rate:,.0f} notices/s, {megabytes / engine_s:.1f} MB/s; "
          f"{fired} notices fired a watchlist")
    print(f"normalisation (with offset map): {norm_s:.2f} s = {norm_s / engine_s:.2f} of engine time "
          "(target <= 0.50)")

    brand_keys = sorted({normalize(x) for x in alias_list})
    keys = sorted(set(brand_keys) | {normalize(x) for x in ("公安局", "公安厅", "新疆", "喀什", "第八师")})
    patterns = [re.compile(re.escape(k)) for k in keys]
    per_field = [[normalize(v) for v in fields.values()] for fields in corpus[:sample]]
    whole = [normalize(text) for text in joined[:sample]]
    t = time.perf_counter()
    for texts in per_field:
        {k for k, p in zip(keys, patterns, strict=True) if any(p.search(x) for x in texts)}
    field_rate = sample / (time.perf_counter() - t)
    t = time.perf_counter()
    naive_found = [{k for k, p in zip(keys, patterns, strict=True) if p.search(text)} for text in whole]
    naive_rate = sample / (time.perf_counter() - t)
    print(f"naive baseline, one re.search per alias ({len(keys)} keys; normalised text given to it free), "
          f"on a {sample}-notice sample:")
    print(f"  over each field: {field_rate:,.0f} notices/s -> engine is {engine_rate / field_rate:.1f}x")
    print(f"  over the whole notice at once (the faster baseline): {naive_rate:,.0f} notices/s -> "
          f"engine is {engine_rate / naive_rate:.1f}x (target >= 30x)")

    wanted = set(brand_keys)
    for fields, naive in zip(corpus[:sample], naive_found, strict=True):
        engine = {normalize(h.alias) for v in matcher.evaluate(fields, detail=True) for h in v.hits} & wanted
        if engine != naive & wanted:
            raise SystemExit(f"engine and baseline disagree: {sorted(engine ^ (naive & wanted))}")
    print(f"engine and baseline found the same brand aliases on all {sample} sampled notices")


if __name__ == "__main__":
    main()
