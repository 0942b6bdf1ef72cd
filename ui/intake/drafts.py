"""What is typed in a new registration, kept as a draft in the encrypted database (written
0.8 s after the last change, on the database worker) so that a crash or a lock loses nothing;
the next wizard offers it back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ui.adapter import StationBridge
from ui.qt import QObject, QTimer, Signal

DRAFT = "intake.new"
DELAY_MS = 800


class Drafts(QObject):
    offered = Signal(object)  # a draft with something typed in it, to offer back

    def __init__(
        self, bridge: StationBridge, state: Callable[[], dict[str, Any]], parent: QObject
    ) -> None:
        super().__init__(parent)
        self.bridge, self.state = bridge, state
        self.saved = 0  # drafts written (for tests and probes)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DELAY_MS)
        self.timer.timeout.connect(self.save)

    def changed(self) -> None:
        self.timer.start()

    def save(self) -> None:
        state = self.state()
        self.bridge.op(lambda s: s.save_draft(DRAFT, state)).success(
            self._written
        ).run_in_background()

    def _written(self, _result: Any) -> None:
        self.saved += 1

    def clear(self) -> None:
        """The application is saved: no draft to offer any more."""
        self.timer.stop()
        self.bridge.op(lambda s: s.clear_draft(DRAFT)).run_in_background()

    def look(self) -> None:
        """Offer the draft left behind, if anything was typed in it."""
        self.bridge.op(lambda s: s.load_draft(DRAFT)).success(self._found).run_in_background()

    def _found(self, draft: dict[str, Any] | None) -> None:
        rec = (draft or {}).get("record") or {}
        typed = (
            [v for v in (rec.get("person") or {}).values() if v]
            + [(rec.get("residence") or {}).get("address")]
            + list(rec.get("services") or [])
        )
        if draft and any(typed):
            self.offered.emit(draft)


__all__ = ["DRAFT", "Drafts"]
