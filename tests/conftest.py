"""Suite-wide pytest setup: offscreen Qt, the --run-slow switch, hypothesis profile."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("STATION_LANG", "zh_CN")

try:
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "station", deadline=None, max_examples=150,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    settings.load_profile("station")
except ImportError:  # pragma: no cover - hypothesis is a declared test dependency
    pass


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", help="also run tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
