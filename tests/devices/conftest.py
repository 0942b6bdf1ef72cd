"""Fixtures of the device tests: the real PC/SC stack (pcscd + vpcd, from ``tests.pcsc``).
That every test ends the device threads it started is checked suite-wide (tests/conftest.py,
``no_station_thread_left``)."""

from __future__ import annotations

from tests.pcsc import PcscStack, pcsc_stack, vpcd, vpcd_card  # noqa: F401  (fixtures)

__all__ = ["PcscStack", "pcsc_stack", "vpcd", "vpcd_card"]
