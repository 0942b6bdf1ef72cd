"""README.md's command blocks run as written, so that the README cannot drift again (issue 16).

Every ```sh block of README.md runs, in order, with ``bash -euo pipefail`` (an undocumented
variable fails too), in one fresh working folder and a fresh data folder, with the environment
the README documents pointed at the emulators: the ID-card emulator on a pseudo-terminal
(``ID_READER_PORT``), the vpcd reader with an emulated permit card (``PERMIT_READER``,
``ENDORSE_KEY``), a video file (``CAMERA``), a temporary folder (``BACKUP_DIR``) and the
reference central service on 127.0.0.1 (``CENTRAL_URL``, ``ENROL_CODE``, ``CENTRAL_DB``). The
recovery code a block prints is kept as ``STATION_RECOVERY_CODE`` for the blocks after it, as a
person keeps it on paper. The set-up commands ``./dev demo`` and ``./dev test`` must appear but
do not run here (they install packages). Any new ```sh block runs without a change here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pcsc import pcsc_stack, vpcd  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SETUP = ("./dev demo", "./dev test")
PASSWORD = "readme-pass-1"
ENDORSE_KEY = "8f3a61c2d4e5f60718293a4b5c6d7e80"
RECOVERY = re.compile(r"\b[0-9A-Z]{5}(?:-[0-9A-Z]{5}){4}\b")


def sh_blocks(text: str) -> list[tuple[int, str]]:
    """(line number, body) of every fenced block whose language is ``sh``."""
    blocks, body, start, fence = [], [], 0, ""
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not fence:
            m = re.match(r"^(`{3,}|~{3,})\s*(\S*)", stripped)
            if m:
                fence, lang, start, body = m.group(1), m.group(2), n, []
                if lang != "sh":
                    fence = "skip:" + fence
            continue
        if stripped.startswith(fence.removeprefix("skip:")) and not stripped.strip("`~"):
            if not fence.startswith("skip:"):
                blocks.append((start, "\n".join(body) + "\n"))
            fence = ""
            continue
        body.append(line)
    return blocks


def runnable(block: str) -> str:
    """The block without the set-up commands (``./dev …``), which install packages."""
    return "\n".join(
        line for line in block.splitlines() if not line.strip().startswith(SETUP)
    ).strip()


def test_the_parser_finds_blocks_and_the_set_up_commands_are_there():
    blocks = sh_blocks("text\n```sh\na\n```\n```python\nb\n```\n~~~sh\nc\nd\n~~~\n")
    assert blocks == [(2, "a\n"), (8, "c\nd\n")]
    setup = "\n".join(b for _n, b in sh_blocks(README.read_text(encoding="utf-8")))
    for command in SETUP:
        assert command in setup, f"README.md lost the set-up command {command!r}"
    assert runnable("./dev demo   # x\n./dev test\n") == ""


@pytest.fixture
def emulators(vpcd, tmp_path):  # noqa: F811 - the vpcd fixture
    from devices.idcard.emulator import IdReaderEmulator
    from devices.permit.emulator import PermitCard
    from station.samples import sample_record
    from tests.media import test_video
    from tests.sync.conftest import Central

    central = Central(str(tmp_path / "central.db"))
    reader = IdReaderEmulator().start()
    person = sample_record()["person"]
    reader.place({k: v for k, v in person.items() if k not in ("phone", "education", "occupation")})
    card = vpcd.insert(PermitCard.build(1, 2, key=bytes.fromhex(ENDORSE_KEY)))
    (tmp_path / "usb").mkdir()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "STATION_DATA_DIR": str(tmp_path / "data"),
        "STATION_PASSWORD": PASSWORD,
        "STATION_NEW_PASSWORD": PASSWORD,
        "ID_READER_PORT": reader.port_path,
        "PERMIT_READER": vpcd.reader,
        "ENDORSE_KEY": ENDORSE_KEY,
        "CAMERA": str(test_video(tmp_path / "camera.avi")),
        "BACKUP_DIR": str(tmp_path / "usb"),
        "CENTRAL_URL": central.url,
        "ENROL_CODE": central.enrol_code(),
        "CENTRAL_DB": central.db,
        "QT_QPA_PLATFORM": "offscreen",
    }
    for name in ("STATION_USER", "STATION_RECOVERY_CODE"):
        env.pop(name, None)
    try:
        yield env
    finally:
        vpcd.remove(card)
        reader.stop()
        central.stop()


@pytest.mark.pcsc
def test_every_command_block_of_the_readme_runs(emulators, tmp_path):
    env = dict(emulators)
    work = tmp_path / "work"
    work.mkdir()
    blocks = [(n, runnable(b)) for n, b in sh_blocks(README.read_text(encoding="utf-8"))]
    ran = 0
    for line, script in blocks:
        if not script:
            continue
        out = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert out.returncode == 0, (
            f"README.md block at line {line} failed (exit {out.returncode}):\n"
            f"{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
        )
        assert "Traceback" not in out.stderr, out.stderr
        code = RECOVERY.search(out.stdout)
        if code:
            env["STATION_RECOVERY_CODE"] = code.group(0)
        ran += 1
    assert ran >= 4
    assert (tmp_path / "data" / "station.db").exists() and (work / "restored").is_dir()
