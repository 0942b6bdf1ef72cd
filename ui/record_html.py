"""An application record as HTML for a rich-text label: the intake wizard's review page and the
record view show a record the same way (codes shown with their names, every value escaped).

``applicant_html`` is the person's section alone (the screens put the photo beside it);
``details_html`` the sections after it; ``record_html`` both. ``extra`` adds rows to the last
section (the review page says there whether the photo is taken).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any

from station import codes
from ui.qt import QCoreApplication

STYLE = (
    "<style>h3{color:#1f4e79;margin:8px 0 4px 0;} td.k{color:#55606b;padding-right:18px;}</style>"
)
Rows = Iterable[tuple[str, Any]]


def _value(value: Any) -> str:
    return html.escape(str(value)) if value not in (None, "") else "—"


def _label(table: str, code: Any) -> str | None:
    return codes.label(table, str(code)) if code not in (None, "") else None


def section(title: str, rows: Rows) -> str:
    body = "".join(
        f"<tr><td class='k' width='180'>{html.escape(k)}</td><td>{_value(v)}</td></tr>"
        for k, v in rows
    )
    return f"<h3>{html.escape(title)}</h3><table cellspacing='0' cellpadding='3'>{body}</table>"


def applicant_html(rec: Mapping[str, Any]) -> str:
    p = rec.get("person") or {}
    return STYLE + section(
        QCoreApplication.translate("RecordHtml", "Applicant"),
        [
            (QCoreApplication.translate("RecordHtml", "Name"), p.get("name")),
            (QCoreApplication.translate("RecordHtml", "ID number"), p.get("id_number")),
            (QCoreApplication.translate("RecordHtml", "Sex"), _label("sex", p.get("sex"))),
            (QCoreApplication.translate("RecordHtml", "Birth date"), p.get("birth_date")),
            (
                QCoreApplication.translate("RecordHtml", "Marital status"),
                _label("marital", p.get("marital")),
            ),
            (QCoreApplication.translate("RecordHtml", "Phone"), p.get("phone")),
            (QCoreApplication.translate("RecordHtml", "Hukou address"), p.get("hukou_address")),
        ],
    )


def details_html(rec: Mapping[str, Any], extra: Rows = ()) -> str:
    r, d = rec.get("residence") or {}, rec.get("dwelling") or {}
    district = r.get("division_code")
    dwelling = _label("dwelling", d.get("type"))
    landlord = (d.get("landlord") or {}).get("name")
    if dwelling and landlord:
        dwelling += f" · {landlord}"
    parts = [
        section(
            QCoreApplication.translate("RecordHtml", "Residence"),
            [
                (
                    QCoreApplication.translate("RecordHtml", "District"),
                    codes.all_districts().get(district or "", district),
                ),
                (QCoreApplication.translate("RecordHtml", "Community"), r.get("community")),
                (QCoreApplication.translate("RecordHtml", "Address"), r.get("address")),
                (QCoreApplication.translate("RecordHtml", "Arrival date"), r.get("arrival_date")),
                (
                    QCoreApplication.translate("RecordHtml", "Intended stay (months)"),
                    r.get("intended_months"),
                ),
                (
                    QCoreApplication.translate("RecordHtml", "Reason"),
                    _label("reason", r.get("reason")),
                ),
                (QCoreApplication.translate("RecordHtml", "Dwelling"), dwelling),
            ],
        )
    ]
    if rec.get("employer"):
        e = rec["employer"]
        parts.append(
            section(
                QCoreApplication.translate("RecordHtml", "Employer"),
                [
                    (QCoreApplication.translate("RecordHtml", "Employer"), e.get("name")),
                    (QCoreApplication.translate("RecordHtml", "USCC"), e.get("uscc")),
                ],
            )
        )
    if rec.get("guardian"):
        g = rec["guardian"]
        parts.append(
            section(
                QCoreApplication.translate("RecordHtml", "Guardian"),
                [
                    (QCoreApplication.translate("RecordHtml", "Name"), g.get("name")),
                    (QCoreApplication.translate("RecordHtml", "Phone"), g.get("phone")),
                ],
            )
        )
    if rec.get("members"):
        parts.append(
            section(
                QCoreApplication.translate("RecordHtml", "Members"),
                [
                    (
                        codes.label("relations", m.get("relation") or "other"),
                        f"{m.get('name', '')} {m.get('birth_date', '')}",
                    )
                    for m in rec["members"]
                ],
            )
        )
    services = "、".join(codes.label("services", s) for s in rec.get("services") or [])
    parts.append(
        section(
            QCoreApplication.translate("RecordHtml", "Services"),
            [(QCoreApplication.translate("RecordHtml", "Requested"), services), *extra],
        )
    )
    return STYLE + "".join(parts)


def record_html(rec: Mapping[str, Any], extra: Rows = ()) -> str:
    return applicant_html(rec) + details_html(rec, extra)


__all__ = ["applicant_html", "details_html", "record_html", "section"]
