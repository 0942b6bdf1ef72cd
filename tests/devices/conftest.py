"""Fixtures of the device tests: the real PC/SC stack (pcscd + vpcd, from ``tests.pcsc``) and a
check that every test ends the device threads it started."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from tests.pcsc import PcscStack, pcsc_stack, vpcd, vpcd_card  # noqa: F401  (fixtures)

_DEVICE_THREADS = ("device-permit", "permit-", "vpcd-card-")


def _device_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith(_DEVICE_THREADS)}


@pytest.fixture(autouse=True)
def no_leftover_device_threads() -> Iterator[None]:
    before = _device_threads()
    yield
    deadline = time.monotonic() + 2.0
    while (left := _device_threads() - before) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not left, f"device threads left running: {sorted(t.name for t in left)}"


__all__ = ["PcscStack", "pcsc_stack", "vpcd", "vpcd_card"]
