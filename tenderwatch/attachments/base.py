"""What every reader of :mod:`tenderwatch.attachments` shares: the error, the result, the limits.

The readers look the limits up here at call time (``base.MAX_TEXT``, never a copy bound at import), so
setting one on the package (``tenderwatch.attachments.MAX_TEXT = …``, as the tests do) reaches them all:
the package forwards such assignments here.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_BYTES = 20 * 1024 * 1024  # default cap on one attachment's size
MAX_TEXT = 2_000_000  # characters of text kept per attachment
MAX_ZIP_MEMBERS = 200
MAX_ZIP_TOTAL = 100 * 1024 * 1024  # total uncompressed bytes read from one archive (zip bomb guard)
MAX_ZIP_RATIO = 200  # refuse a member whose uncompressed/compressed ratio exceeds this
MAX_ZIP_DEPTH = 2  # zip inside zip inside zip: stop

# The limits read at call time: assigning one of these on the package also assigns it here.

KINDS = ("pdf", "docx", "xlsx", "zip", "text", "html")


class AttachmentError(Exception):
    """An attachment that cannot be read; the message is a one-line reason."""


@dataclass(frozen=True)
class Extracted:
    kind: str  # "pdf" | "docx" | "xlsx" | "zip" | "text" | "html"
    text: str  # the readable text; table cells separated by "\t", rows/paragraphs by "\n"
    notes: tuple[str, ...] = ()  # skipped members and why, truncation, etc.


def _one_line(exc: BaseException) -> str:
    message = " ".join(str(exc).split()) or type(exc).__name__
    return message[:300]
