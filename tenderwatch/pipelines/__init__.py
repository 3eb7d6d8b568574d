"""Item pipelines, in one direction: normalize -> dedupe -> match -> store (+ outbox).

A spider yields ``Notice`` items; ``NormalizePipeline`` wraps each in a ``Candidate`` that the later
stages fill in (its project, the earlier notice it updates, the watchlist verdicts).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tenderwatch.matching import Verdict
from tenderwatch.model import Notice


@dataclass
class Candidate:
    notice: Notice
    project_key: str = ""
    update_of: Notice | None = None  # the first stored notice of the same project
    republication_of: Notice | None = None  # the same notice (project and stage) stored from another portal
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def fired(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.fired]
