"""The station's encrypted store: one data folder, one SQLCipher database, one operator session.

``Station`` (``station.py``) is the data folder: provisioning, login, recovery. ``Store``
(``core.py``) is an unlocked database bound to the operator who unlocked it: the connection,
transactions, the role checks and the audit log. The work on each group of tables is done by a
manager the store holds, the way Anki's ``Collection`` delegates to ``col.decks``:

- ``store.operators`` (``operators.py``): operators and their key slots;
- ``store.config`` (``config.py``): settings;
- ``store.apps`` (``applications.py``): applications, their versions, photos, numbers, search,
  photo overrides (a review flag) and the rows imported from spreadsheets;
- ``store.drafts`` (``drafts.py``): the intake's unsaved drafts;
- ``store.endorsements`` (``endorsements.py``): yearly endorsements written to permit cards;
- ``store.review`` (``review.py``): the supervisor's end-of-day confirmations;
- ``store.profiles`` (``profiles.py``): the station profile — the city's streets and
  communities, versioned, switched in one transaction.

The sync outbox, batches, the change feed and handovers are ``station.outbox`` (plain functions
over the connection, shared with the sync client). Every method checks the operator's role
before it reads or writes (station/roles.py), and every change is audited in the same
transaction. ``Store`` keeps the methods it always had (``save_application``, ``config_set``…)
as one-line delegates, so callers are unchanged.

A ``Store`` is used from one thread at a time: the CLI uses it directly, the desktop through
``station.worker.DbWorker``, which owns it on a worker thread.
"""

from __future__ import annotations

from station.store.core import Store
from station.store.operators import check_operator_name
from station.store.records import pack_record, unpack_record
from station.store.station import DB_FILE, KEYSLOT_FILE, Station

__all__ = [
    "DB_FILE",
    "KEYSLOT_FILE",
    "Station",
    "Store",
    "check_operator_name",
    "pack_record",
    "unpack_record",
]
