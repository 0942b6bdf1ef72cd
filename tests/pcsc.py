"""A real PC/SC stack for tests: pcscd + the vsmartcard-vpcd virtual reader + the emulated card.

Use it from any conftest::

    from tests.pcsc import pcsc_stack, vpcd, vpcd_card  # noqa: F401  (pytest fixtures)

and request ``vpcd`` (the stack, with the virtual readers to this test module alone) or
``vpcd_card`` (an emulated card in the first slot). ``pcsc_stack`` (session) makes sure a pcscd with the vpcd driver runs: it reuses a running one
(the system service, or another test session's), otherwise it starts ``pcscd --foreground
--auto-exit`` as a child and stops it at the end of the session — unless another session is
still using it, in which case ``--auto-exit`` ends it 60 s after that session's last PC/SC
context. The stack holds one PC/SC context open for the whole session so that ``--auto-exit``
never fires under a running test. When pcscd/vpcd cannot run here, the tests are skipped with
the reason — except under ``CI=true``, where the CI machine installs them and the tests fail.

Facts found by experiment on Debian 12 (pcsc-lite 1.9.9, vsmartcard-vpcd 3.3):
- ``/etc/reader.conf.d/vpcd`` declares ``FRIENDLYNAME "Virtual PCD"``, ``DEVICENAME
  /dev/null:0x8C7B``; pcscd shows two slots, ``Virtual PCD 00 00`` (port 35963) and
  ``Virtual PCD 00 01`` (port 35964).
- pcscd needs no root as such, but its socket and pid file are fixed at ``/run/pcscd`` (the
  daemon ignores ``PCSCLITE_CSOCK_NAME``; only the client library reads it), so a non-root user
  can start it only when ``/run/pcscd`` exists and is writable for them. Only one pcscd per
  machine: a second one refuses to start.
- ``--auto-exit`` ends pcscd 60 s after the last context is released; it does not interfere
  while a context is open.
- pcscd polls the vpcd slot every ~0.4 s: an inserted or removed card shows up within that.

Two test sessions on one machine never see each other's cards: ``vpcd`` holds an exclusive
lock on the virtual readers for the test module, and :class:`devices.permit.emulator.
VirtualCard` one on its slot while its card is inserted. Only a session that started pcscd and
is its sole user may stop it (``sole_user()``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

from devices.permit.apdu import PermitCardError
from devices.permit.bench import vpcd_port
from devices.permit.driver import cards_present, establish, list_readers, release
from devices.permit.emulator import PermitCard, VirtualCard

VPCD_CONF = Path("/etc/reader.conf.d/vpcd")
VPCD_LIB = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
RUN_DIR = Path("/run/pcscd")
READER0 = "Virtual PCD 00 00"
READER1 = "Virtual PCD 00 01"


class PcscUnavailable(Exception):
    """pcscd or the vpcd driver cannot run here; ``str()`` is the reason."""


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def _lock(name: str, mode: int, timeout: float) -> IO[str]:
    fh = open(os.path.join(tempfile.gettempdir(), name), "a+")  # noqa: SIM115
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fh, mode | fcntl.LOCK_NB)
            return fh
        except BlockingIOError:
            if time.monotonic() > deadline:
                fh.close()
                raise PcscUnavailable(f"timed out waiting for the lock {name}") from None
            time.sleep(0.05)


def _vpcd_readers() -> list[str] | None:
    """The vpcd readers of a running pcscd, or ``None`` when no pcscd answers."""
    try:
        ctx = establish()
    except PermitCardError:
        return None
    try:
        return [r for r in list_readers(ctx) if vpcd_port(r) is not None]
    finally:
        release(ctx)


@dataclass
class PcscStack:
    """A running pcscd with the vpcd readers (``readers``), and whether this session started it."""

    readers: list[str]
    started: bool = False
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    _ctx: int | None = None
    _users: IO[str] | None = None
    _cards: list[VirtualCard] = field(default_factory=list)

    @property
    def reader(self) -> str:
        return self.readers[0]

    @staticmethod
    def port(reader: str) -> int:
        port = vpcd_port(reader)
        assert port is not None, reader
        return port

    def wait_state(self, reader: str, present: bool, timeout: float = 5.0) -> None:
        """Wait until pcscd sees a card in ``reader`` (``present``) or sees it empty."""
        deadline = time.monotonic() + timeout
        ctx = establish()
        try:
            while cards_present(ctx, [reader]).get(reader, False) != present:
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"{reader}: card {'not seen' if present else 'still seen'}"
                    )
                time.sleep(0.02)
        finally:
            release(ctx)

    def insert(
        self,
        card: PermitCard | None = None,
        reader: str | None = None,
        remove_after: int | None = None,
        wait: bool = True,
    ) -> VirtualCard:
        """Put an emulated card into ``reader`` (default the first slot); removed at teardown."""
        reader = reader or self.reader
        virtual = VirtualCard(
            card or PermitCard.build(), port=self.port(reader), remove_after=remove_after
        )
        virtual.insert()
        self._cards.append(virtual)
        if wait:
            self.wait_state(reader, True)
        return virtual

    def remove(self, virtual: VirtualCard, wait: bool = True) -> None:
        virtual.remove()
        if virtual in self._cards:
            self._cards.remove(virtual)
        if wait:
            for reader in self.readers:
                if self.port(reader) == virtual.port:
                    self.wait_state(reader, False)

    def remove_all(self) -> None:
        for virtual in list(self._cards):
            self.remove(virtual)

    # -- lifecycle ------------------------------------------------------------------------------
    @classmethod
    def ensure(cls, timeout: float = 10.0) -> PcscStack:
        users = _lock("station-pcscd-users.lock", fcntl.LOCK_SH, 120)
        try:
            starting = _lock("station-pcscd-start.lock", fcntl.LOCK_EX, 60)
            try:
                stack = cls._reuse_or_start(timeout)
            finally:
                fcntl.flock(starting, fcntl.LOCK_UN)
                starting.close()
            stack._users = users
            stack._ctx = establish()  # keeps --auto-exit from firing during the session
            return stack
        except BaseException:
            users.close()
            raise

    @classmethod
    def _reuse_or_start(cls, timeout: float) -> PcscStack:
        readers = _vpcd_readers()
        if readers is not None:
            if not readers:
                raise PcscUnavailable(
                    "a pcscd is running without the vpcd virtual reader: install "
                    "vsmartcard-vpcd and restart pcscd"
                )
            return cls(readers)
        if shutil.which("pcscd") is None:
            raise PcscUnavailable(
                "pcscd is neither running nor installed (apt install pcscd vsmartcard-vpcd)"
            )
        if not VPCD_LIB.exists() or not VPCD_CONF.exists():
            raise PcscUnavailable(
                f"the vpcd driver is not installed ({VPCD_LIB}, {VPCD_CONF}): "
                "apt install vsmartcard-vpcd"
            )
        if os.geteuid() != 0 and not (RUN_DIR.is_dir() and os.access(RUN_DIR, os.W_OK)):
            raise PcscUnavailable(
                f"pcscd is not running and cannot be started by this user (it needs {RUN_DIR}): "
                "start it with 'sudo systemctl start pcscd' or run the tests as root"
            )
        log_fd, log_name = tempfile.mkstemp(prefix="station-pcscd-", suffix=".log")
        process = subprocess.Popen(
            ["pcscd", "--foreground", "--auto-exit"],
            stdout=log_fd,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        os.close(log_fd)
        stack = cls([], started=True, process=process, log_path=Path(log_name))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                reason = stack.log_tail()
                stack._cleanup_log()
                raise PcscUnavailable(f"pcscd exited at start ({process.returncode}): {reason}")
            readers = _vpcd_readers()
            if readers:
                stack.readers = readers
                return stack
            time.sleep(0.05)
        stack._terminate()
        raise PcscUnavailable(
            f"pcscd started but the vpcd reader did not appear within {timeout:g} s"
        )

    def log_tail(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return " | ".join(self.log_path.read_text(errors="replace").strip().splitlines()[-5:])

    def _cleanup_log(self) -> None:
        if self.log_path is not None:
            with contextlib.suppress(OSError):
                self.log_path.unlink()

    def _terminate(self) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        self._cleanup_log()

    def sole_user(self) -> bool:
        """True when this session started pcscd and no other session uses it; then it holds
        the users lock exclusively until ``restart()``."""
        if not self.started or self._users is None:
            return False
        try:
            fcntl.flock(self._users, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            # a failed conversion drops the shared lock on Linux: take it again
            fcntl.flock(self._users, fcntl.LOCK_SH)
            return False
        return True

    def stop_pcscd(self) -> None:
        """Stop the pcscd this session started (tests of 'pcscd gone'); ``restart()`` undoes.
        Call only after :meth:`sole_user` returned True."""
        assert self.started, "only a pcscd this session started may be stopped"
        self.remove_all()
        release(self._ctx)
        self._ctx = None
        self._terminate()

    def restart(self) -> None:
        assert self.started
        self._terminate()
        fresh = self._reuse_or_start(10.0)
        self.process, self.log_path, self.readers = fresh.process, fresh.log_path, fresh.readers
        self._ctx = establish()
        if self._users is not None:
            fcntl.flock(self._users, fcntl.LOCK_SH)

    def close(self) -> None:
        self.remove_all()
        release(self._ctx)
        self._ctx = None
        users, self._users = self._users, None
        if self.started and users is not None:
            try:  # nobody else uses it (no other shared lock): stop it now
                fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._terminate()
            except BlockingIOError:
                self._cleanup_log()  # another session uses it; --auto-exit will end it
        if users is not None:
            users.close()


def pcsc_unavailable(reason: str) -> Any:
    """Skip with ``reason`` — or fail under ``CI=true``, where pcscd/vpcd must be there."""
    message = f"PC/SC stack unavailable: {reason}"
    if in_ci():
        pytest.fail(message + " (CI=true: pcscd and vsmartcard-vpcd must be installed)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def pcsc_stack() -> Iterator[PcscStack]:
    try:
        stack = PcscStack.ensure()
    except PcscUnavailable as exc:
        pcsc_unavailable(str(exc))
        raise AssertionError("unreachable") from exc
    try:
        yield stack
    finally:
        stack.close()


@pytest.fixture(scope="module")
def vpcd(pcsc_stack: PcscStack) -> Iterator[PcscStack]:
    """The stack, with the vpcd slots to this test module alone: another test session on the
    same machine waits (up to 5 minutes) rather than see this module's cards."""
    try:
        bench = _lock("station-vpcd-bench.lock", fcntl.LOCK_EX, 300)
    except PcscUnavailable as exc:
        pcsc_unavailable(f"{exc} (another test session keeps the virtual readers)")
        raise AssertionError("unreachable") from exc
    try:
        pcsc_stack.remove_all()
        for reader in pcsc_stack.readers:
            pcsc_stack.wait_state(reader, False)
        yield pcsc_stack
    finally:
        pcsc_stack.remove_all()
        fcntl.flock(bench, fcntl.LOCK_UN)
        bench.close()


@pytest.fixture
def vpcd_card(vpcd: PcscStack) -> Iterator[VirtualCard]:
    """An emulated permit card (holder 0, no endorsement) in the first vpcd slot."""
    virtual = vpcd.insert()
    try:
        yield virtual
    finally:
        vpcd.remove(virtual)
