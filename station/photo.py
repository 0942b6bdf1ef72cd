"""The applicant's photo: face detection, quality checks, the ID-photo crop and the JPEG.

Pure functions over numpy BGR frames (OpenCV); no Qt, no devices, no storage. Detection runs
OpenCV's frontal-face Haar cascade (shipped in the opencv 4.x wheels) on a grey copy scaled down
to ``DETECT_WIDTH`` pixels, which keeps a 640×480 preview well above 25 analysed frames per
second and makes a 4K frame cost the same as a small one. The largest face is the applicant's;
the eye cascade, run inside it, gives the tilt of the head when both eyes are found.

The crop follows the ID-photo format: 358 × 441 pixels (26 × 32 mm at 350 dpi), the face centred,
the detected face box ``FACE_SHARE`` of the height so that the whole head (hair to chin, about
1.5 face boxes) fills about 2/3 of it; where the crop leaves the frame it is padded with a light
colour. ``encode_jpeg`` searches the JPEG quality so that the photo stays under 30 KB.
"""

from __future__ import annotations

import hashlib
import math
import threading
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from station.errors import DeviceError
from station.i18n import N_, _

Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels

OUT_W, OUT_H = 358, 441  # 26 × 32 mm at 350 dpi
MAX_JPEG_BYTES = 30_000
DETECT_WIDTH = 320  # detection runs on a grey copy this wide
FACE_SHARE = 0.40  # detected face box height / photo height (the whole head is then ≈ 2/3)
FACE_TOP = 0.27  # top of the face box, as a share of the photo height
GUIDE_CENTRE = (0.5, 0.42)  # where the face centre belongs, as shares of the frame
GUIDE_FACE = 0.30  # face height the guide oval expects, as a share of the frame height
PAD_COLOUR = (240, 240, 240)

# Limits of the checks. A check passes when its value is on the right side of its limit.
LIMITS: dict[str, float] = {
    "several_faces": 1,  # faces at least half as wide as the largest
    "face_too_small": 0.18,  # face height / frame height, at least
    "face_too_large": 0.46,  # face height / frame height, at most
    "face_off_centre": 0.12,  # distance of the face centre from the guide / frame size, at most
    "too_dark": 70.0,  # mean brightness of the face (0..255), at least
    "too_bright": 210.0,  # mean brightness of the face, at most
    "blurred": 20.0,  # variance of the Laplacian, face at 128 px and contrast 40, at least
    "tilted": 8.0,  # angle of the eye line in degrees, at most
    "background_not_light": 140.0,  # median brightness beside the head, at least
}
CLIPPED_SHARE = 0.25  # more than this share of face pixels black (or white) fails too
# Without a face the whole frame is judged, and only when it is far off (a white wall is fine).
FRAME_LIMITS = {"too_dark": 40.0, "too_bright": 240.0, "clipped": 0.5}

MESSAGES: dict[str, str] = {
    "no_face": N_("No face found: the applicant should look straight at the camera"),
    "several_faces": N_("More than one face: only the applicant may be in the picture"),
    "face_too_small": N_("The face is too small: come closer to the camera"),
    "face_too_large": N_("The face is too large: move back from the camera"),
    "face_off_centre": N_("The face is not in the middle: move into the oval"),
    "too_dark": N_("Too dark: turn on more light or face the light"),
    "too_bright": N_("Too bright: less light, or no direct sunlight on the face"),
    "blurred": N_("Blurred: keep still and check the camera's focus"),
    "tilted": N_("The head is tilted: hold the head straight"),
    "background_not_light": N_("The background is not light: stand in front of a white wall"),
    # A still picture (a file) instead of "face_off_centre": nobody can move into the oval.
    "crop_outside": N_(
        "The face is too near the edge of the picture for the ID-photo crop: use a picture "
        "with more room around the head"
    ),
}
OK_MESSAGES: dict[str, str] = {
    "no_face": N_("Face found"),
    "several_faces": N_("Only one face"),
    "face_too_small": N_("Face large enough"),
    "face_too_large": N_("Face not too large"),
    "face_off_centre": N_("Face in the middle"),
    "too_dark": N_("Bright enough"),
    "too_bright": N_("Not too bright"),
    "blurred": N_("Sharp"),
    "tilted": N_("Head straight"),
    "background_not_light": N_("Light background"),
    "crop_outside": N_("The ID-photo crop fits in the picture"),
}
CHECK_CODES = tuple(c for c in MESSAGES if c != "crop_outside")  # the live preview's
STILL_CHECK_CODES = tuple("crop_outside" if c == "face_off_centre" else c for c in CHECK_CODES)
CROP_MARGIN = 0.02  # a still's crop may leave the picture by this share of its size (rounding)


@dataclass(frozen=True)
class Check:
    """One quality check: ``value`` measured, ``limit`` it is compared with, ``message`` to show
    (translated when the check was made)."""

    code: str
    ok: bool
    value: float | None
    limit: float | None
    message: str = ""

    @classmethod
    def make(cls, code: str, ok: bool, value: float | None, limit: float | None) -> Check:
        text = _(OK_MESSAGES[code]) if ok else _(MESSAGES[code])
        rounded = None if value is None else round(float(value), 3)
        return cls(code, bool(ok), rounded, limit, text)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "ok": self.ok,
            "value": self.value,
            "limit": self.limit,
            "message": self.message,
        }


@dataclass
class Analysis:
    width: int
    height: int
    faces: list[Box]
    face: Box | None
    checks: list[Check] = field(default_factory=list)
    eyes: list[tuple[int, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every check passes: good enough to capture automatically."""
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def problems(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    @property
    def reasons(self) -> list[str]:
        """The messages of the failed checks, for the coordinator."""
        return [c.message for c in self.problems]

    def check(self, code: str) -> Check | None:
        return next((c for c in self.checks if c.code == code), None)

    def face_json(self) -> dict[str, int] | None:
        if self.face is None:
            return None
        x, y, w, h = self.face
        return {"x": x, "y": y, "w": w, "h": h}

    def to_json(self) -> dict[str, Any]:
        return {
            "frame": {"w": self.width, "h": self.height},
            "face": self.face_json(),
            "faces": len(self.faces),
            "ok": self.ok,
            "checks": [c.to_json() for c in self.checks],
        }


@dataclass(frozen=True)
class CapturedPhoto:
    """The cropped JPEG and its SHA-256; ``override`` when it was taken although a check
    failed (the record keeps that flag for review)."""

    jpeg: bytes
    sha256: str
    analysis: Analysis
    override: bool

    @property
    def reasons(self) -> list[str]:
        return self.analysis.reasons

    def to_json(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "bytes": len(self.jpeg),
            "face": self.analysis.face_json(),
            "checks": [c.to_json() for c in self.analysis.checks],
            "override": self.override,
        }


# -- frames -------------------------------------------------------------------------------------
def as_bgr(frame: Any) -> np.ndarray:
    """``frame`` as an 8-bit BGR image; a typed error when it is none."""
    if frame is None or not isinstance(frame, np.ndarray) or frame.size == 0:
        raise DeviceError("empty_frame", _("The camera sent an empty picture"))
    if frame.ndim == 2:
        frame = frame[:, :, None]
    if frame.ndim != 3 or frame.shape[2] not in (1, 3, 4) or min(frame.shape[:2]) < 8:
        raise DeviceError("not_an_image", _("This is not a picture"))
    if frame.dtype != np.uint8:
        if frame.dtype == np.uint16:
            frame = (frame >> 8).astype(np.uint8)
        elif np.issubdtype(frame.dtype, np.floating) and np.isfinite(frame).all():
            top = 1.0 if float(frame.max(initial=0)) <= 1.0 else 255.0
            frame = np.clip(frame * (255.0 / top), 0, 255).astype(np.uint8)
        else:
            raise DeviceError("not_an_image", _("This is not a picture"))
    if frame.shape[2] == 1:
        return np.asarray(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    if frame.shape[2] == 4:
        return np.asarray(cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR))
    return np.asarray(frame)


_cascades = threading.local()


def _cascade(name: str) -> Any:
    """The Haar cascade ``name``, one per thread: OpenCV's CascadeClassifier is not safe to use
    from two threads at once (two cameras' analysis threads crashed inside detectMultiScale)."""
    mine: dict[str, Any] = _cascades.__dict__.setdefault("by_name", {})
    cascade = mine.get(name)
    if cascade is None:
        cascade = cv2.CascadeClassifier(cv2.data.haarcascades + name)  # type: ignore[attr-defined]
        if cascade.empty():  # pragma: no cover - an opencv wheel without its data (5.x)
            raise DeviceError("detector_missing", _("The face detector is missing from OpenCV"))
        mine[name] = cascade
    return cascade


def _small_grey(frame: np.ndarray) -> tuple[np.ndarray, float]:
    """Grey copy at most ``DETECT_WIDTH`` wide and the scale from frame to copy."""
    h, w = frame.shape[:2]
    scale = min(1.0, DETECT_WIDTH / w)
    if scale < 1.0:
        frame = cv2.resize(
            frame,
            (max(1, round(w * scale)), max(1, round(h * scale))),
            interpolation=cv2.INTER_AREA,
        )
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), scale


def detect_faces(frame: np.ndarray) -> list[Box]:
    """Faces as (x, y, w, h) in frame pixels, largest first."""
    grey, scale = _small_grey(as_bgr(frame))
    return _detect(grey, scale)


def _detect(grey: np.ndarray, scale: float) -> list[Box]:
    cascade = _cascade("haarcascade_frontalface_default.xml")
    found = cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24))
    if not len(found) and not 60 <= float(grey.mean()) <= 190:
        # Badly exposed: try again with the contrast stretched, so that the coordinator reads
        # "too dark" / "too bright" rather than "no face".
        found = cascade.detectMultiScale(
            cv2.equalizeHist(grey), scaleFactor=1.1, minNeighbors=5, minSize=(24, 24)
        )
    faces = [
        (round(x / scale), round(y / scale), round(w / scale), round(h / scale))
        for x, y, w, h in (found if len(found) else [])
    ]
    faces.sort(key=lambda f: f[2] * f[3], reverse=True)
    return faces


def _pupil(top: np.ndarray, box: tuple[int, int, int, int]) -> tuple[float, float]:
    """The centre of the darkest blob (iris and pupil) inside an eye box of ``top``: finer
    than the centre of the box, which the cascade places on a coarse grid."""
    ex, ey, ew, eh = box
    x0, y0 = ex + ew // 6, ey + eh // 4
    patch = top[y0 : ey + eh * 3 // 4, x0 : ex + ew * 5 // 6]
    if patch.size < 4:
        return ex + ew / 2, ey + eh / 2
    patch = cv2.GaussianBlur(patch, (0, 0), max(1.0, ew / 12))
    ys, xs = np.nonzero(patch <= np.percentile(patch, 8))
    return x0 + float(xs.mean()), y0 + float(ys.mean())


def _eyes(face_grey: np.ndarray, face: Box) -> list[tuple[int, int]]:
    """Centres of the left and right eye (frame pixels) from the grey face box, or [] when
    not both are found."""
    x, y, w, h = face
    top = face_grey[h // 6 : h * 3 // 5, :]
    if top.size == 0:
        return []
    scale = min(1.0, 150 / max(1, top.shape[1]))
    small = (
        top
        if scale >= 1.0
        else cv2.resize(
            top,
            (max(1, round(top.shape[1] * scale)), max(1, round(top.shape[0] * scale))),
            interpolation=cv2.INTER_AREA,
        )
    )
    found = _cascade("haarcascade_eye.xml").detectMultiScale(
        small, scaleFactor=1.1, minNeighbors=4, minSize=(10, 10)
    )
    boxes = [(ex + ew / 2, ey + eh / 2, ew) for ex, ey, ew, eh in (found if len(found) else [])]
    boxes = [(cx / scale, cy / scale, ew / scale) for cx, cy, ew in boxes]
    left = [b for b in boxes if b[0] < w / 2]
    right = [b for b in boxes if b[0] >= w / 2]
    best: tuple[float, tuple[float, float, float], tuple[float, float, float]] | None = None
    for a in left:
        for b in right:
            gap = b[0] - a[0]
            if not 0.25 * w <= gap <= 0.7 * w or abs(b[1] - a[1]) > 0.3 * w:
                continue
            score = abs(gap - 0.42 * w)  # eyes are about 0.42 face widths apart
            if best is None or score < best[0]:
                best = (score, a, b)
    if best is None:
        return []
    eyes = []
    for cx, cy, ew in best[1:]:
        side = round(ew)
        px, py = _pupil(top, (round(cx - side / 2), round(cy - side / 2), side, side))
        eyes.append((x + round(px), y + h // 6 + round(py)))
    return eyes


def _exposure(region: np.ndarray) -> tuple[float, float, float]:
    """Mean brightness, share of black pixels, share of white pixels."""
    return (float(region.mean()), float((region <= 15).mean()), float((region >= 245).mean()))


def _exposure_checks(
    region: np.ndarray, limits: dict[str, float] | None = None, clipped: float = CLIPPED_SHARE
) -> list[Check]:
    limits = limits or LIMITS
    mean, black, white = _exposure(region)
    dark, bright = limits["too_dark"], limits["too_bright"]
    return [
        Check.make("too_dark", mean >= dark and black <= clipped, mean, dark),
        Check.make("too_bright", mean <= bright and white <= clipped, mean, bright),
    ]


def crop_fits(face: Box, width: int, height: int) -> bool:
    """Does the ID-photo crop around ``face`` lie inside a ``width`` × ``height`` picture?"""
    x, y, w, h = crop_box(face)
    mx, my = CROP_MARGIN * w, CROP_MARGIN * h
    return x >= -mx and y >= -my and x + w <= width + mx and y + h <= height + my


def analyse(frame: Any, *, still: bool = False) -> Analysis:
    """Detect the applicant's face and run every quality check on ``frame``.

    ``still``: the frame is a picture file, not the live preview. Nobody can move into the
    oval, so instead of "face in the middle" the check is whether the ID-photo crop around
    the face fits inside the picture (``crop_outside``); the crop is taken wherever it is."""
    img = as_bgr(frame)
    h, w = img.shape[:2]
    small, scale = _small_grey(img)
    faces = _detect(small, scale)
    a = Analysis(w, h, faces, faces[0] if faces else None)
    if not faces:
        a.checks.append(Check.make("no_face", False, 0, 1))
        a.checks += _exposure_checks(small, FRAME_LIMITS, FRAME_LIMITS["clipped"])
        return a
    face = faces[0]
    x, y, fw, fh = face
    rivals = [f for f in faces[1:] if f[2] >= 0.5 * fw]
    a.checks.append(Check.make("no_face", True, len(faces), 1))
    a.checks.append(
        Check.make("several_faces", not rivals, 1 + len(rivals), LIMITS["several_faces"])
    )
    share = fh / h
    a.checks.append(
        Check.make(
            "face_too_small", share >= LIMITS["face_too_small"], share, LIMITS["face_too_small"]
        )
    )
    a.checks.append(
        Check.make(
            "face_too_large", share <= LIMITS["face_too_large"], share, LIMITS["face_too_large"]
        )
    )
    if still:
        a.checks.append(Check.make("crop_outside", crop_fits(face, w, h), None, None))
    else:
        off = max(
            abs(x + fw / 2 - w * GUIDE_CENTRE[0]) / w, abs(y + fh / 2 - h * GUIDE_CENTRE[1]) / h
        )
        a.checks.append(
            Check.make(
                "face_off_centre", off <= LIMITS["face_off_centre"], off, LIMITS["face_off_centre"]
            )
        )
    # Brightness and sharpness inside the face (the middle of the box: no background).
    sx, sy, sw, sh = (round(v * scale) for v in face)
    inner = small[sy + sh // 8 : sy + sh * 7 // 8, sx + sw // 8 : sx + sw * 7 // 8]
    if inner.size == 0:
        inner = small
    a.checks += _exposure_checks(inner)
    # Sharpness on the full-resolution face, brought to a fixed size so that the measure does
    # not depend on the distance to the camera.
    face_grey = cv2.cvtColor(img[y : y + fh, x : x + fw], cv2.COLOR_BGR2GRAY)
    sharp = cv2.resize(
        face_grey[fh // 8 : fh * 7 // 8, fw // 8 : fw * 7 // 8],
        (128, 128),
        interpolation=cv2.INTER_AREA,
    ).astype(np.float32)
    # Contrast-normalised (a dark face is not a blurred one): standard deviation 40.
    sharp = (sharp - sharp.mean()) * (40.0 / max(4.0, float(sharp.std())))
    lap = float(cv2.Laplacian(sharp, cv2.CV_32F).var())
    a.checks.append(Check.make("blurred", lap >= LIMITS["blurred"], lap, LIMITS["blurred"]))
    # Tilt from the eye line, when both eyes are found (else nothing to say).
    a.eyes = _eyes(face_grey, face)
    if len(a.eyes) == 2:
        (lx, ly), (rx, ry) = a.eyes
        angle = abs(math.degrees(math.atan2(ry - ly, max(1, rx - lx))))
        a.checks.append(Check.make("tilted", angle <= LIMITS["tilted"], angle, LIMITS["tilted"]))
    # The background beside the head, at the height of the forehead and eyes.
    patches = []
    for x0, x1 in ((x - fw * 0.85, x - fw * 0.45), (x + fw * 1.45, x + fw * 1.85)):
        px0, px1 = max(0, round(x0 * scale)), min(small.shape[1], round(x1 * scale))
        py0, py1 = max(0, round((y - fh * 0.2) * scale)), round((y + fh * 0.4) * scale)
        if px1 - px0 >= 2 and py1 - py0 >= 2:
            patches.append(small[py0:py1, px0:px1])
    if patches:
        bg = float(np.median(np.concatenate([p.ravel() for p in patches])))
        a.checks.append(
            Check.make(
                "background_not_light",
                bg >= LIMITS["background_not_light"],
                bg,
                LIMITS["background_not_light"],
            )
        )
    return a


# -- the ID photo -------------------------------------------------------------------------------
def guide_box(width: int, height: int) -> Box:
    """The face box the guide oval expects in a frame of this size."""
    fh = GUIDE_FACE * height
    fw = fh
    return (
        round(width * GUIDE_CENTRE[0] - fw / 2),
        round(height * GUIDE_CENTRE[1] - fh / 2),
        round(fw),
        round(fh),
    )


def crop_box(face: Box) -> Box:
    """The crop (x, y, w, h) in frame pixels: 358:441, face box ``FACE_SHARE`` of its height,
    centred across, its top at ``FACE_TOP`` of the height."""
    x, y, w, h = face
    crop_h = h / FACE_SHARE
    crop_w = crop_h * OUT_W / OUT_H
    left = x + w / 2 - crop_w / 2
    top = y - FACE_TOP * crop_h
    return round(left), round(top), round(crop_w), round(crop_h)


def crop_id_photo(frame: Any, face: Box) -> np.ndarray:
    """The 358 × 441 ID photo around ``face``, padded with a light colour outside the frame."""
    img = as_bgr(frame)
    bx, by, bw, bh = crop_box(face)
    h, w = img.shape[:2]
    pad_l, pad_t = max(0, -bx), max(0, -by)
    pad_r, pad_b = max(0, bx + bw - w), max(0, by + bh - h)
    if pad_l or pad_t or pad_r or pad_b:
        # Pad only the part of the frame the crop needs (a 4K frame is not copied whole).
        x0, y0 = max(0, bx), max(0, by)
        part = img[y0 : min(h, by + bh), x0 : min(w, bx + bw)]
        region = cv2.copyMakeBorder(
            part, pad_t, pad_b, pad_l, pad_r, cv2.BORDER_CONSTANT, value=PAD_COLOUR
        )
    else:
        region = img[by : by + bh, bx : bx + bw]
    if region.size == 0:
        raise DeviceError("empty_frame", _("The camera sent an empty picture"))
    shrink = region.shape[0] > OUT_H
    return cv2.resize(
        region, (OUT_W, OUT_H), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC
    )


def encode_jpeg(img: np.ndarray, max_bytes: int = MAX_JPEG_BYTES) -> bytes:
    """The JPEG with the highest quality (binary search) whose size is under ``max_bytes``."""

    def encode(quality: int) -> bytes:
        ok, buf = cv2.imencode(
            ".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality, cv2.IMWRITE_JPEG_OPTIMIZE, 1]
        )
        if not ok:  # pragma: no cover - OpenCV without a JPEG codec
            raise DeviceError("jpeg_failed", _("The photo could not be encoded as JPEG"))
        return bytes(buf)

    lo, hi = 5, 95
    best: bytes | None = None
    while lo <= hi:
        quality = (lo + hi) // 2
        data = encode(quality)
        if len(data) < max_bytes:
            best, lo = data, quality + 1
        else:
            hi = quality - 1
    if best is None:
        raise DeviceError("photo_too_large", _("The photo cannot be made small enough"))
    return best


def capture(frame: Any, analysis: Analysis | None = None) -> CapturedPhoto:
    """Crop ``frame`` to the ID photo and encode it. Always possible (a manual capture): when a
    check failed the photo carries ``override=True`` and its reasons; without a face the crop
    is taken where the guide oval is."""
    img = as_bgr(frame)
    a = analysis if analysis is not None else analyse(img)
    face = a.face or guide_box(img.shape[1], img.shape[0])
    jpeg = encode_jpeg(crop_id_photo(img, face))
    return CapturedPhoto(jpeg, hashlib.sha256(jpeg).hexdigest(), a, override=not a.ok)


class AutoCapture:
    """Says when to capture: every check has passed for ``hold`` seconds without a break."""

    def __init__(self, hold: float = 0.5) -> None:
        self.hold = hold
        self._since: float | None = None

    def feed(self, analysis: Analysis, now: float) -> bool:
        if not analysis.ok:
            self._since = None
            return False
        if self._since is None:
            self._since = now
        return now - self._since >= self.hold

    def progress(self, now: float) -> float:
        """0..1: how far along the hold is (for a progress ring in the preview)."""
        if self._since is None or self.hold <= 0:
            return 0.0
        return min(1.0, (now - self._since) / self.hold)

    def reset(self) -> None:
        self._since = None
