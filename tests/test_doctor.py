"""station doctor and the diagnostics bundle report each fault when it is introduced."""

from __future__ import annotations

import json
import zipfile

from tests.conftest import run_cli


def checks(out):
    return {c["name"]: c for c in json.loads(out.stdout)["checks"]}


def test_doctor_all_ok_with_login_and_simulated_devices_are_named(station):
    tech = station.login("tech")
    for kind in ("idreader", "permit", "camera"):
        tech.config_set(f"{kind}.driver", "sim")
    out = run_cli("--json", "doctor", env=station.env("tech"))
    assert out.returncode == 0, out.stdout + out.stderr
    got = checks(out)
    assert got["database"]["status"] == "ok"
    assert got["key_slots"]["status"] == "ok"
    for c in got.values():
        assert c["status"] in ("ok", "warn", "fail")
    # Issue 16: a simulated device is not a working device.
    for name in ("camera", "id_reader", "permit_reader"):
        assert got[name]["status"] == "warn", got[name]
        assert got[name]["detail"].startswith("simulated"), got[name]
        assert "config set" in got[name]["fix"]


def test_doctor_without_an_operator_never_calls_a_device_ok(station):
    """Issue 16: without --user the settings are unknown; the old doctor fell back to the
    simulated camera and reported it as a working 640×480 camera."""
    env = station.env("tech")
    env.pop("STATION_USER")
    out = run_cli("--json", "doctor", env=env)
    got = checks(out)
    for name in ("camera", "id_reader", "permit_reader"):
        assert got[name]["status"] == "warn", got[name]
        assert "were not read" in got[name]["detail"], got[name]
        assert got[name]["fix"], got[name]
    assert "simulated" not in got["camera"]["detail"]
    assert "640×480" not in got["camera"]["detail"]  # no camera on this machine: not found
    out = run_cli("doctor", env=env)
    assert "camera" in out.stdout and "Traceback" not in out.stderr


def test_doctor_says_when_the_camera_is_a_file(station, tmp_path):
    from tests import media

    video = media.test_video(tmp_path / "applicant.avi", seconds=0.4)
    tech = station.login("tech")
    tech.config_set("camera.device", str(video))
    out = run_cli("--json", "doctor", env=station.env("tech"))
    got = checks(out)["camera"]
    assert got["status"] == "warn" and "video file, not a camera" in got["detail"]
    assert "640×480" in got["detail"]


def test_doctor_checks_another_drivers_device(tmp_path):
    """A driver that is neither built in nor simulated (a province's) must open; an unknown
    name is a failure that lists the installed drivers."""
    from devices.checks import check_camera, check_pcsc, check_serial
    from station.doctor import DoctorContext

    ctx = DoctorContext(tmp_path, settings={"camera.driver": "nope", "idreader.driver": "x"})
    for fn, name in ((check_camera, "'nope'"), (check_serial, "'x'")):
        got = fn(ctx)
        assert got.status == "fail" and name in got.detail, got
        assert "driver" in got.fix
    assert check_pcsc(DoctorContext(tmp_path, settings={"permit.driver": "sim"})).status == "warn"


def test_doctor_reports_broken_keyslots_and_missing_database(station):
    slots = station.data_dir / "keyslots.json"
    saved = slots.read_bytes()
    slots.write_text("{broken")
    env = station.env("tech")
    env.pop("STATION_USER")
    out = run_cli("--json", "doctor", env=env)
    assert out.returncode == 1
    assert checks(out)["key_slots"]["status"] == "fail"
    assert checks(out)["key_slots"]["fix"]
    slots.write_bytes(saved)
    (station.data_dir / "station.db").rename(station.data_dir / "moved.db")
    out = run_cli("--json", "doctor", env=env)
    assert checks(out)["database"]["status"] == "fail"


def test_doctor_wrong_password_is_a_failed_line(station):
    env = dict(station.env("tech"), STATION_PASSWORD="nope-nope")
    out = run_cli("--json", "doctor", env=env)
    assert out.returncode == 1
    assert checks(out)["login"]["status"] == "fail"


def test_diagnostics_bundle_has_no_database(station, tmp_path):
    run_cli("app", "list", env=station.env())
    out = run_cli(
        "--json", "diagnostics", "--out", str(tmp_path / "d.zip"), env=station.env("tech")
    )
    assert out.returncode == 0, out.stderr
    with zipfile.ZipFile(tmp_path / "d.zip") as zf:
        names = zf.namelist()
    assert "doctor.json" in names and "versions.json" in names
    assert not any(n.endswith((".db", "keyslots.json")) for n in names)


def test_doctor_reports_missing_devices(station, tmp_path):
    tech = station.login("tech")
    tech.config_set("camera.device", str(tmp_path / "no-camera.avi"))
    tech.config_set("idreader.port", str(tmp_path / "ttyNOPE"))
    out = run_cli("--json", "doctor", env=station.env("tech"))
    got = checks(out)
    assert out.returncode == 1
    assert got["camera"]["status"] == "fail" and got["camera"]["fix"]
    assert (
        got["id_reader"]["status"] == "fail"
        and "idreader.port" in got["id_reader"]["fix"]
        or got["id_reader"]["fix"]
    )


def test_doctor_reports_a_missing_pcsc_reader(station):
    tech = station.login("tech")
    tech.config_set("permit.driver", "pcsc")
    tech.config_set("permit.reader", "No Such Reader 99")
    out = run_cli("--json", "doctor", env=station.env("tech"))
    got = checks(out)
    assert got["permit_reader"]["status"] == "fail"
    assert "pcscd" in got["permit_reader"]["fix"]


def test_doctor_is_quick(station):
    import time

    tech = station.login("tech")
    for kind in ("idreader", "permit", "camera"):
        tech.config_set(f"{kind}.driver", "sim")
    t0 = time.perf_counter()
    out = run_cli("--json", "doctor", env=station.env("tech"))
    elapsed = time.perf_counter() - t0
    assert out.returncode == 0
    print(f"doctor took {elapsed:.2f} s")
