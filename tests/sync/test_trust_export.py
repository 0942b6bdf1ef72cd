"""The offline export (``station sync --export`` / ``station central import``) under the trust
rules of issue 15 and issue 14 item 2: an exported request is signed by the logged-in
operator's certified key and the service records who sent it; a restored copy exports
nothing; the export of a PC whose key a re-enrolment retired, or of a revoked operator, is
refused at import; a number the service already holds, answered through the import, is
renumbered back online."""

from __future__ import annotations

import json

import requests

from station import identity, outbox
from sync.client import SyncClient
from tests.conftest import STATION_CODE, run_cli
from tests.sync.test_export import central_import, export, go_offline, go_online
from tests.sync.test_sync import enrolled, fill, no_sleep, states
from tests.sync.test_trust_sync import sender_of


def test_an_export_is_signed_by_its_operator_and_the_service_records_them(
    station, central, tmp_path
):
    coord = enrolled(station, central)
    go_offline(coord)
    fill(coord, 3)
    usb = tmp_path / "usb"
    usb.mkdir()
    export(station, usb)
    [batch] = outbox.open_batches(coord.conn)
    code, result = central_import(central, usb)
    assert code == 0 and result["counts"] == {"accepted": 3}, result
    assert sender_of(central, batch["batch_id"]) == ("coord", "coordinator")


def test_a_restored_copy_exports_nothing(station, central, tmp_path):
    from station.backup import create_backup

    enrolled(station, central)
    backup = tmp_path / "b.stbk"
    create_backup(station.login("tech"), backup)
    second = tmp_path / "second"
    env = dict(station.env("tech"), STATION_RECOVERY_CODE=station.recovery_code)
    out = run_cli("--json", "--data-dir", str(second), "restore", str(backup), env=env)
    assert out.returncode == 0, out.stderr
    usb = tmp_path / "usb"
    usb.mkdir()
    env = dict(station.env("coord"), STATION_DATA_DIR=str(second))
    out = run_cli("--json", "sync", "--export", str(usb), env=env)
    assert (out.returncode, json.loads(out.stdout)["error"]["code"]) == (1, "reenrol_required")
    assert list(usb.iterdir()) == []


def test_a_revoked_operators_export_is_refused(station, central, tmp_path):
    coord = enrolled(station, central)
    go_offline(coord)
    fill(coord, 2)
    usb = tmp_path / "usb"
    usb.mkdir()
    export(station, usb)
    # the technician disables the coordinator; the revocation reaches the service first
    tech = station.login("tech")
    tech.disable_operator("coord")
    go_online(tech, central)
    SyncClient(tech).sync_once()  # (it also uploads the exported batches, signed by tech)
    held = central.store.status()["applications"]
    code, result = central_import(central, usb)
    assert code == 1
    assert {f["code"] for f in result["files"] if f["status"] == "refused"} == {"operator_revoked"}
    assert central.store.status()["applications"] == held


def test_the_export_of_a_pc_a_re_enrolment_retired_is_refused(station, central, tmp_path):
    coord = enrolled(station, central)
    go_offline(coord)
    fill(coord, 1)
    usb = tmp_path / "usb"
    usb.mkdir()
    export(station, usb)
    # the station code enrolled again (a restored copy, say): this PC's key is retired
    body = {
        "code": central.enrol_code(),
        "public_key": identity.public_b64(identity.new_key()),
        "station_code": STATION_CODE,
    }
    assert requests.post(central.url + "/v1/stations:enrol", json=body, timeout=5).ok
    code, result = central_import(central, usb)
    assert code == 1
    refused = {f["code"] for f in result["files"] if f["status"] == "refused"}
    assert refused == {"superseded"}, result
    assert central.store.status()["applications"] == 0


def test_a_number_taken_answered_through_the_import_is_renumbered_online(
    station, central, tmp_path
):
    coord = enrolled(station, central)
    go_offline(coord)
    [saved] = fill(coord, 1)
    usb = tmp_path / "usb"
    usb.mkdir()
    export(station, usb)
    # another application already holds that number at the service (a clone's upload)
    with central.store.tx() as tx:
        tx.add_number(saved["number"], "00000000-0000-4000-8000-000000000000", STATION_CODE)
    code, result = central_import(central, usb)
    assert code == 0 and result["counts"] == {"rejected": 1}, result
    go_online(coord, central)
    counts = SyncClient(coord).run(sleep=no_sleep)
    assert counts["pending"] == 0 and states(coord) == {"accepted": 1}
    number = coord.get_application(saved["uuid"], audit_view=False)["number"]
    assert number != saved["number"]
    assert outbox.summary(coord.conn)["to_reprint"] == 1


def test_an_export_imported_before_a_re_enrolment_still_answers_for_its_batches(
    station, central, tmp_path
):
    from tests.sync.test_export import Recording

    coord = enrolled(station, central)
    go_offline(coord)
    fill(coord, 2)
    usb = tmp_path / "usb"
    usb.mkdir()
    export(station, usb)
    assert central_import(central, usb)[0] == 0
    go_online(coord, central)
    tech = station.login("tech")
    out = run_cli(
        "--json",
        "enrol",
        "--server",
        central.url,
        "--code",
        central.enrol_code(),
        env=station.env("tech"),
    )
    assert out.returncode == 0 and json.loads(out.stdout)["rotated"], out.stdout
    session = Recording()
    counts = SyncClient(tech, session=session).run(sleep=no_sleep)
    assert [u for m, u in session.sent if m == "POST" and u.endswith("/batches")] == []
    assert counts["accepted"] == 2 and states(tech) == {"accepted": 2}
