"""Reading zips within limits: the shared read budget, member names, ratio checks, bounded reads, and the
text of a ZIP of attachments.

Every guard is checked from the zip headers *before* anything is decompressed, and never more than a
member's declared size is read. DOCX and XLSX are zips too: :mod:`tenderwatch.attachments.office` reads
their parts through :func:`_read_part`, under the same budget.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable

from tenderwatch.attachments import base
from tenderwatch.attachments.base import AttachmentError, Extracted, _one_line

# A member this small cannot be a bomb whatever its ratio (a 10 KB file of spaces compresses 300x);
# the total-size check still counts it.
_RATIO_EXEMPT_SIZE = 1024 * 1024
_CHUNK = 64 * 1024
_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1


class _Budget:
    """Uncompressed bytes still allowed to be read from archives during one ``extract_text`` call."""

    def __init__(self, remaining: int) -> None:
        self.remaining = remaining

    def take(self, n: int, what: str) -> None:
        if n > self.remaining:
            raise AttachmentError(f"zip bomb: {what} would exceed the {base.MAX_ZIP_TOTAL} bytes read limit")
        self.remaining -= n


# The dispatcher (``tenderwatch.attachments._extract``) that reads each member of a ZIP: passed in by the
# package so that this module need not import it (the package imports this module).
_Extract = Callable[[bytes, str, str, int, int, _Budget], Extracted]


# ------------------------------------------------------------------------------------------ zip helpers


def _open_zip(data: bytes, what: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise AttachmentError(f"corrupt {what}: {_one_line(exc)}") from exc


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's real name: zips made on Chinese Windows store GBK names without the UTF-8 flag."""
    name = info.filename
    if info.flag_bits & _UTF8_FLAG or name.isascii():
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name  # zipfile was told another metadata encoding
    for encoding in ("utf-8", "gbk"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return name


def _check_ratio(info: zipfile.ZipInfo, name: str) -> None:
    if info.file_size <= _RATIO_EXEMPT_SIZE:
        return
    ratio = info.file_size / max(info.compress_size, 1)
    if ratio > base.MAX_ZIP_RATIO:
        raise AttachmentError(f"zip bomb: member {name} expands {ratio:.0f}x (limit {base.MAX_ZIP_RATIO}x)")


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, budget: _Budget) -> bytes:
    """The member's bytes, never more than its declared size (checked against the budget first)."""
    _check_ratio(info, name)
    budget.take(info.file_size, f"member {name}")
    limit = info.file_size
    chunks: list[bytes] = []
    got = 0
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(min(_CHUNK, limit - got + 1))
                if not chunk:
                    break
                got += len(chunk)
                if got > limit:
                    raise AttachmentError(f"zip bomb: member {name} is larger than its declared {limit} bytes")
                chunks.append(chunk)
    except AttachmentError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError,
            NotImplementedError) as exc:
        raise AttachmentError(f"corrupt zip member {name}: {_one_line(exc)}") from exc
    return b"".join(chunks)


def _read_part(zf: zipfile.ZipFile, part: str, budget: _Budget, what: str) -> bytes | None:
    try:
        info = zf.getinfo(part)
    except KeyError:
        return None
    if info.flag_bits & _ENCRYPTED_FLAG:
        raise AttachmentError(f"encrypted {what}")
    return _read_member(zf, info, part, budget)


# ------------------------------------------------------------------------------------------------- ZIP


def _zip_text(data: bytes, max_bytes: int, depth: int, budget: _Budget, notes: list[str],
              extract: _Extract) -> str:
    if depth > base.MAX_ZIP_DEPTH:
        raise AttachmentError(f"zip nested too deep: depth {depth}, limit {base.MAX_ZIP_DEPTH}")
    with _open_zip(data, "zip") as zf:
        members = [(info, _member_name(info)) for info in zf.infolist() if not info.is_dir()]
        # Every guard from the headers, before a single byte is decompressed.
        if len(members) > base.MAX_ZIP_MEMBERS:
            raise AttachmentError(f"too many zip members: {len(members)}, limit {base.MAX_ZIP_MEMBERS}")
        for info, member in members:
            _check_ratio(info, member)
        declared = sum(info.file_size for info, _member in members)
        if declared > base.MAX_ZIP_TOTAL:
            raise AttachmentError(f"zip bomb: {declared} bytes uncompressed, limit {base.MAX_ZIP_TOTAL}")
        if declared > budget.remaining:
            raise AttachmentError(f"zip bomb: {declared} bytes uncompressed, only {budget.remaining} left "
                                  f"of the {base.MAX_ZIP_TOTAL} bytes limit for nested archives")
        sections: list[str] = []
        total = 0
        for info, member in members:
            if total > base.MAX_TEXT:
                notes.append(f"skipped {member}: text limit reached")
                continue
            if info.flag_bits & _ENCRYPTED_FLAG:
                notes.append(f"skipped {member}: encrypted")
                continue
            if info.file_size > max_bytes:
                notes.append(f"skipped {member}: too large: {info.file_size} bytes, limit {max_bytes}")
                continue
            try:
                content = _read_member(zf, info, member, budget)
                sub = extract(content, member, "", max_bytes, depth + 1, budget)
            except AttachmentError as exc:
                notes.append(f"skipped {member}: {exc}")
                continue
            notes.extend(f"{member}: {note}" for note in sub.notes)
            section = f"== {member} ==\n{sub.text}"
            sections.append(section)
            total += len(section) + 1
    return "\n".join(sections)
