"""`tenderwatch alerts`: the outbox as an operator sees it, and re-queueing failed alerts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tenderwatch.config import Config
from tenderwatch.store import Store
from tests.conftest import REPO
from tests.test_slack_delivery import save


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tenderwatch.cli", "alerts", *args], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=120, check=False)


def test_alerts_lists_states_and_retry_requeues_failed(tmp_path: Path) -> None:
    env = {**os.environ, "TENDERWATCH_DATA_DIR": str(tmp_path / "data")}
    with Store(Config.from_env(env).db_path) as store:
        save(store, 1, "slack:#missing")
        save(store, 2, "digest:desk@example.org")
        save(store, 3, "console")
        (failed,) = [a for a in store.due_alerts() if a.destination == "slack:#missing"]
        store.mark_failed(failed.id, "Slack refused: channel_not_found")
    listing = cli(env)
    assert listing.returncode == 0, listing.stderr
    assert "failed    slack:#missing" in listing.stdout
    assert "(Slack refused: channel_not_found)" in listing.stdout
    assert "held      digest:desk@example.org" in listing.stdout
    assert listing.stdout.rstrip().endswith("1 held, 1 pending, 0 delivered, 1 failed")
    only_failed = cli(env, "--status", "failed")
    assert "slack:#missing" in only_failed.stdout
    assert "console" not in only_failed.stdout.splitlines()[0]
    retried = cli(env, "retry")
    assert "re-queued 1 failed alert(s)" in retried.stdout
    with Store(Config.from_env(env).db_path) as store:
        assert store.alert_counts() == {"held": 1, "pending": 2, "delivered": 0, "failed": 0}
