"""The PyInstaller one-folder bundle builds, and its executable runs the CLI (slow)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.integration  # the bundled demo starts the central service (uvicorn)
def test_bundle_builds_and_runs_doctor(tmp_path):
    pyinstaller = Path(sys.executable).parent / "pyinstaller"
    subprocess.run(
        [
            str(pyinstaller),
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(tmp_path / "dist"),
            "--workpath",
            str(tmp_path / "build"),
            str(ROOT / "station.spec"),
        ],
        check=True,
        cwd=ROOT,
        timeout=900,
    )
    exe = tmp_path / "dist" / "station" / "station"
    assert exe.exists()
    size = sum(p.lstat().st_size for p in exe.parent.rglob("*") if not p.is_symlink())
    print(f"bundle size: {size / 1e6:.0f} MB")
    env = dict(
        os.environ,
        STATION_DATA_DIR=str(tmp_path / "data"),
        STATION_PASSWORD="bundle-pass",
        STATION_USER="tech",
        QT_QPA_PLATFORM="offscreen",
    )
    out = subprocess.run(
        [str(exe), "--json", "init", "--station-code", "450103000077", "--admin", "tech"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    doctor = subprocess.run(
        [str(exe), "--json", "doctor"], env=env, capture_output=True, text=True, timeout=120
    )
    doc = json.loads(doctor.stdout)
    checks = {c["name"]: c["status"] for c in doc["checks"]}
    assert checks["database"] == "ok" and checks["translations"] == "ok"
    demo = subprocess.run(
        [str(exe), "--json", "demo", "--no-window", "--records", "20"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert demo.returncode == 0, demo.stderr
