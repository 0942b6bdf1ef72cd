"""Key slots: wrapping, lockout, role binding, damaged files."""

from __future__ import annotations

import json

import pytest

from station.errors import AuthError, StorageError
from tests.conftest import PASSWORD


def test_login_each_role(station):
    for name, role in (("tech", "technician"), ("coord", "coordinator"), ("super", "supervisor")):
        store = station.login(name)
        assert store.role == role
        assert store.operator == name


def test_wrong_password_is_auth_error_and_audited(station):
    with pytest.raises(AuthError) as exc:
        station.station.login("coord", "wrong-password")
    assert exc.value.code == "bad_credentials"
    assert exc.value.exit_code == 3
    store = station.login("super")
    rows = store.conn.execute(
        "SELECT operator, action, detail FROM audit WHERE action = 'login.failed'"
    ).fetchall()
    assert ("coord", "login.failed", '{"reason": "bad_password", "via": "queue"}') in rows


def test_five_failures_lock_for_15_minutes(station):
    for _ in range(5):
        with pytest.raises(AuthError):
            station.station.login("coord", "nope-nope")
    with pytest.raises(AuthError) as exc:
        station.station.login("coord", PASSWORD)  # the right password, but locked
    assert exc.value.code == "locked_out"
    doc = json.loads(station.station.keyslots.path.read_text())
    slot = next(s for s in doc["slots"] if s["name"] == "coord")
    assert slot["locked_until"]
    station.login("super")  # other operators are not affected


def test_role_edited_in_file_breaks_the_slot(station):
    path = station.station.keyslots.path
    doc = json.loads(path.read_text())
    for slot in doc["slots"]:
        if slot["name"] == "coord":
            slot["role"] = "technician"
    path.write_text(json.dumps(doc))
    with pytest.raises(AuthError):
        station.station.login("coord", PASSWORD)


def test_damaged_keyslot_file_is_a_clear_error_and_untouched(station):
    path = station.station.keyslots.path
    path.write_bytes(b"{not json")
    before = path.read_bytes()
    with pytest.raises(StorageError) as exc:
        station.station.login("coord", PASSWORD)
    assert exc.value.code == "keyslots_damaged"
    assert path.read_bytes() == before


def test_password_change_rewraps_one_slot(station):
    path = station.station.keyslots.path
    before = {s["id"]: s for s in json.loads(path.read_text())["slots"]}
    store = station.login("coord")
    store.change_password(PASSWORD, "a-new-password")
    after = {s["id"]: s for s in json.loads(path.read_text())["slots"]}
    assert after["op:coord"]["wrapped"] != before["op:coord"]["wrapped"]
    for sid in before:
        if sid != "op:coord":
            assert after[sid] == before[sid]
    station.station.login("coord", "a-new-password").close()
    with pytest.raises(AuthError):
        station.station.login("coord", PASSWORD)


def test_disable_removes_the_slot(station):
    tech = station.login("tech")
    tech.disable_operator("coord")
    ids = [s["id"] for s in json.loads(station.station.keyslots.path.read_text())["slots"]]
    assert "op:coord" not in ids
    with pytest.raises(AuthError):
        station.station.login("coord", PASSWORD)


def test_recovery_code_opens_and_wrong_code_does_not(station):
    store = station.station.open_with_recovery(station.recovery_code.lower())
    assert store.role == "technician"
    store.close()
    with pytest.raises(AuthError):
        station.station.open_with_recovery("AAAAA-AAAAA-AAAAA-AAAAA-AAAAA")


def test_database_key_never_stored_in_clear(station):
    store = station.login("tech")
    key = store._key
    for f in station.data_dir.iterdir():
        data = f.read_bytes()
        assert key not in data
        assert key.hex().encode() not in data
