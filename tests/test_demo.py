from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def demo(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TENDERWATCH_DATA_DIR": str(data), "SLACK_WEBHOOK_URL": "http://127.0.0.1:9/never"}
    return subprocess.run([sys.executable, "-m", "tenderwatch.cli", "demo", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=180, check=False)


def test_demo_alerts_offline_once(tmp_path: Path) -> None:
    first = demo(tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("[HIGH]") == 2  # the DNA kit and the analyser; not the police vehicles
    assert "PowerPlex" in first.stdout
    assert "警用车辆" not in first.stdout
    second = demo(tmp_path)
    assert second.returncode == 0, second.stderr
    assert "[HIGH]" not in second.stdout
    assert "Nothing new" in second.stdout
    assert (tmp_path / "demo" / "alerts.jsonl").read_text(encoding="utf-8").count("\n") == 2
