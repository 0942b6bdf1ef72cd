"""The simulated ID card reader of the demo and the training mode: a new synthetic holder each
time a card is "placed" (every few seconds while polling, or at once for ``read``)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from devices.idcard import IdCardReader
from devices.idcard.text import decode_text, encode_text
from station.errors import DeviceError
from station.i18n import _


class SimulatedIdCardReader(IdCardReader):
    """``fail``: ``removed`` (card pulled mid-read), ``checksum``, ``hmt``, ``foreign`` or
    ``missing`` make the corresponding error case happen once (for demos and tests); a
    ``checksum`` error is transient, so a read with time left asks again and succeeds."""

    name = "idreader-sim"

    def __init__(
        self,
        fail: str = "",
        seed: int | str | None = None,
        hold: float | str = 4.0,
        **_ignored: Any,
    ) -> None:
        super().__init__()
        self.fail = fail
        self.rng = random.Random(None if seed in (None, "") else int(seed))
        self.hold = float(hold)
        self._present_until = 0.0
        self._placed = False
        self._polls = 0

    def inject(self, fail: str) -> None:
        self.fail = fail

    def _open(self) -> None:
        if self.fail == "missing":
            raise DeviceError(
                "reader_missing", _("The ID card reader is not connected (simulated)")
            )

    def _close(self) -> None:
        pass

    def _card_present(self) -> bool:
        # A card is "placed" on the first poll and lies there for a few polls, then removed.
        self._polls += 1
        return self._polls % 20 < 12

    def holder(self) -> dict[str, Any]:
        from station.samples import synthetic_record

        rec = synthetic_record(self.rng, dt.date.today())
        person = {
            k: rec["person"][k]
            for k in (
                "name",
                "sex",
                "ethnic",
                "birth_date",
                "hukou_address",
                "id_number",
                "id_authority",
                "id_valid_from",
                "id_valid_to",
            )
        }
        return person

    def _read_card(self) -> dict[str, Any]:
        fail, self.fail = self.fail, ""
        if fail == "removed":
            raise DeviceError(
                "card_read_failed", _("Reading the card failed: hold the card still on the reader")
            )
        if fail == "checksum":
            raise DeviceError(
                "frame_checksum",
                _("The reader's answer failed its checksum ({step}); try again", step="read card"),
            )
        person = self.holder()
        if fail == "hmt":
            from station.checks import make_id_number

            person["id_number"] = make_id_number(
                "810000",
                dt.date.fromisoformat(person["birth_date"]),
                2 * self.rng.randrange(400) + (person["sex"] == "1"),
            )
            return decode_text(encode_text(person, "hmt_residence"))
        if fail == "foreign":
            return decode_text(
                encode_text(person, "foreign_2023", {"english_name": "TEST, SAMPLE"})
            )
        record = decode_text(encode_text(person))
        record["card"]["wlt"] = ""
        return record
