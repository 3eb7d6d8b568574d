"""A dispatcher killed with SIGKILL at random moments while sending, and restarted: no alert is lost;
the only duplicates are alerts Slack acknowledged whose acknowledgement was not yet recorded, so at
most one per kill. The figures are printed."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tenderwatch.config import Config
from tenderwatch.store import Store
from tests.conftest import REPO
from tests.support.slack_server import SlackServer
from tests.test_slack_delivery import save

ALERTS = 60
KILLS = 8


def test_sigkill_while_sending_loses_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(20261123)
    with SlackServer() as slack:
        slack.post_delay = 0.1  # each post takes a moment, so kills land mid-send
        env = {**os.environ, "TENDERWATCH_DATA_DIR": str(tmp_path / "data"), "SLACK_BOT_TOKEN": "xoxb-test",
               "SLACK_CHANNEL": "#c0", "SLACK_API_URL": slack.api_url}
        with Store(Config.from_env(env).db_path) as store:
            for i in range(ALERTS):  # one channel each: Slack's 1 message/s/channel pacing does not slow the test
                save(store, i, f"slack:#c{i}")
        kills = 0
        started = time.monotonic()
        log = tmp_path / "dispatch.log"
        while True:
            with log.open("ab") as err:
                child = subprocess.Popen([sys.executable, "-m", "tests.support.dispatch_loop"], cwd=REPO, env=env,
                                         stdout=subprocess.DEVNULL, stderr=err)
            if kills < KILLS:
                time.sleep(rng.uniform(0.8, 1.6))  # start-up takes ~0.7 s; then it is sending
                if child.poll() is None:
                    child.send_signal(signal.SIGKILL)
                    child.wait(timeout=30)
                    kills += 1
                    continue
            assert child.wait(timeout=120) == 0, log.read_text(errors="replace")[-3000:]
            break
        elapsed = time.monotonic() - started
        with Store(Config.from_env(env).db_path) as store:
            counts = store.alert_counts()
        texts = [m["text"] for m in slack.messages]
    assert kills >= 3  # the test killed it mid-delivery, more than once
    assert counts["delivered"] == ALERTS
    assert counts["pending"] == counts["failed"] == 0
    received = {t.splitlines()[0] for t in texts}
    assert len(received) == ALERTS  # every alert arrived
    duplicates = len(texts) - len(received)
    assert duplicates <= kills  # only the acknowledged-but-unrecorded one per kill
    with capsys.disabled():
        print(f"\ncrash safety: {ALERTS} alerts, {kills} SIGKILLs while sending, {len(texts)} messages received, "
              f"{duplicates} duplicate(s), 0 lost, {elapsed:.1f} s")
