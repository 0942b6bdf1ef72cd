"""Offline for weeks (issue 14, item 6): a station without network exports its pending
batches and handovers sealed to the central service (``station sync --export``), the service
imports them (``station central import``), and the next online sync reconciles through the
service's stored results: nothing is sent twice and every record reaches its final state. A
tampered, foreign or unknown file is refused; a full disk leaves no partial file."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from station import desk, outbox
from sync.client import SyncClient
from sync.sealed import seal
from tests.conftest import run_cli
from tests.sync.conftest import Central, free_port
from tests.sync.test_sync import enrolled, fill, no_sleep, states


class Recording(requests.Session):
    """The client's HTTP session, remembering what it sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str]] = []

    def request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.sent.append((method, url))
        return super().request(method, url, *args, **kwargs)


def go_offline(store) -> None:
    with store.transaction():
        outbox.put(store.conn, "server", f"http://127.0.0.1:{free_port()}")


def go_online(store, central) -> None:
    with store.transaction():
        outbox.put(store.conn, "server", central.url)


def export(station, folder: Path) -> dict:
    out = run_cli("--json", "sync", "--export", str(folder), env=station.env())
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout)


def central_import(central, folder: Path):
    out = run_cli("--json", "central", "import", "--db", central.db, str(folder))
    assert "Traceback" not in out.stderr
    return out.returncode, json.loads(out.stdout)


def test_export_import_then_online_sync_sends_nothing_twice(station, central, tmp_path):
    coord = enrolled(station, central)
    ready = fill(coord, 2)
    SyncClient(coord).run(sleep=no_sleep)
    central.store.produce()
    SyncClient(coord).sync_once()  # the cards are ready for pickup

    go_offline(coord)  # weeks without network: a handover and 30 applications with photos
    handed = desk.record_handover(coord, ready[0]["uuid"], id_checked=True)
    saved = fill(coord, 30, seed=2)
    usb = tmp_path / "usb"
    usb.mkdir()
    done = export(station, usb)
    assert (done["batches"], done["records"], done["handovers"]) == (2, 30, 1)
    names = sorted(p.name for p in usb.iterdir())
    assert len(names) == 4 and done["manifest"] in names
    assert all(os.stat(usb / n).st_mode & 0o077 == 0 for n in names)
    # recorded before written: the batches are in the outbox, their records in flight
    assert states(coord) == {"accepted": 2, "in_flight": 30}
    stored = {b["batch_id"]: b for b in outbox.open_batches(coord.conn)}
    assert len(stored) == 2 and all(b["exported_at"] for b in stored.values())
    manifest = json.loads((usb / done["manifest"]).read_text())
    assert {f["batch_id"] for f in manifest["files"] if f["kind"] == "batch"} == set(stored)
    everything = b"".join((usb / n).read_bytes() for n in names)
    rec = coord.get_application(saved[0]["uuid"], audit_view=False)
    jpeg = coord.photo(rec["photo"])
    assert jpeg[100:164] not in everything  # photos and personal data are sealed
    assert rec["person"]["name"].encode() not in everything
    assert rec["person"]["id_number"].encode() not in everything

    code, result = central_import(central, usb)
    assert code == 0, result
    assert result["counts"] == {"accepted": 30, "handovers": 1}
    status = central.store.status()
    assert (status["applications"], status["photos"]) == (32, 32)
    assert status["by_state"]["collected"] == 1
    code, result = central_import(central, usb)  # a second time adds nothing
    assert code == 0 and result["counts"] == {"already": 31}
    assert central.store.status()["applications"] == 32

    go_online(coord, central)
    session = Recording()
    counts = SyncClient(coord, session=session).run(sleep=no_sleep)
    uploads = [u for m, u in session.sent if m == "POST" and u.endswith("/batches")]
    assert uploads == []  # answered by the stored results, not sent again
    fetched = [u for m, u in session.sent if m == "GET" and "/batches/" in u]
    assert sorted(u.rsplit("/", 1)[1] for u in fetched) == sorted(stored)
    assert counts["accepted"] == 30 and counts["pending"] == 0
    assert states(coord) == {"accepted": 32}
    assert outbox.open_batches(coord.conn) == []
    assert outbox.unsent_handovers(coord.conn) == []
    assert outbox.record_state(coord.conn, handed["uuid"])["service_state"] == "collected"
    for s in saved:
        assert outbox.record_state(coord.conn, s["uuid"])["service_state"] == "received"
    rows = central.store.read().execute("SELECT count(*) FROM batches").fetchone()[0]
    assert rows == 3  # the online batch and the two exported ones, once each


def test_a_lost_stick_the_batches_go_out_unchanged(station, central, tmp_path):
    coord = enrolled(station, central)
    go_offline(coord)
    (tmp_path / "usb").mkdir()
    assert export(station, tmp_path / "usb")["manifest"] is None  # nothing waits: no file
    assert list((tmp_path / "usb").iterdir()) == []
    with coord.transaction():
        outbox.put(coord.conn, "batch_records", "1")  # shrunk by rounds that failed offline
    fill(coord, 3)
    assert export(station, tmp_path / "usb")["batches"] == 1  # the stick takes full batches
    export(station, tmp_path / "usb")  # again: the same batch, not a second one
    assert len(outbox.open_batches(coord.conn)) == 1
    go_online(coord, central)
    session = Recording()
    SyncClient(coord, session=session).run(sleep=no_sleep)
    assert [m for m, u in session.sent if u.endswith("/batches")] == ["POST"]
    assert states(coord) == {"accepted": 3}
    code, result = central_import(central, tmp_path / "usb")  # found later: nothing twice
    assert code == 0 and result["counts"] == {"already": 3}
    assert central.store.status()["applications"] == 3


def test_tampered_foreign_unknown_and_revoked_files_are_refused(station, central, tmp_path):
    coord = enrolled(station, central)
    go_offline(coord)
    fill(coord, 2)
    usb = tmp_path / "usb"
    usb.mkdir()
    done = export(station, usb)
    batch = usb / done["files"][0]

    # one byte changed: the manifest says so, and without the manifest the seal does
    data = bytearray(batch.read_bytes())
    data[len(data) // 2] ^= 0x01
    batch.write_bytes(bytes(data))
    code, result = central_import(central, usb)
    assert code == 1 and result["refused"] == 1
    assert result["files"][0]["code"] == "damaged" and result["files"][0]["message"]
    (usb / done["manifest"]).unlink()
    code, result = central_import(central, usb)
    assert code == 1 and result["files"][0]["code"] == "damaged"
    assert central.store.status()["applications"] == 0  # nothing of it was taken in

    # not an export at all, and a file sealed for another service
    (usb / "notes.stx").write_bytes(b"hello")
    other = Central(str(tmp_path / "other.db"))
    try:
        code, result = central_import(other, tmp_path / "fresh")  # no such folder
        assert code == 1 and result["error"]["code"] == "no_folder"
        batch.unlink()
        export(station, usb)  # a good copy again
        code, result = central_import(other, usb)
        assert code == 1
        assert {f["file"]: f["code"] for f in result["files"]}["notes.stx"] == "not_export"
        assert {f["code"] for f in result["files"] if f["file"] != "notes.stx"} == {"foreign"}
        assert other.store.status()["applications"] == 0
        # sealed for this other service but from a station it does not know
        with coord.transaction():
            from sync.server.tables import export_public_key

            outbox.put(coord.conn, "export_key", export_public_key(other.store))
        usb2 = tmp_path / "usb2"
        usb2.mkdir()
        export(station, usb2)
        code, result = central_import(other, usb2)
        assert code == 1 and {f["code"] for f in result["files"]} == {"unknown_station"}
    finally:
        other.stop()
    (usb / "notes.stx").unlink()

    # a revoked station's export is refused like its requests would be
    central.store.revoke(SyncClient(coord).station_id)
    code, result = central_import(central, usb)
    assert code == 1 and {f["code"] for f in result["files"]} == {"revoked"}
    assert central.store.status()["applications"] == 0


def test_a_forged_request_inside_a_good_seal_is_refused(station, central, tmp_path):
    """Sealing needs only the public key: what proves the station is the signature."""
    import base64

    from sync.server.tables import export_public_key

    coord = enrolled(station, central)
    go_offline(coord)
    fill(coord, 1)
    usb = tmp_path / "usb"
    usb.mkdir()
    done = export(station, usb)
    from sync.sealed import unseal
    from sync.server.tables import export_private_key

    path = usb / done["files"][0]
    doc = json.loads(unseal(path.read_bytes(), export_private_key(central.store)))
    body = base64.b64decode(doc["requests"][0]["body"]).replace(b"\xff\xd8", b"\xff\xd9", 1)
    doc["requests"][0]["body"] = base64.b64encode(body).decode()
    key = base64.b64decode(export_public_key(central.store))
    path.write_bytes(seal(json.dumps(doc).encode(), key))
    (usb / done["manifest"]).unlink()
    code, result = central_import(central, usb)
    assert code == 1 and result["files"][0]["code"] == "bad_digest"
    assert central.store.status()["applications"] == 0


def test_export_needs_enrolment_and_an_existing_folder(station, central, tmp_path):
    out = run_cli("--json", "sync", "--export", str(tmp_path), env=station.env())
    assert out.returncode == 1 and json.loads(out.stdout)["error"]["code"] == "not_enrolled"
    enrolled(station, central)
    out = run_cli("--json", "sync", "--export", str(tmp_path / "usb"), env=station.env())
    assert out.returncode == 1 and json.loads(out.stdout)["error"]["code"] == "no_folder"
    assert not (tmp_path / "usb").exists()


def test_export_on_a_full_disk_leaves_no_partial_file(station, central, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    coord = enrolled(station, central)
    go_offline(coord)
    fill(coord, 30)  # two batches with photos (25 and 5): more than the stick holds
    usb = tmp_path / "usb"
    usb.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(usb)], check=True)
    try:
        out = run_cli("--json", "sync", "--export", str(usb), env=station.env())
        assert out.returncode == 1 and "Traceback" not in out.stderr
        assert json.loads(out.stdout)["error"]["code"] == "cannot_write"
        left = sorted(p.name for p in usb.iterdir())
        assert all(not n.startswith(".") for n in left)  # no temporary file left behind
        assert not any(n.startswith("manifest-") for n in left)
        for name in left:  # what is there under a final name is complete and opens
            from sync.sealed import unseal
            from sync.server.tables import export_private_key

            unseal((usb / name).read_bytes(), export_private_key(central.store))
    finally:
        subprocess.run(["umount", str(usb)], check=True)
    # nothing was lost: the batch recorded before its file failed waits in the outbox (its
    # records in flight), the rest are still pending; the next export writes them all
    assert states(coord) == {"in_flight": 25, "pending": 5}
    done = export(station, usb)
    assert (done["batches"], done["records"]) == (2, 30)
    code, result = central_import(central, usb)
    assert code == 0 and result["counts"] == {"accepted": 30}


# -- malformed input: every file is imported or refused, never a traceback --------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)
requests_like = st.fixed_dictionaries(
    {
        "method": st.sampled_from(["POST", "GET", ""]),
        "path": st.sampled_from(
            ["/v1/stations/st-0123456789abcdef/batches", "/v1/stations/x/handovers", "/"]
        ),
        "headers": st.dictionaries(
            st.sampled_from(
                ["signature", "signature-input", "station-id", "date", "content-digest"]
            ),
            st.text(max_size=40),
        ),
        "body": st.text(max_size=40),
    }
)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    from sync.server.store import CentralStore

    return CentralStore(str(tmp_path_factory.mktemp("svc") / "c.db"))


@given(
    st.one_of(
        json_values,
        st.fixed_dictionaries(
            {
                "format": st.just("station-export"),
                "version": st.just(1),
                "kind": st.sampled_from(["batch", "handovers", "x"]),
                "requests": st.lists(st.one_of(requests_like, json_values), max_size=3),
            }
        ),
    )
)
def test_any_sealed_content_is_refused_cleanly(service, tmp_path_factory, content):
    import base64

    from sync.server.http import Limits
    from sync.server.imports import import_file
    from sync.server.tables import export_public_key

    folder = tmp_path_factory.mktemp("f")
    path = folder / "x.stx"
    key = base64.b64decode(export_public_key(service))
    path.write_bytes(seal(json.dumps(content).encode(), key))
    out = import_file(service, path, Limits(), None)
    assert out.status == "refused" and out.code
    assert service.status()["applications"] == 0


@given(st.binary(max_size=200))
def test_any_bytes_are_refused_cleanly(service, tmp_path_factory, data):
    from sync.server.http import Limits
    from sync.server.imports import import_file

    path = tmp_path_factory.mktemp("b") / "y.stx"
    path.write_bytes(data)
    out = import_file(service, path, Limits(), None)
    assert out.status == "refused" and out.code in ("not_export", "foreign", "damaged")
