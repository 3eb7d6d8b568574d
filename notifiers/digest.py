"""Email digest schedules (the digest rendering and SMTP sending are not written yet)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DigestSchedule:
    frequency: str = "immediate"  # immediate | daily | weekly
    hour: int = 8
    weekday: str = "mon"
    timezone: str = "UTC"
