"""``station bench ui`` runs in a real process and prints every figure (no time limit is
asserted: the figures are for reading, not for failing a slow machine)."""

from __future__ import annotations

import json
import os

import pytest

from tests.conftest import run_cli


@pytest.mark.slow
def test_bench_ui_prints_every_figure():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", STATION_LANG="en")
    proc = run_cli("--json", "bench", "ui", "--samples", "20", env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    assert out["platform"] == "offscreen"
    assert out["records"] >= 10_000
    for key, n in (("cold_start_to_login_ms", 5), ("login_to_home_ms", 10)):
        assert out[key]["n"] == n
        assert 0 < out[key]["median"] <= out[key]["max"]
    keys = out["keystroke_to_validation_ms"]
    assert keys["n"] == 20
    assert 0 < keys["p50"] <= keys["p95"] <= keys["max"]
    assert 0 < keys["with_paint"]["p50"] <= keys["with_paint"]["max"]
    blocks = out["main_thread_block_ms"]
    for key in ("card_read", "photo_save", "search"):
        assert isinstance(blocks[key], (int, float)) and blocks[key] >= 0
    assert blocks["probe_interval_ms"] == 10
    assert out["card_read_to_filled_ms"] > 0 and out["save_to_saved_ms"] > 0
    assert 0 < out["search_to_list_ms"]["median"] <= out["search_to_list_ms"]["max"]
