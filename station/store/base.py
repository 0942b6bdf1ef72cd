"""What every manager of the store shares: its store, the connection, the operator."""

from __future__ import annotations

from typing import TYPE_CHECKING

from station.typedefs import Connection

if TYPE_CHECKING:
    from station.store.core import Store


class Manager:
    """One group of tables, worked on through the store that holds it (Anki's ``col.decks``)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def conn(self) -> Connection:
        return self.store.conn

    @property
    def operator(self) -> str:
        return self.store.operator

    def require(self, permission: str) -> None:
        self.store.require(permission)
