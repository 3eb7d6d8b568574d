"""What every notifier is: one small class per channel, registered by destination kind."""

from __future__ import annotations

from typing import Protocol

from tenderwatch.alerts import AlertPayload
from tenderwatch.store import AlertRow


class TransientError(Exception):
    """Try again later (connection refused, timeout, 5xx, rate limit)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(Exception):
    """Retrying will not help (bad credentials, unknown channel, refused recipient)."""


class Notifier(Protocol):
    def send(self, row: AlertRow, payload: AlertPayload, thread_ref: str | None = None) -> str | None:
        """Deliver one alert (in ``thread_ref``'s thread, where the channel has threads); return a
        delivery reference. Raise TransientError or PermanentError."""
        ...
