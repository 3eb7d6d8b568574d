"""The same notice on two portals, polled apart: one alert; when the second copy appears after the
alert went out, the record and the alert's Slack thread are told where else it is published."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tenderwatch.demo import demo_server
from tenderwatch.replay_sites import SITES
from tests.conftest import REPO
from tests.support.slack_server import SlackServer


def test_a_later_copy_on_another_portal_replies_in_the_thread_not_a_new_alert(tmp_path: Path) -> None:
    with demo_server() as server, SlackServer() as slack:
        env = {**os.environ, "TENDERWATCH_HOST_MAP": server.host_map(*SITES), "TENDERWATCH_DATA_DIR": str(tmp_path),
               "TENDERWATCH_LOOKBACK_DAYS": "3650", "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_CHANNEL": "#dna",
               "SLACK_API_URL": slack.api_url}

        def poll(portal: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "tenderwatch.cli", "poll", portal], cwd=REPO, env=env,
                                  capture_output=True, text=True, timeout=240, check=False)

        first = poll("ccgp")
        assert first.returncode == 0, first.stderr
        (police,) = [m for m in slack.messages if "t20261120_27300001" in m["text"]]
        count = len(slack.messages)
        second = poll("ccgp_xinjiang")
        assert second.returncode == 0, second.stderr
        new = slack.messages[count:]
    (reply,) = new  # the hospital notice on that portal matches nothing; the police one is a copy
    assert reply["thread_ts"] == police["ts"]
    assert "Also published" in str(reply["blocks"])
    assert "ccgp-xinjiang.gov.cn" in reply["text"]
    records = [json.loads(line) for line in (tmp_path / "alerts.jsonl").read_text("utf-8").splitlines()]
    assert [r["kind"] for r in records if r["key"].startswith("ccgp_xinjiang:")] == ["republished"]
    (copy,) = [r for r in records if r["kind"] == "republished"]
    assert copy["update_of"]["key"] == "ccgp:27300001"
    assert "ALSO PUBLISHED: Single-source notice" in second.stdout
