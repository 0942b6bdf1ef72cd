"""``station app add`` (and the new versions of a record) against hostile JSON: every case ends
in exit 4 with ``{"errors": [{field, code, message}]}``, never a traceback, and nothing already
stored changes. The station makes the uuid, number, time and operator; a photo comes as a
picture; hidden characters and non-ASCII digits are refused per field."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.errors import StationError, ValidationError
from station.samples import sample_record
from tests import media
from tests.conftest import run_cli


def snapshot(store) -> str:
    """A digest of everything an application touches (the audit log but its login entries:
    each run of the command line logs in)."""
    h = hashlib.sha256()
    for table in ("applications", "application_versions", "photos", "outbox", "number_seq"):
        for row in store.conn.execute(f"SELECT * FROM {table} ORDER BY 1"):  # noqa: S608
            h.update(repr(row).encode())
    for row in store.conn.execute("SELECT * FROM audit WHERE action != 'login' ORDER BY 1"):
        h.update(repr(row).encode())
    return h.hexdigest()


@pytest.fixture
def stored(station, tmp_path):
    """A station with one application (with its photo) already stored."""
    coord = station.login()
    saved = coord.save_application(sample_record(), media.photo_jpeg(7))
    rec = coord.get_application(saved["uuid"])
    return station, coord, rec


def refused(station, store, tmp_path, raw: bytes, *args: str) -> list[dict]:
    before = snapshot(store)
    path = tmp_path / "input.json"
    path.write_bytes(raw)
    out = run_cli("--json", *(args or ("app", "add")), str(path), env=station.env())
    assert out.returncode == 4, (out.returncode, out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    errors = json.loads(out.stdout)["errors"]
    assert errors and all(set(e) == {"field", "code", "message"} for e in errors)
    assert snapshot(store) == before
    return errors


def codes(errors: list[dict]) -> set[tuple[str, str]]:
    return {(e["field"], e["code"]) for e in errors}


def record_bytes(change=None) -> bytes:
    rec = sample_record()
    if change:
        change(rec)
    return json.dumps(rec, ensure_ascii=False).encode()


@pytest.mark.parametrize(
    "raw,expected",
    [
        (b"[" * 100_000 + b"]" * 100_000, ("", "too_deep")),
        (b'{"kind": "new", "a": ' + b"[" * 40 + b"]" * 40 + b"}", ("", "too_deep")),
        (record_bytes().replace(b'"intended_months": 12', b'"intended_months": ' + b"9" * 5000), ("", "bad_number")),
        (record_bytes().replace(b'"intended_months": 12', b'"intended_months": 1e999'), ("", "bad_number")),
        (record_bytes().replace(b'"intended_months": 12', b'"intended_months": NaN'), ("", "bad_number")),
        ("\ufeff".encode("utf-16-le") + record_bytes().decode().encode("utf-16-le"), ("", "not_utf8")),
        (record_bytes().decode().encode("gb18030"), ("", "not_utf8")),
        (b" " * (1024 * 1024 + 1), ("", "input_too_large")),
    ],
    ids=["deep", "deeper_than_a_record", "5000_digits", "1e999", "nan", "utf16", "gbk", "2mb"],
)  # fmt: skip
def test_malformed_documents(stored, tmp_path, raw, expected):
    station, coord, _rec = stored
    assert expected in codes(refused(station, coord, tmp_path, raw))


def test_a_utf8_bom_is_allowed_but_a_bom_inside_a_name_is_not(stored, tmp_path):
    station, coord, _rec = stored
    raw = "\ufeff".encode() + record_bytes(lambda r: r["person"].update(phone="13900000001"))
    path = tmp_path / "bom.json"
    path.write_bytes(raw)
    assert run_cli("app", "add", str(path), env=station.env()).returncode == 0
    errors = refused(
        station,
        coord,
        tmp_path,
        record_bytes(lambda r: r["person"].update(name="测试\ufeff甲")),
    )
    assert ("person.name", "control_chars") in codes(errors)


@pytest.mark.parametrize("key", ["uuid", "number", "captured_at", "operator", "photo"])
def test_the_station_makes_its_own_keys(stored, tmp_path, key):
    station, coord, rec = stored
    value = rec[key] if key != "photo" else "ab" * 32  # the existing uuid; an unknown photo
    errors = refused(station, coord, tmp_path, record_bytes(lambda r: r.update({key: value})))
    assert (key, "station_key") in codes(errors)


def test_a_known_photo_hash_is_not_taken_either(stored, tmp_path):
    station, coord, rec = stored
    errors = refused(station, coord, tmp_path, record_bytes(lambda r: r.update(photo=rec["photo"])))
    assert ("photo", "station_key") in codes(errors)


HIDDEN = ["\u202e", "\u2066", "\u200b", "\x00", "\x1b", "\ue000", "\u2028"]


@pytest.mark.parametrize("char", HIDDEN, ids=[f"U+{ord(c):04X}" for c in HIDDEN])
def test_hidden_characters_are_refused_per_field(stored, tmp_path, char):
    station, coord, _rec = stored

    def change(r):
        r["person"]["name"] = "测试" + char + "甲"
        r["residence"]["address"] = "民族大道" + char + "100号"
        r["person"]["phone"] = "138" + char + "00000001"
        r["employer"]["name"] = "南宁" + char + "示例物流有限公司"

    got = codes(refused(station, coord, tmp_path, record_bytes(change)))
    for field in ("person.name", "residence.address", "person.phone", "employer.name"):
        assert (field, "control_chars") in got


@pytest.mark.parametrize(
    "field,value",
    [
        ("person.phone", "1３800000001"),
        ("person.phone", "1٣800000001"),
        ("person.birth_date", "１９９１-01-01"),
        ("person.id_number", "３60426199101010071"),
        ("residence.division_code", "４50103"),
        ("employer.uscc", "９1110000600037341L"),
    ],
)
def test_digits_outside_ascii_are_refused(stored, tmp_path, field, value):
    station, coord, _rec = stored

    def change(r):
        section, key = field.split(".")
        r[section][key] = value

    assert (field, "digits_not_ascii") in codes(
        refused(station, coord, tmp_path, record_bytes(change))
    )


def test_a_new_version_keeps_its_identity_and_photo(stored, tmp_path):
    station, coord, rec = stored
    other = coord.save_application(
        dict(sample_record(), person=dict(sample_record()["person"], phone="13900000009"))
    )
    number = rec["number"]
    shown = {k: v for k, v in rec.items() if k not in ("state", "version")}
    bad_photo = json.dumps(dict(shown, photo="cd" * 32), ensure_ascii=False).encode()
    assert ("photo", "photo_unknown") in codes(
        refused(station, coord, tmp_path, bad_photo, "app", "change", number)
    )
    foreign = json.dumps(dict(shown, uuid=other["uuid"]), ensure_ascii=False).encode()
    assert ("uuid", "other_application") in codes(
        refused(station, coord, tmp_path, foreign, "app", "change", number)
    )
    same = tmp_path / "same.json"
    same.write_text(json.dumps(dict(shown, kind="change"), ensure_ascii=False), encoding="utf-8")
    out = run_cli("--json", "app", "change", number, str(same), env=station.env())
    assert out.returncode == 0, out.stderr


# -- fuzz: the whole input path of ``app add``, in-process ------------------------------------
def _set(rec, path, value):
    cur = rec
    parts = path.split(".")
    for part in parts[:-1]:
        cur = cur.setdefault(part, {}) if isinstance(cur, dict) else {}
    if isinstance(cur, dict):
        cur[parts[-1]] = value


PATHS = [
    "kind", "uuid", "number", "photo", "operator", "captured_at", "state", "version",
    "person.name", "person.id_number", "person.phone", "person.birth_date", "person.sex",
    "residence.address", "residence.intended_months", "residence.division_code",
    "residence.arrival_date", "dwelling.type", "dwelling.landlord", "employer.uscc",
    "members", "services", "guardian", "extra", "person.extra",
]  # fmt: skip
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**25), max_value=10**25)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["\u202e甲", "１３８００００００００", "1991-01-01", "=1+2", "长期", ""]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=12,
)  # fmt: skip
raw_edits = st.sampled_from(["", "bom", "truncate", "utf16", "nul", "nest"])


def _bytes(rec, edit: str) -> bytes:
    data = json.dumps(rec, ensure_ascii=False).encode()
    return {
        "": data,
        "bom": b"\xef\xbb\xbf" + data,
        "truncate": data[: len(data) // 2],
        "utf16": data.decode().encode("utf-16"),
        "nul": data.replace(b'"kind"', b'"ki\x00nd"'),
        "nest": b'{"members": ' + b"[" * 3000 + b"]" * 3000 + b"}",
    }[edit]


@given(
    changes=st.lists(st.tuples(st.sampled_from(PATHS), json_values), max_size=4),
    edit=raw_edits,
)
def test_fuzz_app_add_input(station, tmp_path, changes, edit):
    from station.cli.context import read_json_input

    store = getattr(station, "fuzz_store", None) or station.login()
    station.fuzz_store = store
    rec = sample_record()
    for path, value in changes:
        _set(rec, path, value)
    path = Path(tmp_path / "fuzz.json")
    path.write_bytes(_bytes(rec, edit))
    before = snapshot(store)
    try:
        record = read_json_input(str(path))
        store.possible_duplicates(record) if isinstance(record, dict) and isinstance(
            record.get("person"), dict
        ) else None
        store.save_application(record)
    except StationError as exc:
        assert exc.exit_code == 4, (exc.code, exc.message)
        if isinstance(exc, ValidationError):
            assert all(e.code for e in exc.errors)
        assert snapshot(store) == before
    else:
        assert snapshot(store) != before
