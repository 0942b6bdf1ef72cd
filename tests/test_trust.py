"""Roles and the audit log against an operator who knows a password (issue 15): a coordinator
who unwraps the database key and edits the files outside the station's code is refused or
detected, with the exit code and message a technician sees. The central service's part is in
tests/sync/test_trust_sync.py."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest

from station import audit, identity, keyfile, keys
from station.errors import AuthError, StorageError
from station.keys import SlotItems
from tests.conftest import PASSWORD, run_cli
from tests.trust_tools import (
    db_key_of,
    load_slots,
    raw_conn,
    rewrite_chain_from,
    save_slots,
)


def cli(station, *args, user="tech"):
    return run_cli("--json", *args, env=station.env(user))


def error(out):
    return json.loads(out.stdout)["error"]


# -- (a) a technician slot and operator row written with the database key ------------------------
def forge_technician(station, cert=None):
    key = db_key_of(station.data_dir, "coord", PASSWORD)
    doc = load_slots(station.data_dir)
    mine = identity.new_key()
    items = SlotItems(key, identity.private_raw(mine), cert and cert(mine))
    doc["slots"].append(
        keys.new_slot(PASSWORD, keys.operator_ident("mallory", "technician"), items)
    )
    save_slots(station.data_dir, doc)
    conn = raw_conn(station.data_dir, key)
    conn.execute(
        "INSERT INTO operators (name, role, created_at) VALUES ('mallory', 'technician', 'x')"
    )
    conn.close()
    return mine


@pytest.mark.parametrize("how", ["no_certificate", "self_signed"])
def test_a_technician_slot_written_with_the_database_key_is_refused_and_audited(station, how):
    def self_signed(mine):  # a certificate signed by a key of the coordinator's own making
        return identity.issue_certificate(
            identity.new_key(), "450103000099", "mallory", "technician", identity.public_b64(mine)
        )

    forge_technician(station, None if how == "no_certificate" else self_signed)
    out = cli(station, "user", "list", user="mallory")
    assert out.returncode == 3, out.stderr
    assert error(out)["code"] == "bad_certificate"
    assert "not certified by the station" in error(out)["message"]
    assert "Traceback" not in out.stderr
    tech = station.login("tech")
    rows = tech.conn.execute(
        "SELECT operator, detail FROM audit WHERE action = 'login.failed'"
    ).fetchall()
    assert ("mallory", '{"reason": "certificate", "via": "queue"}') in rows
    assert "mallory" in cli(station, "doctor").stdout  # listed as a slot without certificate


def test_a_forged_station_key_in_the_key_file_is_refused(station):
    """Replacing the station key in keyslots.json (to certify the forged slot) no longer
    matches the database's: every login is refused until a technician restores the files."""
    station_key = identity.new_key()
    forge_technician(
        station,
        lambda mine: identity.issue_certificate(
            station_key, "450103000099", "mallory", "technician", identity.public_b64(mine)
        ),
    )
    doc = load_slots(station.data_dir)
    doc["station_public_key"] = identity.public_b64(station_key)
    save_slots(station.data_dir, doc)
    out = cli(station, "user", "list", user="mallory")
    assert (out.returncode, error(out)["code"]) == (1, "station_key_mismatch")


def test_a_forged_station_key_in_both_files_gives_no_vault_and_breaks_the_log(station):
    """The coordinator rewrites the station key in the key file *and* the database: the forged
    technician logs in locally, but holds no vault (cannot certify anyone, cannot enrol), and
    the real technician's audit verify finds a station key no earlier one endorsed."""
    station_key = identity.new_key()
    forge_technician(
        station,
        lambda mine: identity.issue_certificate(
            station_key, "450103000099", "mallory", "technician", identity.public_b64(mine)
        ),
    )
    pub = identity.public_b64(station_key)
    doc = load_slots(station.data_dir)
    doc["station_public_key"] = pub
    save_slots(station.data_dir, doc)
    conn = raw_conn(station.data_dir, db_key_of(station.data_dir, "coord", PASSWORD))
    conn.execute("INSERT INTO station_keys (public_key, created_at) VALUES (?, 'x')", (pub,))
    conn.execute("UPDATE meta SET value = ? WHERE key = 'station_public_key'", (pub,))
    conn.close()
    mallory = station.station.login("mallory", PASSWORD)
    try:
        with pytest.raises(AuthError) as exc:
            mallory.add_operator("eve", "technician", PASSWORD)
        assert exc.value.code == "vault_unavailable"
    finally:
        mallory.close()
    out = cli(station, "audit", "verify", user="mallory")
    assert out.returncode == 1
    assert json.loads(out.stdout)["broken"]["reason"] == "station_key"


def test_a_coordinator_cannot_sign_a_technicians_act(station):
    """An entry the coordinator appends with their own (valid) key: a user.add in their own
    name breaks the role rule, one in the technician's name the signer rule."""
    coord = station.login("coord")  # the coordinator's own key signs on this connection
    coord.conn.execute("DROP TRIGGER audit_no_delete")
    before = coord.conn.execute("SELECT max(seq) FROM audit").fetchone()[0]
    for operator, reason in (("coord", "role"), ("tech", "signer")):
        coord.conn.execute("BEGIN")
        audit.append(coord.conn, operator, "user.add", detail={"name": "eve"})
        coord.conn.execute("COMMIT")
        result = audit.verify(coord.conn)
        assert (result.ok, result.broken_seq, result.reason) == (False, before + 1, reason)
        coord.conn.execute("DELETE FROM audit WHERE seq > ?", (before,))
        coord.conn.execute(
            "UPDATE meta SET value = (SELECT seq || ':' || hash FROM audit WHERE seq = ?)"
            " WHERE key = 'audit_head'",
            (before,),
        )
        assert audit.verify(coord.conn).ok


# -- (b) audit rows deleted and the chain recomputed ----------------------------------------------
def test_deleted_audit_rows_with_a_recomputed_chain_are_detected(station):
    coord = station.login("coord")
    from station.samples import sample_record

    for _ in range(3):
        coord.save_application(sample_record())
    coord.close()
    key = db_key_of(station.data_dir, "coord", PASSWORD)
    conn = raw_conn(station.data_dir, key)
    target = conn.execute("SELECT min(seq) FROM audit WHERE action = 'app.create'").fetchone()[0]
    conn.execute("DROP TRIGGER audit_no_delete")
    conn.execute("DELETE FROM audit WHERE seq = ?", (target,))
    rewrite_chain_from(conn, target)  # renumbered and rehashed: the chain itself is whole
    conn.close()
    out = cli(station, "audit", "verify")
    assert out.returncode == 1
    assert json.loads(out.stdout)["broken"] == {"seq": target, "reason": "signature"}
    assert "its signature does not verify" in out.stderr
    # stripping the signatures of the rewritten entries does not help either
    conn = raw_conn(station.data_dir, key)
    conn.execute("UPDATE audit SET signer = NULL, signature = NULL WHERE seq >= ?", (target,))
    conn.close()
    out = cli(station, "audit", "verify")
    assert json.loads(out.stdout)["broken"] == {"seq": target, "reason": "unsigned"}
    # nor stripping every signature: the first entry names the station key
    conn = raw_conn(station.data_dir, key)
    conn.execute("UPDATE audit SET signer = NULL, signature = NULL")
    conn.close()
    out = cli(station, "audit", "verify")
    assert json.loads(out.stdout)["broken"] == {"seq": 1, "reason": "unsigned"}


# -- (c) forged entries in the queue of failed logins ------------------------------------------
def test_forged_queue_entries_are_refused_counted_and_the_rest_marked(station):
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    forged = [
        {"ts": now, "operator": "tech", "action": "user.add", "detail": {"name": "eve"}},
        {"ts": now, "operator": "tech", "action": "login.failed", "detail": {"reason": "x"}},
        {
            "ts": now,
            "operator": "<b>x</b>",
            "action": "login.failed",
            "detail": {"reason": "locked"},
        },
        {
            "ts": "yesterday",
            "operator": "tech",
            "action": "login.failed",
            "detail": {"reason": "locked"},
        },
        {
            "ts": now,
            "operator": "tech",
            "action": "login.failed",
            "detail": {"reason": "locked"},
            "extra": "y" * 400,
        },
        "not an entry",
    ]
    plausible = {
        "ts": now,
        "operator": "super",
        "action": "login.failed",
        "detail": {"reason": "bad_password"},
    }  # fits the rules: cannot be told apart
    doc = load_slots(station.data_dir)
    doc["pending_audit"] = forged + [plausible] * 150
    save_slots(station.data_dir, doc)
    tech = station.login("tech")
    rows = tech.conn.execute("SELECT operator, action, detail FROM audit ORDER BY seq").fetchall()
    copied = [r for r in rows if r[1] == "login.failed" and '"queue"' in r[2]]
    assert len(copied) == keyfile.MAX_PENDING
    assert all(r[0] == "super" and json.loads(r[2])["via"] == "queue" for r in copied)
    refused = [json.loads(r[2]) for r in rows if r[1] == "audit.queue_refused"]
    assert refused == [{"count": len(forged) + 150 - keyfile.MAX_PENDING}]
    assert not any(r[1] == "user.add" and "eve" in (r[2] or "") for r in rows)
    assert load_slots(station.data_dir)["pending_audit"] == []
    assert audit.verify(tech.conn).ok  # copied entries are signed by the session, marked


def test_the_queue_keeps_a_count_past_its_cap(station):
    for _ in range(keyfile.MAX_PENDING + 7):
        with pytest.raises(AuthError):
            station.station.login("nobody", "whatever-1")
    doc = load_slots(station.data_dir)
    assert len(doc["pending_audit"]) == keyfile.MAX_PENDING
    assert doc["pending_overflow"] == 7
    tech = station.login("tech")
    refused = tech.conn.execute(
        "SELECT detail FROM audit WHERE action = 'audit.queue_refused'"
    ).fetchone()
    assert json.loads(refused[0]) == {"count": 7}


def test_typed_junk_as_an_operator_name_is_queued_without_it(station):
    with pytest.raises(AuthError):
        station.station.login("王 <script>", "whatever-1")
    assert load_slots(station.data_dir)["pending_audit"][0]["operator"] is None


# -- (d) the station key ----------------------------------------------------------------------------
def test_a_coordinator_cannot_read_the_station_key(station):
    tech = station.login("tech")
    secret = identity.private_raw(tech.keys.station_key)
    coord = station.login("coord")
    assert coord.keys.station_key is None and coord.keys.vault_key is None
    with pytest.raises(AuthError) as exc:
        coord.vault.station_key()
    assert exc.value.code == "vault_unavailable"
    # everything the coordinator's password opens, and everything in the database
    doc = load_slots(station.data_dir)
    slot = next(s for s in doc["slots"] if s["name"] == "coord")
    assert "vault" not in slot
    kek = keys.derive(PASSWORD, slot["kdf"])
    opened = [keys._open(kek, slot), keys._open(kek, slot, "signing")]
    assert all(keys.unseal_identity(doc, k) is None for k in opened)
    needles = [secret, secret.hex().encode(), base64.b64encode(secret)]
    conn = raw_conn(station.data_dir, coord.db_key)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        for row in conn.execute(f"SELECT * FROM {table}"):  # noqa: S608 - test
            for value in row:
                data = value if isinstance(value, bytes) else str(value).encode()
                assert not any(n in data for n in needles), table
    raw = (station.data_dir / "keyslots.json").read_bytes()
    assert not any(n in raw for n in needles)
    conn.close()


def test_technicians_and_recovery_hold_the_vault(station):
    tech = station.login("tech")
    assert tech.keys.station_key is not None
    rec = station.station.open_with_recovery(station.recovery_code)
    try:
        assert identity.public_b64(rec.keys.station_key) == identity.public_b64(
            tech.keys.station_key
        )
        rec.add_operator("tech2", "technician", PASSWORD)  # certified by the recovery session
    finally:
        rec.close()
    tech2 = station.login("tech2")
    assert tech2.keys.station_key is not None
    assert audit.verify(tech2.conn).ok


def test_password_changes_and_resets_keep_the_slot_certified(station):
    coord = station.login("coord")
    old_key = coord.keys.signer.public_key
    coord.change_password(PASSWORD, "another-pass-1")
    again = station.station.login("coord", "another-pass-1")
    assert again.keys.signer.public_key == old_key  # same key, rewrapped
    again.close()
    tech = station.login("tech")
    tech.reset_password("coord", PASSWORD)
    fresh = station.login("coord")
    assert fresh.keys.signer.public_key != old_key  # a new key; the old one revoked
    revoked = tech.conn.execute("SELECT public_key FROM revocations").fetchall()
    assert (old_key,) in revoked
    tech.disable_operator("super")
    assert tech.conn.execute("SELECT count(*) FROM revocations").fetchone()[0] == 2
    assert audit.verify(tech.conn).ok


# -- (6) the key file: damaged fields, a disk that cannot take the attempt ------------------------
DAMAGE = {
    "absurd scrypt n": lambda d: d["slots"][0]["kdf"].update(n=2**30),
    "scrypt n not a power of two": lambda d: d["slots"][0]["kdf"].update(n=40000),
    "absurd scrypt r": lambda d: d["slots"][0]["kdf"].update(r=10**6),
    "absurd scrypt p": lambda d: d["slots"][0]["kdf"].update(p=10**6),
    "scrypt n as text": lambda d: d["slots"][0]["kdf"].update(n="32768"),
    "salt not base64": lambda d: d["slots"][0]["kdf"].update(salt="%%%"),
    "short nonce": lambda d: d["slots"][0].update(nonce=base64.b64encode(b"x").decode()),
    "wrapped key cut": lambda d: d["slots"][0].update(wrapped=d["slots"][0]["wrapped"][:20]),
    "lockout time not a time": lambda d: d["slots"][0].update(locked_until="soon"),
    "lockout time without zone": lambda d: d["slots"][0].update(locked_until="2030-01-01T00:00"),
    "failures negative": lambda d: d["slots"][0].update(failures=-1),
    "failures huge": lambda d: d["slots"][0].update(failures=10**12),
    "certificate not one": lambda d: d["slots"][0].update(certificate={"name": "tech"}),
    "certificate key not a key": lambda d: d["slots"][0]["certificate"].update(public_key="x"),
    "signing box damaged": lambda d: d["slots"][0].update(signing={"nonce": 1}),
    "vault box damaged": lambda d: d["slots"][0].update(vault="x"),
    "station key not a key": lambda d: d.update(station_public_key="AAAA"),
    "identity box damaged": lambda d: d.update(identity=[]),
    "pending not a list": lambda d: d.update(pending_audit={"a": 1}),
    "pending overflow text": lambda d: d.update(pending_overflow="9"),
    "slots not a list": lambda d: d.update(slots="x"),
    "role unknown": lambda d: d["slots"][0].update(role="root"),
    "two slots, one id": lambda d: d["slots"].append(dict(d["slots"][0])),
    "format unknown": lambda d: d.update(format=3),
    "station code short": lambda d: d.update(station_code="4501"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_key_file_field_is_a_clear_error_and_the_file_unchanged(station, damage):
    doc = load_slots(station.data_dir)
    tech = next(s for s in doc["slots"] if s["name"] == "tech")
    doc["slots"].remove(tech)
    doc["slots"].insert(0, tech)
    DAMAGE[damage](doc)
    save_slots(station.data_dir, doc)
    before = (station.data_dir / "keyslots.json").read_bytes()
    with pytest.raises(StorageError) as exc:
        station.station.login("tech", PASSWORD)
    assert exc.value.code == "keyslots_damaged"
    assert (station.data_dir / "keyslots.json").read_bytes() == before


def test_a_damaged_key_file_through_the_cli(station):
    doc = load_slots(station.data_dir)
    doc["slots"][0]["kdf"]["n"] = 2**40
    save_slots(station.data_dir, doc)
    before = (station.data_dir / "keyslots.json").read_bytes()
    for args, user in ((("app", "search", "x"), "coord"), (("doctor",), "tech")):
        out = cli(station, *args, user=user)
        assert "Traceback" not in out.stderr
        assert "damaged" in out.stdout
    out = cli(station, "app", "search", "x", user="coord")
    assert (out.returncode, error(out)["code"]) == (1, "keyslots_damaged")
    assert (station.data_dir / "keyslots.json").read_bytes() == before


def test_hypothesis_any_value_in_any_field_is_refused_cleanly(station):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    pristine = load_slots(station.data_dir)
    paths = []
    for key in pristine:
        if key != "slots":
            paths.append((key,))
    for i, slot in enumerate(pristine["slots"]):
        for key, value in slot.items():
            paths.append(("slots", i, key))
            if isinstance(value, dict):
                paths += [("slots", i, key, k) for k in value]
    junk = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
        max_leaves=5,
    )

    @settings(max_examples=60, deadline=None)
    @given(path=st.sampled_from(paths), value=junk)
    def check(path, value):
        doc = json.loads(json.dumps(pristine))
        node = doc
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
        save_slots(station.data_dir, doc)
        try:
            station.station.login("coord", PASSWORD).close()
        except (StorageError, AuthError):
            pass  # refused with a typed error: never a traceback, never a hang in scrypt

    try:
        check()
    finally:
        save_slots(station.data_dir, pristine)
