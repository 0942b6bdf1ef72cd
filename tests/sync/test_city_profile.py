"""A real-looking city profile end to end (issue 14, item 1, "done when"): a Xi'an station —
none of whose street or community names is in the demo table — is provisioned with its
profile and used through the real CLI: app add, a spreadsheet import, the daily report's
per-community figures; the reference service on 127.0.0.1 validates against the table it
publishes for the city, the station fetches a newer table at sync and switches to it, and a
bad published table is refused while the loaded one stays."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os

from openpyxl import Workbook

from station.importer import TEMPLATE
from station.profile.check import parse_document
from tests import media
from tests.conftest import PASSWORD, run_cli
from tests.profiles import (
    XIAN_STATION_CODE,
    write_json,
    write_xlsx,
    xian_document,
    xian_record,
)


def env(data, user: str) -> dict[str, str]:
    return dict(
        os.environ,
        STATION_DATA_DIR=str(data),
        STATION_USER=user,
        STATION_PASSWORD=PASSWORD,
        STATION_NEW_PASSWORD=PASSWORD,
        STATION_LANG="en",
    )


def ok(out) -> dict:
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout) if out.stdout.strip().startswith("{") else {}


def drive(path, records) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append([zh for _p, zh in TEMPLATE])
    for rec in records:
        row = []
        for p, _zh in TEMPLATE:
            cur = rec
            for part in p.split("."):
                cur = cur.get(part) if isinstance(cur, dict) else None
            row.append(",".join(cur) if p == "services" else cur)
        ws.append(row)
    wb.save(path)


def person(n: int) -> dict:
    from station.checks import make_id_number

    idn = make_id_number("610113", dt.date(1990, 1, 1 + n), 11 + 2 * n)
    return {"id_number": idn, "birth_date": f"1990-01-{1 + n:02d}", "sex": "1"}


def test_a_xian_profile_used_end_to_end(tmp_path, central):
    data = tmp_path / "xian"
    tech, coord, sup = env(data, "tech"), env(data, "coord"), env(data, "super")
    ok(run_cli("--json", "init", "--station-code", XIAN_STATION_CODE, "--admin", "tech",
               "--city", "6101", env=tech))  # fmt: skip
    ok(run_cli("user", "add", "coord", "--role", "coordinator", env=tech))
    ok(run_cli("user", "add", "super", "--role", "supervisor", env=tech))
    example = write_json(tmp_path / "xian.json", xian_document())
    published = ok(run_cli("--json", "central", "profile", "import", "--db", central.db,
                           str(example), env=tech))  # fmt: skip
    assert published == {"city": "6101", "version": "2026.3", "streets": 10, "communities": 27}

    # the technician loads the district's XLSX
    ok(run_cli("profile", "import", str(write_xlsx(tmp_path / "xian.xlsx", xian_document())),
               env=tech))  # fmt: skip

    # CLI app add, in a Xi'an community (with the photo its card needs)
    face = tmp_path / "face.jpg"
    face.write_bytes(media.photo_jpeg(1))
    first = ok(run_cli("--json", "app", "add", "-", "--photo", str(face), env=coord,
                       input=json.dumps(xian_record())))  # fmt: skip

    # a spreadsheet drive: the community by its code and the district by name, another
    # district of the profile, and a demo community (refused, by row and field)
    rows = [xian_record("610113003002", "雁塔区"), xian_record("张家堡社区", "610112")]
    rows.append(xian_record("团结社区"))
    for i, rec in enumerate(rows):
        rec["person"].update(person(i))
    drive(tmp_path / "drive.xlsx", rows)
    photos = tmp_path / "photos"
    photos.mkdir()
    for rec in rows:
        media.write_image(photos / f"{rec['person']['id_number']}.jpg", media.good())
    out = run_cli("--json", "import", str(tmp_path / "drive.xlsx"), "--photos", str(photos),
                  env=coord)  # fmt: skip
    result = json.loads(out.stdout)
    assert result["saved"] == 2
    assert [(e["row"], e["field"], e["code"]) for e in result["errors"]] == [
        (4, "residence.community", "community_unknown")
    ]
    with_code = ok(run_cli("--json", "app", "search", rows[0]["person"]["id_number"], env=coord))
    number = with_code["results"][0]["number"]
    shown = ok(run_cli("--json", "app", "show", number, env=coord))
    assert shown["residence"] == dict(
        rows[0]["residence"], division_code="610113", community="陕师大社区"
    )

    # the daily report's per-community figures name district, street and community
    today = dt.date.today().isoformat()
    ok(run_cli("report", "daily", "--date", today, "--format", "csv", "--out",
               str(tmp_path / "day.csv"), env=sup))  # fmt: skip
    with open(tmp_path / "day.csv", encoding="utf-8-sig") as fh:
        cells = [row for row in csv.reader(fh)]
    figures = {row[0]: row[1] for row in cells if len(row) == 2}
    assert figures["雁塔区 小寨路街道 八里村社区"] == "1"
    assert figures["雁塔区 长延堡街道 陕师大社区"] == "1"
    assert figures["未央区 张家堡街道 张家堡社区"] == "1"

    # the service validates against the table it publishes for Xi'an: all three accepted
    code = ok(run_cli("--json", "central", "enrol-code", "--db", central.db))["code"]
    ok(run_cli("enrol", "--server", central.url, "--code", code, env=tech))
    counts = ok(run_cli("--json", "sync", env=coord))
    assert counts["accepted"] == 3 and counts["rejected"] == 0

    # the city drops 西影路社区 and publishes 2026.4; a record the station took with 2026.3
    # is refused by the service, and the sync brings the new table (station details kept)
    doc = xian_document(version="2026.4")
    doc["communities"] = [c for c in doc["communities"] if c["name"] != "西影路社区"]
    ok(run_cli("central", "profile", "import", "--db", central.db,
               str(write_json(tmp_path / "v4.json", doc)), env=tech))  # fmt: skip
    late = xian_record("西影路社区")
    late["person"].update(person(7))
    ok(run_cli("--json", "app", "add", "-", "--photo", str(face), env=coord,
               input=json.dumps(late)))  # fmt: skip
    counts = ok(run_cli("--json", "sync", env=coord))
    assert counts["rejected"] == 1
    status = ok(run_cli("--json", "sync", "--status", env=coord))
    assert status["rejected"] == 1 and status["code_tables_refused"] == ""
    info = ok(run_cli("--json", "profile", "show", env=tech))["profile"]
    assert (info["version"], info["origin"], info["communities"]) == ("2026.4", "central", 26)
    assert info["station"]["name"] == "雁塔区小寨路街道流动人口服务站"
    again = run_cli("--json", "app", "add", "-", env=coord, input=json.dumps(late))
    assert json.loads(again.stdout)["errors"][0]["code"] == "community_unknown"

    # a bad table published behind the checks' back (a community under no street): refused,
    # logged, shown; 2026.4 stays in use, and the same version is not fetched again
    bad = xian_document(version="2026.5")
    del bad["station"]
    bad["communities"].append({"code": "610113099001", "name": "无街道社区"})
    central.store.publish_code_tables(
        "6101", "2026.5", json.dumps(bad, ensure_ascii=False), "0" * 64, lambda a, b: True
    )
    sync = run_cli("sync", env=coord)
    assert sync.returncode == 0
    assert "code tables version 2026.5 of the central service refused" in sync.stderr
    status = ok(run_cli("--json", "sync", "--status", env=coord))
    assert status["code_tables_refused"] == "2026.5 (street_unknown)"
    assert (
        "Code tables of the central service refused"
        in run_cli("sync", "--status", env=coord).stdout
    )
    assert ok(run_cli("--json", "profile", "show", env=tech))["profile"]["version"] == "2026.4"
    doctor = json.loads(run_cli("--json", "doctor", env=tech).stdout)  # exit 1: no camera here
    line = next(c for c in doctor["checks"] if c["name"] == "profile")
    assert line["status"] == "warn" and "2026.5" in line["detail"]
    ok(run_cli("sync", env=coord))
    from station.store import Station

    with Station(data).login("tech", PASSWORD) as store:
        refusals = store.conn.execute(
            "SELECT count(*) FROM audit WHERE action = 'profile.refused'"
        ).fetchone()[0]
        assert refusals == 1
        assert store.verify_audit().ok
    assert first["number"]


def test_the_service_publishes_only_checked_newer_tables(tmp_path, central):
    e = env(tmp_path / "none", "tech")
    broken = xian_document()
    broken["streets"][0]["code"] = "450103001"
    out = run_cli("--json", "central", "profile", "import", "--db", central.db,
                  str(write_json(tmp_path / "b.json", broken)), env=e)  # fmt: skip
    assert out.returncode == 4
    assert json.loads(out.stdout)["errors"][0]["code"] == "district_not_in_city"
    assert central.store.code_tables_versions() == {}
    good = write_json(tmp_path / "g.json", xian_document())
    ok(run_cli("central", "profile", "import", "--db", central.db, str(good), env=e))
    again = run_cli("--json", "central", "profile", "import", "--db", central.db, str(good), env=e)
    assert again.returncode == 1
    import requests

    config = requests.get(central.url + "/v1/config", timeout=5).json()
    assert config["code_tables"] == {"6101": "2026.3"} and config["code_tables_version"] == "2026.3"
    version, document, _sha = central.store.code_tables("6101")
    assert "station" not in json.loads(document)  # the station's own details stay home
    assert parse_document(json.loads(document), tables_only=True).version == version
