"""The report as PDF (the ``pdf`` entry of ``station.report_writers``): A4 pages with the
tables of ``station.reports.writers.sections`` and bar charts, drawn with QPainter on a
QPdfWriter. It lives in ui/ because it needs Qt, which the core never imports; the core finds it
through the entry point (``station report daily --format pdf``, the exports page)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from station.fsutil import atomic_output
from station.i18n import _
from station.reports import title
from station.reports.writers import sections
from ui.pdf_file import begin, finish
from ui.qt import (
    QColor,
    QCoreApplication,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QMarginsF,
    QPageLayout,
    QPageSize,
    QPdfWriter,
    QRectF,
    Qt,
)

CJK_FAMILIES = ("Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC")


def rendering_app() -> QCoreApplication:
    """The running Qt application, or one made to draw files from the command line (offscreen
    unless a platform is set, with the CJK font and the translations of the desktop)."""
    app = QGuiApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from ui.app import make_app

        app = make_app()
    return app


def write_pdf(data: dict[str, Any], path: Path) -> None:
    """A4 pages: the tables, and bar charts drawn with QPainter."""
    rendering_app()
    family = next((f for f in CJK_FAMILIES if f in QFontDatabase.families()), "")

    def write(tmp: Path) -> None:
        pdf = QPdfWriter(str(tmp))
        pdf.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Portrait,
                QMarginsF(15, 15, 15, 15),
                QPageLayout.Unit.Millimeter,
            )
        )
        pdf.setResolution(150)
        pdf.setTitle(title(data))
        p = begin(pdf, tmp)
        width = pdf.width()
        height = pdf.height()
        y = 0

        def font(size: int, bold: bool = False) -> None:
            f = QFont(family, size)
            f.setBold(bold)
            p.setFont(f)

        def line(text: str, size: int = 10, bold: bool = False, x: int = 0) -> None:
            nonlocal y
            font(size, bold)
            h = p.fontMetrics().height()
            if y + h > height:
                pdf.newPage()
                y = 0
            p.drawText(x, y + p.fontMetrics().ascent(), text)
            y += int(h * 1.3)

        line(title(data), 16, True)
        for name, _hdr, rows in sections(data):
            y += 20
            line(name, 12, True)
            columns = len(_hdr)
            if columns > 2:
                rows = [list(_hdr)] + rows
            for row in rows:
                for c, value in enumerate(row):
                    x = (
                        20
                        if c == 0
                        else int(
                            width * (0.6 if columns == 2 else 0.35 + 0.65 * (c - 1) / (columns - 1))
                        )
                    )
                    line(f"{value}", 10, bold=columns > 2 and row is rows[0], x=x)
                    if c < len(row) - 1:
                        y -= int(p.fontMetrics().height() * 1.3)
            numeric = [r for r in rows if isinstance(r[1], int)] if columns == 2 else []
            if name != _("Summary") and numeric:
                top = max(1, max(r[1] for r in numeric))
                bar_h = 28
                needed = len(numeric) * (bar_h + 8) + 20
                if y + needed > height:
                    pdf.newPage()
                    y = 0
                font(8)
                for label, n in numeric:
                    w = int((width * 0.5) * n / top)
                    p.fillRect(QRectF(width * 0.35, y, max(w, 2), bar_h), QColor("#2d6396"))
                    p.drawText(
                        QRectF(0, y, width * 0.33, bar_h),
                        int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                        str(label),
                    )
                    p.drawText(int(width * 0.35) + max(w, 2) + 8, y + bar_h - 6, str(n))
                    y += bar_h + 8
        finish(p, tmp)

    atomic_output(path, write)


__all__ = ["rendering_app", "write_pdf"]
