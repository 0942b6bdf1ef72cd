"""A photo on every card (issue 14, item 3): a version that prints a card waits for its photo
before it may go to the central service — through the real CLI, the real encrypted store, an
import with a photo folder and the reference service on 127.0.0.1, which refuses such a
record on its own (``photo_required``). Done when no record without a photo reaches
production."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from station import outbox
from station.cards import card_fields_changed, needs_photo, prints_card
from station.samples import sample_record
from sync.client import SyncClient, enrol
from tests import media
from tests.conftest import run_cli


def enrolled(station, central):
    with station.login("tech") as tech:
        enrol(tech, central.url, central.enrol_code())


def cli(station, *args, user="coord"):
    out = run_cli("--json", *args, env=station.env(user))
    return out, (json.loads(out.stdout) if out.stdout.strip() else None)


def service_rows(central):
    """(kind, photo) of every application the service holds."""
    with sqlite3.connect(central.db) as db:
        return db.execute(
            "SELECT json_extract(record, '$.kind'), photo FROM applications"
        ).fetchall()


def assert_no_card_without_photo(central):
    rows = service_rows(central)
    assert all(photo for kind, photo in rows if kind in ("new", "replacement")), rows
    central.store.produce()  # production takes what the service holds: every one has a photo
    with sqlite3.connect(central.db) as db:
        produced = db.execute(
            "SELECT count(*) FROM applications WHERE state != 'received' AND photo IS NULL"
            " AND json_extract(record, '$.kind') IN ('new', 'replacement', 'change')"
        ).fetchone()[0]  # an endorsement is written onto the card the holder has
    assert produced == 0


def write_record(tmp_path, name="app.json", **person):
    rec = sample_record()
    rec["person"].update(person)
    path = tmp_path / name
    path.write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")
    return path


# -- the rule ------------------------------------------------------------------------------------
def test_which_versions_print_a_card():
    new = sample_record()
    assert prints_card(new) and needs_photo(new) and not needs_photo(dict(new, photo="a" * 64))
    assert prints_card(dict(new, kind="replacement"))
    for kind in ("endorsement", "deregistration"):
        assert not prints_card(dict(new, kind=kind))
    moved = json.loads(json.dumps(new))
    moved["kind"] = "change"
    moved["residence"]["address"] = "民族大道200号"
    assert card_fields_changed(new, moved) == ["residence.address"]
    assert prints_card(moved, new)  # a new address: a new card
    phone = json.loads(json.dumps(new))
    phone.update(kind="change", employer=None)
    phone["person"]["phone"] = "13800000009"
    assert not prints_card(phone, new)  # phone and employer are not on the card
    assert prints_card(phone, None)  # the first version the service sees: its card


# -- the command line and the service ------------------------------------------------------------
def test_app_add_without_photo_waits_then_photo_add_sends_it(station, central, tmp_path):
    enrolled(station, central)
    out, saved = cli(station, "app", "add", str(write_record(tmp_path)))
    assert out.returncode == 0, out.stderr
    assert "station photo add" in out.stderr  # said, beside the JSON document cli.md fixes
    out, listed = cli(station, "app", "list", "--photo-needed")
    assert [r["number"] for r in listed["results"]] == [saved["number"]]
    out, status = cli(station, "sync", "--status")
    assert status["photo_needed"] == 1 and status["pending"] == 0
    # the daily report has its line (what waits, for whoever reads the day's figures)
    report = tmp_path / "day.csv"
    day = dt.date.today().isoformat()
    out = run_cli("report", "daily", "--date", day, "--format", "csv", "--out", str(report),
                  env=dict(station.env("super"), STATION_LANG="en"))  # fmt: skip
    assert out.returncode == 0, out.stderr
    line = next(r for r in report.read_text(encoding="utf-8-sig").splitlines() if "photo" in r)
    assert line.startswith("Waiting for a photo") and line.endswith("1")
    out, counts = cli(station, "sync")
    assert out.returncode == 0 and counts["sent"] == 0
    assert central.store.status()["applications"] == 0  # nothing left without the photo

    # a picture that fails its checks is refused; nothing changes
    dark = media.write_image(tmp_path / "dark.png", media.darkened())
    out, doc = cli(station, "photo", "add", saved["number"], str(dark))
    assert out.returncode == 4 and doc["errors"][0]["field"] == "photo"
    assert doc["errors"][0]["code"] == "photo_rejected"
    bogus = media.not_an_image(tmp_path / "x.jpg")
    out, doc = cli(station, "photo", "add", saved["number"], str(bogus))
    assert out.returncode == 4 and doc["errors"][0]["code"] == "not_an_image"
    with station.login("coord") as coord:
        rec = coord.get_application(saved["uuid"], audit_view=False)
        assert rec["state"] == "photo_needed" and rec["version"] == 1 and not rec.get("photo")

    # a good picture (from another coordinator: the drive's rows are anyone's to finish)
    picture = media.write_image(tmp_path / "good.png", media.good())
    with station.login("tech") as tech:
        tech.add_operator("li", "coordinator", "test-pass-1")
    out, added = cli(station, "photo", "add", saved["number"], str(picture), user="li")
    assert out.returncode == 0, out.stderr
    assert added["version"] == 2 and added["override"] is None
    out, again = cli(station, "photo", "add", saved["number"], str(picture))
    assert out.returncode == 1 and again["error"]["code"] == "has_photo"
    out, unknown = cli(station, "photo", "add", "450103000099209901019999", str(picture))
    assert out.returncode == 1 and unknown["error"]["code"] == "no_application"
    out, counts = cli(station, "sync")
    assert counts["accepted"] == 1
    assert service_rows(central)[0][1]  # it arrived with its photo
    with station.login("coord") as coord:
        assert coord.get_application(saved["uuid"], audit_view=False)["photo"]
        actions = [h["action"] for h in coord.history(saved["uuid"])]
    assert "app.photo" in actions
    assert_no_card_without_photo(central)


def test_the_service_refuses_a_card_without_a_photo(station, central):
    """A record that left a station without its photo (an older version of the station, or
    one that does not keep the rule) is refused by the service itself."""
    enrolled(station, central)
    with station.login("coord") as coord:
        bare = coord.save_application(sample_record())
        rec = sample_record()
        rec["person"].update(id_number="11010519491231002X", sex="2", birth_date="1949-12-31")
        kept = coord.save_application(rec, media.photo_jpeg(1))
        # behind the store's back: the waiting record goes to the outbox as an old station would
        chash = coord.conn.execute(
            "SELECT content_hash FROM applications WHERE uuid = ?", (bare["uuid"],)
        ).fetchone()[0]
        coord.conn.execute(
            "UPDATE applications SET state = 'saved' WHERE uuid = ?", (bare["uuid"],)
        )
        outbox.enqueue(coord.conn, bare["uuid"], 1, chash)
        counts = SyncClient(coord).sync_once()
        assert counts["rejected"] == 1 and counts["accepted"] == 1
        state = outbox.record_state(coord.conn, bare["uuid"])
        assert (state["state"], state["code"], state["field"]) == (
            "rejected",
            "photo_required",
            "photo",
        )
        assert outbox.record_state(coord.conn, kept["uuid"])["state"] == "accepted"
        # the photo added after the refusal: it goes out again, and is taken
        coord.apps.add_photo(bare["uuid"], media.photo_jpeg(2))
        assert SyncClient(coord).sync_once()["accepted"] == 1
    assert_no_card_without_photo(central)


def test_changes_that_print_a_card_need_the_photo_too(station, central, tmp_path):
    """A record accepted before the rule (no photo, an endorsement made from a card): a
    change of phone goes out, a change of address waits for the photo."""
    enrolled(station, central)
    with station.login("coord") as coord:
        rec = sample_record(kind="endorsement")
        saved = coord.save_application(rec)  # an endorsement prints no card: no photo needed
        assert coord.get_application(saved["uuid"], audit_view=False)["state"] == "saved"
        assert SyncClient(coord).sync_once()["accepted"] == 1
        current = coord.get_application(saved["uuid"], audit_view=False)
    for key in ("version", "state"):
        current.pop(key)
    moved = json.loads(json.dumps(current))
    moved["residence"]["address"] = "民族大道200号5栋101"
    path = tmp_path / "moved.json"
    path.write_text(json.dumps(moved, ensure_ascii=False), encoding="utf-8")
    out, done = cli(station, "app", "change", saved["number"], str(path))
    assert out.returncode == 0, out.stderr
    with station.login("coord") as coord:
        assert coord.apps.state_of(saved["uuid"]) == "photo_needed"
        assert SyncClient(coord).sync_once()["sent"] == 0  # held until the photo comes
    picture = media.write_image(tmp_path / "good.png", media.good())
    out, _doc = cli(station, "photo", "add", saved["number"], str(picture))
    assert out.returncode == 0, out.stderr
    with station.login("coord") as coord:
        counts = SyncClient(coord).sync_once()
    assert counts["sent"] == 1  # the service holds another version: a conflict, for a person
    assert_no_card_without_photo(central)


# -- imports with a photo folder ----------------------------------------------------------------
def applicant(idn, birth, sex):
    rec = sample_record()
    rec["person"].update(id_number=idn, birth_date=birth, sex=sex)
    return rec


@pytest.fixture
def drive(tmp_path):
    """A drive's sheet of three applicants and a photo folder: a good picture for the first,
    a dark one for the second (its file named with a lower-case x), none for the third."""

    from station.checks import make_id_number
    from tests.reports.test_import import flat, write_xlsx

    people = [
        ("360426199101010071", "1991-01-01", "1"),
        ("11010519491231002X", "1949-12-31", "2"),
        (make_id_number("450103", dt.date(1985, 5, 5), 31), "1985-05-05", "1"),
    ]
    write_xlsx(tmp_path / "drive.xlsx", [flat(applicant(*p)) for p in people])
    photos = tmp_path / "photos"
    photos.mkdir()
    ids = [p[0] for p in people]
    media.write_image(photos / f"{ids[0]}.jpg", media.good())
    media.write_image(photos / f"{ids[1].lower()}.jpg", media.darkened())
    return tmp_path / "drive.xlsx", photos, ids


def test_import_with_a_photo_folder(station, central, drive, tmp_path):
    sheet, photos, ids = drive
    enrolled(station, central)
    out, result = cli(station, "import", str(sheet), "--photos", str(photos))
    assert out.returncode == 0, out.stderr
    assert result["saved"] == 2 and result["waiting_photo"] == 1
    assert [(e["row"], e["field"], e["code"]) for e in result["errors"]] == [
        (3, "photo", "photo_rejected")
    ]
    out, listed = cli(station, "app", "list", "--photo-needed")
    assert len(listed["results"]) == 1
    out, counts = cli(station, "sync")
    assert counts["accepted"] == 1  # the row with its photo; the other waits
    # the missing photo arrives: the same file again, with the folder
    media.write_image(photos / f"{ids[2]}.jpg", media.good())
    media.write_image(photos / f"{ids[1]}.jpg", media.good())  # the dark one replaced too
    out, again = cli(station, "import", str(sheet), "--photos", str(photos))
    assert out.returncode == 0, out.stderr
    assert again["skipped"] == 2 and again["photos_added"] == 1 and again["saved"] == 1
    out, listed = cli(station, "app", "list", "--photo-needed")
    assert listed["results"] == []
    out, counts = cli(station, "sync")
    assert counts["accepted"] == 2
    assert_no_card_without_photo(central)
    missing = run_cli("import", str(sheet), "--photos", str(tmp_path / "nope"), env=station.env())
    assert missing.returncode == 2


def test_import_dry_run_checks_the_photos_and_stores_nothing(station, drive):
    sheet, photos, _ids = drive
    out, result = cli(station, "import", str(sheet), "--photos", str(photos), "--dry-run")
    assert out.returncode == 0
    assert result["saved"] == 2 and [e["code"] for e in result["errors"]] == ["photo_rejected"]
    with station.login("coord") as coord:
        assert coord.conn.execute("SELECT count(*) FROM applications").fetchone()[0] == 0
        assert coord.conn.execute("SELECT count(*) FROM photos").fetchone()[0] == 0
