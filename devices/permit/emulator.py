"""A residence-permit card emulator: the card itself (:class:`PermitCard`) and its connection
to a real PC/SC stack through the ``vsmartcard-vpcd`` virtual reader (:class:`VirtualCard`).

The vpcd protocol (specs/permit-card.md, "Testing"): the card connects to 127.0.0.1:35963 (the
second virtual slot listens on 35964); every message is a 2-byte big-endian length and that
many bytes; a 1-byte message is a control code (``00`` power off, ``01`` power on, ``02`` reset,
``04`` get ATR — only the last one is answered); a longer one is a command APDU, answered with
data + SW1 SW2. Connecting is "card inserted", closing the socket "card removed".

The card checks MACs for real (6982), one write per challenge (6985), 10 records (6A84) and
lengths (6700), and can misbehave on request: T=0 (``61xx`` + GET RESPONSE), ``6Cxx`` for a
wrong Le, a non-permit card, any injected status word, a TLV running past the file, vanishing
after N APDUs. Used by the tests, by ``station bench card`` and by the simulated driver.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hmac
import logging
import os
import random
import socket
import struct
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from devices.permit import apdu
from devices.permit.apdu import Endorsement
from station.checks import make_id_number

log = logging.getLogger(__name__)

VPCD_HOST = "127.0.0.1"
VPCD_PORT = 35963
DEMO_KEY = bytes(range(16))  # the demo station's permit.endorse_key 000102…0f
CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0, 1, 2, 4
SW_NO_CURRENT_EF = 0x6986
SW_WRONG_P1P2 = 0x6A86

NAMES = ["测试甲", "测试乙", "测试丙", "测试丁", "测试戊", "测试己", "测试庚", "测试辛"]


def _atr(t0_only: bool) -> bytes:
    history = b"PERMIT"
    if t0_only:
        return bytes([0x3B, len(history)]) + history  # no TD1: T=0 only
    body = bytes([0x80 | len(history), 0x80, 0x01]) + history  # TD1: T=0, TD2: T=1
    tck = 0
    for b in body:
        tck ^= b
    return b"\x3b" + body + bytes([tck])


def synthetic_fields(index: int = 0, long_text: bool = False) -> dict[str, dict[str, str]]:
    """An obviously fake holder with a valid ID number (never a real person)."""
    birth = dt.date(1980 + index % 20, 1 + index % 12, 1 + index % 28)
    number = make_id_number("360426", birth, 11 + 2 * index)
    village = "示例村示例组" * (12 if long_text else 1)
    return {
        "person": {
            "id_number": number,
            "name": NAMES[index % len(NAMES)],
            "sex": "1" if int(number[16]) % 2 else "2",
            "ethnic": "01",
            "birth_date": birth.isoformat(),
            "hukou_address": f"江西省九江市德安县{village}{index + 1}号",
        },
        "residence": {
            "address": (
                "广西壮族自治区南宁市青秀区民族大道"
                + "示例小区" * (10 if long_text else 1)
                + f"{index + 1}栋101"
            )
        },
        "permit": {
            "number": f"4501030{index:09d}",
            "authority": "南宁市公安局青秀分局",
            "issue_date": "2024-03-15",
        },
    }


def synthetic_endorsements(
    count: int, station: str = "450103000001", last_year: int = 2025
) -> list[Endorsement]:
    first = last_year - count + 1
    return [
        Endorsement(y, station, dt.date(y, 3, 1 + (y % 27))) for y in range(first, last_year + 1)
    ]


def build_holder(
    fields: dict[str, dict[str, str]],
    *,
    unknown: Iterable[tuple[int, bytes]] = (),
    long_form: bool = False,
    terminator: bool = True,
    size: int | None = None,
    overrun: bool = False,
) -> bytes:
    """EF.HOLDER bytes: the fields' TLVs with ``unknown`` tags interleaved (after DF02),
    optionally every length as ``81 xx``, a ``00`` terminator, zero padding to ``size``; with
    ``overrun`` a last element claims more bytes than the file has."""
    items = apdu.holder_fields_to_bytes(fields)
    extra = list(unknown)
    out = bytearray()
    for i, (tag, value) in enumerate(items):
        out += apdu.encode_tlv(tag, value, long_form=long_form)
        if i == 1:
            for utag, uvalue in extra:
                out += apdu.encode_tlv(utag, uvalue, long_form=long_form)
    if overrun:
        out += bytes([0xDF, 0x0B, 0x81, 0xC8]) + "测试".encode()  # 200 bytes claimed, 6 there
        return bytes(out)
    if terminator:
        out += b"\x00"
    if size is not None:
        out += b"\x00" * max(0, size - len(out))
    if len(out) > apdu.HOLDER_MAX:
        raise ValueError("EF.HOLDER is larger than 1024 bytes")
    return bytes(out)


@dataclass
class CardOptions:
    """How the emulated card behaves. ``inject`` maps a command name of
    :func:`devices.permit.apdu.op_name` to the status word answered instead."""

    t0: bool = False
    t0_chunk: int = 256
    wrong_le: bool = False
    not_permit: int | None = None
    inject: dict[str, int] = field(default_factory=dict)


class PermitCard:
    """The card's file system and command processor (no I/O)."""

    def __init__(
        self,
        holder: bytes,
        records: Iterable[bytes] = (),
        key: bytes = DEMO_KEY,
        options: CardOptions | None = None,
        seed: int | None = None,
    ) -> None:
        self.holder = bytes(holder)
        self.records: list[bytes] = [bytes(r) for r in records]
        if len(self.records) > apdu.MAX_RECORDS or any(len(r) != 32 for r in self.records):
            raise ValueError("EF.ENDORSE holds at most 10 records of 32 bytes")
        self.key = bytes(key)
        self.options = options or CardOptions()
        self._rng = random.Random(seed) if seed is not None else None
        self.commands: list[str] = []  # op names received (for tests)
        self.reset()

    @classmethod
    def build(
        cls,
        index: int = 0,
        endorsements: int | list[Endorsement] = 0,
        *,
        key: bytes = DEMO_KEY,
        long_text: bool = False,
        options: CardOptions | None = None,
        fields: dict[str, dict[str, str]] | None = None,
        **holder: Any,
    ) -> PermitCard:
        """A synthetic card: holder ``index`` (or ``fields``), ``endorsements`` (a count or a
        list), ``holder`` options of :func:`build_holder`."""
        if isinstance(endorsements, int):
            endorsements = synthetic_endorsements(endorsements)
        records = [apdu.endorsement_content(e) + b"\x5a" * 8 for e in endorsements]
        data = build_holder(fields or synthetic_fields(index, long_text), **holder)
        return cls(data, records, key, options)

    @property
    def atr(self) -> bytes:
        return _atr(self.options.t0)

    def reset(self) -> None:
        """Power cycle: nothing selected, no challenge, no pending response."""
        self.app_selected = False
        self.current_ef: int | None = None
        self.challenge: bytes | None = None
        self.pending = b""

    def _random(self, n: int) -> bytes:
        if self._rng is not None:
            return bytes(self._rng.randrange(256) for _ in range(n))
        return os.urandom(n)

    # -- commands ---------------------------------------------------------------------------------
    def process(self, command: bytes) -> bytes:
        """One command APDU -> response data + SW."""
        name = apdu.op_name(command)
        self.commands.append(name)
        opts = self.options
        if len(command) < 4:
            return _sw(apdu.SW_WRONG_LENGTH)
        if opts.not_permit in (apdu.SW_INS_NOT_SUPPORTED, apdu.SW_CLA_NOT_SUPPORTED):
            return _sw(opts.not_permit)
        if name in opts.inject:
            return _sw(opts.inject[name])
        if command[0] != 0x00:
            return _sw(apdu.SW_CLA_NOT_SUPPORTED)
        if command[1] == apdu.INS_GET_RESPONSE:
            return self._get_response(command)
        self.pending = b""
        data, sw = self._dispatch(command)
        if opts.t0 and data and sw == apdu.SW_OK:
            self.pending = data
            return _sw(0x6100 | (min(len(data), opts.t0_chunk) & 0xFF))
        return data + _sw(sw)

    def _get_response(self, command: bytes) -> bytes:
        if not self.pending or len(command) != 5:
            return _sw(apdu.SW_CONDITIONS if not self.pending else apdu.SW_WRONG_LENGTH)
        le = command[4] or 256
        if le > len(self.pending) and self.options.wrong_le:
            return _sw(0x6C00 | len(self.pending) & 0xFF)
        out, self.pending = self.pending[:le], self.pending[le:]
        if self.pending:
            return out + _sw(0x6100 | (min(len(self.pending), self.options.t0_chunk) & 0xFF))
        return out + _sw(apdu.SW_OK)

    def _dispatch(self, c: bytes) -> tuple[bytes, int]:
        ins, p1, p2 = c[1], c[2], c[3]
        if ins == apdu.INS_SELECT and p1 == 0x04:
            if self.options.not_permit == apdu.SW_FILE_NOT_FOUND:
                return b"", apdu.SW_FILE_NOT_FOUND
            if len(c) < 5 or len(c) < 5 + c[4]:
                return b"", apdu.SW_WRONG_LENGTH
            if c[5 : 5 + c[4]] != apdu.AID:
                return b"", apdu.SW_FILE_NOT_FOUND
            self.app_selected, self.current_ef = True, None
            return b"", apdu.SW_OK
        if not self.app_selected:
            return b"", apdu.SW_FILE_NOT_FOUND if ins == apdu.INS_SELECT else apdu.SW_CONDITIONS
        if ins == apdu.INS_SELECT:
            if p1 != 0x02 or len(c) != 7 or c[4] != 2:
                return b"", apdu.SW_WRONG_LENGTH if len(c) != 7 else SW_WRONG_P1P2
            fid = c[5] << 8 | c[6]
            if fid not in (apdu.FID_HOLDER, apdu.FID_ENDORSE):
                return b"", apdu.SW_FILE_NOT_FOUND
            self.current_ef = fid
            return b"", apdu.SW_OK
        if ins == apdu.INS_READ_BINARY:
            return self._read_binary(c, p1 << 8 | p2)
        if ins == apdu.INS_READ_RECORD:
            return self._read_record(c, p1, p2)
        if ins == apdu.INS_GET_CHALLENGE:
            if len(c) != 5 or (c[4] or 256) != apdu.CHALLENGE_LEN:
                sw = 0x6C08 if self.options.wrong_le and len(c) == 5 else apdu.SW_WRONG_LENGTH
                return b"", sw
            self.challenge = self._random(apdu.CHALLENGE_LEN)
            return self.challenge, apdu.SW_OK
        if ins == apdu.INS_APPEND_RECORD:
            return self._append_record(c)
        return b"", apdu.SW_INS_NOT_SUPPORTED

    def _read_binary(self, c: bytes, offset: int) -> tuple[bytes, int]:
        if self.current_ef != apdu.FID_HOLDER:
            return b"", SW_NO_CURRENT_EF
        if len(c) != 5:
            return b"", apdu.SW_WRONG_LENGTH
        if offset >= len(self.holder):
            return b"", apdu.SW_END_OF_FILE
        le = c[4] or 256
        available = min(le, len(self.holder) - offset)
        if self.options.wrong_le and available != le:
            return b"", 0x6C00 | (available & 0xFF)
        return self.holder[offset : offset + available], apdu.SW_OK

    def _read_record(self, c: bytes, number: int, p2: int) -> tuple[bytes, int]:
        if self.current_ef != apdu.FID_ENDORSE:
            return b"", SW_NO_CURRENT_EF
        if p2 != 0x04:
            return b"", SW_WRONG_P1P2
        if not 1 <= number <= len(self.records):
            return b"", apdu.SW_RECORD_NOT_FOUND
        le = (c[4] or 256) if len(c) == 5 else None
        if le != apdu.RECORD_LEN:
            return b"", 0x6C20 if self.options.wrong_le and le else apdu.SW_WRONG_LENGTH
        return self.records[number - 1], apdu.SW_OK

    def _append_record(self, c: bytes) -> tuple[bytes, int]:
        if self.current_ef != apdu.FID_ENDORSE:
            return b"", SW_NO_CURRENT_EF
        if len(c) != 5 + apdu.RECORD_LEN or c[4] != apdu.RECORD_LEN:
            return b"", apdu.SW_WRONG_LENGTH
        if len(self.records) >= apdu.MAX_RECORDS:
            return b"", apdu.SW_FILE_FULL
        challenge, self.challenge = self.challenge, None
        if challenge is None:
            return b"", apdu.SW_CONDITIONS
        body = c[5:]
        mac = apdu.endorse_mac(self.key, challenge, body[: apdu.CONTENT_LEN])
        if not hmac.compare_digest(mac, body[apdu.CONTENT_LEN :]):
            return b"", apdu.SW_SECURITY
        self.records.append(bytes(body))
        return b"", apdu.SW_OK

    def endorsements(self) -> list[Endorsement]:
        return [apdu.decode_endorsement(r) for r in self.records]


def _sw(sw: int) -> bytes:
    return bytes([sw >> 8 & 0xFF, sw & 0xFF])


# -- the vpcd side ------------------------------------------------------------------------------
class SlotBusy(RuntimeError):
    """Another process (or card) is using this virtual reader slot."""


class VirtualCard:
    """Puts a :class:`PermitCard` into the vpcd virtual reader listening on ``port``.

    ``insert()`` connects (and takes an exclusive lock on the slot so that two test sessions
    never talk to one reader), ``remove()`` closes the socket; ``remove_after=N`` makes the card
    vanish when the (N+1)-th APDU arrives, unanswered. The card may be swapped while inserted
    (``virtual.card = other``), which resets it like a new card."""

    def __init__(
        self,
        card: PermitCard | None = None,
        port: int = VPCD_PORT,
        host: str = VPCD_HOST,
        remove_after: int | None = None,
        lock_timeout: float = 60.0,
    ) -> None:
        self._card = card or PermitCard.build()
        self.host, self.port = host, port
        self.remove_after = remove_after
        self.lock_timeout = lock_timeout
        self.apdus = 0
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._lockfile: Any = None
        self._mutex = threading.Lock()

    @property
    def card(self) -> PermitCard:
        return self._card

    @card.setter
    def card(self, card: PermitCard) -> None:
        with self._mutex:
            self._card = card
            self.apdus = 0
            card.reset()

    @property
    def inserted(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _lock_slot(self) -> None:
        path = os.path.join(tempfile.gettempdir(), f"station-vpcd-{self.port}.lock")
        fh = open(path, "a+")  # noqa: SIM115 - held until remove()
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    fh.close()
                    raise SlotBusy(f"vpcd slot on port {self.port} is in use") from None
                time.sleep(0.05)
        self._lockfile = fh

    def _unlock_slot(self) -> None:
        fh, self._lockfile = self._lockfile, None
        if fh is not None:
            fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()

    def insert(self, timeout: float = 5.0) -> None:
        if self.inserted:
            return
        self._lock_slot()
        try:
            sock = socket.create_connection((self.host, self.port), timeout=timeout)
        except OSError:
            self._unlock_slot()
            raise
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self.apdus = 0
        self._card.reset()
        self._thread = threading.Thread(
            target=self._serve, args=(sock,), name=f"vpcd-card-{self.port}", daemon=True
        )
        self._thread.start()

    def remove(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(5)
        self._unlock_slot()

    stop = remove

    def __enter__(self) -> VirtualCard:
        self.insert()
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()

    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                message = _recv_frame(sock)
                if message is None:
                    return
                try:
                    reply = self._handle(message)
                except _Vanish:
                    log.debug("emulated card removes itself after %d APDUs", self.apdus - 1)
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                    return
                if reply is not None:
                    sock.sendall(struct.pack(">H", len(reply)) + reply)
        except OSError:
            return

    def _handle(self, message: bytes) -> bytes | None:
        with self._mutex:
            card = self._card
            if len(message) == 1:
                code = message[0]
                if code == CTRL_ATR:
                    return card.atr
                if code in (CTRL_OFF, CTRL_ON, CTRL_RESET):
                    card.reset()
                return None
            self.apdus += 1
            if self.remove_after is not None and self.apdus > self.remove_after:
                raise _Vanish
            return card.process(message)


_QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)


class _Vanish(Exception):
    """The card pulls itself out (``remove_after``)."""


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        # vpcd writes the length and the APDU separately; without an immediate ACK, Nagle on
        # its side holds the APDU for the delayed-ACK time (~40 ms per command). Linux clears
        # quick-ACK mode after a while, so it is set before every read.
        if _QUICKACK is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def _recv_frame(sock: socket.socket) -> bytes | None:
    header = _recv_exact(sock, 2)
    if header is None:
        return None
    (length,) = struct.unpack(">H", header)
    return _recv_exact(sock, length)
