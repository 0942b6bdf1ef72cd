"""The serial driver: a real SAM-module ID card reader through pyserial."""

from __future__ import annotations

import base64
import errno
import logging
from typing import Any

import serial

from devices.idcard import IdCardReader
from devices.idcard import protocol as p
from devices.idcard.text import decode_text
from station.errors import DeviceError
from station.i18n import _

log = logging.getLogger(__name__)


class SerialIdCardReader(IdCardReader):
    def __init__(
        self,
        port: str = "",
        baud: int | str = 115200,
        timeout: float | str = 2.0,
        fingerprint: bool | str = False,
        **_ignored: Any,
    ) -> None:
        super().__init__()
        if not port:
            raise DeviceError(
                "reader_missing",
                _(
                    "No serial port is set for the ID card reader: set idreader.port (for example "
                    "/dev/ttyUSB0 or COM3)"
                ),
            )
        self.port = str(port)
        self.baud = int(baud)
        self.timeout = float(timeout)
        self.fingerprint = fingerprint in (True, "1", "true", "yes")
        self._serial: Any = None

    def _open(self) -> None:
        try:
            self._serial = serial.Serial(self.port, self.baud, timeout=0.5, write_timeout=2)
        except serial.SerialException as exc:
            errno_ = getattr(exc, "errno", None)
            if errno_ in (errno.EACCES, errno.EPERM) or "Permission denied" in str(exc):
                raise DeviceError(
                    "reader_permission",
                    _(
                        "No permission to use the ID card reader's port {port}: add this user to "
                        "the 'dialout' group and log in again",
                        port=self.port,
                    ),
                ) from exc
            raise DeviceError(
                "reader_missing",
                _(
                    "The ID card reader is not connected ({port}): plug it in and check "
                    "idreader.port",
                    port=self.port,
                ),
            ) from exc

    def _close(self) -> None:
        if self._serial is not None:
            try:
                self._serial.close()
            except (OSError, serial.SerialException):
                log.debug("closing the port failed", exc_info=True)
            self._serial = None

    def _transact(self, command: tuple[int, int], step: str) -> tuple[int, bytes]:
        if self._serial is None:
            self._open()
        try:
            return p.transact(self._serial, command, self.timeout, step)
        except (OSError, serial.SerialException) as exc:
            self._close()
            raise DeviceError(
                "reader_unplugged", _("The ID card reader was disconnected: plug it in again")
            ) from exc

    def _sam_id(self) -> str:
        sw3, data = self._transact(p.READ_SAM_ID, "read SAM id")
        if sw3 != p.OK:
            raise p.status_error(sw3, "read SAM id")
        return data.hex()

    def sam_status(self) -> bool:
        return self._call(lambda: self._transact(p.SAM_STATUS, "SAM status")[0] == p.OK)

    def reset_sam(self) -> None:
        sw3, _data = self._call(lambda: self._transact(p.RESET_SAM, "reset SAM"))
        if sw3 != p.OK:
            raise p.status_error(sw3, "reset SAM")

    def _card_present(self) -> bool:
        sw3, _data = self._transact(p.FIND_CARD, "find card")
        if sw3 == p.CARD_FOUND:
            return True
        if sw3 == p.NO_CARD:
            return False
        raise p.status_error(sw3, "find card")

    def _read_card(self) -> dict[str, Any]:
        sw3, _data = self._transact(p.SELECT_CARD, "select card")
        if sw3 != p.OK:
            raise p.status_error(sw3, "select card")
        command = p.READ_TEXT_PHOTO_FP if self.fingerprint else p.READ_TEXT_PHOTO
        sw3, data = self._transact(command, "read card")
        if sw3 != p.OK:
            raise p.status_error(sw3, "read card")
        parts = p.parse_text_photo(data, with_fingerprint=self.fingerprint)
        record = decode_text(parts["text"])
        record["card"]["wlt"] = base64.b64encode(parts["photo"]).decode()
        if record["card"]["type"] == "resident":
            sw3, extra = self._transact(p.READ_NEW_ADDRESS, "read new address")
            if sw3 == p.OK and extra.strip(b"\x00 "):
                record["card"]["new_address"] = (
                    extra.decode("utf-16-le", errors="replace").replace("\x00", " ").strip()
                )
        return record
