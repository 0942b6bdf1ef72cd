"""New registration (居住登记) and corrections: a five-step wizard, keyboard first.

Steps: applicant (the ID card fills the person section; card fields are marked and read-only),
residence and dwelling, employer and household (members, a guardian when under 16), services and
photo, review. The core's validation runs on every change and is shown next to each touched
field, as a count on each step and as a list on the review page whose entries jump to the
field. Saving runs on the database worker; what is typed is kept as a draft in the encrypted
database so a crash or a lock loses nothing.

Keys: F2 read the card, F3 photo, Alt+→ / Alt+← next and previous step, Ctrl+S save (from any
step: an unsaveable form jumps to the first problem), Ctrl+P receipt, Enter moves to the next
field.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from station import codes
from station.errors import StationError
from station.validation import validate_application
from ui.adapter import StationBridge, read_id_card
from ui.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QEvent,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QObject,
    QPushButton,
    QScrollArea,
    QShortcut,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
)

DRAFT = "intake.new"
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


def step_of(path: str) -> int:
    return STEP_OF.get(path.split(".", 1)[0], 4)


def age_on(birth: str, today: dt.date) -> int | None:
    try:
        born = dt.date.fromisoformat(birth)
    except ValueError:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def preload_photo_modules() -> None:
    """Import the live preview and the camera drivers (OpenCV, numpy: ~0.2 s) on a helper
    thread while the coordinator types, so that F3 does not stall the window."""
    import sys
    import threading

    if "ui.photo_preview" in sys.modules:
        return

    def work() -> None:
        import devices.camera  # noqa: F401
        import ui.photo_preview  # noqa: F401

    threading.Thread(target=work, name="ui-preload", daemon=True).start()


class _EnterMovesOn(QObject):
    """Enter in a line edit moves to the next field, as on a paper form (not 'press OK')."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        key = getattr(event, "key", None)
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(obj, QLineEdit)
            and key is not None
            and key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):  # type: ignore[attr-defined]
            obj.focusNextChild()
            return True
        return False


class MemberRow:
    """One household member: relation, name, ID number (optional), birth date."""

    def __init__(
        self, owner: IntakeDialog, grid: QGridLayout, index: int, remove_text: str
    ) -> None:
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
            edit.installEventFilter(owner.enter_filter)
            edit.textEdited.connect(owner._member_typed)  # typed: its problems are shown
            edit.textChanged.connect(owner._changed)  # any change: validated again
        self.relation.currentIndexChanged.connect(owner._changed)

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


class IntakeDialog(QDialog):
    """The wizard. ``correct`` (a stored record) opens it as a correction of that record."""

    def __init__(
        self,
        bridge: StationBridge,
        settings: dict[str, str],
        parent: QWidget | None = None,
        correct: dict[str, Any] | None = None,
        kind: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("intake")
        self.bridge = bridge
        self.settings = settings
        self.correcting = correct
        self.kind = kind or (correct.get("kind", "new") if correct else "new")
        self.photo: Any = None
        self.saved: dict[str, Any] | None = None
        self.touched: set[str] = set()
        self.edits: dict[str, QLineEdit] = {}
        self.hints: dict[str, QLabel] = {}
        self.labels: dict[str, str] = {}  # field path → its label on the form
        self.members: list[MemberRow] = []
        self.errors: list[Any] = []
        self.duplicates: list[dict[str, Any]] = []
        self.enter_filter = _EnterMovesOn(self)
        self._restoring = False
        self._duplicate_asked = 0  # serial of the latest duplicate check
        self.draft_saved = 0
        titles = {
            "change": self.tr("Change of address or employer: application %1"),
            "replacement": self.tr("Replacement card: application %1"),
            "deregistration": self.tr("Move-out: application %1"),
        }
        if correct:
            title = titles.get(kind or "", self.tr("Correct application %1"))
            self.setWindowTitle(title.replace("%1", str(correct.get("number", ""))))
        else:
            self.setWindowTitle(self.tr("New registration"))
        self.resize(1240, 700)

        self.stack = QStackedWidget()
        self.step_names = [
            self.tr("1 Applicant"),
            self.tr("2 Residence"),
            self.tr("3 Work and family"),
            self.tr("4 Services and photo"),
            self.tr("5 Review and save"),
        ]
        self.steps = QListWidget()
        self.steps.setObjectName("steps")
        self.steps.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.steps.setFixedWidth(210)
        for name in self.step_names:
            self.steps.addItem(QListWidgetItem(name))
        self.steps.currentRowChanged.connect(self.go)
        for build in (
            self._page_applicant,
            self._page_residence,
            self._page_household,
            self._page_services,
            self._page_review,
        ):
            page = build()
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            scroll.setObjectName("page")
            scroll.setWidget(page)
            self.stack.addWidget(scroll)

        self.labels.update(
            {  # the fields that are pickers, not text boxes
                "person.education": self.tr("Education"),
                "person.occupation": self.tr("Occupation"),
                "residence.division_code": self.tr("District"),
                "residence.community": self.tr("Community"),
                "residence.intended_months": self.tr("Intended stay (months)"),
                "residence.reason": self.tr("Reason"),
                "dwelling.type": self.tr("Dwelling"),
                "guardian.relation": self.tr("Relation"),
                "services": self.tr("Services"),
            }
        )
        self.back_button = QPushButton(self.tr("← Back (Alt+←)"))
        self.back_button.clicked.connect(lambda: self.go(self.stack.currentIndex() - 1))
        self.next_button = QPushButton(self.tr("Next (Alt+→) →"))
        self.next_button.setObjectName("primary")
        self.next_button.clicked.connect(lambda: self.go(self.stack.currentIndex() + 1))
        self.blocking = QLabel("")
        self.blocking.setObjectName("muted")
        self.blocking.setWordWrap(True)
        bottom = QHBoxLayout()
        bottom.addWidget(self.blocking, 1)
        bottom.addWidget(self.back_button)
        bottom.addWidget(self.next_button)
        right = QVBoxLayout()
        self.banner = QVBoxLayout()
        right.addLayout(self.banner)
        right.addWidget(self.stack, 1)
        right.addLayout(bottom)
        layout = QHBoxLayout(self)
        layout.addWidget(self.steps)
        layout.addLayout(right, 1)
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)

        QShortcut(QKeySequence("F2"), self, activated=self.read_card)
        QShortcut(QKeySequence("F3"), self, activated=self.take_photo)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.save)
        QShortcut(QKeySequence("Ctrl+P"), self, activated=self.receipt)
        QShortcut(
            QKeySequence("Alt+Right"),
            self,
            activated=lambda: self.go(self.stack.currentIndex() + 1),
        )
        QShortcut(
            QKeySequence("Alt+Left"), self, activated=lambda: self.go(self.stack.currentIndex() - 1)
        )
        QShortcut(QKeySequence("Ctrl+M"), self, activated=self.add_member)
        self.draft_timer = QTimer(self)
        self.draft_timer.setSingleShot(True)
        self.draft_timer.setInterval(800)
        self.draft_timer.timeout.connect(self.save_draft)
        self._fill_communities()
        if correct:
            self.load_record(correct)
            for path in self.edits:
                self.touched.add(path)
        self.go(0)
        self._changed()
        if not correct:
            self.bridge.op(lambda s: s.load_draft(DRAFT)).success(
                self._offer_draft
            ).run_in_background()
        preload_photo_modules()

    # -- pages -------------------------------------------------------------------------------
    def _form(self, parent: QWidget | None = None) -> QFormLayout:
        form = QFormLayout(parent)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(8)
        return form

    def _combo(self, table: str, blank: bool = False) -> QComboBox:
        combo = QComboBox()
        if blank:
            combo.addItem(self.tr("— not given —"), None)
        for code in codes.table(table):
            combo.addItem(codes.label(table, code), code)
        combo.currentIndexChanged.connect(self._changed)
        return combo

    def _page_applicant(self) -> QWidget:
        page = QWidget()
        self.card_button = QPushButton(self.tr("Read ID card (F2)"))
        self.card_button.setObjectName("primary")
        self.card_button.clicked.connect(self.read_card)
        self.card_status = QLabel(self.tr("Place the ID card on the reader"))
        self.card_status.setObjectName("photoStatus")
        self.duplicate_label = QLabel("")
        self.duplicate_label.setObjectName("warning")
        self.duplicate_label.setWordWrap(True)
        self.duplicate_label.hide()
        self.unlock_button = QPushButton(self.tr("Unlock card fields"))
        self.unlock_button.setToolTip(
            self.tr("Supervisors only: edit fields read from the ID card (a misprinted card)")
        )
        self.unlock_button.clicked.connect(self.unlock_card_fields)
        self.unlock_button.setVisible(self.bridge.can("app.correct_any"))
        self.unlock_button.setEnabled(False)
        self.duplicate_label.setTextFormat(Qt.TextFormat.RichText)
        self.duplicate_label.linkActivated.connect(self.open_duplicate)
        top = QHBoxLayout()
        top.addWidget(self.card_button)
        top.addWidget(self.card_status, 1)
        top.addWidget(self.unlock_button)
        card = QGroupBox(self.tr("From the ID card"))
        cform = self._form(card)
        labels = {
            "id_number": self.tr("ID number"),
            "name": self.tr("Name"),
            "sex": self.tr("Sex (1 male, 2 female)"),
            "ethnic": self.tr("Ethnic group code"),
            "birth_date": self.tr("Birth date"),
            "hukou_address": self.tr("Hukou address"),
            "id_authority": self.tr("Issuing authority"),
            "id_valid_from": self.tr("Valid from"),
            "id_valid_to": self.tr("Valid to"),
        }
        for key in PERSON_FIELDS:
            self._field(cform, f"person.{key}", labels[key])
        more = QGroupBox(self.tr("Contact and background"))
        mform = self._form(more)
        self._field(mform, "person.phone", self.tr("Phone"))
        self.education = self._combo("education", blank=True)
        mform.addRow(self.tr("Education"), self.education)
        self.occupation = self._combo("occupation", blank=True)
        mform.addRow(self.tr("Occupation"), self.occupation)
        columns = QHBoxLayout()
        columns.addWidget(card, 3)
        columns.addWidget(more, 2, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(page)
        layout.addLayout(top)
        layout.addWidget(self.duplicate_label)
        layout.addLayout(columns)
        layout.addStretch(1)
        return page

    def _page_residence(self) -> QWidget:
        page = QWidget()
        residence = QGroupBox(self.tr("Residence in the city"))
        rform = self._form(residence)
        self.district = QComboBox()
        for code, name in codes.divisions(self.settings.get("station.city", "4501")).items():
            self.district.addItem(f"{name} ({code})", code)
        self.district.currentIndexChanged.connect(self._fill_communities)
        self.community = QComboBox()
        self.community.currentIndexChanged.connect(self._changed)
        rform.addRow(self.tr("District"), self.district)
        rform.addRow(self.tr("Community"), self.community)
        self._field(rform, "residence.address", self.tr("Address"))
        self._field(rform, "residence.arrival_date", self.tr("Arrival date (YYYY-MM-DD)"))
        self.months = QSpinBox()
        self.months.setRange(0, 1200)
        self.months.setValue(12)
        self.months.valueChanged.connect(self._changed)
        rform.addRow(self.tr("Intended stay (months)"), self.months)
        self.reason = self._combo("reason")
        rform.addRow(self.tr("Reason"), self.reason)
        dwelling = QGroupBox(self.tr("Dwelling"))
        dform = self._form(dwelling)
        self.dwelling = self._combo("dwelling")
        self.dwelling.currentIndexChanged.connect(self._landlord_visible)
        dform.addRow(self.tr("Dwelling"), self.dwelling)
        self.landlord_box = QGroupBox(self.tr("Landlord (rented dwelling)"))
        lform = self._form(self.landlord_box)
        self._field(lform, "dwelling.landlord.name", self.tr("Landlord"))
        self._field(lform, "dwelling.landlord.phone", self.tr("Landlord's phone"))
        self._field(lform, "dwelling.landlord.id_number", self.tr("Landlord's ID number"))
        dform.addRow(self.landlord_box)
        layout = QHBoxLayout(page)
        layout.addWidget(residence, 1, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(dwelling, 1, Qt.AlignmentFlag.AlignTop)
        return page

    def _page_household(self) -> QWidget:
        page = QWidget()
        employer = QGroupBox(self.tr("Employer (required for work or business)"))
        eform = self._form(employer)
        self._field(eform, "employer.name", self.tr("Employer"))
        self._field(eform, "employer.uscc", self.tr("Unified social credit code"))
        self._field(eform, "employer.address", self.tr("Employer's address"))
        self._field(eform, "employer.phone", self.tr("Employer's phone"))
        self.guardian_box = QGroupBox(self.tr("Guardian (the applicant is under 16)"))
        gform = self._form(self.guardian_box)
        self._field(gform, "guardian.name", self.tr("Guardian's name"))
        self._field(gform, "guardian.id_number", self.tr("Guardian's ID number"))
        self.guardian_relation = self._combo("relations")
        gform.addRow(self.tr("Relation"), self.guardian_relation)
        self._field(gform, "guardian.phone", self.tr("Guardian's phone"))
        self.guardian_box.hide()
        members = QGroupBox(self.tr("Household members coming along (children for school places)"))
        self.member_grid = QGridLayout()
        for col, text in enumerate(
            (
                self.tr("Relation"),
                self.tr("Name"),
                self.tr("ID number (if any)"),
                self.tr("Birth date"),
            )
        ):
            head = QLabel(text)
            head.setObjectName("muted")
            self.member_grid.addWidget(head, 0, col)
        self.add_member_button = QPushButton(self.tr("Add member (Ctrl+M)"))
        self.add_member_button.clicked.connect(self.add_member)
        self.no_members = QLabel(self.tr("No members added"))
        self.no_members.setObjectName("muted")
        ml = QVBoxLayout(members)
        ml.addLayout(self.member_grid)
        ml.addWidget(self.no_members)
        ml.addWidget(self.add_member_button, 0, Qt.AlignmentFlag.AlignLeft)
        left = QVBoxLayout()
        left.addWidget(employer)
        left.addWidget(self.guardian_box)
        left.addStretch(1)
        layout = QHBoxLayout(page)
        layout.addLayout(left, 1)
        layout.addWidget(members, 1, Qt.AlignmentFlag.AlignTop)
        return page

    def _page_services(self) -> QWidget:
        page = QWidget()
        services = QGroupBox(self.tr("Services requested (7+1)"))
        grid = QGridLayout(services)
        self.services: dict[str, QCheckBox] = {}
        for i, code in enumerate(codes.table("services")):
            box = QCheckBox(codes.label("services", code))
            box.toggled.connect(self._changed)
            self.services[code] = box
            grid.addWidget(box, i // 4, i % 4)
        photo = QGroupBox(self.tr("Photo"))
        ph = QHBoxLayout(photo)
        self.photo_view = QLabel()
        self.photo_view.setFixedSize(180, 240)
        self.photo_view.setObjectName("photoFrame")
        self.photo_view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo_label = QLabel(
            self.tr(
                "No photo yet: F3 starts the camera, the photo is taken when every check passes"
            )
        )
        self.photo_label.setWordWrap(True)
        self.photo_label.setFixedWidth(180)
        self.photo_button = QPushButton(self.tr("Take photo (F3)"))
        self.photo_button.setObjectName("primary")
        self.photo_button.clicked.connect(self.take_photo)
        side = QVBoxLayout()
        side.addWidget(self.photo_view)
        side.addWidget(self.photo_label)
        side.addWidget(self.photo_button)
        side.addStretch(1)
        ph.addLayout(side)
        self.preview_area = QVBoxLayout()  # the live preview, created on the first F3
        ph.addLayout(self.preview_area, 1)
        self.preview: Any = None
        layout = QVBoxLayout(page)
        layout.addWidget(services)
        layout.addWidget(photo, 1)
        return page

    def _page_review(self) -> QWidget:
        page = QWidget()
        self.review = QLabel("")
        self.review.setObjectName("review")
        self.review.setTextFormat(Qt.TextFormat.RichText)
        self.review.setWordWrap(True)
        self.review.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.problems = QListWidget()
        self.problems.setObjectName("problems")
        self.problems.itemActivated.connect(self._jump_to_problem)
        self.problems.itemClicked.connect(self._jump_to_problem)
        self.problems_title = QLabel("")
        self.problems_title.setObjectName("error")
        self.problems_title.setWordWrap(True)
        self.problems_title.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.save_button = QPushButton(self.tr("Save (Ctrl+S)"))
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(self.save)
        self.receipt_button = QPushButton(self.tr("Receipt (Ctrl+P)"))
        self.receipt_button.setEnabled(False)
        self.receipt_button.clicked.connect(lambda: self.receipt())
        self.saved_label = QLabel("")
        self.saved_label.setObjectName("photoStatus")
        self.saved_label.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(self.saved_label, 1)
        actions.addWidget(self.receipt_button)
        actions.addWidget(self.save_button)
        side = QVBoxLayout()
        side.addWidget(self.problems_title)
        side.addWidget(self.problems, 1)
        side.addStretch(0)
        body = QHBoxLayout()
        body.addWidget(self.review, 3)
        body.addLayout(side, 2)
        layout = QVBoxLayout(page)
        layout.addLayout(body, 1)
        layout.addLayout(actions)
        return page

    # -- fields ------------------------------------------------------------------------------
    def _field(self, form: QFormLayout, path: str, label: str) -> None:
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
        edit.textEdited.connect(functools.partial(self._touch, path))
        edit.textChanged.connect(self._changed)
        holder = QVBoxLayout()
        holder.setSpacing(2)
        if path in DECODED:
            decoded = QLabel("")
            decoded.setObjectName("muted")
            decoded.setMinimumWidth(90)
            edit.textChanged.connect(
                lambda t, lbl=decoded, table=DECODED[path]: lbl.setText(
                    codes.label(table, t.strip()) if t.strip() in codes.table(table) else ""
                )
            )
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

    def _touch(self, path: str, _text: str = "") -> None:
        if path not in self.touched:  # its problem is shown from now on
            self.touched.add(path)
            self._changed()

    def _fill_communities(self) -> None:
        self.community.clear()
        for c in codes.communities(self.district.currentData() or ""):
            self.community.addItem(f"{c['street']} · {c['name']}", c["name"])
        self._changed()

    def _landlord_visible(self) -> None:
        self.landlord_box.setVisible(self.dwelling.currentData() == "rented")

    def add_member(self, member: dict[str, Any] | None = None) -> MemberRow:
        row = MemberRow(self, self.member_grid, len(self.members), self.tr("Remove"))
        row.remove.clicked.connect(lambda: self.remove_member(row))
        chain = [
            self.members[-1].remove if self.members else self.edits["guardian.phone"],
            row.relation,
            row.name,
            row.id_number,
            row.birth_date,
            row.remove,
            self.add_member_button,
        ]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)
        self.members.append(row)
        if member:
            row.set_value(member)
        self.no_members.hide()
        if not member and not self._restoring:
            self.go(2)
            for widget in row.widgets()[:-1]:
                widget.show()  # visible now, so that Enter and Tab can reach them
            row.name.setFocus()
        self._changed()
        return row

    def remove_member(self, row: MemberRow) -> None:
        values = [m.value() for m in self.members if m is not row]
        for m in self.members:
            for w in m.widgets():
                self.member_grid.removeWidget(w)
                w.deleteLater()
        self.members = []
        for value in values:
            self.add_member(value)
        self.no_members.setVisible(not self.members)
        self._changed()

    def member_edited(self, *_args: Any) -> None:
        """Every member row's problems are shown from now on."""
        for i in range(len(self.members)):
            self.touched.add(f"members.{i}")
        self._changed()

    def _member_typed(self, _text: str = "") -> None:
        if any(f"members.{i}" not in self.touched for i in range(len(self.members))):
            self.member_edited()

    def _text(self, path: str) -> str | None:
        value = self.edits[path].text().strip()
        return value or None

    def under_age(self) -> bool:
        age = age_on(self.edits["person.birth_date"].text().strip(), dt.date.today())
        return age is not None and age < MIN_AGE

    def record(self) -> dict[str, Any]:
        text = self._text
        person = {k: text(f"person.{k}") for k in (*PERSON_FIELDS, "phone")}
        person["education"] = self.education.currentData()
        person["occupation"] = self.occupation.currentData()
        rec: dict[str, Any] = {
            "kind": self.kind,
            "person": {k: v for k, v in person.items() if v is not None},
            "residence": {
                "division_code": self.district.currentData(),
                "community": self.community.currentData(),
                "address": text("residence.address"),
                "arrival_date": text("residence.arrival_date"),
                "intended_months": self.months.value(),
                "reason": self.reason.currentData(),
            },
            "dwelling": {"type": self.dwelling.currentData()},
            "employer": None,
            "guardian": None,
            "members": [m.value() for m in self.members],
            "services": [c for c, box in self.services.items() if box.isChecked()],
        }
        rec["residence"] = {k: v for k, v in rec["residence"].items() if v is not None}
        if rec["dwelling"]["type"] == "rented":
            rec["dwelling"]["landlord"] = {
                k: text(f"dwelling.landlord.{k}") or "" for k in ("name", "phone", "id_number")
            }
        if any(text(f"employer.{k}") for k in ("name", "uscc", "address", "phone")):
            employer = {k: text(f"employer.{k}") or "" for k in ("name", "uscc")}
            for k in ("address", "phone"):
                if text(f"employer.{k}"):
                    employer[k] = text(f"employer.{k}")
            rec["employer"] = employer
        if self.under_age() or any(text(f"guardian.{k}") for k in ("name", "id_number", "phone")):
            guardian = {k: text(f"guardian.{k}") or "" for k in ("name", "id_number", "phone")}
            guardian["relation"] = self.guardian_relation.currentData()
            if any(guardian[k] for k in ("name", "id_number", "phone")):
                rec["guardian"] = guardian
        return rec

    def load_record(self, rec: dict[str, Any]) -> None:
        """Fill every widget from a record (a correction, or a restored draft)."""
        self._restoring = True
        try:
            person = rec.get("person") or {}
            for key in (*PERSON_FIELDS, "phone"):
                self.edits[f"person.{key}"].setText(str(person.get(key) or ""))
            for combo, value in (
                (self.education, person.get("education")),
                (self.occupation, person.get("occupation")),
            ):
                combo.setCurrentIndex(max(0, combo.findData(value)))
            residence = rec.get("residence") or {}
            i = self.district.findData(residence.get("division_code"))
            if i >= 0:
                self.district.setCurrentIndex(i)
            self._fill_communities()
            i = self.community.findData(residence.get("community"))
            if i >= 0:
                self.community.setCurrentIndex(i)
            for key in ("address", "arrival_date"):
                self.edits[f"residence.{key}"].setText(str(residence.get(key) or ""))
            self.months.setValue(int(residence.get("intended_months") or 12))
            i = self.reason.findData(residence.get("reason"))
            if i >= 0:
                self.reason.setCurrentIndex(i)
            dwelling = rec.get("dwelling") or {}
            i = self.dwelling.findData(dwelling.get("type"))
            if i >= 0:
                self.dwelling.setCurrentIndex(i)
            landlord = dwelling.get("landlord") or {}
            for key in ("name", "phone", "id_number"):
                self.edits[f"dwelling.landlord.{key}"].setText(str(landlord.get(key) or ""))
            employer = rec.get("employer") or {}
            for key in ("name", "uscc", "address", "phone"):
                self.edits[f"employer.{key}"].setText(str(employer.get(key) or ""))
            guardian = rec.get("guardian") or {}
            for key in ("name", "id_number", "phone"):
                self.edits[f"guardian.{key}"].setText(str(guardian.get(key) or ""))
            i = self.guardian_relation.findData(guardian.get("relation"))
            if i >= 0:
                self.guardian_relation.setCurrentIndex(i)
            while self.members:
                self.remove_member(self.members[-1])
            for member in rec.get("members") or []:
                self.add_member(member)
            for code, box in self.services.items():
                box.setChecked(code in (rec.get("services") or []))
        finally:
            self._restoring = False
        self._landlord_visible()
        self._changed()

    # -- steps -------------------------------------------------------------------------------
    def go(self, index: int) -> None:
        index = max(0, min(index, self.stack.count() - 1))
        if index != 3:
            self.stop_camera()  # the camera runs only on the photo step
        if self.stack.currentIndex() != index:
            self.stack.setCurrentIndex(index)
        if self.steps.currentRow() != index:
            self.steps.setCurrentRow(index)
        self.back_button.setEnabled(index > 0)
        self.next_button.setVisible(index < self.stack.count() - 1)
        if index == self.stack.count() - 1:
            self.touched.update(self.edits)
            self.member_edited()
            self.save_button.setFocus()
        else:
            self._focus_first(index)

    def _focus_first(self, index: int) -> None:
        """The first empty field of the step, else its first control."""
        page = self.stack.widget(index)
        for edit in page.findChildren(QLineEdit):
            if edit.isVisibleTo(page) and not edit.isReadOnly() and not edit.text():
                edit.setFocus()
                return
        for widget in page.findChildren(QWidget):
            if (
                isinstance(widget, (QCheckBox, QComboBox, QLineEdit, QPushButton))
                and widget.isVisibleTo(page)
                and widget.isEnabled()
            ):
                widget.setFocus()
                return

    def _jump_to_problem(self, item: QListWidgetItem) -> None:
        path = str(item.data(Qt.ItemDataRole.UserRole) or "")
        self.go(step_of(path))
        edit = self.edits.get(path)
        if edit is None and path.startswith("members."):
            parts = path.split(".")
            if len(parts) >= 3 and parts[1].isdigit() and int(parts[1]) < len(self.members):
                edit = getattr(self.members[int(parts[1])], parts[2], None)
        if edit is not None:
            edit.setFocus()

    def focus_field(self, path: str, message: str = "") -> None:
        """Open at a field (a rejection names one): its step, the field focused and marked."""
        self.go(step_of(path) if path else 0)
        edit = self.edits.get(path)
        if edit is not None:
            edit.setFocus()
            edit.selectAll()
            if message:
                self.hints[path].setText(message)
                self.hints[path].show()
        elif path.startswith("photo"):
            self.photo_button.setFocus()

    def label_of(self, path: str) -> str:
        """The field's label as the coordinator sees it (for the problem list)."""
        if path in self.labels:
            return self.labels[path]
        if path.startswith("members."):
            parts = path.split(".")
            return (
                self.tr("Member %1").replace("%1", str(int(parts[1]) + 1))
                if len(parts) > 1 and parts[1].isdigit()
                else self.tr("Members")
            )
        names = {
            "guardian": self.tr("Guardian"),
            "employer": self.tr("Employer"),
            "services": self.tr("Services"),
            "residence": self.tr("Residence"),
            "dwelling": self.tr("Dwelling"),
            "person": self.tr("Applicant"),
            "photo": self.tr("Photo"),
        }
        return names.get(path.split(".", 1)[0], path)

    # -- drafts ------------------------------------------------------------------------------
    def draft_state(self) -> dict[str, Any]:
        return {
            "record": self.record(),
            "readonly": [p for p, e in self.edits.items() if e.isReadOnly()],
            "step": self.stack.currentIndex(),
        }

    def save_draft(self) -> None:
        if self.saved is not None or self.correcting:
            return
        state = self.draft_state()

        def done(_r: Any) -> None:
            self.draft_saved += 1

        self.bridge.op(lambda s: s.save_draft(DRAFT, state)).success(done).run_in_background()

    def _offer_draft(self, draft: dict[str, Any] | None) -> None:
        rec = (draft or {}).get("record") or {}
        typed = (
            [v for v in (rec.get("person") or {}).values() if v]
            + [rec.get("residence", {}).get("address")]
            + list(rec.get("services") or [])
        )
        if not draft or not any(typed):
            return
        self.restore_button = QPushButton(self.tr("Restore the unsaved form"))
        self.restore_button.setObjectName("primary")
        self.restore_button.setAutoDefault(False)
        self.restore_button.clicked.connect(lambda: self.restore_draft(draft))
        self.card_status.setText(self.tr("An unsaved form was found (after a crash or lock)"))
        self.banner.addWidget(self.restore_button)

    def restore_draft(self, draft: dict[str, Any]) -> None:
        self.load_record(draft.get("record") or {})
        for path in draft.get("readonly", []):
            if path in self.edits:
                self._mark_from_card(self.edits[path])
        if getattr(self, "restore_button", None) is not None:
            self.restore_button.hide()
        self.go(int(draft.get("step", 0)))

    # -- validation --------------------------------------------------------------------------
    def _changed(self, *_args: Any) -> list[Any]:
        if not hasattr(self, "draft_timer"):
            return []  # still building the pages
        if self._restoring:
            return self.errors  # many fields at once: validated once when they are all set
        if not self._restoring and not self.correcting:
            self.draft_timer.start()
        self.guardian_box.setVisible(
            self.under_age()
            or any(self.edits[f"guardian.{k}"].text() for k in ("name", "id_number", "phone"))
        )
        errors = validate_application(self.record(), city=self.settings.get("station.city"))
        self.errors = errors
        by_field: dict[str, str] = {}
        for e in errors:
            by_field.setdefault(e.field, e.message)
        for path, hint in self.hints.items():
            message = by_field.get(path) if path in self.touched else None
            hint.setText(message or "")
            hint.setVisible(bool(message))
        for i, row in enumerate(self.members):
            msgs = [
                f"{self.label_of(e.field)} {e.field.split('.')[-1]}: {e.message}"
                for e in errors
                if e.field.startswith(f"members.{i}.")
            ]
            shown = bool(msgs) and f"members.{i}" in self.touched
            row.hint.setText("；".join(msgs) if shown else "")
            row.hint.setVisible(shown)
        per_step = [0] * self.stack.count()
        for e in errors:
            per_step[step_of(e.field)] += 1
        needs_photo = self.photo is None and not self.correcting
        if needs_photo:
            per_step[3] += 1
        for i, name in enumerate(self.step_names):
            item = self.steps.item(i)
            if i == len(self.step_names) - 1:
                item.setText(name)
            elif per_step[i]:
                item.setText(f"{name}  ·  {per_step[i]}")
            else:
                item.setText(f"{name}  ✔")
        total = len(errors) + int(needs_photo)
        if total:
            first = errors[0] if errors else None
            self.blocking.setText(
                self.tr("Cannot save yet: %1 problem(s), first: %2")
                .replace("%1", str(total))
                .replace(
                    "%2",
                    f"{self.label_of(first.field)} — {first.message}"
                    if first
                    else self.tr("the photo"),
                )
            )
        else:
            self.blocking.setText(self.tr("Ready to save (Ctrl+S)"))
        if self.stack.currentIndex() == self.stack.count() - 1:
            self._fill_review(errors, needs_photo)
        return errors

    def _fill_review(self, errors: list[Any], needs_photo: bool) -> None:
        self.problems.clear()
        for e in errors:
            item = QListWidgetItem(f"{self.label_of(e.field)}：{e.message}")
            item.setData(Qt.ItemDataRole.UserRole, e.field)
            self.problems.addItem(item)
        if needs_photo:
            item = QListWidgetItem(self.tr("Photo: take the applicant's photo (F3)"))
            item.setData(Qt.ItemDataRole.UserRole, "photo")
            self.problems.addItem(item)
        count = len(errors) + int(needs_photo)
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
        self.review.setText(self._review_html())

    def _review_html(self) -> str:
        rec = self.record()
        p, r, d = rec["person"], rec["residence"], rec["dwelling"]

        def row(label: str, value: Any) -> str:
            value = "" if value is None else str(value)
            shown = value.replace("&", "&amp;").replace("<", "&lt;") if value else "—"
            return f"<tr><td class='k' width='190'>{label}</td><td>{shown}</td></tr>"

        def section(title: str, rows: list[str]) -> str:
            return (
                f"<h3>{title}</h3><table cellspacing='0' cellpadding='3'>"
                + "".join(rows)
                + "</table>"
            )

        district = self.district.currentText()
        parts = [
            section(
                self.tr("Applicant"),
                [
                    row(self.tr("Name"), p.get("name")),
                    row(self.tr("ID number"), p.get("id_number")),
                    row(self.tr("Sex"), codes.label("sex", p["sex"]) if p.get("sex") else None),
                    row(self.tr("Birth date"), p.get("birth_date")),
                    row(self.tr("Phone"), p.get("phone")),
                    row(self.tr("Hukou address"), p.get("hukou_address")),
                ],
            ),
            section(
                self.tr("Residence"),
                [
                    row(self.tr("District"), district),
                    row(self.tr("Community"), r.get("community")),
                    row(self.tr("Address"), r.get("address")),
                    row(self.tr("Arrival date"), r.get("arrival_date")),
                    row(self.tr("Intended stay (months)"), r.get("intended_months")),
                    row(self.tr("Reason"), self.reason.currentText()),
                    row(
                        self.tr("Dwelling"),
                        self.dwelling.currentText()
                        + (
                            f" · {d['landlord']['name']}"
                            if (d.get("landlord") or {}).get("name")
                            else ""
                        ),
                    ),
                ],
            ),
        ]
        if rec.get("employer"):
            e = rec["employer"]
            parts.append(
                section(
                    self.tr("Employer"),
                    [
                        row(self.tr("Employer"), e.get("name")),
                        row(self.tr("Unified social credit code"), e.get("uscc")),
                    ],
                )
            )
        if rec.get("guardian"):
            g = rec["guardian"]
            parts.append(
                section(
                    self.tr("Guardian"),
                    [
                        row(self.tr("Guardian's name"), g.get("name")),
                        row(self.tr("Guardian's phone"), g.get("phone")),
                    ],
                )
            )
        if rec["members"]:
            parts.append(
                section(
                    self.tr("Members"),
                    [
                        row(
                            codes.label("relations", m.get("relation") or "other"),
                            f"{m.get('name', '')} {m.get('birth_date', '')}",
                        )
                        for m in rec["members"]
                    ],
                )
            )
        services = "、".join(codes.label("services", s) for s in rec["services"])
        photo = (
            self.tr("taken")
            if self.photo is not None
            else (self.tr("kept from the saved version") if self.correcting else self.tr("missing"))
        )
        parts.append(
            section(
                self.tr("Services and photo"),
                [row(self.tr("Services"), services), row(self.tr("Photo"), photo)],
            )
        )
        return (
            "<style>h3{color:#1f4e79;margin:10px 0 4px 0;} td.k{color:#55606b;"
            "padding-right:18px;}</style>" + "".join(parts)
        )

    # -- devices -----------------------------------------------------------------------------
    def read_card(self) -> None:
        if self.correcting or not self.card_button.isEnabled():
            return
        self.go(0)
        self.card_button.setEnabled(False)
        self.card_status.setText(self.tr("Reading the card…"))
        read_id_card(self.settings, self.bridge.dispatch, self._card_read, self._card_failed)

    def unlock_card_fields(self) -> None:
        """A supervisor may edit what the card gave (the record keeps who saved it)."""
        if not self.bridge.can("app.correct_any"):
            return
        for edit in self.edits.values():
            if edit.property("fromCard"):
                edit.setReadOnly(False)
                edit.setStyleSheet("background: #fff8e6; border-color: #e0b050;")
                edit.setToolTip(self.tr("From the ID card, unlocked by the supervisor"))
        self.unlock_button.setEnabled(False)

    def open_duplicate(self, uuid: str) -> None:
        from ui.record_view import RecordView

        self.duplicate_view = RecordView(self.bridge, uuid, self)
        self.duplicate_view.show()

    def _mark_from_card(self, edit: QLineEdit) -> None:
        if hasattr(self, "unlock_button"):
            self.unlock_button.setEnabled(True)
        edit.setReadOnly(True)
        edit.setToolTip(self.tr("From the ID card"))
        edit.setProperty("fromCard", True)
        edit.setStyleSheet("background: #eef6ee; border-color: #8fbf8f;")

    def _card_read(self, data: dict[str, Any]) -> None:
        from devices.idcard import refuse_for_permit

        self.card_button.setEnabled(True)
        try:
            refuse_for_permit(data)
        except StationError as exc:
            self.card_status.setText(exc.message)
            return
        self._restoring = True  # nine fields at once: validated once below
        try:
            for key in PERSON_FIELDS:
                value = (data.get("person") or {}).get(key)
                if value:
                    edit = self.edits[f"person.{key}"]
                    edit.setText(str(value))
                    self._mark_from_card(edit)
        finally:
            self._restoring = False
        self.card_status.setText(self.tr("Read from the card ✔ (green fields)"))
        self.edits["person.phone"].setFocus()
        self._changed()
        self.check_duplicates()

    def _card_failed(self, exc: BaseException) -> None:
        self.card_button.setEnabled(True)
        self.card_status.setText(
            exc.message if isinstance(exc, StationError) else type(exc).__name__
        )

    def check_duplicates(self) -> None:
        """Warn when this person already has an application at the station."""
        record = self.record()
        exclude = self.correcting.get("uuid") if self.correcting else None
        self._duplicate_asked += 1
        asked = self._duplicate_asked
        self.bridge.op(lambda s: s.possible_duplicates(record, exclude)).success(
            lambda found: self._show_duplicates(found, asked)
        ).run_in_background()

    def _show_duplicates(self, found: list[dict[str, Any]], asked: int | None = None) -> None:
        if asked is not None and asked != self._duplicate_asked:
            return  # the answer about an earlier card, come after a newer question
        self.duplicates = found
        if not found:
            self.duplicate_label.hide()
            return
        first = found[0]
        how = (
            self.tr("the same ID number")
            if first.get("match") == "id_number"
            else self.tr("the same name and birth date")
        )
        link = f"<a href='{first['uuid']}'>{first['number']}</a>"
        self.duplicate_label.setText(
            self.tr(
                "Already registered at this station (%1): application %2 of %3. Check "
                "whether this is an endorsement, a change or a replacement instead."
            )
            .replace("%1", how)
            .replace("%2", link)
            .replace("%3", str(first["captured_at"])[:10])
        )
        self.duplicate_label.show()

    def take_photo(self) -> None:
        """The live preview inside the photo step (the camera runs only while it is shown);
        the photo is taken when every check has passed, or by hand with a confirmation."""
        import devices
        from ui.photo_preview import PhotoPreview

        self.go(3)
        if self.preview is None:
            self.preview = PhotoPreview()
            self.preview.setMinimumSize(640, 340)
            self.preview.captured.connect(lambda shot: self._photo_taken(shot, self))
            self.preview.failed.connect(self.photo_label.setText)  # the form stays as it is
            self.preview_area.addWidget(self.preview)
        try:
            camera = devices.open_device("camera", self.settings)
        except StationError as exc:
            self.photo_label.setText(exc.message)
            return
        self.preview.show()
        self.preview.start(camera)
        self.preview.setFocus()

    def stop_camera(self) -> None:
        if self.preview is not None:
            self.preview.stop()
            self.preview.hide()

    def done(self, result: int) -> None:  # noqa: D102 - QDialog's; the camera goes off
        self.stop_camera()
        super().done(result)

    def _photo_taken(self, shot: Any, dialog: QDialog) -> None:
        from ui.qt import QPixmap

        self.photo = shot
        pixmap = QPixmap()
        if pixmap.loadFromData(shot.jpeg):
            self.photo_view.setPixmap(
                pixmap.scaled(
                    self.photo_view.size(),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        self.photo_label.setText(
            self.tr("Photo taken ✔") + (self.tr(" (checked by hand)") if shot.override else "")
        )
        self.photo_button.setText(self.tr("Retake (F3)"))
        self.stop_camera()
        if dialog is not self:
            dialog.accept()
        self._changed()
        self.go(4)  # the photo is the last thing to take: on to the review

    # -- saving ------------------------------------------------------------------------------
    def save(self) -> None:
        if self.saved is not None and not self.correcting:
            return
        self.touched.update(self.edits)
        self.member_edited()
        errors = self._changed()
        if errors:
            self.go(4)
            self.problems.setCurrentRow(0)
            self.problems.setFocus()
            return
        if self.photo is None and not self.correcting:
            self.go(3)
            self.blocking.setText(self.tr("Take the applicant's photo first (F3)"))
            self.photo_button.setFocus()
            return
        record = self.record()
        jpeg = self.photo.jpeg if self.photo is not None else None
        self.save_button.setEnabled(False)
        override = (
            list(self.photo.analysis.reasons)
            if self.photo is not None and self.photo.override
            else None
        )

        def noted(s: Any, result: dict[str, Any]) -> dict[str, Any]:
            if override is not None:  # a photo taken although a check failed: a review flag
                from station.desk import note_photo_override

                note_photo_override(s, result["uuid"], override)
            return result

        if self.correcting:
            ref = str(self.correcting["uuid"])
            op = self.bridge.op(lambda s: noted(s, s.correct_application(ref, record, jpeg)))
        else:
            op = self.bridge.op(lambda s: noted(s, s.save_application(record, jpeg)))
        op.success(self._saved).failure(self._save_failed).with_progress(
            self.tr("Saving…")
        ).run_in_background()

    def receipt(self, pdf_path: str | None = None) -> None:
        """Print the receipt; without a printer (or with ``pdf_path``) save it as PDF."""
        if self.saved is None:
            return
        from station.receipt import receipt_data

        number = self.saved["number"]
        self.bridge.op(lambda s: receipt_data(s, number)).success(
            lambda data: self._print(data, pdf_path)
        ).run_in_background()

    def _print(self, data: dict[str, Any], pdf_path: str | None) -> None:
        from pathlib import Path

        from ui.qt import QFileDialog
        from ui.receipt import print_receipt, save_pdf

        if pdf_path is None and print_receipt(data, self):
            return
        if pdf_path is None:
            pdf_path, _f = QFileDialog.getSaveFileName(
                self, self.tr("Save the receipt"), f"receipt-{data['number']}.pdf", "*.pdf"
            )
        if pdf_path:
            save_pdf(data, Path(pdf_path))
            self.saved_label.setText(self.tr("Receipt saved: %1").replace("%1", pdf_path))

    def _saved(self, result: dict[str, Any]) -> None:
        self.saved = result
        self.receipt_button.setEnabled(True)
        self.draft_timer.stop()
        if not self.correcting:
            self.bridge.op(lambda s: s.clear_draft(DRAFT)).run_in_background()
            self.card_button.setEnabled(False)
            self.blocking.setText(self.tr("Saved. Ctrl+P prints the receipt; Esc closes."))
            self.saved_label.setText(
                self.tr("Saved: application %1").replace("%1", result["number"])
            )
            self.receipt_button.setFocus()
        else:
            self.save_button.setEnabled(True)
            self.saved_label.setText(
                self.tr("Correction saved as version %1").replace("%1", str(result["version"]))
                if result.get("changed")
                else self.tr("Nothing changed")
            )
        self.photo_label.setText(self.saved_label.text())

    def _save_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        text = exc.message if isinstance(exc, StationError) else type(exc).__name__
        self.blocking.setText(text)
        self.saved_label.setText(text)


__all__ = ["IntakeDialog", "age_on", "step_of"]
