"""Step 5 of the wizard: the record as it will be saved, the photo beside the applicant, what
still blocks saving (Enter on a problem goes to its field), Save and the receipt."""

from __future__ import annotations

from collections.abc import Iterable

from ui.qt import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPixmap,
    QPushButton,
    QSizePolicy,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.record_html import applicant_html, details_html

PHOTO_SIZE = (132, 176)  # as in the record view


class ReviewPage(QWidget):
    problem_chosen = Signal(str)  # the dotted path of the field to go to

    def __init__(self) -> None:
        super().__init__()
        self._photo_key: bytes | None = None
        self._photo_shown = False
        self.applicant = self._html_label("review")
        self.photo = QLabel()
        self.photo.setObjectName("photoFrame")
        self.photo.setFixedSize(*PHOTO_SIZE)
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo.setWordWrap(True)
        self.details = self._html_label("reviewDetails")
        self.problems = QListWidget()
        self.problems.setObjectName("problems")
        self.problems.itemActivated.connect(self._chosen)
        self.problems.itemClicked.connect(self._chosen)
        self.problems_title = QLabel("")
        self.problems_title.setObjectName("error")
        self.problems_title.setWordWrap(True)
        self.problems_title.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.save_button = QPushButton(self.tr("Save (Ctrl+S)"))
        self.save_button.setObjectName("primary")
        self.receipt_button = QPushButton(self.tr("Receipt (Ctrl+P)"))
        self.receipt_button.setEnabled(False)
        self.saved_label = QLabel("")
        self.saved_label.setObjectName("photoStatus")
        self.saved_label.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(self.saved_label, 1)
        actions.addWidget(self.receipt_button)
        actions.addWidget(self.save_button)
        person = QHBoxLayout()  # the applicant, and the photo beside
        person.addWidget(self.applicant)
        person.addSpacing(24)
        person.addWidget(self.photo, 0, Qt.AlignmentFlag.AlignTop)
        person.addStretch(1)
        record = QVBoxLayout()
        record.setSpacing(0)
        record.addLayout(person)
        record.addWidget(self.details, 1)
        side = QVBoxLayout()
        side.addWidget(self.problems_title)
        side.addWidget(self.problems, 1)
        side.addStretch(0)
        body = QHBoxLayout()
        body.addLayout(record, 3)
        body.addLayout(side, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addLayout(actions)

    @staticmethod
    def _html_label(name: str) -> QLabel:
        label = QLabel("")
        label.setObjectName(name)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        return label

    def _chosen(self, item: QListWidgetItem) -> None:
        self.problem_chosen.emit(str(item.data(Qt.ItemDataRole.UserRole) or ""))

    def show_record(self, rec: dict[str, object], photo: bytes | None, photo_state: str) -> None:
        """The record, and the photo (``photo_state`` says why there is none, or its origin)."""
        self.applicant.setText(applicant_html(rec))
        self.details.setText(details_html(rec, [(self.tr("Photo"), photo_state)]))
        if self._photo_shown and photo == self._photo_key:
            return
        self._photo_key, self._photo_shown = photo, True
        pixmap = QPixmap()
        if photo and pixmap.loadFromData(photo):
            self.photo.setPixmap(
                pixmap.scaled(
                    self.photo.size(),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        else:
            self.photo.setPixmap(QPixmap())
            self.photo.setText(self.tr("No photo"))

    def show_problems(self, problems: Iterable[tuple[str, str]]) -> None:
        """``(field path, text)`` for each problem that blocks saving."""
        self.problems.clear()
        for path, text in problems:
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, path)
            self.problems.addItem(item)
        count = self.problems.count()
        self.problems_title.setText(
            self.tr("%1 problem(s) block saving — Enter on one goes to the field").replace(
                "%1", str(count)
            )
            if count
            else self.tr("Nothing blocks saving")
        )
        self.problems_title.setObjectName("error" if count else "hint")
        self.problems_title.style().unpolish(self.problems_title)
        self.problems_title.style().polish(self.problems_title)
        self.problems.setVisible(bool(count))


__all__ = ["ReviewPage"]
