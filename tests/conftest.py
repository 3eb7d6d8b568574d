"""Shared fixtures. Tests never reach beyond 127.0.0.1 and never read the developer's own settings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tenderwatch.config import Config
from tenderwatch.store import Store

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

_OPERATOR_VARS = ("SLACK_", "SMTP_", "EMAIL_TO", "TENDERWATCH_")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An operator's real Slack token or SMTP server in the environment must never reach a test."""
    for name in list(os.environ):
        if name.startswith(_OPERATOR_VARS):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TENDERWATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TENDERWATCH_DOWNLOAD_DELAY", "0")
    monkeypatch.setenv("TENDERWATCH_LOOPBACK_ONLY", "1")  # crawls refuse any address but 127.0.0.1


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config.from_env()


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    with Store(config.db_path) as s:
        yield s
