"""Report files: CSV (UTF-8 with BOM) and XLSX (openpyxl, charts, frozen headers) here; other
formats come from the ``station.report_writers`` entry-point group (``pdf``: ``ui/report_pdf.py``,
drawn with Qt, which the core does not import). ``writer(fmt)`` finds either.

Every file is written to a temporary name in the same folder and renamed when complete, so a
failure (disk full, a crash) never leaves a half-written report under the final name; every
cell goes through ``station.spreadsheet`` (text that looks like a formula stays text)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from station import codes, plugins
from station.errors import UsageError
from station.fsutil import atomic_output
from station.i18n import _
from station.reports import title
from station.spreadsheet import append_row, csv_row, save_workbook

Writer = Callable[[dict[str, Any], Path], None]


def sections(data: dict[str, Any]) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The report as (title, header, rows) tables, shared by every format."""
    kinds = [[codes.label("kinds", k), n] for k, n in data["by_kind"].items()]
    sync = data["sync"]
    ind = data["indicators"]
    return [
        (
            _("Summary"),
            [_("Item"), _("Value")],
            [
                [_("Station"), f"{data['station']} {data['station_name']}".strip()],
                [_("Period"), f"{data['start']} – {data['end']}"],
                [_("Applications taken in"), data["total"]],
                [_("Eligible"), data["eligible"]],
                [_("Not eligible"), data["not_eligible"]],
                [_("Waiting to be sent"), sync["pending"]],
                [_("Sent"), sync["sent"]],
                [_("Accepted centrally"), sync["accepted"]],
                [_("Rejected"), sync["rejected"]],
                [_("Cards ready"), sync["cards_ready"]],
                [_("Cards collected"), sync["cards_collected"]],
                [_("Registered in total"), ind["registered_total"]],
                [_("Estimated floating population"), ind["estimated_population"] or "—"],
                [
                    _("Coverage (%)"),
                    ind["coverage_percent"] if ind["coverage_percent"] is not None else "—",
                ],
                [_("Coverage target (%)"), ind["coverage_target_percent"]],
                [_("Coordinators"), ind["coordinators"]],
                [_("Population per coordinator"), ind["population_per_coordinator"] or "—"],
            ],
        ),
        (_("By kind"), [_("Kind"), _("Applications")], kinds),
        (
            _("Coverage by community"),
            [
                _("Community"),
                _("Registered"),
                _("Estimated floating population"),
                _("Coverage (%)"),
                _("Target reached"),
            ],
            [
                [
                    c["community"],
                    c["registered"],
                    c["population"],
                    c["coverage_percent"],
                    _("yes") if c["meets_target"] else _("no"),
                ]
                for c in data.get("coverage_by_community", [])
            ],
        ),
        (
            _("By community"),
            [_("Community"), _("Applications")],
            [[k, n] for k, n in data["by_community"].items()],
        ),
        (
            _("By operator"),
            [_("Operator"), _("Applications")],
            [[k, n] for k, n in data["by_operator"].items()],
        ),
        (
            _("By hour"),
            [_("Hour"), _("Applications")],
            [[f"{h:02d}:00", n] for h, n in sorted(data["by_hour"].items())],
        ),
        (
            _("Services requested (7+1)"),
            [_("Service"), _("Applicants")],
            [[codes.label("services", s), n] for s, n in data["services"].items()],
        ),
        (
            _("Eligibility grounds"),
            [_("Ground"), _("Applicants")],
            [[_(g), n] for g, n in data["grounds"].items()],
        ),
    ]


def write_csv(data: dict[str, Any], path: Path) -> None:
    def write(tmp: Path) -> None:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(csv_row([title(data)]))
        for name, header, rows in sections(data):
            w.writerow([])
            w.writerow(csv_row([name]))
            w.writerow(csv_row(header))
            w.writerows(csv_row(row) for row in rows)
        tmp.write_bytes(buf.getvalue().encode("utf-8-sig"))

    atomic_output(path, write)


def write_xlsx(data: dict[str, Any], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, PieChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill

    def write(tmp: Path) -> None:
        wb = Workbook()
        wb.remove(wb.active)
        head_font = Font(bold=True, color="FFFFFF")
        head_fill = PatternFill("solid", fgColor="1F4E79")
        for i, (name, header, rows) in enumerate(sections(data)):
            ws = wb.create_sheet(name[:30])
            append_row(ws, [title(data) if i == 0 else name])
            ws["A1"].font = Font(bold=True, size=14)
            append_row(ws, header)
            for cell in ws[2]:
                cell.font, cell.fill = head_font, head_fill
                cell.alignment = Alignment(horizontal="center")
            for row in rows:
                append_row(ws, row)
            ws.freeze_panes = "A3"
            ws.column_dimensions["A"].width = 34
            for col in "BCDE"[: max(1, len(header) - 1)]:
                ws.column_dimensions[col].width = 16
            if i > 0 and rows:
                chart: Any = PieChart() if name == _("By kind") else BarChart()
                chart.title = name
                value_col = 2 if len(header) == 2 else 4  # coverage: chart the percentage
                values = Reference(ws, min_col=value_col, min_row=2, max_row=2 + len(rows))
                labels = Reference(ws, min_col=1, min_row=3, max_row=2 + len(rows))
                chart.add_data(values, titles_from_data=True)
                chart.set_categories(labels)
                chart.height, chart.width = 8, 16
                ws.add_chart(chart, "D3" if len(header) == 2 else "G3")
        save_workbook(wb, tmp)

    atomic_output(path, write)


BUILTIN: dict[str, Writer] = {"csv": write_csv, "xlsx": write_xlsx}


def formats() -> list[str]:
    """The report formats of this installation (built in and registered)."""
    return sorted(set(BUILTIN) | set(plugins.names(plugins.REPORT_WRITERS)))


def writer(fmt: str) -> Writer:
    """The function that writes a report as ``fmt``; a usage error when there is none."""
    if fmt in BUILTIN:
        return BUILTIN[fmt]
    entry = plugins.find(plugins.REPORT_WRITERS, fmt)
    if entry is not None:
        try:
            found: Writer = entry.load()
            return found
        except ImportError:
            pass
    raise UsageError(
        "unknown_format",
        _(
            "The report format {fmt} is not available here; available: {formats}",
            fmt=fmt,
            formats=", ".join(f for f in formats() if f != fmt),
        ),
    )


def write_referrals(lists: dict[str, list[dict[str, str]]], folder: Path) -> list[str]:
    """One XLSX per service (only services somebody asked for); returns the file names."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    folder.mkdir(exist_ok=True)  # the folder itself; the one above it must exist
    written = []
    headers = {
        "number": _("Application no."),
        "name": _("Name"),
        "phone": _("Phone"),
        "community": _("Community"),
        "address": _("Address"),
        "children": _("Children (birth date)"),
    }
    for service, rows in lists.items():
        if not rows:
            continue
        keys = [k for k in headers if any(k in r for r in rows)]
        name = f"{codes.label('services', service)}.xlsx".replace("/", "-")

        def write(
            tmp: Path,
            rows: list[dict[str, str]] = rows,
            keys: list[str] = keys,
            service: str = service,
        ) -> None:
            wb = Workbook()
            ws = wb.active
            ws.title = codes.label("services", service)[:30]
            append_row(ws, [headers[k] for k in keys])
            for cell in ws[1]:
                cell.font = Font(bold=True)
            for r in rows:
                append_row(ws, [r.get(k, "") for k in keys])
            ws.freeze_panes = "A2"
            save_workbook(wb, tmp)

        atomic_output(folder / name, write)
        written.append(name)
    return written
