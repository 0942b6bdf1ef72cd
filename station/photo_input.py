"""Pictures and photos as untrusted input: every size is checked before anything is decoded.

A picture file states its dimensions in its first bytes; a decoder believes them and allocates
width × height × 3 bytes. A 30000 × 30000 PNG of a few KB therefore costs 2.7 GB, and a file
that only starts like a JPEG is not a photo. Two entries, both pure functions over bytes:

``check_photo_jpeg(data)`` — every JPEG that becomes an application's photo (``Store.put_photo``:
``app add --photo``, the desktop's capture, imports). It must be one complete JPEG (SOI, its
segments, a frame header, scans, EOI, nothing after), at most ``MAX_PHOTO_BYTES``, with sides
in ``PHOTO_SIDES`` and at most ``MAX_PHOTO_PIXELS`` (read from the frame header before
decoding), and OpenCV must decode it to exactly those dimensions. Otherwise a
``ValidationError`` on the field ``photo`` (exit 4). The limit of 1 MiB: the station's own
photo is 358 × 441 and under 30 KB; even a scanned ID photo at 600 dpi at the best JPEG quality
stays under a few hundred KB. A megabyte leaves room for any real ID photo from elsewhere
while one record can never outgrow a sync batch (8 MB to start, 16 MB at the reference
service) — a 200 MB "photo" that wedges the outbox is refused here, at the door.

``read_still(path)`` — a picture the station takes a photo *from* (``photo capture --source
FILE``, the camera's picture-file source, photo folders of imports). The file size is capped
(``MAX_STILL_BYTES``) before it is read, the header of each format OpenCV reads is parsed
(PNG IHDR, JPEG SOF, BMP, GIF, WebP, TIFF, PNM, JPEG 2000) and the pixel count limited
(``MAX_STILL_PIXELS``) before decoding; a large JPEG is decoded at a half, a quarter or an
eighth (libjpeg scales while decoding) so that no frame is larger than ``DECODE_PIXELS``. The
bytes checked are the bytes decoded (one read, ``cv2.imdecode``). Errors are ``DeviceError``
as the camera's file source has them (exit 5); their messages name the file, not its folder.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from station.errors import DeviceError, FieldError, ValidationError
from station.i18n import _

MAX_PHOTO_BYTES = 1024 * 1024
PHOTO_SIDES = (100, 4000)  # each side of a stored photo, in pixels
MAX_PHOTO_PIXELS = 12_000_000
MAX_STILL_BYTES = 64 * 1024 * 1024
MAX_STILL_PIXELS = 50_000_000  # a 48-megapixel phone picture passes; 30000 × 30000 does not
MAX_STILL_SIDE = 20_000
DECODE_PIXELS = 12_500_000  # a larger JPEG is decoded scaled down by 2, 4 or 8
MAX_SCANS = 100  # a progressive JPEG has about ten; thousands make decoding crawl
HEADER_BYTES = 256 * 1024  # enough for every header (a JPEG's EXIF comes before its SOF)

_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_STANDALONE = {0x01, *range(0xD0, 0xD8)}


class _Bad(Exception):
    """Inside the parsers: ``kind`` is ``not`` (another format), ``cut`` (truncated) or
    ``bad`` (damaged)."""

    def __init__(self, kind: str, why: str = "") -> None:
        super().__init__(why or kind)
        self.kind = kind


@dataclass(frozen=True)
class PictureInfo:
    """What a picture's header says: its format and its size in pixels."""

    format: str
    width: int
    height: int

    @property
    def pixels(self) -> int:
        return self.width * self.height


# -- JPEG -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Jpeg:
    width: int
    height: int
    scans: int
    end: int  # offset after EOI (0 when the walk stopped at the frame header)


def _jpeg(data: bytes, whole: bool) -> _Jpeg:
    """Walk a JPEG's markers: to the frame header, or (``whole``) through every scan to EOI."""
    if data[:2] != b"\xff\xd8":
        raise _Bad("not")
    n, i = len(data), 2
    size: tuple[int, int] | None = None
    scans = 0
    while True:
        if i >= n:
            raise _Bad("cut")
        if data[i] != 0xFF:
            raise _Bad("bad", "no marker where a segment must start")
        while i < n and data[i] == 0xFF:  # fill bytes
            i += 1
        if i >= n:
            raise _Bad("cut")
        marker = data[i]
        i += 1
        if marker == 0xD9:
            if size is None or not scans:
                raise _Bad("bad", "end of picture before its frame and scans")
            return _Jpeg(size[0], size[1], scans, i)
        if marker in _STANDALONE:
            continue
        if i + 2 > n:
            raise _Bad("cut")
        length = int.from_bytes(data[i : i + 2], "big")
        if length < 2:
            raise _Bad("bad", "segment length")
        if i + length > n:
            raise _Bad("cut")
        if marker in _SOF:
            if size is not None or length < 8:
                raise _Bad("bad", "frame header")
            height, width = struct.unpack(">HH", data[i + 3 : i + 7])
            if not width or not height:
                raise _Bad("bad", "zero size")
            size = (width, height)
            if not whole:
                return _Jpeg(width, height, 0, 0)
        elif marker == 0xDA:
            if size is None:
                raise _Bad("bad", "scan before the frame header")
            scans += 1
            if scans > MAX_SCANS:
                raise _Bad("bad", "too many scans")
            i += length
            while True:  # entropy-coded data up to the next real marker
                j = data.find(b"\xff", i)
                if j < 0 or j + 1 >= n:
                    raise _Bad("cut")
                following = data[j + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    i = j + 1 if following == 0xFF else j + 2
                    continue
                i = j
                break
            continue
        i += length


# -- the other formats' headers -----------------------------------------------------------------
def _u16le(b: bytes, at: int) -> int:
    return int.from_bytes(b[at : at + 2], "little")


def _png(b: bytes) -> tuple[int, int]:
    if len(b) < 24 or b[12:16] != b"IHDR":
        raise _Bad("bad", "no IHDR")
    width, height = struct.unpack(">II", b[16:24])
    return width, height


def _bmp(b: bytes) -> tuple[int, int]:
    if len(b) < 26:
        raise _Bad("cut")
    header = int.from_bytes(b[14:18], "little")
    if header == 12:
        return _u16le(b, 18), _u16le(b, 20)
    width, height = struct.unpack("<ii", b[18:26])
    return abs(width), abs(height)


def _gif(b: bytes) -> tuple[int, int]:
    if len(b) < 10:
        raise _Bad("cut")
    return _u16le(b, 6), _u16le(b, 8)


def _webp(b: bytes) -> tuple[int, int]:
    chunk = b[12:16]
    if chunk == b"VP8X" and len(b) >= 30:
        return 1 + int.from_bytes(b[24:27], "little"), 1 + int.from_bytes(b[27:30], "little")
    if chunk == b"VP8L" and len(b) >= 25 and b[20] == 0x2F:
        bits = int.from_bytes(b[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8 " and len(b) >= 30 and b[23:26] == b"\x9d\x01\x2a":
        return _u16le(b, 26) & 0x3FFF, _u16le(b, 28) & 0x3FFF
    raise _Bad("bad", "WebP header")


def _tiff(b: bytes) -> tuple[int, int]:
    order = "<" if b[:2] == b"II" else ">"
    if struct.unpack(order + "H", b[2:4])[0] != 42:
        raise _Bad("bad", "BigTIFF or not TIFF")
    (ifd,) = struct.unpack(order + "I", b[4:8])
    if ifd + 2 > len(b):
        raise _Bad("cut")
    (count,) = struct.unpack(order + "H", b[ifd : ifd + 2])
    found: dict[int, int] = {}
    for k in range(min(count, 512)):
        at = ifd + 2 + 12 * k
        if at + 12 > len(b):
            raise _Bad("cut")
        tag, kind = struct.unpack(order + "HH", b[at : at + 4])
        if tag in (256, 257):
            fmt = "H" if kind == 3 else "I"
            found[tag] = struct.unpack(order + fmt, b[at + 8 : at + 8 + struct.calcsize(fmt)])[0]
    if 256 not in found or 257 not in found:
        raise _Bad("bad", "no size in the first directory")
    return found[256], found[257]


def _pnm(b: bytes) -> tuple[int, int]:
    fields: list[int] = []
    i = 2
    while len(fields) < 2:
        while i < len(b) and (b[i : i + 1].isspace() or b[i] == ord("#")):
            if b[i] == ord("#"):
                while i < len(b) and b[i] not in (10, 13):
                    i += 1
            else:
                i += 1
        j = i
        while j < len(b) and b[j : j + 1].isdigit() and j - i < 10:
            j += 1
        if j == i:
            raise _Bad("bad" if j < len(b) else "cut", "PNM size")
        fields.append(int(b[i:j]))
        i = j
    return fields[0], fields[1]


def _jp2(b: bytes) -> tuple[int, int]:
    if b[:4] == b"\xff\x4f\xff\x51":  # a bare codestream: SIZ right after SOC
        if len(b) < 24:
            raise _Bad("cut")
        xsiz, ysiz, xo, yo = struct.unpack(">IIII", b[8:24])
        return xsiz - xo, ysiz - yo
    at = b.find(b"ihdr")
    if at < 0 or at + 12 > len(b):
        raise _Bad("bad", "no ihdr box")
    height, width = struct.unpack(">II", b[at + 4 : at + 12])
    return width, height


_FORMATS: list[tuple[str, tuple[bytes, ...]]] = [
    ("jpeg", (b"\xff\xd8\xff",)),
    ("png", (b"\x89PNG\r\n\x1a\n",)),
    ("bmp", (b"BM",)),
    ("gif", (b"GIF87a", b"GIF89a")),
    ("tiff", (b"II*\x00", b"MM\x00*")),
    ("pnm", (b"P1", b"P2", b"P3", b"P4", b"P5", b"P6")),
    ("jp2", (b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51")),
]
_PARSERS = {"png": _png, "bmp": _bmp, "gif": _gif, "tiff": _tiff, "pnm": _pnm, "jp2": _jp2}


def sniff(head: bytes) -> str | None:
    """The picture format the first bytes announce, or ``None`` (not a picture we read)."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    for name, magics in _FORMATS:
        if head.startswith(magics):
            if name == "pnm" and (len(head) < 3 or not head[2:3].isspace()):
                continue
            return name
    return None


def picture_info(head: bytes) -> PictureInfo | None:
    """Format and size from a picture's first bytes (``HEADER_BYTES`` are enough), ``None``
    when they are no picture format the station reads. Raises ``_Bad`` on a damaged header."""
    kind = sniff(head)
    if kind is None:
        return None
    if kind == "jpeg":
        jpeg = _jpeg(head, whole=False)
        width, height = jpeg.width, jpeg.height
    elif kind == "webp":
        width, height = _webp(head)
    else:
        width, height = _PARSERS[kind](head)
    if width <= 0 or height <= 0:
        raise _Bad("bad", "zero size")
    return PictureInfo(kind, width, height)


def _decode(data: bytes, flags: int) -> Any:
    """``cv2.imdecode`` without OpenCV's own log lines on stderr (the typed errors say it)."""
    import cv2
    import numpy as np

    quiet = "OPENCV_LOG_LEVEL" not in os.environ
    if quiet:
        level = cv2.utils.logging.getLogLevel()
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        return cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    finally:
        if quiet:
            cv2.utils.logging.setLogLevel(level)


# -- stored photos ------------------------------------------------------------------------------
def _photo_error(code: str, message: str) -> ValidationError:
    return ValidationError([FieldError("photo", code, message)])


def check_photo_jpeg(data: Any) -> tuple[int, int]:
    """Refuse anything but one complete JPEG within the limits (module docstring); return its
    (width, height). Raises ``ValidationError`` (field ``photo``) and decodes nothing large."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise _photo_error("photo_not_jpeg", _("The photo is not a JPEG picture"))
    data = bytes(data)
    if len(data) > MAX_PHOTO_BYTES:
        raise _photo_error(
            "photo_too_large",
            _(
                "The photo is {kb} KB; at most {max} KB are accepted (an ID photo is tens of KB)",
                kb=len(data) // 1024,
                max=MAX_PHOTO_BYTES // 1024,
            ),
        )
    try:
        jpeg = _jpeg(data, whole=True)
    except _Bad as exc:
        if exc.kind == "not":
            raise _photo_error("photo_not_jpeg", _("The photo is not a JPEG picture")) from None
        raise _photo_error(
            "photo_damaged", _("The photo is damaged or incomplete: it cannot be decoded")
        ) from None
    if jpeg.end != len(data):
        raise _photo_error("photo_damaged", _("The photo has data after the end of the picture"))
    lo, hi = PHOTO_SIDES
    width, height = jpeg.width, jpeg.height
    if not (lo <= width <= hi and lo <= height <= hi) or width * height > MAX_PHOTO_PIXELS:
        raise _photo_error(
            "photo_dimensions",
            _(
                "The photo is {w}×{h} pixels; each side must be from {lo} to {hi} pixels",
                w=width,
                h=height,
                lo=lo,
                hi=hi,
            ),
        )
    import cv2

    image = _decode(data, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    if image is None or image.shape[:2] != (height, width):
        raise _photo_error(
            "photo_damaged", _("The photo is damaged or incomplete: it cannot be decoded")
        )
    return width, height


def with_comment(jpeg: bytes, comment: bytes) -> bytes:
    """``jpeg`` with ``comment`` in COM segments right after its SOI: the same picture, other
    bytes (benchmarks and tests make distinct photos this way)."""
    if jpeg[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    parts = [b"\xff\xd8"]
    for at in range(0, len(comment), 65533):
        chunk = comment[at : at + 65533]
        parts.append(b"\xff\xfe" + (len(chunk) + 2).to_bytes(2, "big") + chunk)
    return b"".join(parts) + jpeg[2:]


def read_photo_file(path: Path | str) -> bytes:
    """A photo file's bytes, reading at most one byte more than the limit (a 200 MB file is
    refused without reading it whole). ``OSError`` when it cannot be read; the bytes still
    go through ``check_photo_jpeg`` where they are stored."""
    with Path(path).open("rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        data = fh.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise _photo_error(
            "photo_too_large",
            _(
                "The photo is {kb} KB; at most {max} KB are accepted (an ID photo is tens of KB)",
                kb=max(size, len(data)) // 1024,
                max=MAX_PHOTO_BYTES // 1024,
            ),
        )
    return data


# -- still pictures -----------------------------------------------------------------------------
def _still_error(code: str, source: str, detail: str = "") -> DeviceError:
    if code == "picture_too_large":
        message = _(
            "{source} is too large a picture ({detail}); at most {mp} megapixels and "
            "{mb} MB are accepted",
            source=source,
            detail=detail,
            mp=MAX_STILL_PIXELS // 1_000_000,
            mb=MAX_STILL_BYTES // (1024 * 1024),
        )
    elif code == "picture_damaged":
        message = _("{source} is a damaged or incomplete picture", source=source)
    elif code == "picture_unreadable":
        message = _("{source} cannot be read", source=source)
    else:
        message = _("{source} is neither a picture nor a video", source=source)
    return DeviceError(code, message)


def check_still(head: bytes, size: int, source: str) -> PictureInfo | None:
    """The limits of a still picture from its first bytes and its file size: its
    ``PictureInfo``, ``None`` when it is no picture format, or a typed error."""
    if size > MAX_STILL_BYTES:
        raise _still_error("picture_too_large", source, detail=f"{size // (1024 * 1024)} MB")
    try:
        info = picture_info(head)
    except (_Bad, struct.error):
        raise _still_error("picture_damaged", source) from None
    if info is None:
        return None
    if max(info.width, info.height) > MAX_STILL_SIDE or info.pixels > MAX_STILL_PIXELS:
        raise _still_error("picture_too_large", source, detail=f"{info.width}×{info.height}")
    return info


def read_still(path: Path | str) -> Any:
    """Decode a still picture file within the limits: a BGR ``numpy`` array (no larger than
    ``DECODE_PIXELS``). ``not_an_image`` when the file is no picture format the station reads;
    ``picture_too_large``, ``picture_damaged``, ``picture_unreadable`` otherwise."""
    import cv2

    path = Path(path)
    source = path.name
    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            head = fh.read(HEADER_BYTES)
            info = check_still(head, size, source)
            if info is None:
                raise _still_error("not_an_image", source)
            rest = fh.read(MAX_STILL_BYTES + 1 - len(head))
    except OSError:
        raise _still_error("picture_unreadable", source) from None
    data = head + rest
    if len(data) > MAX_STILL_BYTES:  # it grew while being read
        raise _still_error("picture_too_large", source, detail=f"> {MAX_STILL_BYTES} B")
    factor = 1
    if info.format == "jpeg":  # libjpeg scales while decoding: the big array never exists
        while factor < 8 and info.pixels / factor**2 > DECODE_PIXELS:
            factor *= 2
    flags = {
        1: cv2.IMREAD_COLOR,
        2: cv2.IMREAD_REDUCED_COLOR_2,
        4: cv2.IMREAD_REDUCED_COLOR_4,
        8: cv2.IMREAD_REDUCED_COLOR_8,
    }[factor]
    image = _decode(data, flags)
    if image is None or image.size == 0:
        raise _still_error("picture_damaged", source)
    if image.shape[0] * image.shape[1] > MAX_STILL_PIXELS:  # pragma: no cover - header lied
        raise _still_error("picture_too_large", source, detail="decoded")
    return image
