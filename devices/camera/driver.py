"""The OpenCV camera: a device index, a ``/dev/videoN`` path, or a video or picture file.

A picture file becomes a still stream (the same frame at ``fps``), read through
``station.photo_input.read_still`` (its size limited before it is decoded); a video file plays at its own
frame rate and can loop. A device that stops delivering frames is reported as
``camera_disconnected`` by the grabbing thread (``devices.camera.Camera``), which then reopens
it. ``opener`` is the transport seam: it builds the ``cv2.VideoCapture`` (tests pass one that
fails on purpose, like a cable pulled out).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from devices.camera import Camera, EndOfStream, camera_error
from station.photo_input import HEADER_BYTES, read_still, sniff

log = logging.getLogger(__name__)

if "OPENCV_LOG_LEVEL" not in os.environ:  # our typed errors say it better than OpenCV's stderr
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)


IMAGE_SUFFIXES = {
    ".png",
    ".jpg",
    ".jpeg",
    ".jpe",
    ".bmp",
    ".tif",
    ".tiff",
    ".webp",
    ".pgm",
    ".ppm",
    ".pbm",
    ".jp2",
    ".gif",
}


def looks_like_video(path: Path) -> bool:
    """Does the file start like a video container (AVI, MP4/MOV, Matroska/WebM, MPEG, FLV,
    Ogg, ASF, Y4M)?"""
    try:
        with path.open("rb") as fh:
            head = fh.read(192)
    except OSError:
        return False
    return (
        (head[:4] == b"RIFF" and head[8:12] == b"AVI ")
        or head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip")
        or head[:4] in (b"\x1a\x45\xdf\xa3", b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3", b"OggS")
        or head[:3] == b"FLV"
        or head[:8] == b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"
        or head[:9] == b"YUV4MPEG2"
        or (len(head) > 188 and head[0] == 0x47 and head[188] == 0x47)
    )


class VideoSource(Protocol):
    """What the driver needs of ``cv2.VideoCapture``."""

    def isOpened(self) -> bool: ...  # noqa: N802 - OpenCV's name
    def read(self) -> tuple[bool, Any]: ...
    def get(self, prop: int) -> float: ...
    def set(self, prop: int, value: float) -> bool: ...
    def release(self) -> None: ...


Opener = Callable[[str | int], VideoSource]


def default_opener(source: str | int) -> VideoSource:
    return cv2.VideoCapture(source)


def _truthy(value: bool | str) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def parse_source(device: str | int) -> str | int:
    """An int for a camera index (``0``, ``"1"``), else the path as given."""
    if isinstance(device, int):
        return device
    text = str(device).strip()
    return int(text) if text.isdigit() else text


class OpenCvCamera(Camera):
    def __init__(
        self,
        device: str | int = 0,
        width: int | str = 640,
        height: int | str = 480,
        fps: float | str = 30,
        loop: bool | str = False,
        *,
        opener: Opener | None = None,
        **_ignored: Any,
    ) -> None:
        super().__init__(float(fps))
        self.device = parse_source(device)
        self.width = int(width)
        self.height = int(height)
        self.loop = _truthy(loop)
        self._opener = opener or default_opener
        self._cap: VideoSource | None = None
        self._still: np.ndarray | None = None
        self._first: np.ndarray | None = None  # the frame read while opening
        self.kind = "device"  # device | video | image
        self.frame_size: tuple[int, int] | None = None

    @property
    def source(self) -> str:
        if isinstance(self.device, int):
            return str(self.device)
        return Path(self.device).name if not self.device.startswith("/dev/") else self.device

    # -- opening ---------------------------------------------------------------------------------
    def _device_node(self) -> Path | None:
        """The device node behind the source on Linux (``/dev/video0`` for index 0)."""
        if isinstance(self.device, int):
            return Path(f"/dev/video{self.device}") if sys.platform.startswith("linux") else None
        return Path(self.device) if self.device.startswith("/dev/") else None

    def _open_source(self) -> None:
        self._next_due = 0.0
        node = self._device_node()
        if node is not None or isinstance(self.device, int):
            self._open_device(node)
        else:
            self._open_file(Path(self.device))

    def _open_device(self, node: Path | None) -> None:
        if node is not None and not node.exists():
            raise camera_error("camera_missing", self.source)
        target: str | int = self.device
        cap = self._opener(target)
        if not cap.isOpened():
            cap.release()
            # The node exists (or the index could not be checked): in use, or no permission.
            raise camera_error("camera_busy" if node is not None else "camera_missing", self.source)
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        cap.set(cv2.CAP_PROP_FPS, self.fps)
        ok, frame = cap.read()
        if not ok or frame is None or frame.size == 0:
            cap.release()
            raise camera_error("camera_busy", self.source)
        self.kind = "device"
        self._cap = cap
        self._first = frame
        self.frame_size = (frame.shape[1], frame.shape[0])

    def _open_file(self, path: Path) -> None:
        if not path.exists():
            raise camera_error("camera_missing", self.source)
        if not path.is_file():
            raise camera_error("not_an_image", self.source)
        try:
            with path.open("rb") as fh:
                head = fh.read(HEADER_BYTES)
        except OSError:
            raise camera_error("camera_missing", self.source) from None
        if sniff(head) is not None:
            # Sizes checked before decoding: a small file may claim 30000 × 30000 pixels.
            image = read_still(path)
            self.kind = "image"
            self._still = image
            self.frame_size = (image.shape[1], image.shape[0])
            return
        if (
            cv2.haveImageReader(str(path))  # a picture format without a size check: refused
            or path.suffix.lower() in IMAGE_SUFFIXES
            or not looks_like_video(path)
        ):
            # FFmpeg would "play" nearly anything (a text file becomes a video of its text).
            raise camera_error("not_an_image", self.source)
        cap = self._opener(str(path))
        ok, frame = cap.read() if cap.isOpened() else (False, None)
        if not ok or frame is None or frame.size == 0:
            cap.release()
            raise camera_error("not_an_image", self.source)
        rate = cap.get(cv2.CAP_PROP_FPS)
        if rate and 1 <= rate <= 240:
            self.fps = float(rate)
        self.kind = "video"
        self._cap = cap
        self._first = frame
        self.frame_size = (frame.shape[1], frame.shape[0])

    # -- reading ---------------------------------------------------------------------------------
    def _read_source(self) -> np.ndarray:
        if self.kind == "image":
            assert self._still is not None
            self._pace()
            return self._still.copy()
        if self._cap is None:
            raise camera_error("camera_disconnected", self.source)
        if self.kind == "video":
            self._pace()
        first, self._first = self._first, None
        if first is not None:
            return first
        ok, frame = self._cap.read()
        if ok and frame is not None and frame.size:
            return np.asarray(frame)
        if self.kind == "video":
            if not self.loop:
                raise EndOfStream
            # Start the file again; a file that vanished or was cut short fails here.
            self._cap.release()
            self._cap = None
            self._open_file(Path(str(self.device)))
            return self._read_source()
        raise camera_error("camera_disconnected", self.source)

    def _release_source(self) -> None:
        cap, self._cap = self._cap, None
        self._first = None
        if cap is not None:
            try:
                cap.release()
            except cv2.error as exc:  # pragma: no cover - a driver failing on release
                log.warning("camera %s release failed: %s", self.source, exc)
