"""Figures a district can trust and the seeds' indicators (issue 14, items 4-5), through the
real CLI and the real encrypted store: coverage counts persons (a change of address moves
them, a move-out takes them out), staffing against 1:500, the supervisor's settings, marital
status, referral outcomes and the rates against their targets, the endorsements falling due."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
from openpyxl import load_workbook

from station.reports import report_data
from station.samples import sample_record
from tests import media
from tests.conftest import run_cli
from tests.sync.conftest import central  # noqa: F401  (the reference service fixture)

TODAY = dt.date.today()


def cli(station, *args, user="coord", lang="en"):
    env = dict(station.env(user), STATION_LANG=lang)
    out = run_cli("--json", *args, env=env)
    return out, (json.loads(out.stdout) if out.stdout.strip() else None)


def person(idn, birth, sex, community, **extra):
    rec = sample_record()
    rec["person"].update(id_number=idn, birth_date=birth, sex=sex, **extra)
    rec["residence"]["community"] = community
    return rec


def communities(station):
    """Two communities of the station's loaded profile (the figures are by its names)."""
    with station.login("super") as sup:
        profile = sup.station_profile()
    assert profile is not None
    names = sorted(profile.community_names("450103"))
    return names[0], names[1]


def make_id(birth, seq):
    from station.checks import make_id_number

    return make_id_number("450103", birth, seq)


def as_file(tmp_path, rec, name):
    path = tmp_path / name
    rec = {k: v for k, v in rec.items() if k not in ("version", "state")}
    path.write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")
    return str(path)


def figures(station):
    with station.login("super") as sup:
        data = report_data(sup, TODAY)
    by_community = {c["community"]: c["registered"] for c in data["rates"]["communities"]}
    return data["indicators"]["registered_total"], by_community, data


# -- coverage: persons, net of move-outs ---------------------------------------------------------
def test_coverage_counts_persons_through_changes_and_move_outs(station, tmp_path):
    east, west = communities(station)
    with station.login("super") as sup:
        sup.config_set("report.estimated_population", "40")
        sup.config_set("report.community_population", f"{east}=20;{west}=20")
    a = person(make_id(dt.date(1990, 1, 1), 11), "1990-01-01", "1", east)
    b = person(make_id(dt.date(1992, 2, 2), 13), "1992-02-02", "1", east)
    with station.login("coord") as coord:
        first = coord.save_application(a, media.photo_jpeg(1))
        coord.save_application(b, media.photo_jpeg(2))
        # the same person again (a second registration): still one person
        coord.save_application(a, media.photo_jpeg(3))
    total, per, data = figures(station)
    assert total == 2 and per[east] == 2
    assert data["indicators"]["coverage_percent"] == 5.0
    assert data["rates"]["station"]["coverage"] == {"percent": 5.0, "target": 90, "met": False}

    # a change of address to the other community: the total does not move, the person moves
    _out, shown = cli(station, "app", "show", first["number"])
    shown["residence"]["community"] = west
    shown["residence"]["address"] = "桃源路8号"
    out, _doc = cli(station, "app", "change", first["number"], as_file(tmp_path, shown, "c.json"))
    assert out.returncode == 0, out.stderr
    total, per, _data = figures(station)
    assert total == 2 and per[east] == 1 and per[west] == 1

    # the report file says the same (the period report, XLSX)
    out, _doc = cli(
        station, "report", "daily", "--date", TODAY.isoformat(), "--format", "xlsx",
        "--out", str(tmp_path / "d.xlsx"), user="super", lang="zh_CN",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    wb = load_workbook(tmp_path / "d.xlsx")
    summary = {r[0].value: r[1].value for r in wb["概况"].iter_rows(min_row=3)}
    assert summary["登记在住人数（按人计，已扣除注销）"] == 2
    coverage = {r[0].value: r[1].value for r in wb["按社区覆盖率"].iter_rows(min_row=3)}
    assert coverage == {east: 1, west: 1}
    assert "说明" in wb.sheetnames

    # a move-out: the person is no longer counted, anywhere
    _out, shown = cli(station, "app", "show", first["number"])
    out, _doc = cli(station, "app", "move-out", first["number"], as_file(tmp_path, shown, "m.json"))
    assert out.returncode == 0, out.stderr
    total, per, data = figures(station)
    assert total == 1 and per.get(west, 0) == 0 and per[east] == 1
    assert data["indicators"]["moved_out"] == 1


def test_a_purged_registration_is_still_the_same_person(station):
    """The retention purge removes the ID number; the person key stays, so a registration
    purged after its card was collected and a later one of the same person count once."""
    from station import retention

    east, _west = communities(station)
    a = person(make_id(dt.date(1990, 1, 1), 11), "1990-01-01", "1", east)
    with station.login("coord") as coord:
        old = coord.save_application(a, media.photo_jpeg(1))
        coord.conn.execute(
            "INSERT INTO status_events (seq, uuid, type, at) VALUES (1, ?, 'collected', ?)",
            (old["uuid"], "2020-01-01T00:00:00+00:00"),
        )
        coord.save_application(a, media.photo_jpeg(2))
    with station.login("tech") as tech:
        assert retention.purge(tech)["purged"] == 1
    total, per, _data = figures(station)
    assert total == 1 and per[east] == 1


# -- staffing and the supervisor's settings -----------------------------------------------------
def test_staffing_per_community_against_the_ratio(station):
    east, west = communities(station)
    with station.login("coord") as coord:
        for i in range(5):
            rec = person(make_id(dt.date(1990, 1, 1), 21 + 2 * i), "1990-01-01", "1", east)
            coord.save_application(rec, media.photo_jpeg(i))
    out, _doc = cli(station, "config", "set", "report.staff_ratio", "2", user="super")
    assert out.returncode == 0, out.stderr
    cli(
        station,
        "config",
        "set",
        "report.community_coordinators",
        f"{east}=2;{west}=1",
        user="super",
    )
    _total, _per, data = figures(station)
    staff = {c["community"]: c for c in data["staffing"]["communities"]}
    assert staff[east]["per_coordinator"] == 2.5 and staff[east]["over"] is True
    assert staff[west]["per_coordinator"] == 0.0 and staff[west]["over"] is False
    assert data["staffing"]["coordinators"] == 1  # the station's active coordinator accounts
    assert data["indicators"]["staff_over_ratio"] is True


def test_report_settings_are_the_supervisors_and_audited(station):
    for key, value in (
        ("report.estimated_population", "1200"),
        ("report.community_population", "甲社区=100"),
        ("report.coverage_target", "85"),
        ("report.target_accuracy", "96"),
        ("report.target_referral_delivery", "75"),
    ):
        out, doc = cli(station, "config", "set", key, value, user="super")
        assert out.returncode == 0, (key, out.stderr)
        out, doc = cli(station, "config", "set", key, value, user="tech")
        assert out.returncode == 3 and doc["error"]["code"] == "forbidden"
    out, doc = cli(station, "config", "set", "station.name", "某站", user="super")
    assert out.returncode == 3  # the machine's settings stay the technician's
    out, doc = cli(station, "config", "set", "report.coverage_target", "101", user="super")
    assert out.returncode == 4
    out, doc = cli(station, "config", "set", "report.coverage_target", "85", user="coord")
    assert out.returncode == 3
    with station.login("super") as sup:
        assert sup.config_get("report.target_accuracy") == "96"
        entries = [
            json.loads(d)
            for (d,) in sup.conn.execute("SELECT detail FROM audit WHERE action = 'config.set'")
        ]
    assert {"key": "report.target_accuracy", "value": "96"} in entries


# -- marital status --------------------------------------------------------------------------------
def test_marital_status_is_optional_checked_and_counted(station, tmp_path):
    from station.validation import validate_application

    with station.login("super") as sup:
        places = sup.places()  # the loaded profile's districts and communities

    def validate(record):
        return validate_application(record, **places)

    rec = sample_record()
    assert not validate(rec)
    rec["person"]["marital"] = "99"
    assert [e.code for e in validate(rec)] == ["code_unknown"]
    rec["person"].pop("marital")
    assert not validate(rec)  # records saved before it existed stay valid
    east, west = communities(station)
    end = TODAY
    women = [
        ("1990-05-05", "2", "20", east),  # married woman, 36: counted
        ("1990-05-05", "2", "10", east),  # unmarried
        ("1960-05-05", "2", "21", east),  # over 49
        (f"{end.year - 15}-01-01", "2", "22", west),  # 15: counted
        ("1990-05-05", "1", "20", east),  # a man
        ("1990-05-05", "2", None, west),  # not stated
    ]
    with station.login("coord") as coord:
        for i, (birth, sex, marital, community) in enumerate(women):
            seq = 100 + 2 * i + (1 if sex == "1" else 0)
            rec = person(make_id(dt.date.fromisoformat(birth), seq), birth, sex, community)
            if marital:
                rec["person"]["marital"] = marital
            if dt.date.fromisoformat(birth) > dt.date(end.year - 16, end.month, end.day):
                rec["guardian"] = {
                    "name": "测试监护", "id_number": "11010519491231002X",
                    "relation": "parent", "phone": "13800000003",
                }  # fmt: skip
            coord.save_application(rec, media.photo_jpeg(i))
    _total, _per, data = figures(station)
    married = {c["community"]: c["married_women_15_49"] for c in data["rates"]["communities"]}
    assert married == {east: 1, west: 1}
    assert data["rates"]["station"]["married_women_15_49"] == 2
    out, _doc = cli(station, "import", "--template", str(tmp_path / "t.xlsx"))
    header = [c.value for c in load_workbook(tmp_path / "t.xlsx").active[1]]
    assert "婚姻状况" in header


# -- referrals ------------------------------------------------------------------------------------
def test_referral_outcomes_from_the_cli_and_an_imported_list(station, tmp_path):
    east, west = communities(station)
    numbers = []
    with station.login("coord") as coord:
        for i, community in enumerate((east, east, west)):
            rec = person(make_id(dt.date(1990, 1, 1), 31 + 2 * i), "1990-01-01", "1", community)
            rec["services"] = ["employment", "health"]
            numbers.append(coord.save_application(rec, media.photo_jpeg(i))["number"])
    out, listed = cli(station, "referral", "list", numbers[0])
    assert [(r["service"], r["state"]) for r in listed["referrals"]] == [
        ("employment", "referred"),
        ("health", "referred"),
    ]
    day = TODAY.isoformat()
    out, done = cli(
        station, "referral", "set", numbers[0], "employment", "delivered", "--date", day
    )
    assert out.returncode == 0 and done["state"] == "delivered" and done["outcome_by"] == "coord"
    # refused, nothing stored: a service not asked for, a future date, an unknown application
    out, doc = cli(station, "referral", "set", numbers[0], "legal", "delivered")
    assert out.returncode == 4 and doc["errors"][0]["code"] == "not_referred"
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    out, doc = cli(station, "referral", "set", numbers[0], "health", "declined", "--date", tomorrow)
    assert out.returncode == 4 and doc["errors"][0]["code"] == "date_in_future"
    out, doc = cli(station, "referral", "set", "450103000099209901019999", "health", "declined")
    assert out.returncode == 1
    # the departments' list: the referral list exported, filled in, imported
    out, _doc = cli(station, "report", "referrals", "--date", day, "--out", str(tmp_path / "lists"),
                    user="super", lang="zh_CN")  # fmt: skip
    assert out.returncode == 0, out.stderr
    from station import codes

    sheet = tmp_path / "lists" / f"{codes.label('services', 'health', 'zh')}.xlsx"
    wb = load_workbook(sheet)
    ws = wb.active
    header = [c.value for c in ws[1]]
    assert header[-3:] == ["服务", "转介结果", "结果日期"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == numbers[1]:
            row[-2].value, row[-1].value = "已落实", dt.datetime.combine(TODAY, dt.time())
        if row[0].value == numbers[2]:
            row[-2].value, row[-1].value = "已拒绝", "2001-01-01"  # before the referral
    wb.save(sheet)
    out, result = cli(station, "import", str(sheet))
    assert out.returncode == 0, out.stderr
    assert result["referrals"] == 1 and result["saved"] == 1
    assert [(e["field"], e["code"]) for e in result["errors"]] == [
        ("referral.date", "date_before_referral")
    ]
    out, again = cli(station, "import", str(sheet))
    assert again["saved"] == 0 and again["skipped"] == 1  # recorded before: nothing twice
    # a list of the template's columns, in CSV
    with (tmp_path / "o.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(
            [
                ["申请编号", "服务项目", "转介结果", "结果日期"],
                [numbers[2], "employment", "declined", day],
            ]
        )
    out, result = cli(station, "import", str(tmp_path / "o.csv"), "--dry-run")
    assert result["saved"] == 1
    with station.login("coord") as coord:
        states = dict(
            coord.conn.execute(
                "SELECT r.service, r.state FROM referrals r JOIN applications a ON a.uuid = r.uuid"
                " WHERE a.number = ?",
                (numbers[2],),
            ).fetchall()
        )
        assert states == {"employment": "referred", "health": "referred"}  # a dry run
        audited = coord.conn.execute(
            "SELECT count(*) FROM audit WHERE action = 'referral.outcome'"
        ).fetchone()[0]
    assert audited == 2
    out, result = cli(station, "import", str(tmp_path / "o.csv"))
    assert result["saved"] == 1
    # the rates: 2 of 6 referrals delivered (east: 2 of 4, west: 0 of 2), target 80 %
    _total, _per, data = figures(station)
    rates = {c["community"]: c["referral_delivery"] for c in data["rates"]["communities"]}
    assert rates[east] == {"percent": 50.0, "target": 80, "met": False}
    assert rates[west] == {"percent": 0.0, "target": 80, "met": False}
    assert data["rates"]["station"]["referrals_declined"] == 1
    out, _doc = cli(station, "config", "set", "report.target_referral_delivery", "30", user="super")
    _total, _per, data = figures(station)
    assert data["rates"]["station"]["referral_delivery"] == {
        "percent": 33.3,
        "target": 30,
        "met": True,
    }


# -- production rejections -----------------------------------------------------------------------
def test_first_attempt_acceptance_and_production_rejections(station, central):  # noqa: F811
    """Against the reference service: a record refused in production shows in ``sync
    --status``, the daily report and lowers the first-attempt acceptance."""
    from sync.client import SyncClient, enrol

    with station.login("tech") as tech:
        enrol(tech, central.url, central.enrol_code())
    east, _west = communities(station)
    with station.login("coord") as coord:
        saved = [
            coord.save_application(
                person(make_id(dt.date(1990, 1, 1), 41 + 2 * i), "1990-01-01", "1", east),
                media.photo_jpeg(i),
            )
            for i in range(4)
        ]
        assert SyncClient(coord).sync_once()["accepted"] == 4
    central.store.produce(saved[0]["uuid"], reject="photo_quality", field="photo")
    with station.login("coord") as coord:
        SyncClient(coord).sync_once()
    out, status = cli(station, "sync", "--status")
    assert status["rejected_in_production"] == 1 and status["needs_action"] == 1
    human = run_cli("sync", "--status", env=station.env())
    assert "Rejected in production (after acceptance)" in human.stdout
    _total, _per, data = figures(station)
    assert data["sync"]["rejected_in_production"] == 1
    assert data["sync"]["rejected_in_production_open"] == 1
    assert data["rates"]["station"]["accuracy"] == {"percent": 75.0, "target": 95, "met": False}


# -- endorsements falling due ---------------------------------------------------------------------
def test_endorsements_due_from_the_cards_issue_date(station, central, tmp_path):  # noqa: F811
    from sync.client import SyncClient, enrol

    with station.login("tech") as tech:
        enrol(tech, central.url, central.enrol_code())
    east, _west = communities(station)
    recs = [
        person(make_id(dt.date(1990, 1, 1), 51 + 2 * i), "1990-01-01", "1", east) for i in range(3)
    ]
    recs[1]["residence"]["address"] = '=HYPERLINK("http://x")号'  # formula-like text
    with station.login("coord") as coord:
        saved = [coord.save_application(r, media.photo_jpeg(i)) for i, r in enumerate(recs)]
        SyncClient(coord).sync_once()
    central.store.produce()
    with station.login("coord") as coord:
        SyncClient(coord).sync_once()  # card_produced today: the issue date
    # 355 days later the first anniversary is 10 days away (11 across a 29 February)
    from station.cards import anniversary

    issued = dt.date.fromisoformat(
        central.store.changes(
            central.store.read().execute("SELECT id FROM stations").fetchone()[0], 0, 100
        )[-1]["at"][:10]
    )
    first = anniversary(issued, issued.year + 1)
    later = (issued + dt.timedelta(days=355)).isoformat()
    out, doc = cli(station, "report", "endorsements-due", "--out", str(tmp_path / "due.xlsx"),
                   "--date", later, user="super")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert doc["rows"] == 3
    ws = load_workbook(tmp_path / "due.xlsx").active
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert {r[0] for r in rows} == {s["number"] for s in saved}
    assert {r[9] for r in rows} == {(first - dt.date.fromisoformat(later)).days}
    risky = next(c for row in ws.iter_rows(min_row=2) for c in row if str(c.value).startswith("="))
    assert risky.data_type == "s"  # stored as text, never a formula
    # too early: nothing due; the endorsement of that year recorded: not listed; moved out: gone
    out, doc = cli(station, "report", "endorsements-due", "--out", str(tmp_path / "a.csv"),
                   "--date", TODAY.isoformat(), user="super")  # fmt: skip
    assert doc["rows"] == 0
    due_year = first.year
    with station.login("coord") as coord:
        card = {
            "person": dict(recs[0]["person"]),
            "residence": {},
            "permit": {"number": "P1", "issue_date": TODAY.isoformat(), "endorsements": []},
        }
        coord.record_endorsement(card, due_year, TODAY)
    _out, shown = cli(station, "app", "show", saved[2]["number"])
    path = tmp_path / "m.json"
    path.write_text(
        json.dumps({k: v for k, v in shown.items() if k not in ("version", "state")}),
        encoding="utf-8",
    )
    assert cli(station, "app", "move-out", saved[2]["number"], str(path))[0].returncode == 0
    out, doc = cli(station, "report", "endorsements-due", "--out", str(tmp_path / "b.csv"),
                   "--date", later, user="super")  # fmt: skip
    assert doc["rows"] == 1
    with (tmp_path / "b.csv").open(encoding="utf-8-sig") as fh:
        body = list(csv.reader(fh))
    assert body[1][0] == saved[1]["number"] and body[1][5].startswith("'=")
    out, doc = cli(station, "report", "endorsements-due", "--out", str(tmp_path / "c.xlsx"))
    assert out.returncode == 3  # a coordinator does not export
    with station.login("super") as sup:
        assert (
            sup.conn.execute(
                "SELECT count(*) FROM audit WHERE action = 'report.export'"
                " AND detail LIKE '%endorsements_due%'"
            ).fetchone()[0]
            == 3
        )


@pytest.mark.parametrize(
    ("issued", "today", "due"),
    [
        ("2025-03-15", "2026-02-20", "2026-03-15"),  # 23 days ahead
        ("2025-03-15", "2026-02-01", None),  # 42 days: not yet
        ("2024-02-29", "2026-02-10", "2026-02-28"),  # a leap day: the 28th
        ("2026-01-10", "2026-01-20", None),  # issued this year: the first is next year
        ("2025-03-15", "2026-03-15", "2026-03-15"),  # the last day
    ],
)
def test_endorsement_due_dates(issued, today, due):
    from station.cards import endorsement_due, window_opens

    got = endorsement_due(dt.date.fromisoformat(issued), dt.date.fromisoformat(today))
    assert (got.isoformat() if got else None) == due
    assert window_opens(dt.date(2026, 3, 31)) == dt.date(2026, 2, 28)
    assert window_opens(dt.date(2026, 1, 15)) == dt.date(2025, 12, 15)
