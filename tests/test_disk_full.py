"""A full disk, on a real small tmpfs, as the real command line: every writer ends with a clear
message and exit 1 (specs/cli.md), keeps the file it would have replaced, leaves no temporary
file behind, and stores nothing half in the database."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from station.samples import sample_record, synthetic_record
from tests import media
from tests.conftest import StationFixture, run_cli

TODAY = dt.date.today().isoformat()


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A real file system of ``size`` at ``path`` (root only), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr!r}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(folder: Path, leave: int = 0) -> Path:
    """Take all the free space of ``folder``'s file system but ``leave`` bytes."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    filler = folder / "filler"
    with filler.open("wb") as fh:
        if free - leave > 0:
            os.posix_fallocate(fh.fileno(), 0, free - leave)
    return filler


def clean_failure(out: subprocess.CompletedProcess[str], code: int = 1) -> None:
    assert out.returncode == code, (out.returncode, out.stdout, out.stderr)
    assert "Traceback" not in out.stderr and "Exception ignored" not in out.stderr, out.stderr
    assert out.stderr.strip(), "a message on stderr"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture
def filled(station):
    coord = station.login("coord")
    rng = random.Random(3)
    for _ in range(6):
        coord.save_application(synthetic_record(rng, dt.date.today()))
    return station


OLD = b"the good file from yesterday\n"


REPORT = ["report", "daily", "--date", TODAY, "--format"]
WRITERS = {  # what is written, the file, who writes it, and room left for part of it
    "pdf": (REPORT + ["pdf"], "r.pdf", "super", 8 * 1024),
    "csv": (REPORT + ["csv"], "r.csv", "super", 0),
    "xlsx": (REPORT + ["xlsx"], "r.xlsx", "super", 8 * 1024),
    "template": (["import", "--template"], "t.xlsx", "coord", 8 * 1024),
    "backup": (["backup"], "b.stbk", "tech", 64 * 1024),
    "diagnostics": (["diagnostics"], "d.zip", "tech", 0),
}


@pytest.mark.parametrize("writer", list(WRITERS))
@pytest.mark.parametrize("part", [False, True], ids=["full", "room_for_part"])
def test_a_full_output_disk_keeps_the_old_file(filled, tmp_path, writer, part):
    args, name, user, room = WRITERS[writer]
    leave = room if part else 0
    with tmpfs(tmp_path / "usb", "256k") as usb:
        target = usb / name
        target.write_bytes(OLD)
        fill(usb, leave)
        flag = "--out" if args[0] != "import" else None
        cli = [*args, "--out", str(target)] if flag else [*args, str(target)]
        out = run_cli(*cli, env=filled.env(user), timeout=120)
        clean_failure(out)
        assert target.read_bytes() == OLD
        assert leftovers(usb) == []


def test_receipt_pdf_on_a_full_disk(filled, tmp_path):
    number = filled.login("coord").list_applications(None, 1)[0]["number"]
    with tmpfs(tmp_path / "usb", "128k") as usb:
        (usb / "receipt.pdf").write_bytes(OLD)
        fill(usb)
        out = run_cli("app", "receipt", number, "--out", str(usb / "receipt.pdf"), env=filled.env())
        clean_failure(out)
        assert (usb / "receipt.pdf").read_bytes() == OLD and leftovers(usb) == []


def test_referrals_and_dated_backups_on_a_full_disk(filled, tmp_path):
    with tmpfs(tmp_path / "usb", "512k") as usb:
        lists = usb / "lists"
        lists.mkdir()
        old_list = lists / "就业服务与职业培训.xlsx"
        old_list.write_bytes(OLD)
        old_backup = usb / "station-450103000099-20200101-000000.stbk"
        old_backup.write_bytes(OLD)
        fill(usb)
        out = run_cli(
            "report", "referrals", "--date", TODAY, "--out", str(lists), env=filled.env("super")
        )
        clean_failure(out)
        assert old_list.read_bytes() == OLD and leftovers(lists) == []
        out = run_cli("backup", "--folder", str(usb), "--keep", "1", env=filled.env("tech"))
        clean_failure(out)
        assert old_backup.read_bytes() == OLD  # the last good backup is not rotated away
        assert leftovers(usb) == []


def test_import_error_sheet_on_a_full_disk_says_the_rows_were_imported(station, tmp_path):
    sheet = tmp_path / "drive.csv"
    good = sample_record()["person"]
    sheet.write_text(
        f"person.id_number,person.name\n{good['id_number']},=bad\n",
        encoding="utf-8",
    )
    with tmpfs(tmp_path / "usb", "128k") as usb:
        (usb / "rejected.xlsx").write_bytes(OLD)
        fill(usb)
        out = run_cli(
            "import", str(sheet), "--errors", str(usb / "rejected.xlsx"), env=station.env()
        )
        clean_failure(out)
        assert (usb / "rejected.xlsx").read_bytes() == OLD and leftovers(usb) == []


# -- the data folder's own disk ------------------------------------------------------------------
def counts(store) -> dict[str, int]:
    return {
        t: store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
        for t in ("applications", "photos", "outbox", "imported_rows")
    }


def test_app_add_with_photo_on_a_full_data_disk_stores_nothing(tmp_path):
    with tmpfs(tmp_path / "disk", "6m") as disk:
        station = StationFixture(disk / "data")
        try:
            before = counts(station.login())
            app = tmp_path / "app.json"
            app.write_text(json.dumps(sample_record(), ensure_ascii=False), encoding="utf-8")
            photo = tmp_path / "photo.jpg"
            photo.write_bytes(media.photo_jpeg(1, pad=700_000))
            filler = fill(disk, 160 * 1024)  # room for the login, not for the photo
            out = run_cli(
                "--json", "app", "add", str(app), "--photo", str(photo), env=station.env()
            )
            clean_failure(out)
            assert json.loads(out.stdout)["error"]["code"] == "disk_full"
            filler.unlink()
            assert counts(station.login()) == before
            again = run_cli("app", "add", str(app), "--photo", str(photo), env=station.env())
            assert again.returncode == 0, again.stderr
        finally:
            station.close()


def test_a_large_import_on_a_full_data_disk_keeps_whole_chunks_and_resumes(tmp_path):
    from tests.reports.test_import import rows, write_xlsx

    sheet = tmp_path / "drive.xlsx"
    write_xlsx(sheet, rows(1500, seed=9))
    with tmpfs(tmp_path / "disk", "16m") as disk:
        station = StationFixture(disk / "data")
        try:
            filler = fill(disk, 1200 * 1024)
            out = run_cli("--json", "import", str(sheet), env=station.env(), timeout=300)
            clean_failure(out)
            assert json.loads(out.stdout)["error"]["code"] == "disk_full"
            filler.unlink()
            store = station.login()
            got = counts(store)
            assert got["applications"] == got["imported_rows"] == got["outbox"]
            assert got["applications"] % 500 == 0  # whole chunks, each with its rows' hashes
            out = run_cli("--json", "import", str(sheet), env=station.env(), timeout=300)
            assert out.returncode == 0, out.stderr
            done = json.loads(out.stdout)
            assert done["saved"] + done["skipped"] == 1500, done
            assert counts(store)["applications"] == 1500
        finally:
            station.close()
