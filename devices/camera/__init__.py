"""The camera interface: frames are grabbed on the camera's own thread; readers get the newest one.

A ``Camera`` is a :class:`devices.base.DeviceBase`: one device thread (STYLE.md: one I/O thread
per device) does everything with the source — open, grab, release — so that a backend that
wants one thread per capture (Media Foundation, AVFoundation) gets it. ``start()`` runs the
frame loop on that thread one frame at a time (each step queues the next), so that other
calls to the camera slot in between frames instead of waiting for the loop to end. The loop
keeps only the newest frame (``latest()``: a slot, never a queue that grows) and calls
``on_frame`` with each one. When reads fail several times in a row the camera reports
``camera_disconnected`` and keeps trying to open the source again; when that works it reports
``reconnected`` and frames flow again. Drivers implement three hooks: ``_open_source``,
``_read_source`` (one frame, or a ``DeviceError``) and ``_release_source``; they are only ever
called on the device thread.

Errors are ``DeviceError`` with the codes in ``CODES``; the last one is in ``error`` and every
change is reported to ``on_event`` as a ``CameraEvent``.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Self

import numpy as np

from devices.base import DeviceBase, DeviceWorker
from station.errors import DeviceError
from station.i18n import N_, _

log = logging.getLogger(__name__)

__all__ = ["CODES", "Camera", "CameraEvent", "EndOfStream", "camera_error", "open_camera"]

FrameCallback = Callable[[np.ndarray], None]
EventCallback = Callable[["CameraEvent"], None]

# Stable error codes and the message a coordinator reads for each.
CODES: dict[str, str] = {
    "camera_missing": N_("No camera found at {source}: check the cable or the camera setting"),
    "camera_busy": N_("The camera {source} cannot be opened: another program may be using it"),
    "camera_disconnected": N_(
        "The camera {source} stopped sending pictures: check the cable; reconnecting…"
    ),
    "not_an_image": N_("{source} is neither a picture nor a video"),
    "empty_frame": N_("The camera {source} sent an empty picture"),
}
# Errors that retrying cannot fix: the grabbing thread stops instead of reopening (unless the
# source worked before: a file being rewritten may become readable again).
PERMANENT = {"not_an_image", "picture_too_large", "picture_damaged"}


def camera_error(code: str, source: object) -> DeviceError:
    """The typed error for ``code`` with its translated message (no personal data in it)."""
    return DeviceError(code, _(CODES[code], source=source))


class EndOfStream(Exception):
    """A video file that does not loop has no more frames (not an error)."""


@dataclass(frozen=True)
class CameraEvent:
    """``opened``, ``error`` (``error`` set), ``disconnected`` (``error`` set), ``reconnected``,
    ``ended`` (a non-looping video finished) or ``stopped``."""

    kind: str
    error: DeviceError | None = None


class Camera(DeviceBase, ABC):
    """A frame source with its own device thread."""

    name = "camera"
    close_timeout = 10.0
    #: consecutive failed reads before the camera counts as disconnected
    max_failures = 5
    #: seconds between attempts to open the source again
    retry_interval = 1.0

    def __init__(self, fps: float = 30.0) -> None:
        super().__init__()
        self.fps = float(fps) if fps and float(fps) > 0 else 30.0
        self.frames_seen = 0
        self.error: DeviceError | None = None
        self.ended = False
        self._latest: np.ndarray | None = None
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._running = False
        self._loop_done = threading.Event()
        self._loop_done.set()
        self._opened = False
        self._on_frame: FrameCallback | None = None
        self._on_event: EventCallback | None = None
        self._next_due = 0.0
        self._failures = 0  # failed reads in a row
        self._lost = False  # disconnected: reopen quietly, report "reconnected"
        self._retry_at = 0.0  # when to try opening the source again

    # -- what drivers implement --------------------------------------------------------------
    @property
    @abstractmethod
    def source(self) -> str:
        """A printable name of the source (device index, path or ``sim``)."""

    @abstractmethod
    def _open_source(self) -> None:
        """Open the device or file; raise ``DeviceError`` (``CODES``) when it cannot be used."""

    @abstractmethod
    def _read_source(self) -> np.ndarray:
        """One frame (BGR, uint8). Raise ``DeviceError`` on a failed read, ``EndOfStream`` at
        the end of a video that does not loop."""

    @abstractmethod
    def _release_source(self) -> None:
        """Release the device or file; must not raise."""

    # -- DeviceBase hooks (device thread) ----------------------------------------------------
    def _thread_name(self) -> str:
        return f"camera-{self.source}"

    def _is_device_open(self) -> bool:
        return self._opened

    def _open(self) -> None:
        if self._opened:
            return
        try:
            self._open_source()
        except DeviceError as exc:
            self.error = exc
            raise
        self._opened = True
        self.error = None

    def _close(self) -> None:
        if self._opened:
            self._opened = False
            self._release_source()

    # -- public interface --------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self._opened

    @property
    def running(self) -> bool:
        return self._running

    def open(self) -> None:
        """Open the source now (on the camera thread), raising its ``DeviceError``. Optional:
        ``start()`` opens it on the camera thread when it is not open yet."""
        super().open()

    def close(self) -> None:
        """Stop grabbing, release the source and end the camera thread."""
        super().close()

    def start(
        self, on_frame: FrameCallback | None = None, on_event: EventCallback | None = None
    ) -> None:
        """Start the frame loop. ``on_frame(frame)`` and ``on_event(event)`` are called on the
        camera thread: keep them short (hand the work to another thread)."""
        if self._running:
            return
        self._on_frame = on_frame
        self._on_event = on_event
        self._stop.clear()
        self.ended = False
        self._failures = 0
        self._lost = False
        self._retry_at = 0.0
        self._loop_done.clear()
        self._running = True
        self._thread_worker().call(self._tick)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the frame loop (the source stays open; ``close()`` releases it)."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._running and not self.on_device_thread():
            if not self._loop_done.wait(timeout):  # pragma: no cover - a driver stuck in a read
                log.warning("camera %s did not stop within %.1f s", self.source, timeout)

    def read(self, timeout: float = 5.0) -> np.ndarray:
        """One frame now (a test button, a one-off still). With the loop running, the next
        frame it grabs; otherwise read from the source, opening it if needed."""
        if self._running and not self.on_device_thread():
            got = self.wait_frame(self.frames_seen, timeout)
            if got is None:
                raise self.error or camera_error("camera_disconnected", self.source)
            return got[1]
        return self._call(self._read_now)

    def latest(self) -> np.ndarray | None:
        """The newest frame, or ``None`` before the first one. Treat it as read-only."""
        with self._cond:
            return self._latest

    def wait_frame(
        self, after: int = 0, timeout: float | None = None
    ) -> tuple[int, np.ndarray] | None:
        """Wait until a frame newer than number ``after`` exists; return ``(number, frame)`` or
        ``None`` on timeout, when the camera stops or when the stream ended."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self.frames_seen <= after or self._latest is None:
                if self._stop.is_set() or self.ended:
                    return None
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return None
                self._cond.wait(left)
            return self.frames_seen, self._latest

    def __enter__(self) -> Self:
        return self  # opened on first use; closed on exit

    # -- helpers for drivers -----------------------------------------------------------------
    def _pace(self) -> None:
        """Sleep until the next frame is due at ``fps`` (sources that do not block by
        themselves: files and the simulator)."""
        now = time.monotonic()
        if self._next_due <= now - 1.0 / self.fps:
            self._next_due = now  # late (or first frame): do not try to catch up
        delay = self._next_due - now
        if delay > 0:
            self._stop.wait(delay)
        self._next_due += 1.0 / self.fps

    # -- the device thread -------------------------------------------------------------------
    def _read_now(self) -> np.ndarray:
        self.open()  # inline: this is the camera thread
        failure: DeviceError | None = None
        for _attempt in range(self.max_failures):
            try:
                frame = self._read_source()
            except EndOfStream:
                break
            except DeviceError as exc:
                failure = exc
                continue
            if frame is not None and frame.size:
                return frame
        raise failure or camera_error("empty_frame", self.source)

    def _emit(self, event: CameraEvent) -> None:
        if self._on_event is None:
            return
        try:
            self._on_event(event)
        except Exception:  # noqa: BLE001 - a faulty listener must not kill the camera
            log.exception("camera event listener failed")

    def _publish(self, frame: np.ndarray) -> None:
        with self._cond:
            self._latest = frame
            self.frames_seen += 1
            self._cond.notify_all()
        if self._on_frame is not None:
            try:
                self._on_frame(frame)
            except Exception:  # noqa: BLE001 - a faulty listener must not kill the camera
                log.exception("camera frame listener failed")

    def _set_error(self, exc: DeviceError, kind: str) -> None:
        changed = self.error is None or self.error.code != exc.code
        self.error = exc
        if changed:
            log.warning("camera %s: %s", self.source, exc.code)
            self._emit(CameraEvent(kind, exc))

    def _tick(self) -> None:
        """One step of the frame loop; queues the next one until stopped."""
        try:
            go_on = not self._stop.is_set() and self._grab()
        except Exception:  # noqa: BLE001 - a driver bug ends the loop, reported in the log
            log.exception("camera %s frame loop failed", self.source)
            go_on = False
        worker = DeviceWorker.current()
        if go_on and not self._stop.is_set() and worker is not None:
            if not worker.call(self._tick).done():  # done at once: refused, the thread ends
                return
        self._running = False
        with self._cond:
            self._cond.notify_all()
        # Done before the event: a listener that waits for a thread which is itself in
        # ``stop()`` (the preview's analysis thread) must not hold both up. ``close()`` still
        # returns after the event, since it releases the source on this thread afterwards.
        self._loop_done.set()
        self._emit(CameraEvent("stopped"))

    def _grab(self) -> bool:
        """Open the source if needed and publish one frame; ``False`` ends the loop."""
        if not self._opened:
            wait = self._retry_at - time.monotonic()
            if wait > 0:  # in small steps, so that other calls get their turn
                self._stop.wait(min(wait, 0.05))
                return True
            try:
                self._open_source()
            except DeviceError as exc:
                if self._lost:  # still gone: the coordinator keeps reading "reconnecting…"
                    log.debug("camera %s reopen failed: %s", self.source, exc.code)
                else:
                    self._set_error(exc, "error")
                    if exc.code in PERMANENT:
                        return False
                self._retry_at = time.monotonic() + self.retry_interval
                return True
            self._opened = True
            self._failures = 0
            self.error = None
            self._emit(CameraEvent("reconnected" if self._lost else "opened"))
            self._lost = False
            if self._stop.is_set():  # the listener stopped (or closed) the camera
                return False
        try:
            frame = self._read_source()
            if frame is None or frame.size == 0:
                raise camera_error("empty_frame", self.source)
        except EndOfStream:
            with self._cond:
                self.ended = True
                self._cond.notify_all()
            self._emit(CameraEvent("ended"))
            return False
        except DeviceError as exc:
            self._failures += 1
            log.debug("camera %s read failed (%d): %s", self.source, self._failures, exc.code)
            if self._failures >= self.max_failures:
                self._lost = True
                self._opened = False
                self._release_source()
                self._set_error(camera_error("camera_disconnected", self.source), "disconnected")
                self._retry_at = 0.0
            else:
                self._stop.wait(min(0.05, 1.0 / self.fps))
            return True
        self._failures = 0
        self._publish(frame)
        return True


def open_camera(
    config: dict[str, str] | None = None, source: str | int | None = None, **overrides: object
) -> Camera:
    """The camera the configuration names (``camera.driver``, ``camera.device``…); a ``source``
    given here picks the OpenCV driver on that device or file (``sim`` the simulator)."""
    from devices.base import open_device

    config = dict(config or {})
    if source is not None:
        if str(source) == "sim":
            config["camera.driver"] = "sim"
        else:
            config["camera.driver"] = "opencv"
            config["camera.device"] = str(source)
    camera: Camera = open_device("camera", config, **overrides)
    return camera
