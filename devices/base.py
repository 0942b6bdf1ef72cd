"""Shared device plumbing: one I/O thread per device, card events, the driver registry."""

from __future__ import annotations

import concurrent.futures
import logging
import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from station.errors import DeviceError, UsageError
from station.i18n import _

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


class DeviceWorker:
    """Runs every call to one device on that device's own thread (Electrum's hwd thread).

    ``call`` returns a future; ``call_sync`` waits for it. Callers on the Qt main thread use the
    future's callback (through the UI adapter), never ``call_sync``.
    """

    def __init__(self, name: str) -> None:
        self._queue: queue.Queue[
            tuple[Callable[[], Any], concurrent.futures.Future[Any]] | None
        ] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=f"device-{name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            fn, fut = item
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fut.set_result(fn())
            except BaseException as exc:  # noqa: BLE001 - handed to the caller via the future
                fut.set_exception(exc)

    def call(self, fn: Callable[[], T]) -> concurrent.futures.Future[T]:
        fut: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._queue.put((fn, fut))
        return fut

    def call_sync(self, fn: Callable[[], T], timeout: float | None = None) -> T:
        return self.call(fn).result(timeout)

    def on_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def stop(self, timeout: float = 5.0) -> None:
        self._queue.put(None)
        if not self.on_thread():
            self._thread.join(timeout)


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
    settings (minus the ``driver`` key) as keyword arguments, ``overrides`` winning."""
    name = overrides.pop("driver", None) or config.get(f"{kind}.driver") or "sim"
    settings = {
        k.split(".", 1)[1]: v
        for k, v in config.items()
        if k.startswith(kind + ".") and k != f"{kind}.driver"
    }
    settings.update({k: v for k, v in overrides.items() if v is not None})
    return load_driver(kind, name)(**settings)
