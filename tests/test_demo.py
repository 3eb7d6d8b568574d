"""`tenderwatch demo`: every portal replayed offline, alerts once, a republished notice cited not repeated."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PORTALS = ("ccgp", "ccgp_bingtuan", "ccgp_xinjiang", "ggzy", "xjggzy")


def demo(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TENDERWATCH_DATA_DIR": str(data), "SLACK_WEBHOOK_URL": "http://127.0.0.1:9/never"}
    return subprocess.run([sys.executable, "-m", "tenderwatch.cli", "demo", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_demo_replays_every_portal_and_alerts_once(tmp_path: Path) -> None:
    first = demo(tmp_path)
    assert first.returncode == 0, first.stderr
    for portal in PORTALS:
        assert f"\n{portal}: ok: " in "\n" + first.stdout, first.stdout
    alerts = [json.loads(line) for line in (tmp_path / "demo" / "alerts.jsonl").read_text("utf-8").splitlines()]
    keys = [a["key"] for a in alerts]
    assert len(keys) == len(set(keys)) == 6
    assert {k.split(":", 1)[0] for k in keys} == set(PORTALS) - {"ccgp_xinjiang"}  # its notice is ccgp's, cited
    (republished,) = [a for a in alerts if a["also_at"]]
    assert republished["key"] == "ccgp:27300001"
    assert [p["portal"] for p in republished["also_at"]] == ["ccgp_xinjiang"]
    assert "also published on ccgp_xinjiang" in first.stdout
    assert "警用车辆" not in first.stdout  # the police vehicles notice matches no watchlist
    second = demo(tmp_path)
    assert second.returncode == 0, second.stderr
    assert "[HIGH]" not in second.stdout
    assert "Nothing new" in second.stdout
