"""Suite-wide pytest setup: offscreen Qt, the --run-slow switch, the integration marker,
hypothesis profile, and a check that no test leaves a station thread running."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("STATION_LANG", "zh_CN")

try:
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "station",
        deadline=None,
        max_examples=150,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    settings.load_profile("station")
except ImportError:  # pragma: no cover - hypothesis is a declared test dependency
    pass


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile the translations when a .ts is newer than its .qm (``./dev`` does it too; a bare
    ``pytest`` after a merge would otherwise test the widgets against stale Chinese)."""
    import runpy
    from pathlib import Path

    tool = Path(__file__).resolve().parent.parent / "tools" / "build_translations.py"
    runpy.run_path(str(tool))["main"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", help="also run tests marked slow")


# Fixtures that start a real server process or stack: a test using one is ``integration``
# (``-m "not integration"`` is the quick run). Tests that start one themselves carry the mark.
INTEGRATION_FIXTURES = {"central", "pcsc_stack", "vpcd", "vpcd_card"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


# -- threads ----------------------------------------------------------------------------------
# Every thread the station starts has a name (``name=`` where it is created); a test that
# leaves one of these running has leaked it (a worker, service or device never stopped).
STATION_THREADS = re.compile(
    r"db-worker"  # station.worker.DbWorker
    r"|sync-service"  # sync.service.SyncService
    r"|device-.+"  # devices.base.DeviceWorker: one per open device
    r"|[\w.-]+-(poll|watch)"  # card readers' event threads ("<reader name>-poll")
    r"|camera-.+"  # devices.camera.Camera's capture thread
    r"|idreader-emulator|vpcd-card-.+"  # the emulated ID reader and permit card
    r"|photo-analysis"  # ui.photo_preview
    r"|ui-(task|preload|permit-close)"  # ui.adapter.run_in_thread, ui.intake, ui.endorse
    r"|central-service|fault-proxy(-conn)?"  # the tests' own servers
)
THREAD_GRACE = 3.0  # seconds for a thread that was told to stop to finish


def _station_threads(before: set[threading.Thread]) -> list[threading.Thread]:
    return [
        t
        for t in threading.enumerate()
        if t not in before and t.is_alive() and STATION_THREADS.fullmatch(t.name)
    ]


@pytest.fixture(autouse=True)
def no_station_thread_left() -> Iterator[None]:
    """Fails a test after which a station thread it started is still running."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + THREAD_GRACE
    while (left := _station_threads(before)) and time.monotonic() < deadline:
        time.sleep(0.02)
    if left:
        pytest.fail(
            "station threads still running after the test: "
            + ", ".join(sorted(t.name for t in left)),
            pytrace=False,
        )


# -- stations -------------------------------------------------------------------------------
PASSWORD = "test-pass-1"
STATION_CODE = "450103000099"


class StationFixture:
    """A fresh encrypted station in tmp_path with one operator of each role."""

    def __init__(self, data_dir, template=None, profile: bool = True):  # type: ignore[no-untyped-def]
        """Provision a station in ``data_dir`` — or, given ``template`` (a folder a
        ``StationFixture`` provisioned, and its recovery code), copy it: the same real
        encrypted files, without paying five scrypt derivations per test."""
        import shutil

        from station.store import Station

        self.data_dir = data_dir
        self.station = Station(data_dir)
        if template is not None:
            folder, self.recovery_code = template
            shutil.copytree(folder, data_dir)
        else:
            self.recovery_code = self.station.init(STATION_CODE, "tech", PASSWORD, "4501")
            with self.station.login("tech", PASSWORD) as tech:
                tech.add_operator("coord", "coordinator", PASSWORD)
                tech.add_operator("super", "supervisor", PASSWORD)
                if profile:  # the demo table, loaded the way a technician loads the city's own
                    from station.profile.demo import install_demo

                    install_demo(tech)
        self._open: list = []

    def login(self, name: str = "coord"):  # type: ignore[no-untyped-def]
        store = self.station.login(name, PASSWORD)
        self._open.append(store)
        return store

    def env(self, user: str = "coord") -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "STATION_DATA_DIR": str(self.data_dir),
                "STATION_USER": user,
                "STATION_PASSWORD": PASSWORD,
                "STATION_LANG": "en",
            }
        )
        return env

    def close(self) -> None:
        for store in self._open:
            store.close()


@pytest.fixture(scope="session")
def station_template(tmp_path_factory):  # type: ignore[no-untyped-def]
    """One provisioned station per test session, copied by every ``station`` fixture."""
    fx = StationFixture(tmp_path_factory.mktemp("template") / "data")
    fx.close()
    return fx.data_dir, fx.recovery_code


@pytest.fixture
def station(tmp_path, station_template):  # type: ignore[no-untyped-def]
    """A fresh station of its own for this test (a copy of the session's provisioned one)."""
    fx = StationFixture(tmp_path / "data", template=station_template)
    yield fx
    fx.close()


def run_cli(
    *args: str, env: dict[str, str] | None = None, input: str | None = None, timeout: float = 60
):  # type: ignore[no-untyped-def]
    """Run ``python -m station`` as a real process; returns the CompletedProcess."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "station", *args],
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
