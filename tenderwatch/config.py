"""Operator configuration, read from the environment only (secrets never live in files)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """A setting in the environment is malformed; the message names the variable."""


@dataclass(frozen=True)
class SlackConfig:
    bot_token: str = ""
    channel: str = ""
    webhook_url: str = ""
    api_url: str = ""  # slack-sdk base_url, for enterprise proxies and tests
    timeout: float = 15.0  # seconds per request; a timed-out post is retried (it may have arrived)

    @property
    def mode(self) -> str:
        return "bot" if self.bot_token else "webhook"


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    user: str = ""
    password: str = ""
    starttls: bool = True
    implicit_tls: bool = False
    from_addr: str = "tenderwatch <tenderwatch@localhost>"
    to: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    data_dir: Path = Path("data")
    watchlists_dir: Path = Path("watchlists")
    alerts_jsonl: Path = Path("data/alerts.jsonl")
    host_map: Mapping[str, str] = field(default_factory=dict)
    slack: SlackConfig | None = None
    smtp: SmtpConfig | None = None
    lookback_days: int = 7
    contact_url: str = "https://github.com/tenderwatch/tenderwatch"
    ops_slack_channel: str = ""  # health alerts and reports for the people who run the monitor
    ops_email: tuple[str, ...] = ()
    parse_error_report: int = 3  # a poll with more parse errors than this reports its failing URLs

    @property
    def ops_destinations(self) -> list[str]:
        found = [f"slack:{self.ops_slack_channel}"] if self.ops_slack_channel else []
        return found + [f"email:{address}" for address in self.ops_email]

    @property
    def db_path(self) -> Path:
        return self.data_dir / "tenderwatch.sqlite3"

    @property
    def watchlist_snapshot(self) -> Path:
        """The last watchlists that validated; crawls read this, never the editable folder."""
        return self.data_dir / "watchlists.good.json"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        data_dir = Path(env.get("TENDERWATCH_DATA_DIR") or "data")
        return cls(
            data_dir=data_dir,
            watchlists_dir=Path(env.get("TENDERWATCH_WATCHLISTS") or "watchlists"),
            alerts_jsonl=Path(env.get("TENDERWATCH_ALERTS_JSONL") or data_dir / "alerts.jsonl"),
            host_map=parse_host_map(env.get("TENDERWATCH_HOST_MAP", "")),
            slack=_slack(env),
            smtp=_smtp(env),
            lookback_days=_int(env, "TENDERWATCH_LOOKBACK_DAYS", 7),
            contact_url=env.get("TENDERWATCH_CONTACT_URL") or cls.contact_url,
            **_ops(env),
        )


def parse_host_map(value: str) -> dict[str, str]:
    """``host=base_url`` pairs separated by whitespace, e.g. ``www.ccgp.gov.cn=http://127.0.0.1:8001``."""
    mapping: dict[str, str] = {}
    for pair in value.split():
        host, sep, base = pair.partition("=")
        parts = urlsplit(base)
        if not sep or not host or parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ConfigError(f"TENDERWATCH_HOST_MAP: {pair!r} is not host=http(s)://base")
        mapping[host.lower()] = base.rstrip("/")
    return mapping


def _ops(env: Mapping[str, str]) -> dict[str, object]:
    channel = env.get("TENDERWATCH_OPS_SLACK_CHANNEL", "").strip()
    emails = tuple(a.strip() for a in env.get("TENDERWATCH_OPS_EMAIL", "").split(",") if a.strip())
    if channel and not env.get("SLACK_BOT_TOKEN"):
        raise ConfigError("TENDERWATCH_OPS_SLACK_CHANNEL needs SLACK_BOT_TOKEN (a webhook posts to one channel only)")
    if emails and not env.get("SMTP_HOST"):
        raise ConfigError("TENDERWATCH_OPS_EMAIL needs SMTP_HOST")
    return {"ops_slack_channel": channel, "ops_email": emails,
            "parse_error_report": _int(env, "TENDERWATCH_PARSE_ERROR_REPORT", 3)}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "")
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in TRUE:
        return True
    if raw.strip().lower() in FALSE:
        return False
    raise ConfigError(f"{name}={raw!r}: use true or false")


def _slack(env: Mapping[str, str]) -> SlackConfig | None:
    token, channel = env.get("SLACK_BOT_TOKEN", ""), env.get("SLACK_CHANNEL", "")
    webhook = env.get("SLACK_WEBHOOK_URL", "")
    if token and not channel:
        raise ConfigError("SLACK_BOT_TOKEN is set but SLACK_CHANNEL is not")
    if not token and not webhook:
        return None
    raw_timeout = env.get("SLACK_TIMEOUT", "15")
    try:
        timeout = float(raw_timeout)
    except ValueError:
        timeout = -1.0
    if not 0 < timeout <= 300:
        raise ConfigError(f"SLACK_TIMEOUT={raw_timeout!r}: seconds, more than 0 and at most 300")
    return SlackConfig(bot_token=token, channel=channel, webhook_url=webhook,
                       api_url=env.get("SLACK_API_URL", ""), timeout=timeout)


def _smtp(env: Mapping[str, str]) -> SmtpConfig | None:
    host = env.get("SMTP_HOST", "")
    if not host:
        return None
    port = _int(env, "SMTP_PORT", 587)
    implicit = port == 465 or _bool(env, "SMTP_TLS", False)
    to = tuple(a.strip() for a in env.get("EMAIL_TO", "").replace(";", ",").split(",") if a.strip())
    return SmtpConfig(
        host=host,
        port=port,
        user=env.get("SMTP_USER", ""),
        password=env.get("SMTP_PASSWORD", ""),
        starttls=not implicit and _bool(env, "SMTP_STARTTLS", True),
        implicit_tls=implicit,
        from_addr=env.get("SMTP_FROM") or SmtpConfig.from_addr,
        to=to,
    )
