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


def _num(value: Any) -> Any:
    return "—" if value is None else value


def _rate(rate: dict[str, Any]) -> Any:
    return "—" if rate["percent"] is None else rate["percent"]


def notes(data: dict[str, Any]) -> list[str]:
    """How each figure is counted (station/reports/indicators.py), in short lines."""
    t = data["rates"]["targets"]
    return [
        _(
            "Registered residents: distinct persons (by ID number) whose latest application "
            "is not a move-out, when the report is made"
        ),
        _(
            "Coverage = registered residents ÷ estimated floating population (target {n} %)",
            n=t["coverage"],
        ),
        _(
            "First-attempt acceptance = the period's applications the service accepted without "
            "ever refusing them ÷ those it has answered (target {n} %)",
            n=t["accuracy"],
        ),
        _(
            "Referral delivery = 7+1 referrals of the period reported delivered ÷ referrals "
            "made; open and declined ones count as not delivered (target {n} %)",
            n=t["referral_delivery"],
        ),
        _(
            "Staffing: registered residents per coordinator, flagged above 1:{n}",
            n=data["staffing"]["ratio"],
        ),
        _(
            "Married women 15–49: registered residents, women, marital status married "
            "(GB/T 2261.2 codes 20–23), aged 15 to 49 on the period's last day"
        ),
    ]


def _below(row: dict[str, Any]) -> str:
    names = {
        "coverage": _("coverage"),
        "accuracy": _("first-attempt acceptance"),
        "referral_delivery": _("referral delivery"),
    }
    return "、".join(label for key, label in names.items() if row[key]["met"] is False) or "—"


def sections(data: dict[str, Any]) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The report as (title, header, rows) tables, shared by every format."""
    kinds = [[codes.label("kinds", k), n] for k, n in data["by_kind"].items()]
    sync = data["sync"]
    ind = data["indicators"]
    rates = data["rates"]
    goal = rates["targets"]
    station = rates["station"]
    over = _("yes, above 1:{n}", n=ind["staff_ratio"]) if ind["staff_over_ratio"] else _("no")
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
                [_("Waiting for a photo"), sync["photo_needed"]],
                [_("Waiting to be sent"), sync["pending"]],
                [_("Sent"), sync["sent"]],
                [_("Accepted centrally"), sync["accepted"]],
                [_("Rejected"), sync["rejected"]],
                [_("Rejected in production"), sync["rejected_in_production"]],
                [
                    _("Rejected in production, not yet corrected (all days)"),
                    sync["rejected_in_production_open"],
                ],
                [_("Cards ready"), sync["cards_ready"]],
                [_("Cards collected"), sync["cards_collected"]],
                [_("Registered residents (persons, net of move-outs)"), ind["registered_total"]],
                [_("Moved out (persons)"), ind["moved_out"]],
                [_("Estimated floating population"), _num(ind["estimated_population"])],
                [_("Coverage (%)"), _num(ind["coverage_percent"])],
                [_("Coverage target (%)"), ind["coverage_target_percent"]],
                [_("First-attempt acceptance (%)"), _rate(station["accuracy"])],
                [_("First-attempt acceptance target (%)"), goal["accuracy"]],
                [_("Referral delivery (%)"), _rate(station["referral_delivery"])],
                [_("Referral delivery target (%)"), goal["referral_delivery"]],
                [_("Married women 15–49"), station["married_women_15_49"]],
                [_("Coordinators"), ind["coordinators"]],
                [
                    _("Registered residents per coordinator"),
                    _num(ind["population_per_coordinator"]),
                ],
                [_("Above the staff ratio"), over],
            ],
        ),
        (_("By kind"), [_("Kind"), _("Applications")], kinds),
        (
            _("Targets by community"),
            [
                _("Community"),
                _("Coverage (%), target {n}", n=goal["coverage"]),
                _("First-attempt acceptance (%), target {n}", n=goal["accuracy"]),
                _("Referral delivery (%), target {n}", n=goal["referral_delivery"]),
                _("Married women 15–49"),
                _("Below target"),
            ],
            [
                [
                    r["community"],
                    _rate(r["coverage"]),
                    _rate(r["accuracy"]),
                    _rate(r["referral_delivery"]),
                    r["married_women_15_49"],
                    _below(r),
                ]
                for r in rates["communities"]
            ],
        ),
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
            _("Staffing by community"),
            [
                _("Community"),
                _("Registered"),
                _("Coordinators"),
                _("Per coordinator"),
                _("Above 1:{n}", n=data["staffing"]["ratio"]),
            ],
            [
                [
                    c["community"],
                    c["registered"],
                    _num(c["coordinators"]),
                    _num(c["per_coordinator"]),
                    _("yes") if c["over"] else ("—" if c["per_coordinator"] is None else _("no")),
                ]
                for c in data["staffing"]["communities"]
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
        (_("Notes"), [_("How the figures are counted")], [[line] for line in notes(data)]),
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
            value_col = 2 if len(header) == 2 else 4  # coverage: chart the percentage
            if len(header) == 6:  # the targets: chart the coverage
                value_col = 2
            numbers = [r[value_col - 1] for r in rows if len(r) >= value_col]
            if i > 0 and any(isinstance(v, int | float) for v in numbers):
                chart: Any = PieChart() if name == _("By kind") else BarChart()
                chart.title = name
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
    """One XLSX per service (only services somebody asked for); returns the file names. The
    last columns (the service, an empty outcome and its date) are for the department: the list
    filled in is a referral-outcome list that ``station import`` records
    (station/import_outcomes.py)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from station.spreadsheet import append_row

    folder.mkdir(exist_ok=True)  # the folder itself; the one above it must exist
    written = []
    headers = {
        "number": _("Application no."),
        "name": _("Name"),
        "phone": _("Phone"),
        "community": _("Community"),
        "address": _("Address"),
        "children": _("Children (birth date)"),
        "service": _("Service"),
        "outcome": _("Outcome"),
        "outcome_date": _("Outcome date"),
    }
    answer = ("service", "outcome", "outcome_date")
    for service, rows in lists.items():
        if not rows:
            continue
        keys = [k for k in headers if k in answer or any(k in r for r in rows)]
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
            label = codes.label("services", service)
            for r in rows:
                append_row(ws, [label if k == "service" else r.get(k, "") for k in keys])
            ws.freeze_panes = "A2"
            save_workbook(wb, tmp)

        atomic_output(folder / name, write)
        written.append(name)
    return written
