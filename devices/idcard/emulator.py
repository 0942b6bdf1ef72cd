"""An ID card reader emulator on a pseudo-terminal: the station opens the slave end as a serial
port, the emulator answers SAM frames on the master end — with the protocol's real transfer
time at the configured baud rate, cards of every type, and injected faults.

    emu = IdReaderEmulator(); emu.start(); emu.place(person)  ... emu.port_path ... emu.stop()

Faults (``emu.inject(name)``, applied to the next reply): ``garbage`` (noise before the frame),
``bad_checksum``, ``wrong_length``, ``truncated``, ``silence`` (no answer), ``sw3:XX`` (answer
the next read command with status XX), ``bad_text`` (a text block with broken UCS-2 and ID);
``read:FAULT`` applies a frame fault to the reply of the next read command (the long one).
``emu.always(FAULT)`` applies a frame fault to every reply until ``emu.always(None)`` (a
broken cable). ``unplug()`` closes the pty (the port disappears); ``replug()`` makes a new one
at a new path.
"""

from __future__ import annotations

import os
import select
import threading
import time
import tty
from typing import Any

from devices.idcard import protocol as p
from devices.idcard.text import encode_text


class IdReaderEmulator:
    def __init__(self, baud: int = 115200, card_delay: float = 0.0) -> None:
        self.baud = baud
        self.card_delay = card_delay  # the card's own processing time during a read
        self.card: dict[str, Any] | None = None
        self.faults: list[str] = []
        self.every: str | None = None  # a frame fault applied to every reply
        self.commands: list[tuple[int, int]] = []
        self._master = -1
        self._slave = -1
        self.port_path = ""
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()

    # -- cards ---------------------------------------------------------------------------------
    def place(
        self,
        person: dict[str, Any],
        kind: str = "resident",
        extra: dict[str, str] | None = None,
        new_address: str = "",
        text: bytes | None = None,
    ) -> None:
        with self._lock:
            self.card = {
                "text": text or encode_text(person, kind, extra),
                "photo": bytes(range(256)) * 4,
                "new_address": new_address,
            }

    def remove(self) -> None:
        with self._lock:
            self.card = None

    def inject(self, *faults: str) -> None:
        with self._lock:
            self.faults.extend(faults)

    def always(self, fault: str | None) -> None:
        with self._lock:
            self.every = fault

    # -- life cycle ------------------------------------------------------------------------------
    def start(self) -> IdReaderEmulator:
        self._open_pty()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="idreader-emulator", daemon=True)
        self._thread.start()
        return self

    def _open_pty(self) -> None:
        self._master, self._slave = os.openpty()
        tty.setraw(self._master)
        tty.setraw(self._slave)
        self.port_path = os.ttyname(self._slave)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(3)
            self._thread = None
        self._close_pty()

    def _close_pty(self) -> None:
        for fd in (self._master, self._slave):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._master = self._slave = -1

    def unplug(self) -> None:
        """The reader's cable is pulled: the device node goes away."""
        self.stop()

    def replug(self) -> str:
        self.start()
        return self.port_path

    def __enter__(self) -> IdReaderEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the reader ----------------------------------------------------------------------------
    def _send(self, frame: bytes) -> None:
        time.sleep(len(frame) * 10 / self.baud)  # 8N1: ten bits a byte
        try:
            os.write(self._master, frame)
        except OSError:
            pass

    def _run(self) -> None:
        buf = b""
        while not self._stop.is_set():
            try:
                ready, _w, _x = select.select([self._master], [], [], 0.05)
            except (OSError, ValueError):
                return
            if not ready:
                continue
            try:
                chunk = os.read(self._master, 4096)
            except OSError:
                continue
            buf += chunk
            while True:
                start = buf.find(p.PREAMBLE)
                if start < 0 or len(buf) < start + 7:
                    break
                length = int.from_bytes(buf[start + 5 : start + 7], "big")
                end = start + 7 + length
                if len(buf) < end:
                    break
                frame, buf = buf[start:end], buf[end:]
                self._answer(frame)

    def _answer(self, frame: bytes) -> None:
        body = frame[7:-1]
        if len(body) < 2:
            return
        command = (body[0], body[1])
        self.commands.append(command)
        reading = command in (p.READ_TEXT_PHOTO, p.READ_TEXT_PHOTO_FP)
        with self._lock:
            fault = ""
            if self.faults:
                first = self.faults[0]
                content = first == "bad_text" or first.startswith(("sw3:", "read:"))
                if reading or not content:  # content faults wait for the read command
                    fault = self.faults.pop(0).removeprefix("read:")
            fault = fault or self.every or ""
            card = self.card
        if fault == "silence":
            return
        if p.checksum(frame[5:-1]) != frame[-1]:
            reply = p.encode_response(0x10)
        elif fault.startswith("sw3:"):
            reply = p.encode_response(int(fault[4:], 16))
        else:
            reply = self._reply(command, card, fault)
        if fault == "garbage":
            reply = b"\x13\x37\xaa\x00\xaa\xaa" + reply
        elif fault == "bad_checksum":
            reply = reply[:-1] + bytes([reply[-1] ^ 0xFF])
        elif fault == "wrong_length":
            reply = (
                reply[:5] + (int.from_bytes(reply[5:7], "big") + 40).to_bytes(2, "big") + reply[7:]
            )
        elif fault == "truncated":
            reply = reply[: len(reply) // 2]
        self._send(reply)

    def _reply(self, command: tuple[int, int], card: dict[str, Any] | None, fault: str) -> bytes:
        if command in (p.RESET_SAM, p.SAM_STATUS):
            return p.encode_response(p.OK)
        if command == p.READ_SAM_ID:
            return p.encode_response(p.OK, bytes(range(16)))
        if command == p.FIND_CARD:
            if card is None:
                return p.encode_response(p.NO_CARD)
            return p.encode_response(p.CARD_FOUND, b"\x00\x00\x00\x00")
        if card is None:
            return p.encode_response(0x41 if command != p.SELECT_CARD else 0x81)
        if command == p.SELECT_CARD:
            return p.encode_response(p.OK, b"\x00" * 8)
        if command in (p.READ_TEXT_PHOTO, p.READ_TEXT_PHOTO_FP):
            if self.card_delay:
                time.sleep(self.card_delay)
            text = card["text"]
            if fault == "bad_text":
                text = (
                    b"\x00\xd8" * 15
                    + text[30:122]
                    + "110105194912310021".encode("utf-16-le")
                    + text[158:]
                )
            photo = card["photo"]
            if command == p.READ_TEXT_PHOTO:
                data = b"\x01\x00\x04\x00" + text + photo
            else:
                data = b"\x01\x00\x04\x00\x04\x00" + text + photo + b"\x00" * 1024
            return p.encode_response(p.OK, data)
        if command == p.READ_NEW_ADDRESS:
            if not card.get("new_address"):
                return p.encode_response(p.NO_CONTENT)
            text = (card["new_address"].encode("utf-16-le") + " ".encode("utf-16-le") * 35)[:70]
            return p.encode_response(p.OK, text)
        return p.encode_response(0x21)
