"""Device interfaces and the factory that picks a driver from the station's configuration.

Drivers register under the ``station.devices`` entry-point group as ``<kind>.<name>`` (for
example ``idreader.serial``, ``permit.pcsc``, ``camera.opencv``); the built-in ones are listed in
``BUILTIN`` so that a source checkout works without installed metadata. A province can ship its
own reader as a package that declares such an entry point.
"""

from devices.base import (
    BUILTIN,
    CardEvent,
    DeviceWorker,
    driver_names,
    load_driver,
    open_device,
)

__all__ = ["BUILTIN", "CardEvent", "DeviceWorker", "driver_names", "load_driver", "open_device"]
