"""The wizard's frame: the steps on the left (each with its problem count), the pages, and
under them the line that says what still blocks saving, with Back and Next."""

from __future__ import annotations

from collections.abc import Sequence

from ui.qt import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    Qt,
    QVBoxLayout,
    QWidget,
)


class WizardFrame(QWidget):
    def __init__(self, pages: Sequence[QWidget], names: Sequence[str]) -> None:
        super().__init__()
        self.steps = QListWidget()
        self.steps.setObjectName("steps")
        self.steps.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.steps.setFixedWidth(210)
        for name in names:
            self.steps.addItem(QListWidgetItem(name))
        self.stack = QStackedWidget()
        for page in pages:
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            scroll.setObjectName("page")
            scroll.setWidget(page)
            self.stack.addWidget(scroll)
        self.back_button = QPushButton(self.tr("← Back (Alt+←)"))
        self.next_button = QPushButton(self.tr("Next (Alt+→) →"))
        self.next_button.setObjectName("primary")
        self.blocking = QLabel("")
        self.blocking.setObjectName("muted")
        self.blocking.setWordWrap(True)
        bottom = QHBoxLayout()
        bottom.addWidget(self.blocking, 1)
        bottom.addWidget(self.back_button)
        bottom.addWidget(self.next_button)
        self.banner = QVBoxLayout()  # a draft to restore is offered here
        right = QVBoxLayout()
        right.addLayout(self.banner)
        right.addWidget(self.stack, 1)
        right.addLayout(bottom)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.steps)
        layout.addLayout(right, 1)


__all__ = ["WizardFrame"]
