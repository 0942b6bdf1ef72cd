"""Logs live under the data folder, rotate, and never carry personal data."""

from __future__ import annotations

import json
import logging

from station.logs import RedactingFilter, redact
from station.samples import sample_record
from tests.conftest import run_cli


def test_redaction_masks_ids_phones_and_chinese_text():
    assert (
        redact("saved 11010519491231002X for 13912345678 张三") == "saved [id] for [phone] [text]"
    )
    assert (
        redact("uuid 3f1e2d4c-0000-4000-8000-000000000000 ok")
        == "uuid 3f1e2d4c-0000-4000-8000-000000000000 ok"
    )


def test_filter_drops_exception_text():
    rec = logging.LogRecord(
        "x",
        logging.ERROR,
        __file__,
        1,
        "failed %s",
        ("13912345678",),
        (ValueError, ValueError("name 张三"), None),
    )
    RedactingFilter().filter(rec)
    assert "13912345678" not in rec.getMessage()
    assert rec.exc_info is None
    assert "ValueError" in rec.getMessage()


def test_cli_writes_log_without_personal_data(station):
    rec = sample_record()
    out = run_cli("-v", "--json", "app", "add", "-", env=station.env(), input=json.dumps(rec))
    assert out.returncode == 0, out.stderr
    run_cli("-v", "app", "search", rec["person"]["name"], env=station.env())
    run_cli("-v", "app", "search", rec["person"]["id_number"], env=station.env())
    log = (station.data_dir / "logs" / "station.log").read_text(encoding="utf-8")
    assert "command app" in log
    for value in (rec["person"]["name"], rec["person"]["id_number"], rec["person"]["phone"]):
        assert value not in log
