"""Device interfaces and the factory that picks a driver from the station's configuration.

Drivers register under the ``station.devices`` entry-point group as ``<kind>.<name>`` (for
example ``idreader.serial``, ``permit.pcsc``, ``camera.opencv``); the built-in ones are listed in
``BUILTIN`` so that a source checkout works without installed metadata. A province can ship its
own reader as a package that declares such an entry point.
"""

from typing import Any

from devices.base import (
    BUILTIN,
    CardEvent,
    DeviceBase,
    DeviceWorker,
    driver_names,
    load_driver,
    open_device,
)

__all__ = [
    "BUILTIN",
    "CardEvent",
    "DeviceBase",
    "DeviceWorker",
    "bench_card",
    "driver_names",
    "load_driver",
    "open_device",
]


def bench_card(reader: str | None = None, port: str | None = None) -> dict[str, Any]:
    """``station bench card``: times of ID-card reads (serial) and permit-card reads (PC/SC)."""
    from devices.benchmarks import bench_card as run

    result: dict[str, Any] = run(reader=reader, port=port)
    return result
