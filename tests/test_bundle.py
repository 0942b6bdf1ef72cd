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

    # The other layers' commands come through the bundled entry points (copy_metadata).
    def run(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(exe), *args],
            env=dict(env, **extra),
            capture_output=True,
            text=True,
            timeout=120,
        )

    top = run("--help", STATION_LANG="en").stdout
    for command in ("card", "photo", "enrol", "sync", "central", "gui", "demo"):
        assert f"    {command} " in top, command
    assert run("card", "read", "--port", str(tmp_path / "none"), "--wait", "0.5").returncode == 5
    added = run("user", "add", "boss", "--role", "supervisor", STATION_NEW_PASSWORD="bundle-pass")
    assert added.returncode == 0, added.stderr
    pdf = tmp_path / "day.pdf"
    out = run("--user", "boss", "report", "daily", "--date", "2026-01-05", "--format", "pdf",
              "--out", str(pdf))  # fmt: skip
    assert out.returncode == 0, out.stderr
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "受理日报" in text
    demo = subprocess.run(
        [str(exe), "--json", "demo", "--no-window", "--records", "20"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert demo.returncode == 0, demo.stderr
