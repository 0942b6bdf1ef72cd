"""``permit.pcsc``: the permit card through any PC/SC reader, with pyscard's ``scard`` layer.

The PC/SC calls are made directly (SCardEstablishContext, SCardGetStatusChange, SCardConnect in
a transaction, SCardTransmit) so that every failure of the stack has its own typed error and
instruction: pcscd not running, no reader / reader unplugged, reader busy, no card, card
removed, card not answering. The card conversation itself is :class:`devices.permit.card.
CardSession`. Card I/O runs on the reader's device thread; the insert/remove watcher has its
own PC/SC context on its own thread and only reads reader states.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from smartcard import scard

from devices.permit import Changed, PermitCardReader
from devices.permit.apdu import PermitCardError
from devices.permit.card import CardSession
from station.i18n import _

log = logging.getLogger(__name__)

PNP = "\\\\?PnP?\\Notification"
_REMOVED = {
    scard.SCARD_W_REMOVED_CARD,
    scard.SCARD_E_NO_SMARTCARD,
    scard.SCARD_W_RESET_CARD,
    scard.SCARD_W_UNPOWERED_CARD,
}
_NO_READER = {
    scard.SCARD_E_UNKNOWN_READER,
    scard.SCARD_E_READER_UNAVAILABLE,
    scard.SCARD_E_NO_READERS_AVAILABLE,
}
_NO_SERVICE = {
    scard.SCARD_E_NO_SERVICE,
    scard.SCARD_E_SERVICE_STOPPED,
    getattr(scard, "SCARD_F_COMM_ERROR", 0x80100013),
}
SCARD_ABSENT = 0x0002  # pcsc-lite's SCardStatus state bit (not exported by pyscard)
_STALE = {0x80100016, scard.SCARD_W_RESET_CARD}  # SCARD_E_NOT_TRANSACTED, card reset
_CARD_GONE_STATES = scard.SCARD_STATE_EMPTY | scard.SCARD_STATE_UNAVAILABLE


def _u32(hresult: int) -> int:
    return hresult & 0xFFFFFFFF


def pcsc_error(hresult: int, reader: str | None = None) -> PermitCardError:
    """The typed error for a failing PC/SC call (never carries card data)."""
    hr = _u32(hresult)
    if hr in _NO_SERVICE:
        return PermitCardError(
            "pcscd_not_running",
            _(
                "The smart-card service is not running — start the pcscd service "
                "(sudo systemctl start pcscd) and try again"
            ),
        )
    if hr in _NO_READER:
        return reader_missing(reader)
    if hr in _REMOVED:
        return card_removed()
    if hr == _u32(scard.SCARD_W_UNRESPONSIVE_CARD) or hr == _u32(scard.SCARD_W_UNSUPPORTED_CARD):
        return PermitCardError(
            "card_unresponsive",
            _(
                "The card does not answer — take it out and insert it again (chip first, "
                "face up); if it still fails the card is damaged"
            ),
        )
    if hr == _u32(scard.SCARD_E_SHARING_VIOLATION):
        return PermitCardError(
            "reader_busy", _("Another program is using the card reader — close it and try again")
        )
    if hr == _u32(scard.SCARD_E_TIMEOUT):
        return no_card(0)
    return PermitCardError(
        "pcsc_error",
        _(
            "The card reader reported an error ({code}) — take the card out, insert it again "
            "and retry; if it persists, unplug and replug the reader",
            code=f"0x{hr:08X}",
        ),
    )


def card_removed() -> PermitCardError:
    return PermitCardError("card_removed", _("Card removed — insert it again"))


def no_card(wait: float) -> PermitCardError:
    return PermitCardError(
        "no_card",
        _(
            "No card in the reader after {seconds} s — insert the residence-permit card",
            seconds=f"{wait:g}",
        ),
    )


def reader_missing(name: str | None, available: list[str] | None = None) -> PermitCardError:
    if name and available:
        return PermitCardError(
            "reader_missing",
            _(
                "No card reader named {name!r}; connected readers: {readers}",
                name=name,
                readers=", ".join(available),
            ),
        )
    return PermitCardError(
        "reader_missing",
        _("No card reader found — plug in the card reader (and check that the pcscd service runs)"),
    )


def _check(hresult: int, reader: str | None = None) -> None:
    if hresult != scard.SCARD_S_SUCCESS:
        raise pcsc_error(hresult, reader)


def establish() -> int:
    try:
        hresult, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    except scard.error as exc:  # pyscard raises when libpcsclite itself fails
        log.warning("SCardEstablishContext failed: %s", exc)
        raise pcsc_error(scard.SCARD_E_NO_SERVICE) from exc
    _check(hresult)
    return int(ctx)


def release(ctx: int | None) -> None:
    if ctx is not None:
        hresult = scard.SCardReleaseContext(ctx)
        if hresult != scard.SCARD_S_SUCCESS:
            log.debug("SCardReleaseContext: 0x%08X", _u32(hresult))


def list_readers(ctx: int) -> list[str]:
    hresult, names = scard.SCardListReaders(ctx, [])
    if _u32(hresult) == _u32(scard.SCARD_E_NO_READERS_AVAILABLE):
        return []
    _check(hresult)
    return list(names)


def match_readers(names: list[str], wanted: str | None) -> list[str]:
    """``wanted`` exactly, else every reader whose name contains it (case-insensitive)."""
    if not wanted:
        return list(names)
    if wanted in names:
        return [wanted]
    low = wanted.lower()
    return [n for n in names if low in n.lower()]


def cards_present(ctx: int, readers: list[str]) -> dict[str, bool]:
    """Which of ``readers`` hold a (responding) card right now."""
    if not readers:
        return {}
    hresult, new = scard.SCardGetStatusChange(
        ctx, 0, [(r, scard.SCARD_STATE_UNAWARE) for r in readers]
    )
    _check(hresult)
    return {
        str(name): bool(event & scard.SCARD_STATE_PRESENT)
        and not event & (scard.SCARD_STATE_MUTE | _CARD_GONE_STATES)
        for name, event, _atr in new
    }


def diagnose(reader: str | None = None) -> dict[str, Any]:
    """For ``station doctor``: ``{"readers": [...], "reader": the matching one, "card": bool}``
    or the typed error that says what to do (``pcscd_not_running``, ``reader_missing``)."""
    ctx = establish()
    try:
        names = list_readers(ctx)
        found = match_readers(names, reader)
        if not found:
            raise reader_missing(reader, names)
        present = cards_present(ctx, found)
    finally:
        release(ctx)
    with_card = [r for r in found if present.get(r)]
    return {"readers": names, "reader": (with_card or found)[0], "card": bool(with_card)}


class PcscConnection:
    """A connected card inside a PC/SC transaction; ``transmit`` is the session's transport."""

    def __init__(self, ctx: int, reader: str) -> None:
        self.reader = reader
        hresult, hcard, protocol = scard.SCardConnect(
            ctx, reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
        )
        _check(hresult, reader)
        self.hcard, self.protocol = hcard, protocol
        self.answered = False
        hresult = scard.SCardBeginTransaction(hcard)
        if hresult != scard.SCARD_S_SUCCESS:
            self._disconnect()
            raise pcsc_error(hresult, reader)

    def transmit(self, command: bytes) -> bytes:
        hresult, response = scard.SCardTransmit(self.hcard, self.protocol, list(command))
        if _u32(hresult) in _STALE and not self.answered and self._reset():
            hresult, response = scard.SCardTransmit(self.hcard, self.protocol, list(command))
        if hresult != scard.SCARD_S_SUCCESS:
            log.info("SCardTransmit failed: 0x%08X", _u32(hresult))
            raise self._failure(pcsc_error(hresult, self.reader))
        if len(response) < 2:  # vpcd (and some readers) report a vanished card this way
            raise self._failure(
                PermitCardError(
                    "unexpected_status",
                    _(
                        "The card gave an incomplete answer; remove the card, insert it again and "
                        "retry"
                    ),
                )
            )
        self.answered = True
        return bytes(response)

    def _reset(self) -> bool:
        """A card swapped faster than pcscd polls (~0.4 s) is not powered yet: the first command
        fails. Reset it once (SCardReconnect) before anything was exchanged; nothing is lost."""
        hresult, protocol = scard.SCardReconnect(
            self.hcard,
            scard.SCARD_SHARE_SHARED,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
            scard.SCARD_RESET_CARD,
        )
        log.info("card not ready on the first command; reset: 0x%08X", _u32(hresult))
        if hresult != scard.SCARD_S_SUCCESS:
            return False
        self.protocol = protocol
        return True

    def _failure(self, error: PermitCardError) -> PermitCardError:
        """Why a command failed: a card that is gone is ``card_removed`` whatever the code."""
        if error.code in ("card_removed", "pcscd_not_running", "reader_missing"):
            return error
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:  # pcscd notices a vanished card within ~0.4 s
            status = scard.SCardStatus(self.hcard)
            hr, state = status[0], status[2]
            if hr != scard.SCARD_S_SUCCESS:
                mapped = pcsc_error(hr, self.reader)
                return mapped if mapped.code != "pcsc_error" else card_removed()
            if state & SCARD_ABSENT:
                return card_removed()
            time.sleep(0.05)
        return error

    def _disconnect(self) -> None:
        hresult = scard.SCardDisconnect(self.hcard, scard.SCARD_LEAVE_CARD)
        if hresult != scard.SCARD_S_SUCCESS:
            log.debug("SCardDisconnect: 0x%08X", _u32(hresult))

    def close(self) -> None:
        hresult = scard.SCardEndTransaction(self.hcard, scard.SCARD_LEAVE_CARD)
        if hresult != scard.SCARD_S_SUCCESS:
            log.debug("SCardEndTransaction: 0x%08X", _u32(hresult))
        self._disconnect()


class PcscPermitCardReader(PermitCardReader):
    """Residence-permit cards through pcscd. ``reader``: a reader name (exact, or a part of
    it); empty or ``None`` takes the first reader that holds a card. Other configuration keys
    (``endorse_key``…) are accepted and ignored: the key is passed to :meth:`endorse`."""

    name = "permit-pcsc"

    def __init__(self, reader: str | None = None, **_ignored: Any) -> None:
        super().__init__()
        self.reader_name = reader or None
        self._ctx: int | None = None
        self._watch_ctx: int | None = None

    # -- context ------------------------------------------------------------------------------
    def _open(self) -> None:
        try:
            self._ctx = establish()
        except PermitCardError:
            self._ctx = None  # pcscd may come up later: every call retries

    def _close(self) -> None:
        release(self._ctx)
        self._ctx = None

    def _with_context(self, fn: Callable[[int], Any]) -> Any:
        if self._ctx is None:
            self._ctx = establish()
        try:
            return fn(self._ctx)
        except PermitCardError as exc:
            if exc.code == "pcscd_not_running":  # pcscd restarted or gone: start afresh next time
                release(self._ctx)
                self._ctx = None
            raise

    # -- operations -------------------------------------------------------------------------------
    def _readers(self) -> list[str]:
        result: list[str] = self._with_context(list_readers)
        return result

    def _candidates(self, ctx: int, reader: str | None) -> list[str]:
        names = list_readers(ctx)
        wanted = reader or self.reader_name
        found = match_readers(names, wanted)
        if not found:
            raise reader_missing(wanted, names)
        return found

    def _wait_card(self, ctx: int, readers: list[str], wait: float) -> str:
        """The first of ``readers`` holding a card, waiting up to ``wait`` seconds."""
        deadline = time.monotonic() + max(0.0, wait)
        states = [(r, scard.SCARD_STATE_UNAWARE) for r in readers]
        while True:
            remaining = deadline - time.monotonic()
            first = states[0][1] == scard.SCARD_STATE_UNAWARE
            timeout_ms = 0 if first else max(0, int(remaining * 1000))
            hresult, new = scard.SCardGetStatusChange(ctx, timeout_ms, states)
            if _u32(hresult) == _u32(scard.SCARD_E_TIMEOUT):
                raise no_card(wait)
            _check(hresult, readers[0])
            mute = False
            for name, event, _atr in new:
                if event & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_IGNORE):
                    raise reader_missing(name)
                if event & scard.SCARD_STATE_PRESENT:
                    if not event & scard.SCARD_STATE_MUTE:
                        return str(name)
                    mute = True
            if remaining <= 0:
                if mute:
                    raise pcsc_error(scard.SCARD_W_UNRESPONSIVE_CARD)
                raise no_card(wait)
            states = [(n, e & ~scard.SCARD_STATE_CHANGED) for n, e, _a in new]

    def _session(
        self, reader: str | None, wait: float, work: Callable[[CardSession], dict[str, Any]]
    ) -> dict[str, Any]:
        def run(ctx: int) -> dict[str, Any]:
            name = self._wait_card(ctx, self._candidates(ctx, reader), wait)
            connection = PcscConnection(ctx, name)
            try:
                return work(CardSession(connection.transmit))
            finally:
                connection.close()

        result: dict[str, Any] = self._with_context(run)
        return result

    def _read(self, wait: float, reader: str | None) -> dict[str, Any]:
        return self._session(reader, wait, lambda s: s.read_card())

    def _endorse(
        self,
        year: int,
        station: str,
        key: bytes,
        date: dt.date,
        wait: float,
        expect_permit: str | None = None,
    ) -> dict[str, Any]:
        return self._session(
            None, wait, lambda s: s.endorse(year, station, key, date, expect_permit)
        )

    # -- insert/remove events -----------------------------------------------------------------
    def _wake_watch(self) -> None:
        ctx = self._watch_ctx
        if ctx is not None:
            scard.SCardCancel(ctx)

    def _watch(self, stop: threading.Event, changed: Changed) -> None:
        present: dict[str, bool] = {}
        while not stop.is_set():
            try:
                self._watch_ctx = establish()
            except PermitCardError:
                stop.wait(2.0)  # pcscd not (yet) running: look again, quietly
                continue
            try:
                self._watch_loop(self._watch_ctx, stop, changed, present)
            except PermitCardError as exc:
                log.info("permit watcher restarts: %s", exc.code)
                self._forget(present, set(), changed)
                stop.wait(1.0)
            finally:
                ctx, self._watch_ctx = self._watch_ctx, None
                release(ctx)

    @staticmethod
    def _forget(present: dict[str, bool], keep: set[str], changed: Changed) -> None:
        for name in [n for n in present if n not in keep]:
            if present.pop(name):
                changed(name, False)

    def _watch_loop(
        self, ctx: int, stop: threading.Event, changed: Changed, present: dict[str, bool]
    ) -> None:
        """Until ``stop`` or a change in the set of readers (then the caller re-lists)."""
        readers = match_readers(list_readers(ctx), self.reader_name)
        self._forget(present, set(readers), changed)
        states = [(r, scard.SCARD_STATE_UNAWARE) for r in [*readers, PNP]]
        first = True
        while not stop.is_set():
            hresult, new = scard.SCardGetStatusChange(ctx, 0 if first else 1000, states)
            hr = _u32(hresult)
            if hr in (_u32(scard.SCARD_E_TIMEOUT), _u32(scard.SCARD_E_CANCELLED)):
                continue
            if hr in (_u32(scard.SCARD_E_UNKNOWN_READER), _u32(scard.SCARD_E_READER_UNAVAILABLE)):
                return  # a reader went away: re-list
            _check(hresult)
            relist = False
            for name, event, _atr in new:
                if name == PNP:
                    relist = relist or (not first and bool(event & scard.SCARD_STATE_CHANGED))
                    continue
                is_present = bool(event & scard.SCARD_STATE_PRESENT) and not (
                    event & _CARD_GONE_STATES
                )
                if present.get(name, False) != is_present:
                    present[name] = is_present
                    changed(name, is_present)
                relist = relist or bool(event & scard.SCARD_STATE_UNAVAILABLE)
            if relist:
                return
            first = False
            states = [(n, e & ~scard.SCARD_STATE_CHANGED) for n, e, _a in new]
