"""Photos and pictures as hostile input (issue 15): a stored photo is one complete JPEG within
the limits, and a still picture's size is refused from its header, before decoding."""

from __future__ import annotations

import hashlib
import json
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.camera.driver import OpenCvCamera
from station import photo_input as pi
from station.errors import DeviceError, ValidationError
from station.samples import sample_record
from tests import media
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent
HUGE = 30_000


def encoded(ext: str, frame: np.ndarray, *params: int) -> bytes:
    ok, buf = cv2.imencode(ext, frame, list(params))
    assert ok, ext
    return bytes(buf)


def small(w: int = 123, h: int = 77) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return np.dstack([x * 2 % 256, y * 3 % 256, (x + y) % 256]).astype(np.uint8)


def photo_code(data: object) -> str:
    with pytest.raises(ValidationError) as exc:
        pi.check_photo_jpeg(data)
    assert exc.value.exit_code == 4
    [error] = exc.value.errors
    assert error.field == "photo" and error.message
    return error.code


# -- crafted pictures that claim 30000 × 30000 pixels in a few bytes --------------------------
def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(side: int = HUGE) -> bytes:
    """A complete, valid side × side RGB PNG of black pixels: 3.2 MB for 30000 × 30000, built
    in milliseconds (the compressed rows repeat). The old camera source decoded it: 5.1 GB
    peak RSS and 35 s on the development machine."""
    row = b"\x00" * (1 + 3 * side)  # filter byte + pixels
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = deflate.compress(row) + deflate.flush(zlib.Z_FULL_FLUSH)
    again = deflate.compress(row) + deflate.flush(zlib.Z_FULL_FLUSH)  # the same from now on
    end = deflate.flush()
    adler = ((len(row) * side % 65521) << 16) | 1  # Adler-32 of that many zero bytes
    idat = b"\x78\xda" + first + again * (side - 1) + end + struct.pack(">I", adler)
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def jpeg_bomb() -> bytes:
    data = bytearray(media.photo_jpeg())
    at = data.index(b"\xff\xc0")  # the baseline frame header: FF C0 len P Y X
    data[at + 5 : at + 9] = struct.pack(">HH", HUGE, HUGE)
    return bytes(data)


BOMBS = {
    "png": png_bomb,
    "jpeg": jpeg_bomb,
    "bmp": lambda: b"BM" + b"\x00" * 12 + struct.pack("<Iii", 40, HUGE, -HUGE) + b"\x00" * 64,
    "gif": lambda: b"GIF89a" + struct.pack("<HH", HUGE, HUGE) + b"\x00" * 32,
    "pnm": lambda: b"P6\n# a comment\n30000 30000\n255\n" + b"\x00" * 64,
    "webp": lambda: (
        b"RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00"
        + (HUGE - 1).to_bytes(3, "little") * 2
    ),
    "tiff": lambda: (
        b"II*\x00\x08\x00\x00\x00\x02\x00"
        + struct.pack("<HHII", 256, 4, 1, HUGE)
        + struct.pack("<HHII", 257, 4, 1, HUGE)
    ),
    "jp2": lambda: b"\xff\x4f\xff\x51\x00\x2f\x00\x00" + struct.pack(">IIII", HUGE, HUGE, 0, 0),
}


@pytest.mark.parametrize("fmt", sorted(BOMBS))
def test_a_small_file_claiming_huge_dimensions_is_refused_from_its_header(tmp_path, fmt):
    data = BOMBS[fmt]()
    assert len(data) < 4_000_000
    info = pi.picture_info(data)
    assert info is not None and (info.format, info.width, info.height) == (fmt, HUGE, HUGE)
    path = tmp_path / f"bomb.{fmt}"
    path.write_bytes(data)
    t0 = time.perf_counter()
    with pytest.raises(DeviceError) as exc:
        pi.read_still(path)
    assert time.perf_counter() - t0 < 0.5
    assert exc.value.code == "picture_too_large" and exc.value.exit_code == 5
    assert "30000×30000" in exc.value.message and str(tmp_path) not in exc.value.message


def test_the_bomb_is_refused_while_the_process_stays_small(tmp_path):
    """Measured in a fresh process: the refusal costs no memory (a decoder would take 2.7 GB;
    OpenCV's own limit is 2^30 pixels, which 9 × 10^8 is under)."""
    path = tmp_path / "bomb.png"
    path.write_bytes(png_bomb())
    code = (
        "import resource, sys, cv2, numpy\n"
        "from station.photo_input import read_still\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n    read_still(sys.argv[1])\nexcept Exception as exc:\n    print(exc.code)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    lines = out.stdout.split()
    assert lines[0] == "picture_too_large", out.stderr
    grew_kb = int(lines[1])
    print(f"RSS growth while refusing a 30000x30000 PNG: {grew_kb} KB")
    assert grew_kb < 20_000


def test_photo_capture_from_a_bomb_exits_5_at_once(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_bomb())
    env = {"PATH": "/usr/bin:/bin", "STATION_LANG": "en", "STATION_DATA_DIR": str(tmp_path / "d")}
    out = run_cli(
        "photo", "capture", "--source", str(path), "--out", str(tmp_path / "p.jpg"), env=env
    )
    assert out.returncode == 5
    assert "bomb.png is too large a picture (30000×30000)" in out.stderr
    assert "Traceback" not in out.stderr and "[ERROR" not in out.stderr
    assert not (tmp_path / "p.jpg").exists()


def test_the_cameras_picture_source_stops_on_a_bomb(tmp_path):
    path = tmp_path / "bomb.jpg"
    path.write_bytes(jpeg_bomb())
    cam = OpenCvCamera(str(path))
    events: list[str] = []
    cam.start(on_event=lambda e: events.append(e.error.code if e.error else e.kind))
    try:
        deadline = time.monotonic() + 3
        while cam.running and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not cam.running  # retrying cannot help
    finally:
        cam.close()
    assert events[0] == "picture_too_large"


def test_the_file_size_is_capped_before_reading(tmp_path):
    path = tmp_path / "big.png"
    with path.open("wb") as fh:  # sparse: 65 MiB that cost no disk
        fh.write(png_bomb(100))
        fh.truncate(pi.MAX_STILL_BYTES + 1)
    with pytest.raises(DeviceError) as exc:
        pi.read_still(path)
    assert exc.value.code == "picture_too_large"


@pytest.mark.parametrize(
    "ext", [".png", ".jpg", ".bmp", ".tiff", ".webp", ".ppm", ".pgm", ".pbm", ".jp2"]
)
def test_headers_read_as_opencv_writes_them(ext):
    frame = small()
    if ext in (".pgm", ".pbm"):
        frame = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    try:
        data = encoded(ext, frame)
    except (AssertionError, cv2.error):  # pragma: no cover - an OpenCV build without it
        pytest.skip(f"this OpenCV cannot write {ext}")
    info = pi.picture_info(data)
    assert info is not None and (info.width, info.height) == (123, 77), (ext, info)


def test_a_large_jpeg_is_decoded_scaled_down(tmp_path):
    frame = cv2.resize(media.good(), (5200, 3000), interpolation=cv2.INTER_NEAREST)
    path = media.write_image(tmp_path / "phone.jpg", frame)
    image = pi.read_still(path)
    assert image.shape == (1500, 2600, 3)  # 15.6 MP read at half size
    assert media.write_image(tmp_path / "4k.jpg", media.frame_4k())
    assert pi.read_still(tmp_path / "4k.jpg").shape == (2160, 3840, 3)  # under the limit


@settings(max_examples=150)
@given(
    head=st.sampled_from([b"", *(m for _n, ms in pi._FORMATS for m in ms), b"RIFF\0\0\0\0WEBP"]),
    data=st.binary(max_size=300),
)
def test_any_header_is_read_or_refused_with_a_typed_error(head, data):
    try:
        info = pi.check_still(head + data, len(head + data), "x.bin")
    except DeviceError as exc:
        assert exc.code in ("picture_damaged", "picture_too_large")
    else:
        assert info is None or (info.width > 0 and info.height > 0)


# -- stored photos ------------------------------------------------------------------------------
def test_real_photos_pass():
    assert pi.check_photo_jpeg(media.photo_jpeg()) == (358, 441)
    progressive = encoded(".jpg", media.good(), cv2.IMWRITE_JPEG_PROGRESSIVE, 1)
    assert pi.check_photo_jpeg(progressive) == (640, 480)
    from station.photo import capture

    assert pi.check_photo_jpeg(capture(media.good()).jpeg) == (358, 441)


def test_what_is_no_photo_is_refused_with_its_reason():
    good = media.photo_jpeg()
    assert photo_code(encoded(".png", small())) == "photo_not_jpeg"
    assert photo_code("not bytes") == "photo_not_jpeg"
    assert photo_code(b"\xff\xd8fakejpeg") == "photo_damaged"
    assert photo_code(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 60) == "photo_damaged"
    assert photo_code(good[: len(good) // 2]) == "photo_damaged"
    assert photo_code(good[:-2]) == "photo_damaged"  # no EOI
    assert photo_code(good + b"PK\x03\x04 a zip after the picture") == "photo_damaged"
    assert photo_code(jpeg_bomb()) == "photo_dimensions"
    assert photo_code(encoded(".jpg", small(60, 60))) == "photo_dimensions"
    big = media.photo_jpeg(b"x", pad=pi.MAX_PHOTO_BYTES)
    assert photo_code(big) == "photo_too_large"
    # The scans of a progressive JPEG, repeated past any real picture's count.
    progressive = encoded(".jpg", small(200, 200), cv2.IMWRITE_JPEG_PROGRESSIVE, 1)
    first = progressive.index(b"\xff\xda")
    last = progressive.rindex(b"\xff\xd9")
    scans = progressive[first:last]
    many = progressive[:first] + scans * (pi.MAX_SCANS // 5 + 1) + b"\xff\xd9"
    assert photo_code(many) == "photo_damaged"


@settings(max_examples=200)
@given(st.data())
def test_damaged_photos_never_pass_undecodable_and_never_crash(data):
    good = bytearray(media.photo_jpeg())
    for _ in range(data.draw(st.integers(1, 4))):
        action = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        at = data.draw(st.integers(0, len(good) - 1))
        if action == "flip":
            good[at] ^= data.draw(st.integers(1, 255))
        elif action == "cut":
            del good[at : at + data.draw(st.integers(1, 400))]
        else:
            good[at:at] = data.draw(st.binary(min_size=1, max_size=40))
    try:
        width, height = pi.check_photo_jpeg(bytes(good))
    except ValidationError as exc:
        assert exc.errors[0].field == "photo"
    else:
        image = cv2.imdecode(np.frombuffer(bytes(good), np.uint8), cv2.IMREAD_COLOR)
        assert image is not None and image.shape[:2] == (height, width)


def count(store, table):
    return store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_store_refuses_a_bad_photo_and_stores_nothing(station):
    store = station.login("coord")
    store.save_application(sample_record(), media.photo_jpeg(1))
    before = {t: count(store, t) for t in ("applications", "photos", "outbox", "audit")}
    for bad in (b"\xff\xd8" + b"\x00" * 5000, jpeg_bomb(), media.photo_jpeg(2)[:-100]):
        with pytest.raises(ValidationError) as exc:
            store.save_application(sample_record(), bad)
        assert exc.value.errors[0].field == "photo"
        with pytest.raises(ValidationError):
            store.put_photo(bad)
    assert {t: count(store, t) for t in before} == before


def test_cli_app_add_photo_checks_the_file(station, tmp_path):
    env = station.env()
    rec = tmp_path / "rec.json"
    rec.write_text(json.dumps(sample_record()), encoding="utf-8")
    blob = tmp_path / "blob.jpg"
    with blob.open("wb") as fh:  # the 200 MB "photo" (sparse: no disk used)
        fh.write(b"\xff\xd8\xff\xe0")
        fh.truncate(200 * 1024 * 1024)
    fake = tmp_path / "fake.jpg"
    fake.write_bytes(b"\xff\xd8" + b"not a picture" * 100)
    bomb = tmp_path / "bomb.jpg"
    bomb.write_bytes(jpeg_bomb())
    for path, code in (
        (blob, "photo_too_large"),
        (fake, "photo_damaged"),
        (bomb, "photo_dimensions"),
    ):
        out = run_cli("--json", "app", "add", str(rec), "--photo", str(path), env=env)
        assert out.returncode == 4, out.stderr
        [error] = json.loads(out.stdout)["errors"]
        assert (error["field"], error["code"]) == ("photo", code)
        assert "Traceback" not in out.stderr
    assert json.loads(run_cli("--json", "app", "list", env=env).stdout)["results"] == []
    good = tmp_path / "good.jpg"
    good.write_bytes(media.photo_jpeg(7))
    out = run_cli("--json", "app", "add", str(rec), "--photo", str(good), env=env)
    assert out.returncode == 0, out.stderr
    shown = run_cli("--json", "app", "show", json.loads(out.stdout)["number"], env=env)
    assert json.loads(shown.stdout)["photo"] == hashlib.sha256(good.read_bytes()).hexdigest()
