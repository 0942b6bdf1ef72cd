"""The card readers and the camera for the widgets, through one bridge (Plover's ``gui_qt.Engine``
wraps its engine the same way): ``DeviceBridge``, beside ``StationBridge``.

A screen asks the bridge for a session — an ID-card reader, the permit-card reader, the camera —
and talks to the session only: it calls ``read()`` or ``endorse()`` and gets a ``DeviceCall``
whose ``done`` or ``failed`` signal comes on the Qt main thread; it connects to the session's
signals for the device's own events (a card placed or removed, the camera lost and found again,
each analysed camera frame). No widget starts a thread or touches a driver, and the main thread
never waits for a device.

* Each session runs its calls one after another on its own thread (a read waiting for its card
  holds the next call, as a card terminal does); the driver runs its I/O on its device thread.
* An ID reader is opened for each call and closed after it; the permit reader stays open from
  the check to the write, until the screen closes the session; the camera runs while shown.
* A session belongs to the widget that asked for it (its Qt parent): when that widget is
  deleted, the session's threads end and the device is released. ``DeviceBridge.stop()``
  (logout, exit) releases every session still open.

Only this module imports ``devices`` (tests/ui/test_ui_layers.py), and only the drivers' public
interface: ``devices.open_device``, ``driver_names``, the readers' ``read``, ``endorse``,
``start``/``stop`` and ``close``, the camera's ``start``, ``wait_frame`` and ``close``.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import queue
import sys
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import devices
from station.errors import StationError
from ui.dispatch import MainThreadDispatcher
from ui.qt import QObject, Signal

if TYPE_CHECKING:
    from devices import CardEvent
    from devices.camera import Camera as CameraDriver
    from devices.camera import CameraEvent
    from station.photo import CapturedPhoto
    from ui.photo_analysis import Analyser, PreviewFrame

log = logging.getLogger(__name__)
S = TypeVar("S", "DeviceSession", "CameraSession")


def _set(event: threading.Event, *_args: object) -> None:
    event.set()


class DeviceCall(QObject):
    """One call to a device: ``done(result)`` or ``failed(error)`` on the main thread (a
    ``StationError`` carries its translated ``message``)."""

    done = Signal(object)
    failed = Signal(object)


class _CallThread:
    """The thread that runs one session's calls in order; ``finish`` ends it after them."""

    def __init__(self, name: str) -> None:
        self._queue: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def submit(self, fn: Callable[[], None]) -> None:
        self._queue.put(fn)

    def finish(self) -> None:
        self._queue.put(None)

    def _run(self) -> None:
        while True:
            fn = self._queue.get()
            if fn is None:
                return
            try:
                fn()
            except Exception:  # noqa: BLE001 - each call reports its own errors; never die
                log.exception("device session call failed")


class DeviceSession(QObject):
    """A card reader (or, for a test, any device) for one screen."""

    # the device's own events: "placed", "read" (the card's record), "removed", "reconnected",
    # "error" (the typed error); only while ``watch()`` is on
    card_event = Signal(str, object)

    def __init__(
        self,
        kind: str,
        settings: Mapping[str, str],
        keep_open: bool,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.kind = kind
        self._settings = dict(settings)
        self._keep_open = keep_open
        self._device: Any = None  # the driver of ``kind`` (a reader: read, endorse, start…)
        self._watching = False
        self._thread: _CallThread | None = None
        self._gone = threading.Event()  # the screen (and this session) was deleted
        self._dispatch = MainThreadDispatcher(self)
        self.destroyed.connect(functools.partial(_set, self._gone))

    # -- calls -------------------------------------------------------------------------------
    def read(self, wait: float = 10.0, refuse_permit: bool = False) -> DeviceCall:
        """Wait up to ``wait`` seconds for a card and read it. ``refuse_permit``: an ID card
        whose holder is not issued the residence permit fails with the reason."""

        def call(device: Any) -> Any:
            card = device.read(wait=wait)
            if refuse_permit:
                from devices.idcard import refuse_for_permit

                refuse_for_permit(card)
            return card

        return self._call(call)

    def endorse(
        self,
        year: int,
        station_code: str,
        key: str,
        today: dt.date,
        *,
        wait: float,
        expect_permit: str,
    ) -> DeviceCall:
        """Write this year's endorsement to the permit card (the one checked, or refused)."""
        return self._call(
            lambda d: d.endorse(
                year, station_code, key, today, wait=wait, expect_permit=expect_permit
            )
        )

    def _call(self, fn: Callable[[Any], Any]) -> DeviceCall:
        call = DeviceCall(self)

        def work() -> None:
            try:
                result = fn(self._open())
            except Exception as exc:  # noqa: BLE001 - handed to the screen
                self._post(functools.partial(self._finish, call, call.failed, exc))
            else:
                self._post(functools.partial(self._finish, call, call.done, result))
            finally:
                if not self._keep_open and not self._watching:
                    self._release()

        self._worker().submit(work)
        return call

    @staticmethod
    def _finish(call: DeviceCall, signal: Any, value: object) -> None:
        signal.emit(value)
        call.deleteLater()

    # -- events ------------------------------------------------------------------------------
    def watch(self) -> None:
        """Report the reader's events (``card_event``) until ``unwatch`` or ``close``."""
        if self._watching:
            return
        self._watching = True

        def work() -> None:
            try:
                self._open().start(self._on_event)
            except Exception as exc:  # noqa: BLE001 - reported as an event
                self._watching = False
                self._post(functools.partial(self.card_event.emit, "error", exc))

        self._worker().submit(work)

    def unwatch(self) -> None:
        if not self._watching:
            return
        self._watching = False

        def work() -> None:
            if self._device is not None:
                self._device.stop()
            if not self._keep_open:
                self._release()

        self._worker().submit(work)

    def _on_event(self, event: CardEvent) -> None:  # the driver's thread
        payload = event.error if event.kind == "error" else dict(event.data)
        self._post(functools.partial(self.card_event.emit, event.kind, payload))

    # -- the device --------------------------------------------------------------------------
    def close(self) -> None:
        """Release the device off the main thread (a read still waiting for its card ends
        first; the window does not wait for it)."""
        self.unwatch()
        thread, self._thread = self._thread, None
        if thread is None:
            return
        thread.submit(self._release)
        thread.finish()

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.thread.is_alive()

    def _worker(self) -> _CallThread:
        if self._thread is None or not self._thread.thread.is_alive():
            self._thread = _CallThread(f"device-session-{self.kind}")
        return self._thread

    def _open(self) -> Any:
        if self._device is None:
            self._device = devices.open_device(self.kind, self._settings)
        return self._device

    def _release(self) -> None:
        device, self._device = self._device, None
        if device is None:
            return
        try:
            if self._watching:
                device.stop()
            device.close()
        except Exception:  # noqa: BLE001 - released anyway; nothing else to do
            log.warning("%s did not close cleanly", self.kind)

    def _post(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the main thread; when the screen is gone, release the device."""
        if not self._gone.is_set():
            try:
                self._dispatch(fn)
                return
            except RuntimeError:  # deleted between the check and the call
                self._gone.set()
        log.debug("%s session gone; releasing the device", self.kind)
        self._watching = False
        self._release()
        thread = self._thread
        if thread is not None:
            thread.finish()


class CameraSession(QObject):
    """The camera and the photo checks for one preview: the camera grabs on its own thread, the
    analysis (``ui.photo_analysis``) on another; the window gets the newest analysed frame only
    (a slot that is overwritten, never a queue), so a slow window never piles frames up."""

    frame = Signal(object)  # ui.photo_analysis.PreviewFrame (with ``shot`` once captured)
    status = Signal(str, str)  # the camera's event: opened, reconnected, ended, error, stopped;
    # and the translated message of an error ("" otherwise)

    def __init__(
        self,
        settings: Mapping[str, str] | None = None,
        camera: CameraDriver | None = None,
        hold: float = 0.5,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = dict(settings) if settings is not None else None
        self.camera = camera  # the driver, opened on start
        self.hold = hold
        self._analyser: Analyser | None = None
        self._pending: PreviewFrame | None = None
        self._lock = threading.Lock()
        self._gone = threading.Event()
        self._dispatch = MainThreadDispatcher(self)
        self.destroyed.connect(functools.partial(_set, self._gone))

    def use(self, camera: CameraDriver) -> None:
        """Another camera driver (stops the one running)."""
        self.stop()
        self.camera = camera

    @property
    def ended(self) -> bool:
        return bool(self.camera is not None and self.camera.ended)

    @property
    def running(self) -> bool:
        return self._analyser is not None

    def start(self, auto: bool, view_size: tuple[int, int]) -> None:
        """Open the camera (the configured one, unless a driver was given) and start the
        grabbing and the analysis; an unusable camera is said by ``status("error", …)``."""
        DeviceBridge.camera_modules()
        from ui.photo_analysis import Analyser

        self.stop()
        if self.camera is None and self._settings is not None:
            try:
                self.camera = devices.open_device("camera", self._settings)
            except StationError as exc:
                self.status.emit("error", exc.message)
                return
        if self.camera is None:
            return
        self.camera.start(on_event=self._on_event)
        self._analyser = Analyser(self.camera, self._deliver, self.hold)
        self._analyser.auto_enabled = auto
        self._analyser.view_size = view_size
        self._analyser.start()

    def stop(self) -> None:
        """Stop the analysis and release the camera."""
        analyser, self._analyser = self._analyser, None
        if analyser is not None:
            analyser.stop()
        if self.camera is not None:
            self.camera.close()
        with self._lock:
            self._pending = None

    def capture(self) -> None:
        """The photo now, from the next frame (or the last one when the stream has ended)."""
        if self._analyser is not None:
            self._analyser.manual = "capture"

    def rearm(self, auto: bool) -> None:
        """Forget the photo taken; capture again (automatically when ``auto``)."""
        if self._analyser is not None:
            self._analyser.auto.reset()
            self._analyser.auto_enabled = auto

    def set_view_size(self, size: tuple[int, int]) -> None:
        if self._analyser is not None:
            self._analyser.view_size = size

    # -- from the threads --------------------------------------------------------------------
    def _deliver(self, result: PreviewFrame) -> None:
        """Analysis thread: keep only the newest result; wake the window once."""
        if self._gone.is_set():
            self._orphaned()
            return
        with self._lock:
            wake = self._pending is None
            self._pending = result
        if wake or result.shot is not None:
            self._post(self._take_pending)
            if self._gone.is_set():
                self._orphaned()

    def _on_event(self, event: CameraEvent) -> None:  # the camera's thread
        if self._gone.is_set():
            return  # the analysis thread ends both threads (never this one: it would wait)
        message = event.error.message if event.error is not None else ""
        self._post(functools.partial(self.status.emit, event.kind, message))

    def _post(self, fn: Callable[[], None]) -> None:
        try:
            self._dispatch(fn)
        except RuntimeError:  # the preview was deleted without stop()
            self._gone.set()

    def _orphaned(self) -> None:
        """The preview is gone without stopping: end the threads. Called on the analysis
        thread, which stops itself without waiting and waits for the camera's."""
        log.debug("photo preview gone; stopping its threads")
        analyser, camera = self._analyser, self.camera
        if analyser is not None:
            analyser.stop()
        if camera is not None:
            camera.stop()

    def _take_pending(self) -> None:
        with self._lock:
            result, self._pending = self._pending, None
        if result is not None:
            self.frame.emit(result)


_preloading: threading.Thread | None = None  # preload_camera's thread, once started


class DeviceBridge(QObject):
    """Opens sessions on the configured devices and releases them all on ``stop()``."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sessions: weakref.WeakSet[DeviceSession | CameraSession] = weakref.WeakSet()

    def id_reader(self, settings: Mapping[str, str], parent: QObject) -> DeviceSession:
        """The ID-card reader, opened for each read and closed after it."""
        return self._keep(DeviceSession("idreader", settings, keep_open=False, parent=parent))

    def permit_reader(self, settings: Mapping[str, str], parent: QObject) -> DeviceSession:
        """The permit-card reader, open from the first call until ``close()``."""
        return self._keep(DeviceSession("permit", settings, keep_open=True, parent=parent))

    def camera(
        self, settings: Mapping[str, str], parent: QObject, hold: float = 0.5
    ) -> CameraSession:
        return self._keep(CameraSession(settings, hold=hold, parent=parent))

    def probe(self, kind: str, settings: Mapping[str, str], parent: QObject) -> DeviceCall:
        """The first run's "Test": a frame from the camera (its size), or a card read (the
        holder's name hidden but its first character)."""

        def test(device: Any) -> str:
            device.open()
            if kind == "camera":
                frame = device.read()
                return f"{frame.shape[1]}×{frame.shape[0]}"
            data = device.read(wait=10)
            return str((data.get("person") or {}).get("name", "")[:1] + "**")

        session = self._keep(DeviceSession(kind, settings, keep_open=False, parent=parent))
        return session._call(test)

    def _keep(self, session: S) -> S:
        self._sessions.add(session)
        return session

    def stop(self, wait: float = 2.0) -> None:
        """Release every device still held (logout, exit), waiting up to ``wait`` seconds for
        the sessions' threads (a read still waiting for its card is left to end on its own)."""
        threads: list[threading.Thread] = []
        for session in list(self._sessions):
            if isinstance(session, DeviceSession):
                if session._thread is not None:
                    threads.append(session._thread.thread)
                session.close()
            else:
                try:
                    session.stop()
                except RuntimeError:  # its Qt side is gone; its threads ended with it
                    continue
        deadline = time.monotonic() + wait
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    @staticmethod
    def driver_names(kind: str) -> list[str]:
        return devices.driver_names(kind)

    @staticmethod
    def preload_camera() -> None:
        """Import the camera drivers and the photo checks (OpenCV, numpy: ~0.2 s) on a helper
        thread while the coordinator types, so that F3 does not stall the window."""
        global _preloading
        if "ui.photo_analysis" in sys.modules or _preloading is not None:
            return

        def work() -> None:
            import devices.camera  # noqa: F401
            import ui.photo_analysis  # noqa: F401

        _preloading = threading.Thread(target=work, name="ui-preload", daemon=True)
        _preloading.start()

    @staticmethod
    def camera_modules() -> None:
        """Wait for ``preload_camera``'s thread before importing the camera or photo modules:
        OpenCV's first import is not thread-safe (its loader swaps itself in ``sys.modules``),
        and an import beside the preload got a ``cv2`` without ``cv2.data`` — the analysis
        thread died and the photo never came."""
        t = _preloading
        if t is not None and t is not threading.current_thread():
            t.join()


def simulated_photo() -> CapturedPhoto:
    """An ID photo from the simulated camera (the bundled portrait; benchmarks, screenshots)."""
    from devices.camera.sim import SimulatedCamera
    from station.photo import capture

    cam = SimulatedCamera()
    cam.open()
    try:
        frame = cam.frame_at(0.0, 0)
    finally:
        cam.close()
    return capture(frame)


__all__ = [
    "CameraDriver",
    "CameraSession",
    "DeviceBridge",
    "DeviceCall",
    "DeviceSession",
    "simulated_photo",
]
