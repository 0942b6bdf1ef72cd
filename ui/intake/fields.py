"""The wizard's fields: which step shows a path, the text fields with their problem lines, the
pickers, a household member's row, and Enter moving on as on a paper form."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from station import codes
from ui.qt import (
    QComboBox,
    QEvent,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QKeyEvent,
    QLabel,
    QLineEdit,
    QObject,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)

PERSON_FIELDS = (
    "id_number",
    "name",
    "sex",
    "ethnic",
    "birth_date",
    "hukou_address",
    "id_authority",
    "id_valid_from",
    "id_valid_to",
)
MIN_AGE = 16
DECODED = {"person.sex": "sex", "person.ethnic": "ethnic"}  # codes shown with their names
# which step shows a field (by the first part of its dotted path)
STEP_OF = {
    "person": 0,
    "residence": 1,
    "dwelling": 1,
    "employer": 2,
    "members": 2,
    "guardian": 2,
    "services": 3,
    "photo": 3,
}
REVIEW_STEP = 4
PHOTO_STEP = 3


def step_of(path: str) -> int:
    return STEP_OF.get(path.split(".", 1)[0], REVIEW_STEP)


def age_on(birth: str, today: dt.date) -> int | None:
    try:
        born = dt.date.fromisoformat(birth)
    except ValueError:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def form_layout(parent: QWidget | None = None) -> QFormLayout:
    form = QFormLayout(parent)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    form.setHorizontalSpacing(14)
    form.setVerticalSpacing(8)
    return form


class EnterMovesOn(QObject):
    """Enter in a line edit moves to the next field, as on a paper form (not 'press OK')."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if (
            isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and isinstance(obj, QLineEdit)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            obj.focusNextChild()
            return True
        return False


class FieldSet(QObject):
    """Every field of the form by its dotted path: the text boxes, their problem lines and the
    labels the coordinator sees. ``changed`` fires on any change of any field (text set by the
    program included), ``typed(path)`` when the coordinator edits a text box."""

    changed = Signal()
    typed = Signal(str)
    member_typed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.edits: dict[str, QLineEdit] = {}
        self.hints: dict[str, QLabel] = {}
        self.labels: dict[str, str] = {}  # field path → its label on the form
        self.enter_filter = EnterMovesOn(self)

    def text(self, path: str) -> str | None:
        value = self.edits[path].text().strip()
        return value or None

    def add(self, form: QFormLayout, path: str, label: str) -> QLineEdit:
        """A text box with its problem line under it (and a code's name beside it)."""
        edit = QLineEdit()
        edit.setObjectName(path)
        edit.installEventFilter(self.enter_filter)
        hint = QLabel("")
        hint.setObjectName("fieldError")
        hint.setWordWrap(True)
        hint.hide()
        # Validated on every change of the text (typed, committed by an input method, pasted,
        # set by the card or a draft): ``textEdited`` alone misses the program's changes and
        # left the problem line describing an older text. Typing also marks the field touched.
        edit.textEdited.connect(functools.partial(self._typed, path))
        edit.textChanged.connect(self.changed)
        holder = QVBoxLayout()
        holder.setSpacing(2)
        if path in DECODED:
            decoded = QLabel("")
            decoded.setObjectName("muted")
            decoded.setMinimumWidth(90)
            edit.textChanged.connect(functools.partial(_decode, decoded, DECODED[path]))
            line = QHBoxLayout()
            line.addWidget(edit, 1)
            line.addWidget(decoded)
            holder.addLayout(line)
        else:
            holder.addWidget(edit)
        holder.addWidget(hint)
        form.addRow(label, holder)
        self.edits[path], self.hints[path] = edit, hint
        self.labels[path] = label
        return edit

    def mark_from_card(self, edit: QLineEdit) -> None:
        """A field the ID card filled: read-only, green, said so."""
        edit.setReadOnly(True)
        edit.setToolTip(self.tr("From the ID card"))
        edit.setProperty("fromCard", True)
        edit.setStyleSheet("background: #eef6ee; border-color: #8fbf8f;")

    def unlock_card_fields(self) -> None:
        """The card's fields editable again (a supervisor's decision), marked as such."""
        for edit in self.edits.values():
            if edit.property("fromCard"):
                edit.setReadOnly(False)
                edit.setStyleSheet("background: #fff8e6; border-color: #e0b050;")
                edit.setToolTip(self.tr("From the ID card, unlocked by the supervisor"))

    def _typed(self, path: str, _text: str) -> None:
        self.typed.emit(path)

    def combo(self, table: str, blank: bool = False) -> QComboBox:
        """A picker of a code table (with '— not given —' first when ``blank``)."""
        combo = QComboBox()
        if blank:
            combo.addItem(self.tr("— not given —"), None)
        for code in codes.table(table):
            combo.addItem(codes.label(table, code), code)
        combo.currentIndexChanged.connect(self.changed)
        return combo


def _decode(label: QLabel, table: str, text: str) -> None:
    code = text.strip()
    label.setText(codes.label(table, code) if code in codes.table(table) else "")


class MemberRow:
    """One household member: relation, name, ID number (optional), birth date."""

    def __init__(self, fields: FieldSet, grid: QGridLayout, index: int, remove_text: str) -> None:
        self.relation = QComboBox()
        for code in codes.table("relations"):
            self.relation.addItem(codes.label("relations", code), code)
        self.name = QLineEdit()
        self.id_number = QLineEdit()
        self.birth_date = QLineEdit()
        self.birth_date.setPlaceholderText("YYYY-MM-DD")
        self.remove = QPushButton(remove_text)
        self.remove.setAutoDefault(False)
        self.hint = QLabel("")
        self.hint.setObjectName("fieldError")
        self.hint.hide()
        for col, w in enumerate(
            (self.relation, self.name, self.id_number, self.birth_date, self.remove)
        ):
            grid.addWidget(w, 2 * index + 1, col)
        grid.addWidget(self.hint, 2 * index + 2, 0, 1, 5)
        for edit in (self.name, self.id_number, self.birth_date):
            edit.installEventFilter(fields.enter_filter)
            edit.textEdited.connect(fields.member_typed)  # typed: its problems are shown
            edit.textChanged.connect(fields.changed)  # any change: validated again
        self.relation.currentIndexChanged.connect(fields.changed)

    def value(self) -> dict[str, Any]:
        out = {
            "relation": self.relation.currentData(),
            "name": self.name.text().strip(),
            "birth_date": self.birth_date.text().strip(),
        }
        if self.id_number.text().strip():
            out["id_number"] = self.id_number.text().strip().upper()
        return out

    def set_value(self, member: dict[str, Any]) -> None:
        i = self.relation.findData(member.get("relation"))
        if i >= 0:
            self.relation.setCurrentIndex(i)
        self.name.setText(str(member.get("name") or ""))
        self.id_number.setText(str(member.get("id_number") or ""))
        self.birth_date.setText(str(member.get("birth_date") or ""))

    def widgets(self) -> list[QWidget]:
        return [self.relation, self.name, self.id_number, self.birth_date, self.remove, self.hint]


__all__ = [
    "DECODED",
    "MIN_AGE",
    "PERSON_FIELDS",
    "EnterMovesOn",
    "FieldSet",
    "MemberRow",
    "age_on",
    "form_layout",
    "step_of",
]
