"""The figures a district measures a station by, per community, with their definitions.

Persons, not records. A person is one ID number (its keyed hash, ``applications.person_key``,
which survives the retention purge); the person's **latest** application — the one changed
last, whatever its kind — says whether they still live here and where. So a change of address
moves a person from one community to the other and the total stays; a move-out (a version of
kind ``deregistration``) takes them out; a person registered twice is counted once.

- **Registered residents**: distinct persons whose latest application is not a move-out, at
  the time the report is made, by the community of that application.
- **Registration coverage** (target ``report.coverage_target``, 90 %): registered residents /
  the estimated floating population (``report.estimated_population`` for the station,
  ``report.community_population`` per community).
- **Accepted at the first attempt** (target ``report.target_accuracy``, 95 %): of the
  period's applications the central service has answered (accepted, or refused at upload or in
  production at least once), the share it never refused (``outbox.rejections`` = 0). A record
  accepted after a correction counts as not accepted at the first attempt; records still
  waiting for an answer and conflicts are left out.
- **Referral delivery** (target ``report.target_referral_delivery``, 80 %): of the 7+1
  referrals made in the period (each service asked for on an application saved in the period),
  the share whose department reported it delivered, counted when the report is made; a
  referral still open or declined by the applicant counts as not delivered.
- **Staffing** (``report.staff_ratio``, 1 coordinator : 500): registered residents per
  coordinator, per community with ``report.community_coordinators``, for the station with its
  active coordinator accounts; flagged above the ratio.
- **Married women of childbearing age** (family-planning indicators): registered residents
  who are women (the ID number's sequence is even), married (GB/T 2261.2 codes 20–23) and 15 to
  49 years old on the period's last day. Records purged before marital status was kept, or
  that do not state it, are not counted.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from station.settings import community_population

if TYPE_CHECKING:
    from station.store import Store

MARRIED = ("20", "21", "22", "23")  # GB/T 2261.2: 已婚, 初婚, 再婚, 复婚
CHILDBEARING = (15, 49)  # ages, inclusive

# The latest application of each person (a purged record from before person keys existed is
# its own person): the window keeps one row per person.
_LATEST = (
    "SELECT community, kind, id_number, birth_date, marital, row_number() OVER ("
    " PARTITION BY coalesce(person_key, uuid) ORDER BY written DESC, id DESC) AS rn"
    " FROM applications"
)


def _int(store: Store, key: str, default: int) -> int:
    value = store.config_get(key)
    return int(value) if value and value.isdigit() else default


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def residents(store: Store) -> dict[str, int]:
    """Registered residents by community (module docstring)."""
    rows = store.conn.execute(
        f"SELECT coalesce(community, ''), count(*) FROM ({_LATEST})"
        " WHERE rn = 1 AND kind != 'deregistration' GROUP BY 1"
    ).fetchall()
    return {str(c): int(n) for c, n in rows}


def moved_out(store: Store) -> int:
    """Persons whose latest application is a move-out."""
    row = store.conn.execute(
        f"SELECT count(*) FROM ({_LATEST}) WHERE rn = 1 AND kind = 'deregistration'"
    ).fetchone()
    return int(row[0])


def married_women(store: Store, on: dt.date) -> dict[str, int]:
    """Registered residents who are married women aged 15–49 on ``on``, by community."""
    young, old = CHILDBEARING
    latest_birth = _years_before(on, young).isoformat()  # born on or before: at least 15
    earliest_birth = _years_before(on, old + 1).isoformat()  # born after: at most 49
    marks = ",".join("?" * len(MARRIED))
    rows = store.conn.execute(
        f"SELECT coalesce(community, ''), count(*) FROM ({_LATEST}) WHERE rn = 1"
        f" AND kind != 'deregistration' AND marital IN ({marks})"
        " AND substr(id_number, 17, 1) IN ('0', '2', '4', '6', '8')"
        " AND birth_date <= ? AND birth_date > ? GROUP BY 1",
        (*MARRIED, latest_birth, earliest_birth),
    ).fetchall()
    return {str(c): int(n) for c, n in rows}


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return dt.date(day.year - years, 2, 28)


def first_attempt(store: Store, days: list[str]) -> dict[str, tuple[int, int]]:
    """(accepted at the first attempt, answered) of the period's applications, by community."""
    marks = ",".join("?" * len(days))
    rows = store.conn.execute(
        "SELECT coalesce(a.community, ''), sum(CASE WHEN o.rejections = 0 AND o.state IN"
        " ('accepted', 'duplicate') THEN 1 ELSE 0 END), count(*) FROM applications a"
        f" JOIN outbox o ON o.uuid = a.uuid WHERE a.day IN ({marks})"
        " AND (o.rejections > 0 OR o.state IN ('accepted', 'duplicate')) GROUP BY 1",
        days,
    ).fetchall()
    return {str(c): (int(ok), int(n)) for c, ok, n in rows}


def referral_delivery(store: Store, start: dt.date, end: dt.date) -> dict[str, dict[str, int]]:
    """Referrals made in the period by community: how many, delivered, declined, open."""
    rows = store.conn.execute(
        "SELECT coalesce(a.community, ''), r.state, count(*) FROM referrals r JOIN applications"
        " a ON a.uuid = r.uuid WHERE r.referred_on >= ? AND r.referred_on <= ? GROUP BY 1, 2",
        (start.isoformat(), end.isoformat()),
    ).fetchall()
    out: dict[str, dict[str, int]] = {}
    for community, state, n in rows:
        entry = out.setdefault(
            str(community), {"referred": 0, "delivered": 0, "declined": 0, "open": 0}
        )
        entry["referred"] += int(n)
        entry["open" if state == "referred" else str(state)] += int(n)
    return out


def staffing(store: Store, living: dict[str, int]) -> dict[str, Any]:
    """Registered residents per coordinator, for the station and per community."""
    ratio = _int(store, "report.staff_ratio", 500)
    coordinators = int(
        store.conn.execute(
            "SELECT count(*) FROM operators WHERE active = 1 AND role = 'coordinator'"
        ).fetchone()[0]
    )
    per = community_population(store.config_get("report.community_coordinators") or "") or {}
    rows = []
    for community in sorted(set(living) | set(per)):
        if not community:
            continue
        staff = per.get(community)
        registered = living.get(community, 0)
        load = round(registered / staff, 1) if staff else None
        rows.append(
            {
                "community": community,
                "registered": registered,
                "coordinators": staff,
                "per_coordinator": load,
                "over": load is not None and load > ratio,
            }
        )
    total = sum(living.values())
    load = round(total / coordinators, 1) if coordinators else None
    return {
        "ratio": ratio,
        "coordinators": coordinators,
        "registered": total,
        "per_coordinator": load,
        "over": load is not None and load > ratio,
        "communities": rows,
    }


def targets(store: Store) -> dict[str, int]:
    return {
        "coverage": _int(store, "report.coverage_target", 90),
        "accuracy": _int(store, "report.target_accuracy", 95),
        "referral_delivery": _int(store, "report.target_referral_delivery", 80),
    }


def _rate(value: float | None, target: int) -> dict[str, Any]:
    return {"percent": value, "target": target, "met": None if value is None else value >= target}


def community_rates(
    store: Store, start: dt.date, end: dt.date, days: list[str], living: dict[str, int]
) -> dict[str, Any]:
    """Per community and for the station: each rate against its target (module docstring),
    and the married women of childbearing age."""
    goal = targets(store)
    estimates = community_population(store.config_get("report.community_population") or "") or {}
    station_estimate = _int(store, "report.estimated_population", 0)
    answered = first_attempt(store, days)
    referrals = referral_delivery(store, start, end)
    women = married_women(store, end)
    names = sorted({c for c in (*living, *estimates, *answered, *referrals, *women) if c}, key=str)
    rows = []
    for name in names:
        ok, n = answered.get(name, (0, 0))
        ref = referrals.get(name, {"referred": 0, "delivered": 0})
        population = estimates.get(name)
        rows.append(
            {
                "community": name,
                "registered": living.get(name, 0),
                "population": population,
                "coverage": _rate(
                    _percent(living.get(name, 0), population) if population else None,
                    goal["coverage"],
                ),
                "accuracy": _rate(_percent(ok, n), goal["accuracy"]),
                "answered": n,
                "referral_delivery": _rate(
                    _percent(ref["delivered"], ref["referred"]), goal["referral_delivery"]
                ),
                "referrals": ref["referred"],
                "married_women_15_49": women.get(name, 0),
            }
        )
    ok_all = sum(ok for ok, _n in answered.values())
    n_all = sum(n for _ok, n in answered.values())
    delivered = sum(r["delivered"] for r in referrals.values())
    referred = sum(r["referred"] for r in referrals.values())
    total = sum(living.values())
    station = {
        "registered": total,
        "population": station_estimate or None,
        "coverage": _rate(
            _percent(total, station_estimate) if station_estimate else None, goal["coverage"]
        ),
        "accuracy": _rate(_percent(ok_all, n_all), goal["accuracy"]),
        "answered": n_all,
        "referral_delivery": _rate(_percent(delivered, referred), goal["referral_delivery"]),
        "referrals": referred,
        "referrals_declined": sum(r["declined"] for r in referrals.values()),
        "referrals_open": sum(r["open"] for r in referrals.values()),
        "married_women_15_49": sum(women.values()),
    }
    return {"targets": goal, "station": station, "communities": rows}


__all__ = [
    "CHILDBEARING",
    "MARRIED",
    "community_rates",
    "first_attempt",
    "married_women",
    "moved_out",
    "referral_delivery",
    "residents",
    "staffing",
    "targets",
]
