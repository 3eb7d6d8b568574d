"""Email: one multipart/alternative message (text + HTML) per alert, over verified TLS.

Subscribers with a daily or weekly frequency get digests instead (notifiers.digest, DigestNotifier).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from notifiers.base import PermanentError, TransientError
from notifiers.digest import Digest
from notifiers.digest import build_message as build_digest_message
from notifiers.text import render_text
from tenderwatch.alerts import AlertPayload
from tenderwatch.config import SmtpConfig
from tenderwatch.store import AlertRow

TIMEOUT = 30
_templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), undefined=StrictUndefined,
                         autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
                         trim_blocks=True, lstrip_blocks=True)


def build_message(p: AlertPayload, sender: str, recipient: str) -> EmailMessage:
    msg = EmailMessage()
    head = p.lead
    msg["Subject"] = f"[tenderwatch {p.severity}] {head}{p.title[:150]}"
    msg["From"], msg["To"] = sender, recipient
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="tenderwatch.invalid")
    msg["List-Id"] = "tenderwatch alerts <alerts.tenderwatch.invalid>"
    msg.set_content(render_text(p))
    facts = [("Buyer", p.buyer), ("Region", p.region), ("Budget", p.budget), ("Awarded", p.award_amount),
             ("Deadline", p.deadline), ("Suppliers", ", ".join(p.suppliers))]
    msg.add_alternative(_templates.get_template("alert.html").render(p=p, facts=facts), subtype="html")
    return msg


class SmtpTransport:
    """One verified-TLS SMTP session per message; errors classified for the dispatcher."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def deliver(self, msg: EmailMessage, recipient: str) -> str:
        context = ssl.create_default_context()  # always verify: smtplib alone would not
        try:
            if self.config.implicit_tls:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.config.host, self.config.port, timeout=TIMEOUT,
                                                      context=context)
            else:
                smtp = smtplib.SMTP(self.config.host, self.config.port, timeout=TIMEOUT)
            with smtp:
                if self.config.starttls:
                    smtp.starttls(context=context)  # unconditionally: no silent downgrade
                if self.config.user:
                    smtp.login(self.config.user, self.config.password)
                smtp.send_message(msg, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if codes and all(400 <= code < 500 for code in codes):
                raise TransientError(f"recipient deferred: {recipient} ({codes[0]})") from exc
            raise PermanentError(f"recipient refused: {recipient} ({codes[0] if codes else '?'})") from exc
        except smtplib.SMTPResponseException as exc:
            if 400 <= exc.smtp_code < 500:
                raise TransientError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
            raise PermanentError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientError(f"SMTP unreachable: {exc}") from exc
        return str(msg["Message-ID"])


class EmailNotifier:
    """``email:<address>`` rows: one message per alert."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.transport = SmtpTransport(config)

    def send(self, row: AlertRow, payload: AlertPayload, thread_ref: str | None = None) -> str | None:
        recipient = row.destination.split(":", 1)[1]
        return self.transport.deliver(build_message(payload, self.config.from_addr, recipient), recipient)


def build_ops_message(subject: str, body: str, sender: str, recipient: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject[:200]
    msg["From"], msg["To"] = sender, recipient
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(idstring="ops", domain="tenderwatch.invalid")
    msg["List-Id"] = "tenderwatch operations <ops.tenderwatch.invalid>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body)
    return msg


class DigestNotifier:
    """``digest:<address>`` rows: every due alert of the address in one digest message."""

    def __init__(self, config: SmtpConfig, frequency_of: Callable[[str], str]) -> None:
        self.config = config
        self.transport = SmtpTransport(config)
        self.frequency_of = frequency_of

    def send_digest(self, address: str, payloads: list[AlertPayload], since: datetime | None, now: datetime) -> str:
        digest = Digest(address, self.frequency_of(address), since, now, payloads)
        return self.transport.deliver(build_digest_message(digest, self.config.from_addr, now), address)
