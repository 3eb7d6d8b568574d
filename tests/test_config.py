from __future__ import annotations

from pathlib import Path

import pytest

from tenderwatch.config import Config, ConfigError, parse_host_map


def test_defaults() -> None:
    config = Config.from_env({})
    assert config.data_dir == Path("data")
    assert config.db_path == Path("data/tenderwatch.sqlite3")
    assert config.alerts_jsonl == Path("data/alerts.jsonl")
    assert config.slack is None
    assert config.smtp is None


def test_host_map() -> None:
    assert parse_host_map("www.ccgp.gov.cn=http://127.0.0.1:8001  Search.ccgp.gov.cn=http://127.0.0.1:8001/s/") == {
        "www.ccgp.gov.cn": "http://127.0.0.1:8001", "search.ccgp.gov.cn": "http://127.0.0.1:8001/s"}
    with pytest.raises(ConfigError, match="TENDERWATCH_HOST_MAP"):
        parse_host_map("www.ccgp.gov.cn=127.0.0.1:8001")


def test_slack_and_smtp() -> None:
    config = Config.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_CHANNEL": "#alerts", "SLACK_API_URL": "http://h/api/",
                              "SMTP_HOST": "mail", "SMTP_PORT": "465", "EMAIL_TO": "a@x.org, b@x.org"})
    assert config.slack is not None
    assert config.slack.mode == "bot"
    assert config.slack.api_url == "http://h/api/"
    assert config.smtp is not None
    assert config.smtp.implicit_tls
    assert not config.smtp.starttls
    assert config.smtp.to == ("a@x.org", "b@x.org")
    assert Config.from_env({"SMTP_HOST": "m"}).smtp.starttls  # type: ignore[union-attr]


@pytest.mark.parametrize(("env", "message"), [
    ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_CHANNEL"),
    ({"SMTP_HOST": "m", "SMTP_PORT": "abc"}, "SMTP_PORT"),
    ({"SMTP_HOST": "m", "SMTP_STARTTLS": "maybe"}, "SMTP_STARTTLS"),
])
def test_bad_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Config.from_env(env)
