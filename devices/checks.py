"""Device checks for ``station doctor``: each says what is wrong and what to do.

A check is only ``ok`` when the device the station is set up with answered. A simulated
device (the demo's and training's) is a warning that names it; a camera that is a video or
picture file is a warning too. Without an operator (``station doctor`` without ``--user``) the
station's settings cannot be read (they are in the encrypted database): the checks then try
the default devices and report what they found as a warning, never as ``ok`` — the camera
they found may not be the one the station uses.
"""

from __future__ import annotations

import os
from typing import Any

from station.doctor import FAIL, OK, WARN, Check, DoctorContext
from station.errors import StationError
from station.i18n import _

KINDS = ("idreader", "permit", "camera")


def _settings(ctx: DoctorContext) -> dict[str, str]:
    """The device settings in effect: the station's, over the defaults of ``station config``."""
    from station.settings import SETTINGS

    out = {
        key: s.default
        for key, s in SETTINGS.items()
        if s.default is not None and key.split(".", 1)[0] in KINDS
    }
    out.update(ctx.settings or {})
    return out


def _known(ctx: DoctorContext) -> bool:
    return ctx.settings is not None


def _unconfirmed(check: Check) -> Check:
    """What the default device showed, when the station's own settings are unknown."""
    fix = check.fix if check.status != OK and check.fix else ""
    return Check(
        check.name,
        WARN,
        _(
            "{detail} (default settings: this station's own were not read, no operator given)",
            detail=check.detail,
        ),
        fix
        or _(
            "Run doctor with --user (a technician) to check the devices this station is set up with"
        ),
    )


def _other_driver(name: str, kind: str, settings: dict[str, str]) -> Check:
    """A driver that is neither simulated nor built in (a province's): it must open."""
    from devices.base import open_device

    driver = settings.get(f"{kind}.driver", "")
    try:
        device: Any = open_device(kind, settings)
        device.open()
        device.close()
    except StationError as exc:
        return Check(
            name,
            FAIL,
            exc.message,
            _(
                "Check the driver {driver!r} and its settings ({kind}.*), or choose another "
                "with 'station config set {kind}.driver'",
                driver=driver,
                kind=kind,
            ),
        )
    return Check(name, OK, _("driver {driver!r} opened the device", driver=driver))


# -- permit card reader ------------------------------------------------------------------------
def check_pcsc(ctx: DoctorContext) -> Check:
    settings = _settings(ctx)
    driver = settings.get("permit.driver", "pcsc")
    if driver == "sim":
        return Check(
            "permit_reader",
            WARN,
            _("simulated permit card reader (demo and training): no real reader is in use"),
            _("For real cards: station config set permit.driver pcsc"),
        )
    if driver != "pcsc":
        return _other_driver("permit_reader", "permit", settings)
    check = _pcsc(settings)
    return check if _known(ctx) else _unconfirmed(check)


def _pcsc(settings: dict[str, str]) -> Check:
    try:
        from devices.permit.driver import diagnose

        found = diagnose(settings.get("permit.reader") or None)
    except StationError as exc:
        return Check(
            "permit_reader",
            FAIL,
            exc.message,
            _(
                "Start the smart-card service (systemctl start pcscd) and plug in the permit "
                "card reader"
            ),
        )
    except ImportError:
        return Check(
            "permit_reader", FAIL, _("pyscard is not installed"), _("Reinstall the station")
        )
    detail = _("{n} reader(s): {names}", n=len(found["readers"]), names=", ".join(found["readers"]))
    return Check(
        "permit_reader",
        OK,
        detail + (_(", a card is in {r}", r=found["reader"]) if found["card"] else ""),
    )


# -- ID card reader ----------------------------------------------------------------------------
def check_serial(ctx: DoctorContext) -> Check:
    settings = _settings(ctx)
    driver = settings.get("idreader.driver", "serial")
    if driver == "sim":
        return Check(
            "id_reader",
            WARN,
            _("simulated ID card reader (demo and training): no real reader is in use"),
            _(
                "For real cards: station config set idreader.driver serial, and idreader.port "
                "(for example /dev/ttyUSB0)"
            ),
        )
    if driver != "serial":
        return _other_driver("id_reader", "idreader", settings)
    check = _serial(settings)
    return check if _known(ctx) else _unconfirmed(check)


def _serial(settings: dict[str, str]) -> Check:
    port = settings.get("idreader.port", "")
    if not port:
        return Check(
            "id_reader",
            WARN,
            _("no serial port configured"),
            _("Set idreader.port (for example /dev/ttyUSB0) with 'station config set'"),
        )
    if not os.path.exists(port):
        return Check(
            "id_reader",
            FAIL,
            _("{port} does not exist", port=port),
            _("Plug in the ID card reader, or correct idreader.port"),
        )
    if not os.access(port, os.R_OK | os.W_OK):
        return Check(
            "id_reader",
            FAIL,
            _("no permission on {port}", port=port),
            _("Add the station's user to the 'dialout' group and log in again"),
        )
    try:
        from devices.idcard import TRANSIENT
        from devices.idcard.driver import SerialIdCardReader

        reader = SerialIdCardReader(
            port=port, baud=settings.get("idreader.baud", "115200"), timeout=1.0
        )
        try:
            reader.open()
            try:
                ok = reader.sam_status()
            except StationError as exc:  # one garbled reply is no verdict: ask once more
                if exc.code not in TRANSIENT:
                    raise
                ok = reader.sam_status()
        finally:
            reader.close()
    except StationError as exc:
        return Check("id_reader", FAIL, exc.message, _("Check the cable and the serial speed"))
    if not ok:
        return Check(
            "id_reader",
            FAIL,
            _("the security module is not ready"),
            _("Restart the reader; if it repeats, replace it"),
        )
    return Check("id_reader", OK, _("reader answers on {port}", port=port))


# -- camera ------------------------------------------------------------------------------------
def check_camera(ctx: DoctorContext) -> Check:
    settings = _settings(ctx)
    driver = settings.get("camera.driver", "opencv")
    if driver == "sim":
        return Check(
            "camera",
            WARN,
            _("simulated camera (demo and training): photos show a sample person"),
            _(
                "For a real camera: station config set camera.driver opencv, and camera.device "
                "(0 for the first camera)"
            ),
        )
    if driver != "opencv":
        return _other_driver("camera", "camera", settings)
    check = _opencv(settings)
    return check if _known(ctx) else _unconfirmed(check)


def _opencv(settings: dict[str, str]) -> Check:
    from devices.base import open_device

    try:
        camera: Any = open_device("camera", settings)
        camera.open()
        try:
            frame = camera.read()
        finally:
            camera.close()
    except StationError as exc:
        return Check(
            "camera",
            FAIL,
            exc.message,
            _("Plug in the camera or choose another one (camera.device)"),
        )
    size = _("{w}×{h} frames", w=frame.shape[1], h=frame.shape[0])
    kind = getattr(camera, "kind", "device")
    if kind in ("video", "image"):
        what = (
            _("{source} is a video file, not a camera", source=camera.source)
            if kind == "video"
            else _("{source} is a picture file, not a camera", source=camera.source)
        )
        return Check(
            "camera",
            WARN,
            f"{what} ({size})",
            _("For a real camera: station config set camera.device 0 (or /dev/videoN)"),
        )
    return Check("camera", OK, _("camera {source}: {size}", source=camera.source, size=size))


CHECKS = [check_pcsc, check_serial, check_camera]


def doctor_checks() -> list[Any]:
    """Device checks for ``station doctor`` (the ``station.doctor_checks`` entry point; each a
    ``station.doctor.CheckFn``)."""
    return list(CHECKS)
