"""The support bundle: logs, doctor output and versions — never the database or key slots."""

from __future__ import annotations

import datetime as dt
import json
import platform
import sys
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

from station import __version__
from station.logs import log_dir, redact

PACKAGES = (
    "sqlcipher3",
    "cryptography",
    "PySide6-Essentials",
    "pyscard",
    "pyserial",
    "opencv-python-headless",
    "requests",
    "openpyxl",
    "segno",
    "platformdirs",
)


def versions() -> dict[str, Any]:
    found: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return {
        "station": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": found,
    }


def write_bundle(data_dir: Path, out: Path, doctor: list[dict[str, Any]]) -> dict[str, Any]:
    """Zip the logs (re-redacted), the doctor results and the versions into ``out``."""
    import io

    from station.fsutil import atomic_write

    out = Path(out)
    names = []
    buf = io.BytesIO()  # built in memory, written atomically: a full disk leaves no half file
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("versions.json", json.dumps(versions(), indent=1))
        zf.writestr("doctor.json", json.dumps(doctor, ensure_ascii=False, indent=1))
        folder = log_dir(data_dir)
        if folder.exists():
            for path in sorted(folder.glob("station.log*")):
                text = path.read_text(encoding="utf-8", errors="replace")
                zf.writestr(f"logs/{path.name}", redact(text))
                names.append(path.name)
        zf.writestr(
            "README.txt",
            "Intake-station diagnostics bundle, made "
            f"{dt.datetime.now().isoformat(timespec='seconds')}. It holds no database, "
            "no key slots and no personal data.\n",
        )
    atomic_write(out, buf.getvalue(), 0o644)
    return {"out": str(out), "logs": names, "bytes": out.stat().st_size}
