"""The four input steps of the wizard, each a page that lays out its fields in the ``FieldSet``:
the applicant (the ID card's fields, contact and background), residence and dwelling, employer
and household (members, a guardian when under 16), services and photo."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from station import codes
from ui.intake.fields import PERSON_FIELDS, FieldSet, MemberRow, form_layout
from ui.qt import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    Qt,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from station.profile import Profile


class ApplicantPage(QWidget):
    """Step 1: the ID card (read, or typed), the contact and background."""

    def __init__(self, fields: FieldSet, may_unlock: bool) -> None:
        super().__init__()
        self.card_button = QPushButton(self.tr("Read ID card (F2)"))
        self.card_button.setObjectName("primary")
        self.card_status = QLabel(self.tr("Place the ID card on the reader"))
        self.card_status.setObjectName("photoStatus")
        self.duplicate_label = QLabel("")
        self.duplicate_label.setObjectName("warning")
        self.duplicate_label.setWordWrap(True)
        self.duplicate_label.setTextFormat(Qt.TextFormat.RichText)
        self.duplicate_label.hide()
        self.unlock_button = QPushButton(self.tr("Unlock card fields"))
        self.unlock_button.setToolTip(
            self.tr("Supervisors only: edit fields read from the ID card (a misprinted card)")
        )
        self.unlock_button.setVisible(may_unlock)
        self.unlock_button.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(self.card_button)
        top.addWidget(self.card_status, 1)
        top.addWidget(self.unlock_button)
        card = QGroupBox(self.tr("From the ID card"))
        cform = form_layout(card)
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
            fields.add(cform, f"person.{key}", labels[key])
        more = QGroupBox(self.tr("Contact and background"))
        mform = form_layout(more)
        fields.add(mform, "person.phone", self.tr("Phone"))
        self.education = fields.combo("education", blank=True)
        mform.addRow(self.tr("Education"), self.education)
        self.occupation = fields.combo("occupation", blank=True)
        mform.addRow(self.tr("Occupation"), self.occupation)
        self.marital = fields.combo("marital", blank=True)
        self.marital.setObjectName("person.marital")
        mform.addRow(self.tr("Marital status"), self.marital)
        fields.labels["person.education"] = self.tr("Education")
        fields.labels["person.occupation"] = self.tr("Occupation")
        fields.labels["person.marital"] = self.tr("Marital status")
        columns = QHBoxLayout()
        columns.addWidget(card, 3)
        columns.addWidget(more, 2, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.duplicate_label)
        layout.addLayout(columns)
        layout.addStretch(1)

    def show_duplicates(self, found: list[dict[str, Any]]) -> None:
        """The warning when this person already has an application here, with its link."""
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


class ResidencePage(QWidget):
    """Step 2: where in the city, since when, for how long and why; the dwelling. The
    districts and communities are the station profile's (none without one: a notice says a
    technician must import it)."""

    def __init__(self, fields: FieldSet, profile: Profile | None, city: str) -> None:
        super().__init__()
        self.fields = fields
        self.profile = profile
        residence = QGroupBox(self.tr("Residence in the city"))
        rform = form_layout(residence)
        self.district = QComboBox()
        if profile is not None:
            for entry in profile.counts():
                self.district.addItem(f"{entry['name']} ({entry['district']})", entry["district"])
        else:
            for code, name in codes.divisions(city).items():
                self.district.addItem(f"{name} ({code})", code)
        self.district.currentIndexChanged.connect(self.fill_communities)
        self.community = QComboBox()
        self.community.currentIndexChanged.connect(fields.changed)
        self.no_profile = QLabel(
            self.tr(
                "No station profile is loaded: the communities are missing. A technician "
                "imports the city's profile (station profile import FILE)."
            )
        )
        self.no_profile.setObjectName("warning")
        self.no_profile.setWordWrap(True)
        self.no_profile.setVisible(profile is None)
        rform.addRow(self.tr("District"), self.district)
        rform.addRow(self.tr("Community"), self.community)
        rform.addRow(self.no_profile)
        fields.add(rform, "residence.address", self.tr("Address"))
        fields.add(rform, "residence.arrival_date", self.tr("Arrival date (YYYY-MM-DD)"))
        self.months = QSpinBox()
        self.months.setRange(0, 1200)
        self.months.setValue(12)
        self.months.valueChanged.connect(fields.changed)
        rform.addRow(self.tr("Intended stay (months)"), self.months)
        self.reason = fields.combo("reason")
        rform.addRow(self.tr("Reason"), self.reason)
        dwelling = QGroupBox(self.tr("Dwelling"))
        dform = form_layout(dwelling)
        self.dwelling = fields.combo("dwelling")
        self.dwelling.currentIndexChanged.connect(self.landlord_visible)
        dform.addRow(self.tr("Dwelling"), self.dwelling)
        self.landlord_box = QGroupBox(self.tr("Landlord (rented dwelling)"))
        lform = form_layout(self.landlord_box)
        fields.add(lform, "dwelling.landlord.name", self.tr("Landlord"))
        fields.add(lform, "dwelling.landlord.phone", self.tr("Landlord's phone"))
        fields.add(lform, "dwelling.landlord.id_number", self.tr("Landlord's ID number"))
        dform.addRow(self.landlord_box)
        fields.labels.update(
            {
                "residence.division_code": self.tr("District"),
                "residence.community": self.tr("Community"),
                "residence.intended_months": self.tr("Intended stay (months)"),
                "residence.reason": self.tr("Reason"),
                "dwelling.type": self.tr("Dwelling"),
            }
        )
        layout = QHBoxLayout(self)
        layout.addWidget(residence, 1, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(dwelling, 1, Qt.AlignmentFlag.AlignTop)
        self.fill_communities()

    def select(self, district: Any, community: Any) -> None:
        """Show a record's district and community. One the profile does not list (a record
        taken with an older profile) is shown as it is, for validation to flag, rather than
        silently replaced by the first of the list."""
        if district:
            if self.district.findData(district) < 0:
                self.district.addItem(str(district), district)
            self.district.setCurrentIndex(self.district.findData(district))
        self.fill_communities()
        if community:
            if self.community.findData(community) < 0:
                self.community.addItem(str(community), community)
            self.community.setCurrentIndex(self.community.findData(community))

    def fill_communities(self) -> None:
        self.community.clear()
        if self.profile is not None:
            for c in self.profile.communities_of(self.district.currentData() or ""):
                self.community.addItem(f"{c.street} · {c.name}", c.name)
        self.fields.changed.emit()

    def landlord_visible(self) -> None:
        self.landlord_box.setVisible(self.dwelling.currentData() == "rented")


class HouseholdPage(QWidget):
    """Step 3: the employer, a guardian for a child applicant, members coming along."""

    def __init__(self, fields: FieldSet) -> None:
        super().__init__()
        self.fields = fields
        self.members: list[MemberRow] = []
        employer = QGroupBox(self.tr("Employer (required for work or business)"))
        eform = form_layout(employer)
        fields.add(eform, "employer.name", self.tr("Employer"))
        fields.add(eform, "employer.uscc", self.tr("Unified social credit code"))
        fields.add(eform, "employer.address", self.tr("Employer's address"))
        fields.add(eform, "employer.phone", self.tr("Employer's phone"))
        self.guardian_box = QGroupBox(self.tr("Guardian (the applicant is under 16)"))
        gform = form_layout(self.guardian_box)
        fields.add(gform, "guardian.name", self.tr("Guardian's name"))
        fields.add(gform, "guardian.id_number", self.tr("Guardian's ID number"))
        self.guardian_relation = fields.combo("relations")
        gform.addRow(self.tr("Relation"), self.guardian_relation)
        fields.add(gform, "guardian.phone", self.tr("Guardian's phone"))
        fields.labels["guardian.relation"] = self.tr("Relation")
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
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addWidget(members, 1, Qt.AlignmentFlag.AlignTop)

    def add_member(self, member: dict[str, Any] | None = None) -> MemberRow:
        row = MemberRow(self.fields, self.member_grid, len(self.members), self.tr("Remove"))
        row.remove.clicked.connect(lambda _c=False: self.remove_member(row))
        chain = [
            self.members[-1].remove if self.members else self.fields.edits["guardian.phone"],
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
        self.fields.changed.emit()
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
        self.fields.changed.emit()


class ServicesPage(QWidget):
    """Step 4: the 7+1 services requested, and the photo (the live preview, on F3)."""

    def __init__(self, fields: FieldSet) -> None:
        super().__init__()
        services = QGroupBox(self.tr("Services requested (7+1)"))
        grid = QGridLayout(services)
        self.services: dict[str, QCheckBox] = {}
        for i, code in enumerate(codes.table("services")):
            box = QCheckBox(codes.label("services", code))
            box.toggled.connect(fields.changed)
            self.services[code] = box
            grid.addWidget(box, i // 4, i % 4)
        fields.labels["services"] = self.tr("Services")
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
        side = QVBoxLayout()
        side.addWidget(self.photo_view)
        side.addWidget(self.photo_label)
        side.addWidget(self.photo_button)
        side.addStretch(1)
        ph.addLayout(side)
        self.preview_area = QVBoxLayout()  # the live preview, created on the first F3
        ph.addLayout(self.preview_area, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(services)
        layout.addWidget(photo, 1)


__all__ = ["ApplicantPage", "HouseholdPage", "ResidencePage", "ServicesPage"]
