"""``station card read --reader`` and ``station card endorse`` through the real PC/SC stack."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from devices.permit.emulator import PermitCard, synthetic_fields
from tests.conftest import run_cli

pytestmark = pytest.mark.pcsc
KEY = "8f3a61c2d4e5f60718293a4b5c6d7e80"


def test_card_read_and_endorse_records_once(vpcd, station):
    year = dt.date.today().year
    card = PermitCard.build(1, 2, key=bytes.fromhex(KEY))
    virtual = vpcd.insert(card)
    try:
        tech = station.env("tech")
        assert run_cli("config", "set", "permit.endorse_key", KEY, env=tech).returncode == 0
        assert run_cli("config", "set", "permit.reader", vpcd.reader, env=tech).returncode == 0
        out = run_cli(
            "--json", "card", "read", "--reader", vpcd.reader, "--wait", "3", env=station.env()
        )
        assert out.returncode == 0, out.stderr
        doc = json.loads(out.stdout)
        assert doc["person"] == synthetic_fields(1)["person"]
        assert len(doc["permit"]["endorsements"]) == 2
        out = run_cli(
            "--json", "card", "endorse", "--year", str(year), "--wait", "3", env=station.env()
        )
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["endorsed"]["year"] == year
        again = run_cli(
            "--json", "card", "endorse", "--year", str(year), "--wait", "3", env=station.env()
        )
        assert again.returncode == 4
        assert card.commands.count("append_record") == 1
        store = station.login("super")
        rows = store.conn.execute("SELECT year, station FROM endorsements").fetchall()
        assert rows == [(year, "450103000099")]
        assert KEY not in (station.data_dir / "logs" / "station.log").read_text()
    finally:
        vpcd.remove(virtual)


def test_card_read_errors_exit_5(vpcd):
    out = run_cli(
        "card", "read", "--reader", "No Such Reader", "--wait", "1", env={"PATH": "/usr/bin:/bin"}
    )
    assert out.returncode == 5
    out = run_cli(
        "card", "read", "--reader", vpcd.reader, "--wait", "1", env={"PATH": "/usr/bin:/bin"}
    )
    assert out.returncode == 5  # no card in the slot
