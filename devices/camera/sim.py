"""The simulated camera of the demo: the sample portrait on a light wall, moving slightly.

The applicant is the bundled NASA portrait (``resources/media/astronaut.png``), cut out with a
soft mask around head and shoulders and placed on a light background so that the default scene
passes every quality check. Each frame shifts and scales the scene a little (a slow sway, as a
person standing in front of the camera), adds sensor noise and a faint flicker, at about 25
frames per second. ``scene`` picks other scenes for the demo and tests: ``far`` (a face too
small), ``dark`` (too little light).
"""

from __future__ import annotations

import math
import time
from typing import Any

import cv2
import numpy as np

from devices.camera import Camera, camera_error
from station.resources import resource_path

# Where the face is in the sample picture (x, y, w, h), found by the Haar cascade.
SAMPLE_FACE = (176, 67, 94, 94)
WALL = (226, 230, 232)  # BGR: a light, slightly cool wall
SCENES = ("default", "far", "dark")


def _soft_mask(shape: tuple[int, int]) -> np.ndarray:
    """Head-and-shoulders mask of the sample picture (float 0..1, feathered edges)."""
    h, w = shape
    mask = np.zeros((h, w), np.uint8)
    fx, fy, fw, fh = SAMPLE_FACE
    cx, cy = fx + fw // 2, fy + fh // 2
    cv2.ellipse(mask, (cx, cy - 8), (int(fw * 0.82), int(fh * 1.0)), 0, 0, 360, 255, -1)
    cv2.ellipse(
        mask, (cx, cy + int(fh * 2.75)), (int(fw * 1.95), int(fh * 2.0)), 0, 0, 360, 255, -1
    )
    cv2.rectangle(mask, (cx - fw // 3, cy), (cx + fw // 3, cy + fh * 2), 255, -1)  # neck
    mask[:, 362:] = 0  # the model shuttle and the table beside the suit
    mask[335:, 272:] = 0  # the helmet on the table
    return np.asarray(cv2.GaussianBlur(mask, (0, 0), 6), np.float32) / 255.0


def build_scene(
    width: int,
    height: int,
    scene: str = "default",
    *,
    face_share: float | None = None,
    centre: tuple[float, float] = (0.5, 0.42),
    wall: tuple[int, int, int] = WALL,
) -> np.ndarray:
    """The still scene (BGR) before motion and noise: the portrait with its face
    ``face_share`` of the frame height, its centre at ``centre`` (shares of the frame), in front
    of a ``wall`` of that colour."""
    portrait = cv2.imread(str(resource_path("media", "astronaut.png")), cv2.IMREAD_COLOR)
    if portrait is None:  # pragma: no cover - a broken installation
        raise camera_error("camera_missing", "sim")
    fx, fy, fw, fh = SAMPLE_FACE
    if face_share is None:
        face_share = 0.15 if scene == "far" else 0.30
    s = face_share * height / fh
    cx, cy = fx + fw / 2, fy + fh / 2
    m = np.array(
        [[s, 0, width * centre[0] - s * cx], [0, s, height * centre[1] - s * cy]], np.float32
    )
    person = cv2.warpAffine(
        portrait, m, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    alpha = cv2.warpAffine(
        _soft_mask(portrait.shape[:2]),
        m,
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
    )[..., None]
    # The wall: a gentle gradient from the window side.
    ramp = np.linspace(1.0, 0.93, width, dtype=np.float32)[None, :, None]
    backdrop = np.asarray(wall, np.float32)[None, None, :] * ramp
    out = person.astype(np.float32) * alpha + backdrop * (1.0 - alpha)
    if scene == "dark":
        out *= 0.22
    return np.asarray(np.clip(out, 0, 255), np.uint8)


class SimulatedCamera(Camera):
    def __init__(
        self,
        width: int | str = 640,
        height: int | str = 480,
        fps: float | str = 25,
        scene: str = "default",
        seed: int | str = 0,
        noise: float | str = 2.5,
        **_ignored: Any,
    ) -> None:
        super().__init__(float(fps))
        self.width = int(width)
        self.height = int(height)
        self.scene = scene if scene in SCENES else "default"
        self.noise = float(noise)
        self._rng = np.random.default_rng(int(seed))
        self._base: np.ndarray | None = None
        self._noise: list[tuple[np.ndarray, np.ndarray]] = []
        self._t0 = 0.0
        self._n = 0

    @property
    def source(self) -> str:
        return "sim"

    def _open_source(self) -> None:
        self._base = build_scene(self.width, self.height, self.scene)
        # A few precomputed noise fields (positive and negative parts), cycled per frame.
        self._noise = []
        for _ in range(6):
            field = self._rng.normal(0.0, self.noise, (self.height, self.width, 1))
            field = np.repeat(field, 3, axis=2) + self._rng.normal(
                0.0, self.noise * 0.4, (self.height, self.width, 3)
            )
            self._noise.append(
                (np.clip(field, 0, 255).astype(np.uint8), np.clip(-field, 0, 255).astype(np.uint8))
            )
        self._t0 = time.monotonic()
        self._n = 0
        self._next_due = 0.0

    def frame_at(self, t: float, n: int = 0) -> np.ndarray:
        """The frame at ``t`` seconds into the clip (pure; tests and benchmarks use it)."""
        assert self._base is not None
        dx = 7.0 * math.sin(2 * math.pi * t / 4.0)
        dy = 3.0 * math.sin(2 * math.pi * t / 2.7 + 1.0)
        scale = 1.0 + 0.025 * math.sin(2 * math.pi * t / 5.3)
        cx, cy = self.width * 0.5, self.height * 0.42
        m = np.array(
            [[scale, 0, (1 - scale) * cx + dx], [0, scale, (1 - scale) * cy + dy]], np.float32
        )
        frame = cv2.warpAffine(
            self._base,
            m,
            (self.width, self.height),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        gain = 1.0 + 0.015 * math.sin(2 * math.pi * t * 1.3)
        if abs(gain - 1.0) > 1e-3:
            frame = cv2.convertScaleAbs(frame, alpha=gain)
        if self._noise:
            plus, minus = self._noise[n % len(self._noise)]
            frame = cv2.subtract(cv2.add(frame, plus), minus)
        return np.asarray(frame)

    def _read_source(self) -> np.ndarray:
        self._pace()
        self._n += 1
        return self.frame_at(time.monotonic() - self._t0, self._n)

    def _release_source(self) -> None:
        self._base = None
        self._noise = []
