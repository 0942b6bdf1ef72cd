"""The supervisor's reports: the day's figures (and a period's), referral lists per 7+1 service.

Figures only in the daily/period report — ID numbers never appear there; the referral lists
carry the contact a department needs (name, phone, community, address) and every export is
audited. Writers: CSV (UTF-8 with BOM, so Excel and WPS open it), XLSX (openpyxl, real charts,
frozen formatted headers), PDF (Qt's QPdfWriter with a CJK font; QtGui only, no widgets).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

from station import codes, outbox
from station.i18n import _
from station.reports import indicators
from station.settings import community_population
from station.store import Store, unpack_record
from station.validation import eligibility


def _days(start: dt.date, end: dt.date) -> list[str]:
    return [(start + dt.timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


def report_data(store: Store, start: dt.date, end: dt.date | None = None) -> dict[str, Any]:
    """Counts for the days ``start``..``end`` (one day when ``end`` is None)."""
    store.require("report.export")
    end = end or start
    days = _days(start, end)
    marks = ",".join("?" * len(days))
    rows = store.conn.execute(
        f"SELECT kind, community, division_code, operator, captured_at, record, purged, uuid"
        f" FROM applications WHERE day IN ({marks})",
        days,
    ).fetchall()
    by_kind: Counter[str] = Counter()
    by_community: Counter[str] = Counter()
    by_operator: Counter[str] = Counter()
    by_hour: Counter[int] = Counter()
    grounds: Counter[str] = Counter()
    services: Counter[str] = Counter()
    eligible = 0
    uuids = []
    place = _place_label(store)
    for kind, community, division, operator, captured, blob, purged, uuid in rows:
        uuids.append(uuid)
        by_kind[kind] += 1
        by_community[place(division or "", community or "")] += 1
        by_operator[operator] += 1
        by_hour[int(captured[11:13])] += 1
        rec = unpack_record(blob)
        if purged:
            grounds.update(rec.get("grounds", []))
            services.update(rec.get("services", []))
            eligible += 1
            continue
        info = eligibility(rec, dt.date.fromisoformat(captured[:10]))
        eligible += bool(info["eligible"])
        grounds.update(info["grounds"])
        services.update(rec.get("services") or [])
    sync = _sync_counts(store, uuids, days)
    living = indicators.residents(store)
    population = _population(store)
    total_all = sum(living.values())
    target = int(store.config_get("report.coverage_target") or "90")
    coverage = round(100 * total_all / population, 1) if population else None
    staff = indicators.staffing(store, living)
    return {
        "station": store.station_code,
        "station_name": store.config_get("station.name") or "",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "total": len(rows),
        "by_kind": {k: by_kind.get(k, 0) for k in codes.table("kinds")},
        "by_community": dict(by_community.most_common()),
        "by_operator": dict(sorted(by_operator.items())),
        "by_hour": {h: by_hour.get(h, 0) for h in range(7, 20)}
        | {h: n for h, n in by_hour.items() if h < 7 or h >= 20},
        "eligible": eligible,
        "not_eligible": len(rows) - eligible,
        "grounds": dict(grounds),
        "services": {s: services.get(s, 0) for s in codes.table("services")},
        "sync": sync,
        "coverage_by_community": _community_coverage(store, target, living),
        "staffing": staff,
        "rates": indicators.community_rates(store, start, end, days, living),
        "indicators": {
            "registered_total": total_all,
            "moved_out": indicators.moved_out(store),
            "estimated_population": population,
            "coverage_percent": coverage,
            "coverage_target_percent": target,
            "coordinators": staff["coordinators"],
            "population_per_coordinator": staff["per_coordinator"],
            "staff_ratio": staff["ratio"],
            "staff_over_ratio": staff["over"],
        },
    }


def _place_label(store: Store) -> Callable[[str, str], str]:
    """District, street and community names as the station profile gives them (``雁塔区
    小寨路街道 长延堡社区``); without a profile, the district's name and the community."""
    profile = store.station_profile()
    if profile is not None:
        return profile.label
    districts = codes.divisions(store.config_get("station.city") or "4501")

    def label(division: str, community: str) -> str:
        return f"{districts.get(division, division)} {community}".strip()

    return label


def _sync_counts(store: Store, uuids: list[str], days: list[str]) -> dict[str, int]:
    has = store.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'outbox'").fetchone()
    out = {
        "pending": 0,
        "photo_needed": 0,
        "sent": 0,
        "accepted": 0,
        "rejected": 0,
        "conflict": 0,
        "rejected_in_production": 0,
        "rejected_in_production_open": 0,
        "cards_ready": 0,
        "cards_collected": 0,
    }
    if not has:
        return out
    first, last = days[0], days[-1] + "T99"
    # refused by the service after it had accepted them: the events of the period, and every
    # such record still waiting for a correction (station-wide, as the home panel shows)
    out["rejected_in_production"] = int(
        store.conn.execute(
            "SELECT count(DISTINCT uuid) FROM status_events WHERE type = 'rejected'"
            " AND at >= ? AND at < ?",
            (first, last),
        ).fetchone()[0]
    )
    out["rejected_in_production_open"] = outbox.production_rejections(store.conn)
    if not uuids:
        return out
    marks = ",".join("?" * len(uuids))
    out["photo_needed"] = int(
        store.conn.execute(
            f"SELECT count(*) FROM applications WHERE state = 'photo_needed' AND uuid IN ({marks})",
            uuids,
        ).fetchone()[0]
    )
    for state, n in store.conn.execute(
        f"SELECT state, count(*) FROM outbox WHERE uuid IN ({marks}) AND uuid NOT IN (SELECT"
        f" uuid FROM applications WHERE state = 'photo_needed') GROUP BY state",
        uuids,
    ):
        if state in ("pending", "in_flight"):
            out["pending"] += n
        else:
            out["sent"] += n
            key = "accepted" if state in ("accepted", "duplicate") else state
            out[key] = out.get(key, 0) + n
    for kind, n in store.conn.execute(
        "SELECT type, count(*) FROM status_events WHERE at >= ? AND at < ? AND type IN"
        " ('ready_for_pickup', 'collected') GROUP BY type",
        (first, last),
    ):
        out["cards_ready" if kind == "ready_for_pickup" else "cards_collected"] = n
    return out


def _community_coverage(store: Store, target: int, living: dict[str, int]) -> list[dict[str, Any]]:
    """Registered residents (distinct persons, net of move-outs: station/reports/indicators.py)
    against each community's estimated population."""
    estimates = community_population(store.config_get("report.community_population") or "")
    if not estimates:
        return []
    out = []
    for name, population in estimates.items():
        registered = living.get(name, 0)
        percent = round(100 * registered / population, 1)
        out.append(
            {
                "community": name,
                "registered": registered,
                "population": population,
                "coverage_percent": percent,
                "meets_target": percent >= target,
            }
        )
    return out


def _population(store: Store) -> int | None:
    value = store.config_get("report.estimated_population")
    return int(value) if value and value.isdigit() else None


def referral_lists(
    store: Store, start: dt.date, end: dt.date | None = None
) -> dict[str, list[dict[str, str]]]:
    """Per 7+1 service, the applicants who asked for it with the contact a department needs."""
    store.require("report.export")
    end = end or start
    days = _days(start, end)
    marks = ",".join("?" * len(days))
    out: dict[str, list[dict[str, str]]] = {s: [] for s in codes.table("services")}
    for number, blob in store.conn.execute(
        f"SELECT number, record FROM applications WHERE day IN ({marks}) AND purged = 0"
        f" ORDER BY number",
        days,
    ):
        rec = unpack_record(blob)
        person, residence = rec.get("person") or {}, rec.get("residence") or {}
        children = [m for m in rec.get("members") or [] if m.get("relation") == "child"]
        for service in rec.get("services") or []:
            row = {
                "number": number,
                "name": person.get("name", ""),
                "phone": person.get("phone", ""),
                "community": residence.get("community", ""),
                "address": residence.get("address", ""),
            }
            if service == "education":
                row["children"] = "、".join(
                    f"{m.get('name', '')}({m.get('birth_date', '')})" for m in children
                )
            out.setdefault(service, []).append(row)
    return out


def audit_export(
    store: Store, what: str, start: dt.date, end: dt.date | None, fmt: str, rows: int
) -> None:
    store.audit(
        "report.export",
        detail={
            "report": what,
            "start": start.isoformat(),
            "end": (end or start).isoformat(),
            "format": fmt,
            "rows": rows,
        },
    )


def title(data: dict[str, Any]) -> str:
    if data["start"] == data["end"]:
        return _("Daily intake report {day}", day=data["start"])
    return _("Intake report {start} to {end}", start=data["start"], end=data["end"])


__all__ = ["report_data", "referral_lists", "audit_export", "title"]
