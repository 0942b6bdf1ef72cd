"""The security-module (SAM) serial protocol of second-generation ID card readers
(specs/id-reader.md): frames, checksum, commands and status codes. Pure functions over bytes and
a file-like port; no device state."""

from __future__ import annotations

import time
from typing import Any, Protocol

from station.errors import DeviceError
from station.i18n import N_, _

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
MAX_BODY = 0x0900  # the longest reply (text + photo + fingerprint) is 0x0910 - a margin

RESET_SAM = (0x10, 0xFF)
SAM_STATUS = (0x11, 0xFF)
READ_SAM_ID = (0x12, 0xFF)
FIND_CARD = (0x20, 0x01)
SELECT_CARD = (0x20, 0x02)
READ_TEXT_PHOTO = (0x30, 0x01)
READ_TEXT_PHOTO_FP = (0x30, 0x10)
READ_NEW_ADDRESS = (0x30, 0x03)

OK = 0x90
NO_CONTENT = 0x91
CARD_FOUND = 0x9F
NO_CARD = 0x80

STATUS: dict[int, tuple[str, str]] = {
    0x10: ("sam_checksum", N_("The reader reports a checksum error in the command")),
    0x11: ("sam_length", N_("The reader reports a length error in the command")),
    0x21: ("sam_bad_command", N_("The reader does not know this command")),
    0x23: ("sam_unauthorised", N_("The reader refused an unauthorised operation")),
    0x24: ("sam_unknown", N_("The reader reports an unknown error")),
    0x31: (
        "card_auth_failed",
        N_("The card failed to authenticate the reader: place the card again"),
    ),
    0x32: (
        "sam_auth_failed",
        N_("The reader failed to authenticate the card: is it a genuine ID card?"),
    ),
    0x33: ("card_info_error", N_("The card's information check failed: place the card again")),
    0x40: ("unknown_card_type", N_("Unknown card type: this is not an ID card")),
    0x41: ("card_read_failed", N_("Reading the card failed: hold the card still on the reader")),
    0x47: ("random_failed", N_("The card did not answer (random number): place it again")),
    0x60: (
        "sam_self_test",
        N_("The reader's security module failed its self-test: restart or replace the reader"),
    ),
    0x66: (
        "sam_not_authorised",
        N_("The reader's security module is not authorised: contact the supplier"),
    ),
    0x80: ("no_card", N_("No card on the reader")),
    0x81: ("select_failed", N_("Selecting the card failed: place the card again")),
    0x91: ("no_content", N_("The card has no content for this item")),
}


class Port(Protocol):
    """What the protocol needs from a serial port (pyserial's ``Serial`` has it)."""

    timeout: float | None

    def read(self, size: int = 1) -> bytes: ...

    def write(self, data: bytes) -> int | None: ...

    def reset_input_buffer(self) -> None: ...


class FrameError(DeviceError):
    """A frame that is garbled: bad checksum, wrong length, truncated."""


def checksum(data: bytes) -> int:
    x = 0
    for b in data:
        x ^= b
    return x


def encode_command(cmd: int, para: int, data: bytes = b"") -> bytes:
    body = bytes([cmd, para]) + data
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([checksum(length + body)])


def encode_response(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    """A reply frame (the emulator and the tests build them)."""
    body = bytes([sw1, sw2, sw3]) + data
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([checksum(length + body)])


def status_error(sw3: int, step: str) -> DeviceError:
    code, message = STATUS.get(sw3, ("sam_status", N_("The reader answered an unknown status")))
    return DeviceError(code, _(message) + f" (SW3={sw3:02X}, {step})")


def _read_exact(port: Port, n: int, deadline: float, step: str) -> bytes:
    buf = b""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            if buf:
                raise FrameError(
                    "frame_truncated",
                    _("The reader's answer was cut short ({step}); try again", step=step),
                )
            raise DeviceError(
                "reader_timeout",
                _(
                    "The reader did not answer in time ({step}); check the cable and try again",
                    step=step,
                ),
            )
        port.timeout = min(left, 0.5)
        chunk = port.read(n - len(buf))
        buf += chunk
    return buf


def read_frame(port: Port, timeout: float, step: str) -> bytes:
    """One reply frame's body (SW1 SW2 SW3 data), after resynchronising on the preamble."""
    deadline = time.monotonic() + timeout
    window = b""
    skipped = 0
    while window != PREAMBLE:
        byte = _read_exact(port, 1, deadline, step)
        window = (window + byte)[-len(PREAMBLE) :]
        skipped += 1
        if skipped > 8192:
            raise FrameError(
                "frame_garbage",
                _("The reader sends unreadable data ({step}); check the serial speed", step=step),
            )
    try:
        length_bytes = _read_exact(port, 2, deadline, step)
        length = int.from_bytes(length_bytes, "big")
        if length < 4 or length > MAX_BODY + 4:
            raise FrameError(
                "frame_length",
                _("The reader's answer has an impossible length ({step})", step=step),
            )
        rest = _read_exact(port, length, deadline, step)
    except DeviceError as exc:
        if exc.code == "reader_timeout":  # the frame had begun: it was cut short
            raise FrameError(
                "frame_truncated",
                _("The reader's answer was cut short ({step}); try again", step=step),
            ) from exc
        raise
    body, check = rest[:-1], rest[-1]
    if checksum(length_bytes + body) != check:
        raise FrameError(
            "frame_checksum",
            _("The reader's answer failed its checksum ({step}); try again", step=step),
        )
    return body


def transact(
    port: Port, command: tuple[int, int], timeout: float, step: str, data: bytes = b""
) -> tuple[int, bytes]:
    """Send one command; return (SW3, data) of the reply."""
    port.reset_input_buffer()
    port.write(encode_command(*command, data))
    body = read_frame(port, timeout, step)
    return body[2], body[3:]


def parse_text_photo(data: bytes, with_fingerprint: bool = False) -> dict[str, Any]:
    """Split the data of a ``30 01`` / ``30 10`` reply into text, photo (and fingerprint)."""
    head = 6 if with_fingerprint else 4
    if len(data) < head:
        raise FrameError("frame_length", _("The card data is incomplete"))
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    fp_len = int.from_bytes(data[4:6], "big") if with_fingerprint else 0
    if len(data) != head + text_len + photo_len + fp_len or text_len != 256:
        raise FrameError("frame_length", _("The card data is incomplete"))
    text = data[head : head + text_len]
    photo = data[head + text_len : head + text_len + photo_len]
    fingerprint = data[head + text_len + photo_len :]
    return {"text": text, "photo": photo, "fingerprint": fingerprint}
