"""Device checks for ``station doctor``: each says what is wrong and what to do."""

from __future__ import annotations

import os
from typing import Any

from station.doctor import FAIL, OK, WARN, Check, DoctorContext
from station.errors import StationError
from station.i18n import _


def _settings(ctx: DoctorContext) -> dict[str, str]:
    return ctx.settings or {}


def check_pcsc(ctx: DoctorContext) -> Check:
    settings = _settings(ctx)
    if settings.get("permit.driver", "pcsc") != "pcsc":
        return Check(
            "permit_reader", OK, _("simulated ({driver})", driver=settings.get("permit.driver"))
        )
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


def check_serial(ctx: DoctorContext) -> Check:
    settings = _settings(ctx)
    driver = settings.get("idreader.driver", "serial")
    if driver != "serial":
        return Check("id_reader", OK, _("simulated ({driver})", driver=driver))
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
        from devices.idcard.driver import SerialIdCardReader

        reader = SerialIdCardReader(
            port=port, baud=settings.get("idreader.baud", "115200"), timeout=1.0
        )
        try:
            reader.open()
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


def check_camera(ctx: DoctorContext) -> Check:
    settings = _settings(ctx)
    import devices

    try:
        camera: Any = devices.open_device("camera", settings)
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
    return Check("camera", OK, _("{w}×{h} frames", w=frame.shape[1], h=frame.shape[0]))


CHECKS = [check_pcsc, check_serial, check_camera]
