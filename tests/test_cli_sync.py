"""``station sync`` and ``station handover`` for people, through the real process against the
reference central service on 127.0.0.1: a readable summary instead of a JSON line, the state
with translated labels, and a second handover that exits for what it is (1, refused by the
record's state), not as wrong usage."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest

from station.samples import synthetic_record
from sync.client import enrol
from tests import media
from tests.conftest import run_cli
from tests.sync.conftest import Central


@pytest.fixture
def central(tmp_path):
    c = Central(str(tmp_path / "central.db"))
    yield c
    c.stop()


def zh(env):
    return dict(env, STATION_LANG="zh_CN")


def test_sync_summary_status_and_a_second_handover(station, central):
    with station.login("tech") as tech:
        enrol(tech, central.url, central.enrol_code())
    with station.login("coord") as coord:
        rng = random.Random(3)
        saved = [
            coord.save_application(synthetic_record(rng, dt.date.today()), media.photo_jpeg(i))
            for i in range(2)
        ]
    env = zh(station.env())
    out = run_cli("sync", env=env)
    assert out.returncode == 0, out.stderr
    assert "已发送 2 份申请：2 份被接收" in out.stdout and "{" not in out.stdout
    as_json = run_cli("--json", "sync", env=env)
    assert set(json.loads(as_json.stdout)) == {
        "sent", "accepted", "duplicate", "conflict", "rejected", "retry", "pending", "events"
    }  # fmt: skip
    central.store.produce(steps=3)
    out = run_cli("sync", env=env)
    assert out.returncode == 0 and "收到的状态变化：" in out.stdout
    status = run_cli("sync", "--status", env=env)
    assert status.returncode == 0
    assert "待上传" in status.stdout and "证件待领" in status.stdout
    for english in ("pending", "in_flight", "last_error", "None", "ready_for_pickup"):
        assert english not in status.stdout
    number = saved[0]["number"]
    first = run_cli("--json", "handover", number, env=env)
    assert first.returncode == 0, first.stderr
    again = run_cli("--json", "handover", number, env=env)
    assert again.returncode == 1
    assert json.loads(again.stdout)["error"]["code"] == "already_collected"
    assert "此证件已经发放" in again.stderr
    with station.login("super") as sup:
        rows = sup.conn.execute("SELECT count(*) FROM handovers").fetchone()[0]
    assert rows == 1
    unknown = run_cli("handover", "450103000099209901019999", env=env)
    assert unknown.returncode == 1
