"""PDF text via pypdf, page by page, with pypdf's own warnings and log noise silenced."""

from __future__ import annotations

import io
import logging
import warnings

from tenderwatch.attachments import base
from tenderwatch.attachments.base import AttachmentError, _one_line


def _pdf_text(data: bytes, notes: list[str]) -> str:
    from pypdf import PasswordType, PdfReader  # imported here: only PDFs pay for it
    from pypdf.errors import DependencyError

    pypdf_logger = logging.getLogger("pypdf")
    old_level = pypdf_logger.level
    pypdf_logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                reader = PdfReader(io.BytesIO(data))
                if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                    raise AttachmentError("encrypted PDF")
                pages = list(reader.pages)
            except AttachmentError:
                raise
            except DependencyError as exc:
                raise AttachmentError(f"encrypted PDF: {_one_line(exc)}") from exc
            except Exception as exc:  # pypdf raises many types on damaged input
                raise AttachmentError(f"corrupt PDF: {_one_line(exc)}") from exc
            if not pages:
                raise AttachmentError("corrupt PDF: no pages")
            texts: list[str] = []
            total = 0
            for number, page in enumerate(pages, 1):
                if total > base.MAX_TEXT:
                    notes.append(f"pages {number}-{len(pages)} not read: text limit reached")
                    break
                try:
                    page_text = page.extract_text() or ""
                except Exception as exc:  # noqa: BLE001 - pypdf raises anything on a damaged page; keep the others
                    notes.append(f"page {number} unreadable: {_one_line(exc)}")
                    page_text = ""
                texts.append(page_text)
                total += len(page_text) + 1
    finally:
        pypdf_logger.setLevel(old_level)
    text = "\n".join(texts)
    if not text.strip():
        notes.append("PDF has no text layer (scanned?)")
    return text
