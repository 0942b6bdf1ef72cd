"""The wizard's window: the steps, moving between them, the core's validation shown as the
coordinator types, the ID card and the photo, drafts, saving and the receipt.

The pages (``pages``, ``review``) lay out the fields, ``form`` turns them into a record and
back; this module ties them together. Windows are opened by the main window: the duplicate
warning's link asks for the record (``record_requested``), it does not open it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from station.errors import FieldError, StationError
from station.validation import validate_application
from ui.adapter import StationBridge
from ui.device_bridge import DeviceCall, DeviceSession
from ui.intake.drafts import Drafts
from ui.intake.fields import PERSON_FIELDS, PHOTO_STEP, REVIEW_STEP, FieldSet, MemberRow, step_of
from ui.intake.form import IntakeForm
from ui.intake.frame import WizardFrame
from ui.intake.pages import ApplicantPage, HouseholdPage, ResidencePage, ServicesPage
from ui.intake.problems import Problems
from ui.intake.review import ReviewPage
from ui.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QPixmap,
    QPushButton,
    Qt,
    QWidget,
    Signal,
    shortcut,
)

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from station.photo import CapturedPhoto
    from station.profile import Profile
    from ui.photo_preview import PhotoPreview


class IntakeDialog(QDialog):
    """The wizard. ``correct`` (a stored record) opens it as a correction of that record."""

    record_requested = Signal(str)  # an application's uuid (the duplicate warning's link)

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
        # the station profile: the city's districts and communities
        self.profile: Profile | None = bridge.profile
        self.correcting = correct
        self.kind: str = kind or (str(correct.get("kind", "new")) if correct else "new")
        self.photo: CapturedPhoto | None = None
        self.saved_photo: bytes | None = None  # the stored photo a correction keeps
        self.saved: dict[str, Any] | None = None
        self.touched: set[str] = set()
        self.errors: list[FieldError] = []
        self.duplicates: list[dict[str, Any]] = []
        self.preview: PhotoPreview | None = None  # the live preview, made on the first F3
        self.reader: DeviceSession | None = None  # the ID-card reader, from the first F2
        self.restore_button: QPushButton | None = None
        self._ready = False  # the pages are built
        self._restoring = False  # many fields set at once: validated once afterwards
        self._duplicate_asked = 0  # serial of the latest duplicate check
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

        self.fields = FieldSet(self)
        self.fields.changed.connect(self._changed)
        self.fields.typed.connect(self._touch)
        self.fields.member_typed.connect(self._member_typed)
        self.applicant = ApplicantPage(self.fields, bridge.can("app.correct_any"))
        self.residence = ResidencePage(
            self.fields, self.profile, settings.get("station.city", "4501")
        )
        self.household = HouseholdPage(self.fields)
        self.services_page = ServicesPage(self.fields)
        self.review_page = ReviewPage()
        self.form = IntakeForm(
            self.fields, self.applicant, self.residence, self.household, self.services_page
        )
        # the widgets the screens, the tools and the tests reach through the wizard
        self.edits, self.hints = self.fields.edits, self.fields.hints
        self.card_button, self.card_status = self.applicant.card_button, self.applicant.card_status
        self.duplicate_label = self.applicant.duplicate_label
        self.unlock_button = self.applicant.unlock_button
        self.education = self.applicant.education
        self.months, self.reason = self.residence.months, self.residence.reason
        self.dwelling = self.residence.dwelling
        self.guardian_box = self.household.guardian_box
        self.services: dict[str, QCheckBox] = self.services_page.services
        self.photo_label = self.services_page.photo_label
        self.photo_button = self.services_page.photo_button
        self.problems = self.review_page.problems
        self.save_button = self.review_page.save_button

        self.step_names = [
            self.tr("1 Applicant"),
            self.tr("2 Residence"),
            self.tr("3 Work and family"),
            self.tr("4 Services and photo"),
            self.tr("5 Review and save"),
        ]
        pages = (self.applicant, self.residence, self.household, self.services_page)
        frame = WizardFrame((*pages, self.review_page), self.step_names)
        self.steps, self.stack, self.banner = frame.steps, frame.stack, frame.banner
        self.back_button, self.next_button = frame.back_button, frame.next_button
        self.blocking = frame.blocking
        self.problem_display = Problems(self.fields, self.steps, self.step_names, self.blocking)
        QHBoxLayout(self).addWidget(frame)
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)

        self.steps.currentRowChanged.connect(self.go)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.forward)
        self.card_button.clicked.connect(self.read_card)
        self.unlock_button.clicked.connect(self.unlock_card_fields)
        self.duplicate_label.linkActivated.connect(self.open_duplicate)
        self.household.add_member_button.clicked.connect(self._add_member_clicked)
        self.photo_button.clicked.connect(self.take_photo)
        self.review_page.problem_chosen.connect(self._jump_to_problem)
        self.save_button.clicked.connect(self.save)
        self.review_page.receipt_button.clicked.connect(self._receipt_clicked)
        shortcut(self, "F2", self.read_card)
        shortcut(self, "F3", self.take_photo)
        shortcut(self, "Ctrl+S", self.save)
        shortcut(self, "Ctrl+P", self.receipt)
        shortcut(self, "Alt+Right", self.forward)
        shortcut(self, "Alt+Left", self.back)
        shortcut(self, "Ctrl+M", self.add_member)
        self.drafts = Drafts(bridge, self.draft_state, self)
        self.drafts.offered.connect(self._offer_draft)
        self._ready = True
        if correct:
            self.load_record(correct)
            self.touched.update(self.edits)
            self._load_saved_photo(correct)
        self.go(0)
        self._changed()
        if not correct:
            self.drafts.look()
        bridge.devices.preload_camera()

    @property
    def members(self) -> list[MemberRow]:
        return self.household.members

    def record(self) -> dict[str, Any]:
        return self.form.record(self.kind)

    @contextmanager
    def _many_fields(self) -> Iterator[None]:
        """Many fields set at once (a record, a card): validated once, afterwards."""
        self._restoring = True
        try:
            yield
        finally:
            self._restoring = False
        self._changed()

    def load_record(self, rec: dict[str, Any]) -> None:
        """Fill every widget from a record (a correction, or a restored draft)."""
        with self._many_fields():
            self.form.load(rec)

    def _load_saved_photo(self, rec: dict[str, Any]) -> None:
        """The photo a correction keeps, for the review page."""
        if not rec.get("photo"):
            return
        ref = str(rec["photo"])

        def shown(jpeg: bytes) -> None:
            self.saved_photo = jpeg
            self._changed()

        def missing(exc: BaseException) -> None:  # the review then says "no photo" beside it
            log.warning("the kept photo could not be read: %s", type(exc).__name__)

        self.bridge.op(lambda s: s.photo(ref)).success(shown).failure(missing).run_in_background()

    # -- fields ------------------------------------------------------------------------------
    def _touch(self, path: str) -> None:
        if path not in self.touched:  # its problem is shown from now on
            self.touched.add(path)
            self._changed()

    def add_member(self, member: dict[str, Any] | None = None) -> MemberRow:
        row = self.household.add_member(member)
        if not member and not self._restoring:
            self.go(2)
            for widget in row.widgets()[:-1]:
                widget.show()  # visible now, so that Enter and Tab can reach them
            row.name.setFocus()
        return row

    def _add_member_clicked(self) -> None:
        self.add_member()

    def remove_member(self, row: MemberRow) -> None:
        self.household.remove_member(row)

    def member_edited(self, *_args: Any) -> None:
        """Every member row's problems are shown from now on."""
        for i in range(len(self.members)):
            self.touched.add(f"members.{i}")
        self._changed()

    def _member_typed(self) -> None:
        if any(f"members.{i}" not in self.touched for i in range(len(self.members))):
            self.member_edited()

    # -- steps -------------------------------------------------------------------------------
    def forward(self) -> None:
        self.go(self.stack.currentIndex() + 1)

    def back(self) -> None:
        self.go(self.stack.currentIndex() - 1)

    def go(self, index: int) -> None:
        index = max(0, min(index, self.stack.count() - 1))
        if index != PHOTO_STEP:
            self.stop_camera()  # the camera runs only on the photo step
        if self.stack.currentIndex() != index:
            self.stack.setCurrentIndex(index)
        if self.steps.currentRow() != index:
            self.steps.setCurrentRow(index)
        self.back_button.setEnabled(index > 0)
        self.next_button.setVisible(index < self.stack.count() - 1)
        if index == REVIEW_STEP:
            self.touched.update(self.edits)
            self.member_edited()
            self.save_button.setFocus()
        else:
            self._focus_first(index)

    def _focus_first(self, index: int) -> None:
        """The first empty field of the step, else its first control."""
        page = self.stack.widget(index)
        if page is None:
            return
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

    def _jump_to_problem(self, path: str) -> None:
        self.go(step_of(path))
        edit: QWidget | None = self.edits.get(path)
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
        return self.problem_display.label_of(path)

    # -- drafts ------------------------------------------------------------------------------
    def draft_state(self) -> dict[str, Any]:
        return {
            "record": self.record(),
            "readonly": [p for p, e in self.edits.items() if e.isReadOnly()],
            "step": self.stack.currentIndex(),
        }

    @property
    def draft_saved(self) -> int:
        return self.drafts.saved

    def _offer_draft(self, draft: dict[str, Any]) -> None:
        button = QPushButton(self.tr("Restore the unsaved form"))
        button.setObjectName("primary")
        button.setAutoDefault(False)
        button.clicked.connect(lambda _c=False: self.restore_draft(draft))
        self.restore_button = button
        self.card_status.setText(self.tr("An unsaved form was found (after a crash or lock)"))
        self.banner.addWidget(button)

    def restore_draft(self, draft: dict[str, Any]) -> None:
        self.load_record(draft.get("record") or {})
        for path in draft.get("readonly", []):
            if path in self.edits:
                self._mark_from_card(self.edits[path])
        if self.restore_button is not None:
            self.restore_button.hide()
        self.go(int(draft.get("step", 0)))

    # -- validation --------------------------------------------------------------------------
    def _changed(self) -> list[FieldError]:
        if not self._ready:
            return []  # still building the pages
        if self._restoring:
            return self.errors  # many fields at once: validated once when they are all set
        if not self.correcting and self.saved is None:
            self.drafts.changed()
        self.guardian_box.setVisible(
            self.form.under_age()
            or any(self.edits[f"guardian.{k}"].text() for k in ("name", "id_number", "phone"))
        )
        errors = validate_application(
            self.record(), profile=self.profile, city=self.settings.get("station.city")
        )
        self.errors = errors
        needs_photo = self.photo is None and not self.correcting
        self.problem_display.show(errors, self.touched, self.members, needs_photo)
        if self.stack.currentIndex() == REVIEW_STEP:
            self._fill_review(errors, needs_photo)
        return errors

    def _fill_review(self, errors: list[FieldError], needs_photo: bool) -> None:
        self.review_page.show_problems(self.problem_display.listed(errors, needs_photo))
        jpeg: bytes | None
        if self.photo is not None:
            jpeg, state = self.photo.jpeg, self.tr("taken")
        elif self.correcting and self.saved_photo is not None:
            jpeg, state = self.saved_photo, self.tr("kept from the saved version")
        elif self.correcting:
            jpeg, state = None, self.tr("none yet: without one, no card is made (F3 takes it)")
        else:
            jpeg, state = None, self.tr("missing")
        self.review_page.show_record(self.record(), jpeg, state)

    # -- devices -----------------------------------------------------------------------------
    def read_card(self) -> None:
        if self.correcting or not self.card_button.isEnabled():
            return
        self.go(0)
        self.card_button.setEnabled(False)
        self.card_status.setText(self.tr("Reading the card…"))
        if self.reader is None:
            self.reader = self.bridge.devices.id_reader(self.settings, self)
        call: DeviceCall = self.reader.read(wait=10, refuse_permit=True)
        call.done.connect(self._card_read)
        call.failed.connect(self._card_failed)

    def unlock_card_fields(self) -> None:
        """A supervisor may edit what the card gave (the record keeps who saved it)."""
        if not self.bridge.can("app.correct_any"):
            return
        self.fields.unlock_card_fields()
        self.unlock_button.setEnabled(False)

    def open_duplicate(self, uuid: str) -> None:
        """The main window opens the record (the wizard does not open windows of its own)."""
        self.record_requested.emit(uuid)

    def _mark_from_card(self, edit: QLineEdit) -> None:
        self.unlock_button.setEnabled(True)
        self.fields.mark_from_card(edit)

    def _card_read(self, data: dict[str, Any]) -> None:
        self.card_button.setEnabled(True)
        with self._many_fields():  # nine fields at once: validated once
            for key in PERSON_FIELDS:
                value = (data.get("person") or {}).get(key)
                if value:
                    edit = self.edits[f"person.{key}"]
                    edit.setText(str(value))
                    self._mark_from_card(edit)
        self.card_status.setText(self.tr("Read from the card ✔ (green fields)"))
        self.edits["person.phone"].setFocus()
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
        self.applicant.show_duplicates(found)

    def take_photo(self) -> None:
        """The live preview inside the photo step (the camera runs only while it is shown);
        the photo is taken when every check has passed, or by hand with a confirmation."""
        self.bridge.devices.camera_modules()
        from ui.photo_preview import PhotoPreview

        self.go(PHOTO_STEP)
        if self.preview is None:
            session = self.bridge.devices.camera(self.settings, self)
            self.preview = PhotoPreview(session=session)
            self.preview.setMinimumSize(640, 340)
            self.preview.captured.connect(self._photo_taken)
            self.preview.failed.connect(self.photo_label.setText)  # the form stays as it is
            self.services_page.preview_area.addWidget(self.preview)
        self.preview.show()
        self.preview.start()
        self.preview.setFocus()

    def stop_camera(self) -> None:
        if self.preview is not None:
            self.preview.stop()
            self.preview.hide()

    def done(self, result: int) -> None:  # noqa: D102 - QDialog's; the devices go off
        self.stop_camera()
        if self.reader is not None:
            self.reader.close()
        super().done(result)

    def _photo_taken(self, shot: CapturedPhoto, dialog: QDialog | None = None) -> None:
        self.photo = shot
        view = self.services_page.photo_view
        pixmap = QPixmap()
        if pixmap.loadFromData(shot.jpeg):
            view.setPixmap(
                pixmap.scaled(
                    view.size(),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        self.photo_label.setText(
            self.tr("Photo taken ✔") + (self.tr(" (checked by hand)") if shot.override else "")
        )
        self.photo_button.setText(self.tr("Retake (F3)"))
        self.stop_camera()
        if dialog is not None and dialog is not self:
            dialog.accept()
        self._changed()
        self.go(REVIEW_STEP)  # the photo is the last thing to take: on to the review

    # -- saving ------------------------------------------------------------------------------
    def save(self) -> None:
        if self.saved is not None and not self.correcting:
            return
        self.touched.update(self.edits)
        self.member_edited()
        errors = self._changed()
        if errors:
            self.go(REVIEW_STEP)
            self.problems.setCurrentRow(0)
            self.problems.setFocus()
            return
        if self.photo is None and not self.correcting:
            self.go(PHOTO_STEP)
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

        # a photo taken although a check failed is a review flag, saved with the record
        if self.correcting:
            ref = str(self.correcting["uuid"])

            def correct(s: Any) -> dict[str, Any]:
                done = s.correct_application(ref, record, jpeg, photo_override=override)
                return dict(done, state=s.apps.state_of(ref))  # photo_needed: waits for one

            op = self.bridge.op(correct)
        else:
            op = self.bridge.op(lambda s: s.save_application(record, jpeg, photo_override=override))
        op.success(self._saved).failure(self._save_failed).with_progress(
            self.tr("Saving…")
        ).run_in_background()

    def _receipt_clicked(self) -> None:
        self.receipt()

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
        from ui.receipt import deliver

        saved = deliver(data, self, pdf_path)
        if saved:
            self.review_page.saved_label.setText(self.tr("Receipt saved: %1").replace("%1", saved))

    def _saved(self, result: dict[str, Any]) -> None:
        self.saved = result
        saved_label = self.review_page.saved_label
        self.review_page.receipt_button.setEnabled(True)
        if not self.correcting:
            self.drafts.clear()
            self.card_button.setEnabled(False)
            self.blocking.setText(self.tr("Saved. Ctrl+P prints the receipt; Esc closes."))
            saved_label.setText(self.tr("Saved: application %1").replace("%1", result["number"]))
            self.review_page.receipt_button.setFocus()
        else:
            self.save_button.setEnabled(True)
            saved_label.setText(
                self.tr("Correction saved as version %1").replace("%1", str(result["version"]))
                if result.get("changed")
                else self.tr("Nothing changed")
            )
            if result.get("state") == "photo_needed":
                saved_label.setText(
                    saved_label.text()
                    + " · "
                    + self.tr("it waits for the applicant's photo and is not sent until then")
                )
        self.photo_label.setText(saved_label.text())

    def _save_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        text = exc.message if isinstance(exc, StationError) else type(exc).__name__
        self.blocking.setText(text)
        self.review_page.saved_label.setText(text)


__all__ = ["IntakeDialog"]
