"""The intake receipt printed through QtPrintSupport, or saved as PDF when there is no printer."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ui.qt import QCoreApplication, QFont, QImage, QPainter, QRectF


def render(painter: QPainter, data: Mapping[str, Any], width: int) -> None:
    """Draw the receipt on any paint device (printer, PDF, image) ``width`` pixels wide."""
    import segno

    from ui.qt import Qt

    side = min(width // 3, 600)
    text_width = width - side - width // 30
    y = 0

    def line(text: str, size: int = 11, bold: bool = False) -> None:
        nonlocal y
        font = QFont(painter.font().family(), size)
        font.setBold(bold)
        painter.setFont(font)
        flags = int(Qt.TextFlag.TextWordWrap)
        box = painter.boundingRect(QRectF(0, y, text_width, 10_000), flags, text)
        painter.drawText(QRectF(0, y, text_width, box.height()), flags, text)
        y += int(box.height() + painter.fontMetrics().height() * 0.4)

    line(QCoreApplication.translate("Receipt", "Residence permit application receipt"), 17, True)
    line(data["station"], 11)
    line(
        QCoreApplication.translate("Receipt", "Application no.: %1").replace("%1", data["number"]),
        13,
        True,
    )
    line(
        QCoreApplication.translate("Receipt", "Applicant: %1   ID number: %2")
        .replace("%1", data["name"])
        .replace("%2", data["id_masked"])
    )
    line(
        QCoreApplication.translate("Receipt", "Kind: %1   Taken in: %2")
        .replace("%1", data["kind"])
        .replace("%2", data["taken"])
    )
    line(
        QCoreApplication.translate("Receipt", "Services requested: %1").replace(
            "%1", "、".join(data["services"]) or "—"
        )
    )
    line(
        QCoreApplication.translate("Receipt", "Promised pickup date: %1").replace(
            "%1", data["pickup"]
        ),
        13,
        True,
    )
    line(
        QCoreApplication.translate("Receipt", "Station address: %1   Phone: %2")
        .replace("%1", data["address"])
        .replace("%2", data["phone"])
    )
    buf = io.BytesIO()
    segno.make(data["qr"], error="m").save(buf, kind="png", scale=8, border=2)
    image = QImage.fromData(buf.getvalue())
    painter.drawImage(QRectF(width - side, 0, side, side), image)


def save_pdf(data: Mapping[str, Any], path: Path) -> None:
    from station.fsutil import atomic_output
    from ui.pdf_file import begin, finish
    from ui.qt import QPageSize, QPdfWriter

    def write(tmp: Path) -> None:
        pdf = QPdfWriter(str(tmp))
        pdf.setPageSize(QPageSize(QPageSize.PageSizeId.A5))
        pdf.setResolution(200)
        painter = begin(pdf, tmp)
        render(painter, data, pdf.width())
        finish(painter, tmp)  # a full disk: OSError, the old file stays

    atomic_output(path, write)


def print_receipt(data: Mapping[str, Any], parent: Any = None) -> bool:
    """Print with the system printer; False when there is none (the caller saves a PDF)."""
    from ui.qt import QPrintDialog, QPrinter

    printer = QPrinter()
    if not printer.isValid():
        return False
    dialog = QPrintDialog(printer, parent)
    if not dialog.exec():
        return True
    painter = QPainter(printer)
    render(painter, data, printer.width())
    painter.end()
    return True


def deliver(data: Mapping[str, Any], parent: Any = None, pdf_path: str | None = None) -> str | None:
    """Print the receipt; without a printer (or with ``pdf_path``) save it as a PDF, asking
    where when no path is given. Returns the PDF's path, or None (printed, or cancelled)."""
    from ui.qt import QCoreApplication, QFileDialog

    if pdf_path is None and print_receipt(data, parent):
        return None
    if pdf_path is None:
        pdf_path, _f = QFileDialog.getSaveFileName(
            parent,
            QCoreApplication.translate("Receipt", "Save the receipt"),
            f"receipt-{data['number']}.pdf",
            "*.pdf",
        )
    if not pdf_path:
        return None
    save_pdf(data, Path(pdf_path))
    return pdf_path
