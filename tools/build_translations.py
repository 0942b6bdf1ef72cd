"""Compile the Qt translation sources (resources/i18n/*.ts) into .qm files beside them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lrelease() -> str:
    exe = shutil.which("pyside6-lrelease", path=str(Path(sys.executable).parent))
    if exe:
        return exe
    import PySide6  # noqa: PLC0415

    return str(Path(PySide6.__file__).parent / "lrelease")


def main() -> int:
    tool = lrelease()
    for ts in sorted((ROOT / "resources" / "i18n").glob("*.ts")):
        qm = ts.with_suffix(".qm")
        if qm.exists() and qm.stat().st_mtime >= ts.stat().st_mtime:
            continue
        subprocess.run([tool, "-silent", str(ts), "-qm", str(qm)], check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
