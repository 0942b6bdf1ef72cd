"""Test pictures and videos built from the bundled NASA portrait (resources/media/astronaut.png).

Every builder returns a BGR uint8 frame (640×480 unless said otherwise) of the simulated
camera's scene, changed in one way: shifted, darkened, over-exposed, blurred, two faces side by
side, a tiny face, no face, black, 4K. ``write_video`` and ``test_video`` make files for the
OpenCV driver; ``not_an_image`` a file that only pretends to be one.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from devices.camera.sim import SimulatedCamera, build_scene

W, H = 640, 480


def add_noise(frame: np.ndarray, sigma: float = 2.0, seed: int = 1) -> np.ndarray:
    """Sensor-like noise, deterministic."""
    rng = np.random.default_rng(seed)
    noisy = frame.astype(np.float32) + rng.normal(0.0, sigma, frame.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def good(width: int = W, height: int = H) -> np.ndarray:
    """The applicant well placed in front of a light wall: every check passes."""
    return add_noise(build_scene(width, height))


def shifted(dx: float = 0.27, dy: float = 0.0) -> np.ndarray:
    """The face moved off the guide by ``dx``/``dy`` shares of the frame."""
    return add_noise(build_scene(W, H, centre=(0.5 + dx, 0.42 + dy)))


def darkened(factor: float = 0.22) -> np.ndarray:
    return add_noise(cv2.convertScaleAbs(build_scene(W, H), alpha=factor), sigma=1.0)


def overexposed() -> np.ndarray:
    return add_noise(cv2.convertScaleAbs(build_scene(W, H), alpha=1.6, beta=70))


def blurred(sigma: float = 4.0) -> np.ndarray:
    return add_noise(cv2.GaussianBlur(build_scene(W, H), (0, 0), sigma), sigma=0.5)


def two_faces() -> np.ndarray:
    """The same applicant twice, side by side."""
    half = build_scene(W // 2, H, face_share=0.26, centre=(0.5, 0.42))
    return add_noise(np.hstack([half, half]))


def tiny_face() -> np.ndarray:
    return add_noise(build_scene(W, H, face_share=0.11))


def large_face() -> np.ndarray:
    return add_noise(build_scene(W, H, face_share=0.55, centre=(0.5, 0.45)))


def tilted(angle: float = 14.0) -> np.ndarray:
    scene = build_scene(W, H)
    m = cv2.getRotationMatrix2D((W * 0.5, H * 0.42), angle, 1.0)
    return add_noise(cv2.warpAffine(scene, m, (W, H), borderMode=cv2.BORDER_REPLICATE))


def dark_background() -> np.ndarray:
    return add_noise(build_scene(W, H, wall=(70, 60, 55)))


def no_face() -> np.ndarray:
    """The applicant too tall for the camera: shoulders in the picture, the head above it."""
    return add_noise(build_scene(W, H, centre=(0.5, -0.25)))


def empty_wall() -> np.ndarray:
    """Nobody in front of the camera."""
    return add_noise(build_scene(W, H, centre=(1.8, 0.42)))


def black() -> np.ndarray:
    return np.zeros((H, W, 3), np.uint8)


def frame_4k() -> np.ndarray:
    return add_noise(build_scene(3840, 2160))


@cache
def _photo_base() -> bytes:
    ok, buf = cv2.imencode(".jpg", build_scene(358, 441), [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return bytes(buf)


def photo_jpeg(tag: int | bytes = b"", pad: int = 0) -> bytes:
    """A real 358×441 JPEG of the sample applicant, made distinct by ``tag`` (and ``pad``
    more bytes) in a comment segment: what ``Store.put_photo`` accepts."""
    from station.photo_input import with_comment

    if isinstance(tag, int):
        tag = tag.to_bytes(8, "big")
    return with_comment(_photo_base(), tag + b"\x00" * pad) if tag or pad else _photo_base()


def write_image(path: Path, frame: np.ndarray) -> Path:
    if not cv2.imwrite(str(path), frame):
        raise OSError(f"cannot write {path}")
    return path


def write_video(path: Path, frames: Iterable[np.ndarray], fps: float = 25.0) -> Path:
    """An MJPG AVI (every OpenCV build reads it)."""
    writer: cv2.VideoWriter | None = None
    try:
        for frame in frames:
            if writer is None:
                writer = cv2.VideoWriter(
                    str(path),
                    cv2.VideoWriter.fourcc(*"MJPG"),
                    fps,
                    (frame.shape[1], frame.shape[0]),
                )
                if not writer.isOpened():
                    raise OSError(f"cannot write {path}")
            writer.write(frame)
    finally:
        if writer is not None:
            writer.release()
    return path


def sim_frames(
    seconds: float = 2.0, fps: float = 25.0, width: int = W, height: int = H, **scene: object
) -> list[np.ndarray]:
    """The simulated camera's clip, frame by frame (its motion and noise, no waiting)."""
    cam = SimulatedCamera(width=width, height=height, fps=fps, **scene)  # type: ignore[arg-type]
    cam.open()
    try:
        return [cam.frame_at(i / fps, i) for i in range(round(seconds * fps))]
    finally:
        cam.close()


def test_video(path: Path, seconds: float = 2.0, fps: float = 25.0) -> Path:
    """The shared test video: the applicant swaying slightly in front of a light wall."""
    return write_video(path, sim_frames(seconds, fps), fps)


def bad_then_good_video(path: Path, fps: float = 25.0) -> Path:
    """One second with the face off the guide, then two good seconds."""
    frames = [shifted() for _ in range(round(fps))] + sim_frames(2.0, fps)
    return write_video(path, frames, fps)


def not_an_image(path: Path) -> Path:
    """A file named like a picture that holds text."""
    path.write_text("this is not a picture\n" * 50, encoding="utf-8")
    return path


test_video.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
