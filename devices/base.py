"""Shared device plumbing: one I/O thread per device (``DeviceWorker``) and the open/close/call
plumbing every driver inherits (``DeviceBase``), card events, the driver registry."""

from __future__ import annotations

import concurrent.futures
import logging
import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar, overload

from station.errors import DeviceError, UsageError
from station.i18n import _
from station.settings import SETTINGS

if TYPE_CHECKING:
    from devices.camera import Camera
    from devices.idcard import IdCardReader
    from devices.permit import PermitCardReader

log = logging.getLogger(__name__)
T = TypeVar("T")

# kind.name -> "module:attribute"; entry points in the "station.devices" group add to these.
BUILTIN: dict[str, str] = {
    "idreader.serial": "devices.idcard.driver:SerialIdCardReader",
    "idreader.sim": "devices.idcard.sim:SimulatedIdCardReader",
    "permit.pcsc": "devices.permit.driver:PcscPermitCardReader",
    "permit.sim": "devices.permit.sim:SimulatedPermitCardReader",
    "camera.opencv": "devices.camera.driver:OpenCvCamera",
    "camera.sim": "devices.camera.sim:SimulatedCamera",
}


@dataclass(frozen=True)
class CardEvent:
    """What a reader reports: ``placed``, ``read`` (``data`` holds the record fields),
    ``removed`` or ``error`` (``error`` holds the typed error)."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    error: Exception | None = None


_here = threading.local()  # the DeviceWorker whose thread is running (unset elsewhere)


def device_closed() -> DeviceError:
    return DeviceError("device_closed", _("The device was closed while it was in use"))


class DeviceWorker:
    """Runs every call to one device on that device's own thread (Electrum's hwd thread).

    ``call`` returns a future; ``call_sync`` waits for it. Callers on the Qt main thread use the
    future's callback (through the UI adapter), never ``call_sync``. ``owner`` is the device
    the thread serves: :meth:`DeviceBase.on_device_thread` asks :meth:`current` for it. Calls
    queued before ``stop`` still run; calls made after it fail with ``device_closed`` at once
    instead of waiting for ever.
    """

    def __init__(self, name: str, owner: object = None, *, thread_name: str | None = None) -> None:
        self.owner = owner
        self._queue: queue.Queue[
            tuple[Callable[[], Any], concurrent.futures.Future[Any]] | None
        ] = queue.Queue()
        self._stopped = False
        self._gate = threading.Lock()  # nothing enters the queue after the stop marker
        self._thread = threading.Thread(
            target=self._run, name=thread_name or f"device-{name}", daemon=True
        )
        self._thread.start()

    @staticmethod
    def current() -> DeviceWorker | None:
        """The worker whose thread this is, or ``None`` on any other thread."""
        worker: DeviceWorker | None = getattr(_here, "worker", None)
        return worker

    def _run(self) -> None:
        _here.worker = self
        while True:
            item = self._queue.get()
            if item is None:
                break
            fn, fut = item
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fut.set_result(fn())
            except BaseException as exc:  # noqa: BLE001 - handed to the caller via the future
                fut.set_exception(exc)

    def call(self, fn: Callable[[], T]) -> concurrent.futures.Future[T]:
        fut: concurrent.futures.Future[T] = concurrent.futures.Future()
        with self._gate:
            if not self._stopped:
                self._queue.put((fn, fut))
                return fut
        fut.set_exception(device_closed())
        return fut

    def call_sync(self, fn: Callable[[], T], timeout: float | None = None) -> T:
        return self.call(fn).result(timeout)

    def on_thread(self) -> bool:
        return threading.current_thread() is self._thread

    @property
    def stopped(self) -> bool:
        """``stop`` was called: new calls are refused."""
        return self._stopped

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        """End the thread after the call it is running (and those queued before the stop)."""
        with self._gate:
            if not self._stopped:
                self._stopped = True
                self._queue.put(None)
        if not self.on_thread():
            self._thread.join(timeout)


_DEFAULT: Any = object()


class DeviceBase:
    """The open/close/call plumbing every driver shares (ID reader, permit reader, camera).

    One :class:`DeviceWorker` thread per device runs the driver's hooks: ``_open`` and
    ``_close`` (and whatever the interface sends through ``_call`` / ``_submit``). A call made
    on that thread itself — a driver's ``_read_card`` using a public method, an event listener
    the device thread calls, ``close()`` from such a listener — runs inline instead of
    queueing behind itself and deadlocking (Electrum's ``run_in_hwd_thread``).

    ``open()`` is idempotent and thread-safe (the first of several threads opens, the others
    wait for it); a failed open ends the thread it started. ``close()`` first calls ``stop()``
    (the interface's watchers or frame loop), then ``_close`` on the device thread, then ends
    the thread; it is idempotent too. Public calls open the device on first use.
    """

    name = "device"
    #: seconds a ``_call`` may wait for the device thread (``None``: as long as it takes)
    call_timeout: float | None = None
    #: seconds ``close`` waits for the device thread to release the device
    close_timeout: float = 15.0

    def __init__(self) -> None:
        self._worker: DeviceWorker | None = None
        self._device_open = False
        self._life = threading.Lock()  # open/close transitions; never taken on the device thread

    # -- what a driver provides (called on the device thread) --------------------------------
    def _open(self) -> None:  # noqa: B027 - optional hook
        """Acquire the device; raise a ``DeviceError`` saying what to do when it cannot."""

    def _close(self) -> None:  # noqa: B027 - optional hook
        """Release the device; should not raise."""

    def stop(self) -> None:  # noqa: B027 - optional hook
        """Stop the interface's watcher or frame loop (the device stays open)."""

    def _thread_name(self) -> str:
        return f"device-{self.name}"

    def _is_device_open(self) -> bool:
        return self._device_open

    def _ready(self) -> bool:
        """Is the device open (``open()`` has nothing to do)?"""
        return self._worker is not None and self._is_device_open()

    # -- plumbing -------------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self._ready()

    def on_device_thread(self) -> bool:
        """Is the caller this device's own thread (a hook, a nested call, a listener)?"""
        worker = DeviceWorker.current()
        return worker is not None and worker.owner is self

    def _ensure_worker(self) -> DeviceWorker:
        """The device thread, started if needed (without opening the device)."""
        with self._life:
            return self._worker_locked()

    def _thread_worker(self) -> DeviceWorker:
        """The device thread's worker: the current one on that thread (no lock taken there),
        else started if needed."""
        if self.on_device_thread():
            worker = DeviceWorker.current()
            assert worker is not None
            return worker
        return self._ensure_worker()

    def _worker_locked(self) -> DeviceWorker:
        if self._worker is None:
            self._worker = DeviceWorker(self.name, self, thread_name=self._thread_name())
        return self._worker

    def _open_now(self) -> None:
        self._open()
        self._device_open = True

    def open(self) -> None:
        """Start the device thread and open the device there (idempotent)."""
        if self.on_device_thread():
            if not self._is_device_open():
                self._open_now()
            return
        with self._life:
            if self._ready():
                return
            fresh = self._worker is None
            worker = self._worker_locked()
            try:
                worker.call_sync(self._open_now)
            except BaseException:
                if fresh:
                    self._worker = None
                    worker.stop()
                raise

    def close(self) -> None:
        """Stop the watchers, release the device on its thread and end the thread."""
        self.stop()
        if self.on_device_thread():  # from a listener on the device thread: release here
            worker, self._worker = self._worker, None
            self._close_now()
            if worker is not None:
                worker.stop()  # ends once the running call returns
            return
        with self._life:
            worker, self._worker = self._worker, None
            if worker is None:
                return
            try:
                worker.call_sync(self._close_now, timeout=self.close_timeout)
            except concurrent.futures.TimeoutError:
                log.warning(
                    "%s still busy at close; its thread ends after the operation", self.name
                )
            finally:
                worker.stop()

    def _close_now(self) -> None:
        self._device_open = False
        self._close()

    def _call(self, fn: Callable[[], T], timeout: float | None = _DEFAULT) -> T:
        """Run ``fn`` on the device thread and return its result (inline when already there),
        opening the device first if needed."""
        if self.on_device_thread():
            return fn()
        worker = self._worker
        if worker is None or not self._ready():
            self.open()
            worker = self._worker
            if worker is None:  # closed by another thread meanwhile
                raise device_closed()
        wait = self.call_timeout if timeout is _DEFAULT else timeout
        try:
            return worker.call_sync(fn, wait)
        except concurrent.futures.TimeoutError:
            raise DeviceError(
                "device_busy",
                _("The device is still busy after {s:g} s; try again", s=wait or 0),
            ) from None

    def _submit(self, fn: Callable[[], T]) -> concurrent.futures.Future[T]:
        """Queue ``fn`` on the device thread without waiting (run at once when already on it;
        the future then holds its outcome)."""
        if self.on_device_thread():
            fut: concurrent.futures.Future[T] = concurrent.futures.Future()
            fut.set_running_or_notify_cancel()
            try:
                fut.set_result(fn())
            except BaseException as exc:  # noqa: BLE001 - handed to the caller via the future
                fut.set_exception(exc)
            return fut
        return self._thread_worker().call(fn)

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def entry_points(group: str) -> Any:
    # importlib.metadata (and its e-mail parser) only when a driver is looked up: this package
    # is imported by every command (devices/cli.py registers the card and photo commands).
    from importlib.metadata import entry_points as installed

    return installed(group=group)


def driver_names(kind: str) -> list[str]:
    names = {k.split(".", 1)[1] for k in BUILTIN if k.startswith(kind + ".")}
    for ep in entry_points(group="station.devices"):
        if ep.name.startswith(kind + "."):
            names.add(ep.name.split(".", 1)[1])
    return sorted(names)


def load_driver(kind: str, name: str) -> type[Any]:
    key = f"{kind}.{name}"
    for ep in entry_points(group="station.devices"):
        if ep.name == key:
            return ep.load()  # type: ignore[no-any-return]
    target = BUILTIN.get(key)
    if target is None:
        raise UsageError(
            "unknown_driver",
            _(
                "Unknown {kind} driver {name!r}; available: {names}",
                kind=kind,
                name=name,
                names=", ".join(driver_names(kind)),
            ),
        )
    module, attr = target.split(":")
    try:
        return getattr(import_module(module), attr)  # type: ignore[no-any-return]
    except ImportError as exc:
        log.warning("driver %s cannot be loaded: %s", key, exc)
        raise DeviceError(
            "driver_unavailable",
            _("The {kind} driver {name!r} cannot be loaded: {why}", kind=kind, name=name, why=exc),
        ) from exc


def default_settings(kind: str) -> dict[str, str]:
    """The ``<kind>.*`` defaults of the station's settings (no secrets: they have none)."""
    return {
        k: s.default
        for k, s in SETTINGS.items()
        if k.startswith(kind + ".") and s.default is not None and not s.secret
    }


@overload
def open_device(
    kind: Literal["idreader"], config: Mapping[str, str], **overrides: Any
) -> IdCardReader: ...
@overload
def open_device(
    kind: Literal["permit"], config: Mapping[str, str], **overrides: Any
) -> PermitCardReader: ...
@overload
def open_device(kind: Literal["camera"], config: Mapping[str, str], **overrides: Any) -> Camera: ...
@overload  # a kind chosen at run time: the caller knows which interface it asked for
def open_device(kind: str, config: Mapping[str, str], **overrides: Any) -> Any: ...


def open_device(kind: str, config: Mapping[str, str], **overrides: Any) -> Any:
    """Instantiate the driver named by ``<kind>.driver`` in ``config`` with the ``<kind>.*``
    settings (minus the ``driver`` key) as keyword arguments, ``overrides`` winning. What
    ``config`` leaves out has the station's defaults (``station/settings.py``: the real
    drivers, never the simulator — ``sim`` only when configured, for demos and tests)."""
    config = {**default_settings(kind), **config}
    name = overrides.pop("driver", None) or config.get(f"{kind}.driver")
    if not name:
        raise UsageError(
            "unknown_driver", _("No {kind} driver is configured ({kind}.driver)", kind=kind)
        )
    settings = {
        k.split(".", 1)[1]: v
        for k, v in config.items()
        if k.startswith(kind + ".") and k != f"{kind}.driver"
    }
    settings.update({k: v for k, v in overrides.items() if v is not None})
    return load_driver(kind, name)(**settings)
