"""The home panel's figures of what waits for a person: applications waiting for their photo
(opens the list filtered to them), records rejected in production (opens the sync status),
permits whose endorsement falls due in the next 30 days (opens that list). Only the figures
above zero are shown, highlighted."""

from __future__ import annotations

from typing import Any

from ui.qt import QPushButton, QVBoxLayout, QWidget, Signal


class HomeFigures(QWidget):
    photo_needed_clicked = Signal()
    rejections_clicked = Signal()
    endorsements_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.photo_needed = self._button("photoNeeded", self.photo_needed_clicked)
        self.photo_needed.setToolTip(
            self.tr(
                "A card is produced from these applications: they are sent once the photo is added"
            )
        )
        self.rejections = self._button("productionRejections", self.rejections_clicked)
        self.rejections.setToolTip(
            self.tr("The central service accepted these records, then refused them in production")
        )
        self.endorsements = self._button("endorsementsDue", self.endorsements_clicked)
        self.endorsements.setToolTip(
            self.tr("Yearly endorsements due within 30 days (from the card's issue date)")
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        for button in (self.photo_needed, self.rejections, self.endorsements):
            layout.addWidget(button)
        self.show_figures({})

    def _button(self, name: str, signal: Any) -> QPushButton:
        button = QPushButton("")
        button.setObjectName(name)
        button.setFlat(True)
        button.setAutoDefault(False)
        button.setProperty("figure", True)
        button.clicked.connect(signal.emit)
        return button

    @staticmethod
    def _mark(button: QPushButton, count: int) -> None:
        """A figure above zero stands out (something waits for a person); a zero is not shown
        (the panel must fit 1366×768 with every workflow's entry)."""
        button.setVisible(count > 0)
        if bool(button.property("attention")) != (count > 0):
            button.setProperty("attention", count > 0)
            button.style().unpolish(button)
            button.style().polish(button)

    def show_figures(self, figures: dict[str, int]) -> None:
        self.figures = figures
        for button, key in (
            (self.photo_needed, "photo_needed"),
            (self.rejections, "rejected_in_production"),
            (self.endorsements, "endorsements_due"),
        ):
            self._mark(button, int(figures.get(key, 0)))
        self.photo_needed.setText(
            self.tr("Waiting for a photo: %1").replace("%1", str(figures.get("photo_needed", 0)))
        )
        self.rejections.setText(
            self.tr("Rejected in production: %1").replace(
                "%1", str(figures.get("rejected_in_production", 0))
            )
        )
        self.endorsements.setText(
            self.tr("Endorsements due in 30 days: %1").replace(
                "%1", str(figures.get("endorsements_due", 0))
            )
        )


__all__ = ["HomeFigures"]
