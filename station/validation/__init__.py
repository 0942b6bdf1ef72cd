"""Validation of the application record (specs/cli.md, specs/reference-data.md).

``validate_application`` returns every problem at once, as ``FieldError(field, code, message)``
with a dotted path, a stable code and a translated message that never repeats the input value.
It never raises, whatever it is given, and is fast enough to run on every keystroke.

What each kind needs (a decision, the specs are silent):

- ``new``: person, residence, dwelling; eligibility checked (age ≥ 16 or a guardian, stay ≥ 6
  months, one of stable employment / stable residence / continuous study).
- ``endorsement`` and ``change``: person, residence, dwelling (the holder must still qualify).
- ``replacement`` and ``deregistration``: the person; the rest is optional.

Holders of Hong Kong/Macau/Taiwan residence permits (ID numbers 81/82/83…) and foreigners
(numbers starting with 9) are not issued this permit: ``card_type_not_eligible``.
"""

from station.checks import ID_PROVINCES
from station.validation.eligibility import eligibility
from station.validation.fields import MESSAGES
from station.validation.record import (
    check_application,
    given_station_keys,
    normalize_application,
    validate_application,
    validate_person,
)

__all__ = [
    "validate_application",
    "check_application",
    "given_station_keys",
    "normalize_application",
    "validate_person",
    "eligibility",
    "MESSAGES",
    "ID_PROVINCES",
]
