"""The demo station: a throwaway data folder with demo operators, synthetic applications and
simulated devices. Used by ``station demo`` and by tests that need a populated station."""

from __future__ import annotations

import datetime as dt
import random
import shutil
import tempfile
from pathlib import Path

from station.i18n import _
from station.store import Station, Store

STATION_CODE = "450103000001"
PASSWORD = "demo1234"
OPERATORS = {"tech": "technician", "coord": "coordinator", "super": "supervisor"}
SETTINGS = {
    "station.name": "青秀区新竹街道流动人口服务站（演示）",
    "station.address": "南宁市青秀区示例路1号",
    "station.phone": "0771-0000000",
    "idreader.driver": "sim",
    "permit.driver": "sim",
    "camera.driver": "sim",
    "permit.endorse_key": "000102030405060708090a0b0c0d0e0f",
}


NO_PHOTO_EVERY = 25


def demo_photo() -> bytes:
    """The demo applicants' photo: the bundled sample portrait as an ID photo."""
    import cv2

    from station import photo
    from station.resources import resource_path

    frame = cv2.imread(str(resource_path("media", "astronaut.png")), cv2.IMREAD_COLOR)
    return photo.capture(frame).jpeg


class DemoStation:
    def __init__(
        self, folder: str | Path | None = None, records: int = 300, seed: int = 2026
    ) -> None:
        self._owned = folder is None
        self.data_dir = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="station-demo-"))
        self.records = records
        self.seed = seed
        self.station = Station(self.data_dir)
        self.operators = {
            name: {"role": role, "password": PASSWORD} for name, role in OPERATORS.items()
        }
        self.recovery_code = ""

    def __enter__(self) -> DemoStation:
        if not self.station.exists():
            self.setup()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._owned:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def setup(self) -> None:
        self.recovery_code = self.station.init(STATION_CODE, "tech", PASSWORD, "4501")
        with self.station.login("tech", PASSWORD) as tech:
            for name, role in OPERATORS.items():
                if name != "tech":
                    tech.add_operator(name, role, PASSWORD)
            tech.config_set_many(SETTINGS)
            from station.profile.demo import install_demo

            install_demo(tech)
        if self.records:
            self.add_synthetic(self.records)

    def add_synthetic(self, n: int, chunk: int = 500) -> int:
        """``n`` synthetic applications with the demo photo; one in ``NO_PHOTO_EVERY`` has
        none and waits for it (the home panel's "photo needed")."""
        from station.samples import synthetic_record

        rng = random.Random(self.seed)
        today = dt.date.today()
        saved = 0
        with self.station.login("coord", PASSWORD) as coord:
            sha = coord.put_photo(demo_photo())
            while saved < n:
                batch = [synthetic_record(rng, today) for _ in range(min(chunk, n - saved))]
                for i, rec in enumerate(batch):
                    if (saved + i) % NO_PHOTO_EVERY != NO_PHOTO_EVERY - 1:
                        rec["photo"] = sha
                results = coord.save_many(batch, source="demo")
                saved += sum(1 for r in results if isinstance(r, dict))
        return saved

    def login(self, name: str = "coord") -> Store:
        return self.station.login(name, PASSWORD)

    def describe(self) -> str:
        if self._owned:
            return _("Demo station in {folder} (deleted on exit)", folder=self.data_dir)
        return _("Demo station in {folder} (kept after exit)", folder=self.data_dir)

    def hint(self) -> str:
        return _(
            "Demo operators (password {pw}): coord — coordinator, super — supervisor, "
            "tech — technician",
            pw=PASSWORD,
        )
