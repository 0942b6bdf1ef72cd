"""New registration (居住登记): card read → form → photo → save, keyboard first.

A first version of the coordinator's intake form: the ID card fills the person section (fields
from the card are marked and read-only), the rest is typed, the core's validation runs on every
change and is shown next to each touched field and as a list of what blocks saving, the photo
comes from the live preview, and saving runs on the database worker. Shortcuts: F2 read the
card, F3 photo, Ctrl+S save.
"""

from __future__ import annotations

from typing import Any

from station import codes
from station.errors import StationError
from station.validation import validate_application
from ui.adapter import StationBridge, run_in_thread
from ui.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QShortcut,
    QSpinBox,
    QTimer,
    QVBoxLayout,
    QWidget,
)

DRAFT = "intake.new"
PERSON_FIELDS = ("id_number", "name", "sex", "ethnic", "birth_date", "hukou_address",
                 "id_authority", "id_valid_from", "id_valid_to")


class IntakeDialog(QDialog):
    def __init__(self, bridge: StationBridge, settings: dict[str, str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.settings = settings
        self.photo: Any = None
        self.saved: dict[str, str] | None = None
        self.touched: set[str] = set()
        self.edits: dict[str, QLineEdit] = {}
        self.hints: dict[str, QLabel] = {}
        self.setWindowTitle(self.tr("New registration"))
        self.resize(1280, 720)

        # -- person (from the card) ---------------------------------------------------------
        self.card_button = QPushButton(self.tr("Read ID card (F2)"))
        self.card_button.setObjectName("primary")
        self.card_button.clicked.connect(self.read_card)
        self.card_status = QLabel(self.tr("Place the ID card on the reader"))
        person = QGroupBox(self.tr("Applicant"))
        pform = QFormLayout(person)
        row = QHBoxLayout()
        row.addWidget(self.card_button)
        row.addWidget(self.card_status, 1)
        pform.addRow(row)
        labels = {"id_number": self.tr("ID number"), "name": self.tr("Name"),
                  "sex": self.tr("Sex (1 male, 2 female)"), "ethnic": self.tr("Ethnic group code"),
                  "birth_date": self.tr("Birth date"), "hukou_address": self.tr("Hukou address"),
                  "id_authority": self.tr("Issuing authority"),
                  "id_valid_from": self.tr("Valid from"), "id_valid_to": self.tr("Valid to"),
                  "phone": self.tr("Phone")}
        for key in (*PERSON_FIELDS, "phone"):
            self._field(pform, f"person.{key}", labels[key])

        # -- residence ------------------------------------------------------------------------
        residence = QGroupBox(self.tr("Residence in the city"))
        rform = QFormLayout(residence)
        self.district = QComboBox()
        for code, name in codes.divisions(settings.get("station.city", "4501")).items():
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
        self.reason = QComboBox()
        for code in codes.table("reason"):
            self.reason.addItem(codes.label("reason", code), code)
        self.reason.currentIndexChanged.connect(self._changed)
        rform.addRow(self.tr("Reason"), self.reason)
        self.dwelling = QComboBox()
        for code in codes.table("dwelling"):
            self.dwelling.addItem(codes.label("dwelling", code), code)
        self.dwelling.currentIndexChanged.connect(self._changed)
        rform.addRow(self.tr("Dwelling"), self.dwelling)
        self._field(rform, "dwelling.landlord.name", self.tr("Landlord"))
        self._field(rform, "dwelling.landlord.phone", self.tr("Landlord's phone"))
        self._field(rform, "dwelling.landlord.id_number", self.tr("Landlord's ID number"))

        # -- employer and services ------------------------------------------------------------
        employer = QGroupBox(self.tr("Employer and services"))
        eform = QFormLayout(employer)
        self._field(eform, "employer.name", self.tr("Employer"))
        self._field(eform, "employer.uscc", self.tr("Unified social credit code"))
        self._field(eform, "employer.address", self.tr("Employer's address"))
        self.services: dict[str, QCheckBox] = {}
        grid = QGridLayout()
        for i, code in enumerate(codes.table("services")):
            box = QCheckBox(codes.label("services", code))
            box.toggled.connect(self._changed)
            self.services[code] = box
            grid.addWidget(box, i // 2, i % 2)
        eform.addRow(grid)

        # -- photo and saving ----------------------------------------------------------------
        self.photo_label = QLabel(self.tr("No photo yet (F3)"))
        photo_button = QPushButton(self.tr("Take photo (F3)"))
        photo_button.clicked.connect(self.take_photo)
        self.blocking = QLabel("")
        self.blocking.setObjectName("error")
        self.blocking.setWordWrap(True)
        self.receipt_button = QPushButton(self.tr("Receipt (Ctrl+P)"))
        self.receipt_button.setEnabled(False)
        self.receipt_button.clicked.connect(self.receipt)
        QShortcut(QKeySequence("Ctrl+P"), self, activated=self.receipt)
        self.save_button = QPushButton(self.tr("Save (Ctrl+S)"))
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(self.save)

        columns = QHBoxLayout()
        for group in (person, residence, employer):
            columns.addWidget(group, 1)
        body = QWidget()
        body.setLayout(columns)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        bottom = QHBoxLayout()
        bottom.addWidget(photo_button)
        bottom.addWidget(self.photo_label)
        bottom.addWidget(self.blocking, 1)
        bottom.addWidget(self.receipt_button)
        bottom.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(bottom)
        QShortcut(QKeySequence("F2"), self, activated=self.read_card)
        QShortcut(QKeySequence("F3"), self, activated=self.take_photo)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.save)
        self.draft_timer = QTimer(self)
        self.draft_timer.setSingleShot(True)
        self.draft_timer.setInterval(800)
        self.draft_timer.timeout.connect(self.save_draft)
        self.draft_saved = 0
        self._restoring = False
        self._fill_communities()
        self._changed()
        self.bridge.op(lambda s: s.load_draft(DRAFT)).success(self._offer_draft) \
            .run_in_background()

    # -- fields ------------------------------------------------------------------------------
    def _field(self, form: QFormLayout, path: str, label: str) -> None:
        edit = QLineEdit()
        edit.setObjectName(path)
        hint = QLabel("")
        hint.setObjectName("fieldError")
        hint.setWordWrap(True)
        hint.hide()
        edit.textEdited.connect(lambda _t, p=path: (self.touched.add(p), self._changed()))
        holder = QVBoxLayout()
        holder.setSpacing(2)
        holder.addWidget(edit)
        holder.addWidget(hint)
        form.addRow(label, holder)
        self.edits[path], self.hints[path] = edit, hint

    def _fill_communities(self) -> None:
        self.community.clear()
        for c in codes.communities(self.district.currentData() or ""):
            self.community.addItem(f"{c['street']} · {c['name']}", c["name"])
        self._changed()

    def record(self) -> dict[str, Any]:
        def text(path: str) -> str | None:
            value = self.edits[path].text().strip()
            return value or None

        person = {k: text(f"person.{k}") for k in (*PERSON_FIELDS, "phone")}
        rec: dict[str, Any] = {
            "kind": "new",
            "person": {k: v for k, v in person.items() if v is not None},
            "residence": {"division_code": self.district.currentData(),
                          "community": self.community.currentData(),
                          "address": text("residence.address"),
                          "arrival_date": text("residence.arrival_date"),
                          "intended_months": self.months.value(),
                          "reason": self.reason.currentData()},
            "dwelling": {"type": self.dwelling.currentData()},
            "employer": None, "guardian": None, "members": [],
            "services": [c for c, box in self.services.items() if box.isChecked()],
        }
        rec["residence"] = {k: v for k, v in rec["residence"].items() if v is not None}
        if rec["dwelling"]["type"] == "rented":
            rec["dwelling"]["landlord"] = {
                k: text(f"dwelling.landlord.{k}") or "" for k in ("name", "phone", "id_number")}
        if text("employer.name") or text("employer.uscc"):
            rec["employer"] = {k: text(f"employer.{k}") or "" for k in ("name", "uscc",
                                                                       "address")}
            if not rec["employer"]["address"]:
                rec["employer"].pop("address")
        return rec

    # -- drafts ------------------------------------------------------------------------------
    def draft_state(self) -> dict[str, Any]:
        return {"edits": {p: e.text() for p, e in self.edits.items()},
                "readonly": [p for p, e in self.edits.items() if e.isReadOnly()],
                "district": self.district.currentData(),
                "community": self.community.currentData(), "months": self.months.value(),
                "reason": self.reason.currentData(), "dwelling": self.dwelling.currentData(),
                "services": [c for c, b in self.services.items() if b.isChecked()]}

    def save_draft(self) -> None:
        if self.saved is not None:
            return
        state = self.draft_state()

        def done(_r: Any) -> None:
            self.draft_saved += 1

        self.bridge.op(lambda s: s.save_draft(DRAFT, state)).success(done).run_in_background()

    def _offer_draft(self, draft: dict[str, Any] | None) -> None:
        if not draft or not any(draft.get("edits", {}).values()):
            return
        self.restore_button = QPushButton(self.tr("Restore the unsaved form"))
        self.restore_button.clicked.connect(lambda: self.restore_draft(draft))
        self.card_status.setText(self.tr("An unsaved form was found (after a crash or lock)"))
        self.layout().insertWidget(0, self.restore_button)

    def restore_draft(self, draft: dict[str, Any]) -> None:
        self._restoring = True
        try:
            for combo, key in ((self.district, "district"), (self.reason, "reason"),
                               (self.dwelling, "dwelling")):
                i = combo.findData(draft.get(key))
                if i >= 0:
                    combo.setCurrentIndex(i)
            self._fill_communities()
            i = self.community.findData(draft.get("community"))
            if i >= 0:
                self.community.setCurrentIndex(i)
            self.months.setValue(int(draft.get("months", 12)))
            for path, text in draft.get("edits", {}).items():
                if path in self.edits:
                    self.edits[path].setText(text)
                    self.edits[path].setReadOnly(path in draft.get("readonly", []))
            for code, box in self.services.items():
                box.setChecked(code in draft.get("services", []))
        finally:
            self._restoring = False
        if getattr(self, "restore_button", None) is not None:
            self.restore_button.hide()
        self._changed()

    def _changed(self, *_args: Any) -> list[Any]:
        if hasattr(self, "draft_timer") and not self._restoring:
            self.draft_timer.start()
        errors = validate_application(self.record(), city=self.settings.get("station.city"))
        by_field: dict[str, str] = {}
        for e in errors:
            by_field.setdefault(e.field, e.message)
        for path, hint in self.hints.items():
            message = by_field.get(path) if path in self.touched else None
            hint.setText(message or "")
            hint.setVisible(bool(message))
        if errors:
            self.blocking.setText(self.tr("Cannot save yet: %1 problem(s), first: %2")
                                  .replace("%1", str(len(errors)))
                                  .replace("%2", f"{errors[0].field} — {errors[0].message}"))
        else:
            self.blocking.setText("")
        return errors

    # -- devices -----------------------------------------------------------------------------
    def read_card(self) -> None:
        import devices

        self.card_button.setEnabled(False)
        self.card_status.setText(self.tr("Reading the card…"))
        settings = self.settings

        def work() -> dict[str, Any]:
            reader = devices.open_device("idreader", settings)
            try:
                data: dict[str, Any] = reader.read(wait=10)
                return data
            finally:
                reader.close()

        run_in_thread(work, self.bridge.dispatch, self._card_read, self._card_failed)

    def _card_read(self, data: dict[str, Any]) -> None:
        from devices.idcard import refuse_for_permit

        self.card_button.setEnabled(True)
        try:
            refuse_for_permit(data)
        except StationError as exc:
            self.card_status.setText(exc.message)
            return
        for key in PERSON_FIELDS:
            value = (data.get("person") or {}).get(key)
            if value:
                edit = self.edits[f"person.{key}"]
                edit.setText(str(value))
                edit.setReadOnly(True)
                edit.setToolTip(self.tr("From the ID card"))
                edit.setStyleSheet("background: #eef6ee")
        self.card_status.setText(self.tr("Read from the card ✔"))
        self.edits["person.phone"].setFocus()
        self._changed()

    def _card_failed(self, exc: BaseException) -> None:
        self.card_button.setEnabled(True)
        self.card_status.setText(exc.message if isinstance(exc, StationError)
                                 else type(exc).__name__)

    def take_photo(self) -> None:
        import devices
        from ui.photo_preview import PhotoPreview

        dialog = QDialog(self)
        dialog.setWindowTitle(self.tr("Photo"))
        dialog.resize(1000, 600)
        preview = PhotoPreview(parent=dialog)
        QVBoxLayout(dialog).addWidget(preview)
        try:
            camera = devices.open_device("camera", self.settings)
        except StationError as exc:
            self.photo_label.setText(exc.message)
            return
        preview.captured.connect(lambda shot: self._photo_taken(shot, dialog))
        preview.start(camera)
        dialog.finished.connect(lambda _r: preview.stop())
        self.photo_dialog = dialog
        dialog.show()

    def _photo_taken(self, shot: Any, dialog: QDialog) -> None:
        self.photo = shot
        self.photo_label.setText(self.tr("Photo taken ✔") + (
            self.tr(" (checked by hand)") if shot.override else ""))
        dialog.accept()

    # -- saving ------------------------------------------------------------------------------
    def save(self) -> None:
        self.touched.update(self.edits)
        if self._changed():
            return
        if self.photo is None:
            self.blocking.setText(self.tr("Take the applicant's photo first (F3)"))
            return
        record, jpeg = self.record(), self.photo.jpeg
        self.save_button.setEnabled(False)
        self.bridge.op(lambda s: s.save_application(record, jpeg)).success(self._saved) \
            .failure(self._save_failed).with_progress(self.tr("Saving…")).run_in_background()

    def receipt(self, pdf_path: str | None = None) -> None:
        """Print the receipt; without a printer (or with ``pdf_path``) save it as PDF."""
        if self.saved is None:
            return
        from station.receipt import receipt_data

        number = self.saved["number"]
        self.bridge.op(lambda s: receipt_data(s, number)).success(
            lambda data: self._print(data, pdf_path)).run_in_background()

    def _print(self, data: dict[str, Any], pdf_path: str | None) -> None:
        from pathlib import Path

        from ui.qt import QFileDialog
        from ui.receipt import print_receipt, save_pdf

        if pdf_path is None and print_receipt(data, self):
            return
        if pdf_path is None:
            pdf_path, _f = QFileDialog.getSaveFileName(self, self.tr("Save the receipt"),
                                                       f"receipt-{data['number']}.pdf", "*.pdf")
        if pdf_path:
            save_pdf(data, Path(pdf_path))
            self.photo_label.setText(self.tr("Receipt saved: %1").replace("%1", pdf_path))

    def _saved(self, result: dict[str, str]) -> None:
        self.saved = result
        self.receipt_button.setEnabled(True)
        self.draft_timer.stop()
        self.bridge.op(lambda s: s.clear_draft(DRAFT)).run_in_background()
        self.blocking.setText("")
        self.photo_label.setText(self.tr("Saved: application %1").replace("%1", result["number"]))

    def _save_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.blocking.setText(exc.message if isinstance(exc, StationError)
                              else type(exc).__name__)


__all__ = ["IntakeDialog"]
