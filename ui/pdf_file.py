"""Writing a PDF file with QPdfWriter so that a failure is seen: Qt reports a write error (a full
disk) only through ``QPainter.end()``'s result and may leave a truncated file, so ``finish``
checks both and raises OSError — inside ``station.fsutil.atomic_output`` the old file then
stays. Used by the report (ui/report_pdf.py) and the receipt (ui/receipt.py)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from station.i18n import _
from ui.qt import QPainter, QPdfWriter


def begin(pdf: QPdfWriter, path: Path) -> QPainter:
    """A painter on ``pdf``; OSError when the file cannot be opened for writing."""
    painter = QPainter(pdf)
    if not painter.isActive():
        raise OSError(errno.EIO, _("the PDF file cannot be opened for writing"), str(path))
    return painter


def finish(painter: QPainter, path: Path) -> None:
    """End the painting and make sure the PDF reached the disk whole: QPdfWriter reports a
    write error (a full disk) only through ``end()``'s result, and may leave a truncated file.
    OSError otherwise, so that ``atomic_output`` keeps the old file."""
    ended = painter.end()
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, os.fstat(fh.fileno()).st_size - 1024))
            tail = fh.read()
    except OSError:
        tail = b""
    if not ended or b"%%EOF" not in tail:
        raise OSError(
            errno.EIO, _("the PDF could not be written completely (is the disk full?)"), str(path)
        )


__all__ = ["begin", "finish"]
