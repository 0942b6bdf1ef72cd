"""The live photo checks behind the preview: a thread takes the camera's newest frame, runs
``station.photo.analyse`` on it, scales a copy for display and, when every check has passed for
``hold`` seconds (or when asked), captures the ID photo. Qt-free; the device bridge's camera
session runs it and hands its results to the window.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from station import photo
from station.errors import StationError

log = logging.getLogger(__name__)


class FrameSource(Protocol):
    """What the analysis needs of a camera (``devices.camera.Camera`` has it)."""

    @property
    def running(self) -> bool: ...

    def wait_frame(
        self, after: int = 0, timeout: float | None = None
    ) -> tuple[int, np.ndarray] | None: ...


@dataclass(frozen=True)
class PreviewFrame:
    """One analysed frame for the window: the checks, an RGB copy scaled for display (and the
    scale from frame to display pixels), the auto-capture progress, and the photo if this
    frame was captured."""

    frame: np.ndarray
    analysis: photo.Analysis
    display: np.ndarray
    scale: float
    progress: float
    shot: photo.CapturedPhoto | None


class Analyser:
    """The analysis thread: newest frame → analysis → display copy (and auto-capture)."""

    def __init__(
        self, camera: FrameSource, deliver: Callable[[PreviewFrame], None], hold: float
    ) -> None:
        self.camera = camera
        self.deliver = deliver  # called on this thread with each PreviewFrame; must not block
        self.auto = photo.AutoCapture(hold)
        self.auto_enabled = True
        self.view_size = (640, 480)
        self.manual: str | None = None  # "capture" when the window asks for the photo now
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="photo-analysis", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(5.0)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        seen = 0
        last: tuple[np.ndarray, photo.Analysis] | None = None
        while not self._stop.is_set():
            got = self.camera.wait_frame(seen, timeout=0.2)
            if got is None:
                if self.manual and last is not None:  # the stream ended: take the last one
                    self._capture(*last, progress=0.0)
                elif not self.camera.running:  # ended or stopped: nothing to wait for
                    self._stop.wait(0.1)
                continue
            seen, frame = got
            try:
                analysis = photo.analyse(frame)
            except StationError as exc:
                log.warning("frame not analysed: %s", exc.code)
                continue
            last = (frame, analysis)
            now = time.monotonic()
            fire = self.auto_enabled and self.auto.feed(analysis, now)
            if fire or self.manual:
                self._capture(frame, analysis, self.auto.progress(now))
            else:
                self._show(frame, analysis, self.auto.progress(now), None)

    def _capture(self, frame: np.ndarray, analysis: photo.Analysis, progress: float) -> None:
        self.manual = None
        self.auto.reset()
        self.auto_enabled = False  # one photo; the window re-arms it on "retake"
        shot = photo.capture(frame, analysis)
        self._show(frame, analysis, progress, shot)

    def _show(
        self,
        frame: np.ndarray,
        analysis: photo.Analysis,
        progress: float,
        shot: photo.CapturedPhoto | None,
    ) -> None:
        h, w = frame.shape[:2]
        vw, vh = self.view_size
        scale = min(vw / w, vh / h) if w and h else 1.0
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        small = cv2.resize(
            frame, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        )
        rgb = np.ascontiguousarray(cv2.cvtColor(small, cv2.COLOR_BGR2RGB))
        self.deliver(PreviewFrame(frame, analysis, rgb, scale, progress, shot))


__all__ = ["Analyser", "FrameSource", "PreviewFrame"]
