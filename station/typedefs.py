"""The shapes the station passes around, as types: the application record and its parts
(specs/cli.md), what the store returns, the records the card readers produce, and the database
connection.

These describe data that has been *checked*: the output of ``station.validation``, of the card
parsers, of the store. Input that nobody has checked yet (JSON from the CLI, a spreadsheet row,
a service response) stays ``dict[str, Any]`` / ``object`` until it has gone through them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Literal, NotRequired, Protocol, TypedDict

Kind = Literal["new", "endorsement", "change", "replacement", "deregistration"]


# -- the application record ------------------------------------------------------------------
class Person(TypedDict, total=False):
    id_number: str
    name: str
    sex: str  # GB/T 2261.1 code: "1" male, "2" female
    ethnic: str  # GB/T 3304 code, two digits
    birth_date: str  # YYYY-MM-DD
    hukou_address: str
    id_authority: str
    id_valid_from: str
    id_valid_to: str  # YYYY-MM-DD or 长期 (long-term)
    phone: str
    education: str
    occupation: str
    marital: str  # GB/T 2261.2 code (optional: older records have none)


class Residence(TypedDict, total=False):
    division_code: str  # the district (6 digits), in the station's city
    community: str
    address: str
    arrival_date: str
    intended_months: int
    reason: str


class Landlord(TypedDict, total=False):
    name: str
    phone: str
    id_number: str


class Dwelling(TypedDict, total=False):
    type: str  # rented, own, dormitory, relative, other
    landlord: Landlord


class Employer(TypedDict, total=False):
    name: str
    uscc: str  # unified social credit code
    address: str
    phone: str


class Guardian(TypedDict, total=False):
    name: str
    id_number: str
    relation: str
    phone: str


class Member(TypedDict, total=False):
    relation: str
    name: str
    id_number: str
    birth_date: str


class ApplicationRecord(TypedDict, total=False):
    """A validated application (``station.validation.check_application``) and, once stored,
    with the station's keys; ``get_application`` adds ``version`` and ``state``."""

    kind: Kind
    person: Person
    residence: Residence
    dwelling: Dwelling
    employer: Employer | None
    guardian: Guardian | None
    members: list[Member]
    services: list[str]
    # the station's keys (station.record.STATION_KEYS)
    uuid: str
    number: str  # station code + YYYYMMDD + 4-digit sequence
    captured_at: str
    operator: str
    photo: str | None  # SHA-256 of the JPEG in the photos table
    state: str
    version: int


# -- what the store returns ---------------------------------------------------------------------
class SavedApplication(TypedDict):
    uuid: str
    number: str


class Correction(TypedDict):
    uuid: str
    number: str
    version: int
    changed: bool  # False: the correction changed nothing, no new version


class ApplicationSummary(TypedDict):
    """A search or list result: no full ID number or phone."""

    uuid: str
    number: str
    version: int
    kind: Kind
    state: str
    division_code: str | None
    community: str | None
    captured_at: str
    operator: str
    id_masked: str
    phone_masked: str
    match: NotRequired[str]  # possible_duplicates: "id_number" or "name_birth_date"


class Version(TypedDict):
    version: int
    record: ApplicationRecord
    operator: str
    saved_at: str


class Operator(TypedDict):
    name: str
    role: str
    active: bool
    created_at: str
    locked_until: str | None


class EndorsementEntry(TypedDict):
    """One yearly endorsement, on a card or in the station's table."""

    year: int
    station: str
    date: str


class RecordedEndorsement(EndorsementEntry):
    """An endorsement in the station's table, with who wrote it."""

    operator: str


class PickupItem(TypedDict):
    """A card waiting at the station (``station.desk.pickup_queue``)."""

    uuid: str
    number: str
    name: str | None
    id_masked: str
    phone_tail: str
    ready_at: str | None
    waited_days: int | None


class Receipt(TypedDict):
    """What the intake receipt says (``station.receipt.receipt_data``)."""

    number: str
    uuid: str
    kind: str
    name: str
    id_masked: str
    services: list[str]
    taken: str
    pickup: str
    station: str
    address: str
    phone: str
    qr: str


# -- card records -------------------------------------------------------------------------------
class IdCard(TypedDict, total=False):
    type: str  # resident, hmt_residence, foreign_permanent…
    pass_number: str
    issue_count: str
    english_name: str
    nationality: str
    chinese_name: str
    card_number: str


class IdCardRecord(TypedDict):
    """A second-generation ID card as read (``devices.idcard.text.decode_text``)."""

    person: Person
    card: IdCard


class Permit(TypedDict, total=False):
    number: str
    authority: str
    issue_date: str
    endorsements: list[EndorsementEntry]


class PermitResidence(TypedDict, total=False):
    address: str


class PermitCardRecord(TypedDict):
    """A residence-permit card as read (``PermitCardReader.read``); after a write,
    ``endorsed`` holds the new endorsement."""

    person: Person
    residence: PermitResidence
    permit: Permit
    endorsed: NotRequired[EndorsementEntry]


# -- the database connection ---------------------------------------------------------------------
class Cursor(Protocol):
    """What the station uses of a DB-API cursor; row values are plain SQL values."""

    @property
    def rowcount(self) -> int: ...
    @property
    def lastrowid(self) -> int | None: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """An open SQLCipher connection (``sqlcipher3``, which ships no type information)."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...
    def backup(self, target: Any, *, pages: int = ...) -> None: ...
    def close(self) -> None: ...
    @property
    def in_transaction(self) -> bool: ...


__all__ = [
    "ApplicationRecord",
    "ApplicationSummary",
    "Connection",
    "Correction",
    "Cursor",
    "Dwelling",
    "Employer",
    "EndorsementEntry",
    "Guardian",
    "IdCard",
    "IdCardRecord",
    "Kind",
    "Landlord",
    "Member",
    "Operator",
    "Permit",
    "PermitCardRecord",
    "PermitResidence",
    "Person",
    "PickupItem",
    "Receipt",
    "RecordedEndorsement",
    "Residence",
    "SavedApplication",
    "Version",
]
