"""One application: the record, its history (from the audit log), its versions, its sync state,
and a correction that stores a new version (and a new upload when it was already sent).

Opening the view shows the full record and is audited (``app.view``), like ``station app show``.
"""

from __future__ import annotations

from typing import Any

from station.errors import StationError
from ui.adapter import StationBridge
from ui.models import field_label, kind_label, state_label
from ui.qt import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPixmap,
    QPushButton,
    QScrollArea,
    Qt,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
    shortcut,
)
from ui.record_extras import PhotoAdder, ReferralsPanel
from ui.record_html import record_html
from ui.tables import fill_table, make_table


class RecordView(QDialog):
    changed = Signal()  # a correction was saved
    correction_requested = Signal(object, str)  # the record, the kind of change ("": same)

    def __init__(self, bridge: StationBridge, ref: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recordView")
        self.bridge = bridge
        self.ref = ref
        self.record: dict[str, Any] | None = None
        self.waits_for_photo = False
        self.setWindowTitle(self.tr("Application %1").replace("%1", ref))
        self.resize(1100, 680)

        self.heading = QLabel(self.tr("Loading…"))
        self.heading.setObjectName("photoStatus")
        self.heading.setWordWrap(True)
        self.state = QLabel("")
        self.state.setObjectName("muted")
        self.state.setWordWrap(True)
        self.photo = QLabel()
        self.photo.setObjectName("photoFrame")
        self.photo.setFixedSize(132, 176)
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.details = QLabel("")
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setWordWrap(True)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.history = make_table([self.tr("Time"), self.tr("Operator"), self.tr("What")])
        self.versions = make_table(
            [self.tr("Version"), self.tr("Saved"), self.tr("Operator"), self.tr("What changed")]
        )
        self.sync = make_table([self.tr("Time"), self.tr("Event")])
        self.tabs = QTabWidget()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.details)
        self.tabs.addTab(scroll, self.tr("Record"))
        self.tabs.addTab(self.history, self.tr("History"))
        self.tabs.addTab(self.versions, self.tr("Versions"))
        self.tabs.addTab(self.sync, self.tr("Sync"))
        self.referrals = ReferralsPanel(bridge, ref)
        self.referrals.changed.connect(self.load)
        self.tabs.addTab(self.referrals, self.tr("Referrals (7+1)"))

        self.correct_button = QPushButton(self.tr("Correct (Ctrl+E)"))
        self.correct_button.setObjectName("primary")
        self.correct_button.setEnabled(False)
        self.correct_button.clicked.connect(self.open_correction)
        self.correct_button.setVisible(bridge.can("app.correct_own"))
        shortcut(self, "Ctrl+E", self.open_correction)
        self.action_buttons = {
            "change": QPushButton(self.tr("Change address or employer")),
            "replacement": QPushButton(self.tr("Replace a lost or damaged card")),
            "deregistration": QPushButton(self.tr("Move out (deregister)")),
        }
        for kind, button in self.action_buttons.items():
            button.setEnabled(False)
            button.setVisible(bridge.can("app.correct_own"))
            button.clicked.connect(lambda _c=False, k=kind: self.open_correction(k))
        self.photo_button = QPushButton(self.tr("Add the photo (F3)"))
        self.photo_button.setObjectName("primary")
        self.photo_button.setToolTip(
            self.tr("This application prints a card: it is sent once it has the photo")
        )
        self.photo_button.hide()
        self.photo_button.clicked.connect(self.add_photo)
        shortcut(self, "F3", self.add_photo)
        close = QPushButton(self.tr("Close (Esc)"))
        close.clicked.connect(self.reject)
        for button in (
            self.correct_button,
            self.photo_button,
            close,
            *self.action_buttons.values(),
        ):
            button.setAutoDefault(False)

        top = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.heading)
        titles.addWidget(self.state)
        titles.addStretch(1)
        top.addLayout(titles, 1)
        top.addWidget(self.photo)
        buttons = QHBoxLayout()
        for button in self.action_buttons.values():
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.photo_button)
        buttons.addWidget(self.correct_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)
        self.load()

    # -- data --------------------------------------------------------------------------------
    def load(self) -> None:
        ref = self.ref

        def work(s: Any) -> dict[str, Any]:
            rec = s.get_application(ref)
            out = {
                "record": rec,
                "history": s.history(ref),
                "versions": s.versions(ref),
                "sync": s.sync_state(ref),
                "photo": None,
            }
            if rec.get("photo"):
                try:
                    out["photo"] = s.photo(rec["photo"])
                except StationError:
                    out["photo"] = None
            return out

        self.bridge.op(work).success(self._show).failure(self._failed).run_in_background()

    def _failed(self, exc: BaseException) -> None:
        self.heading.setText(exc.message if isinstance(exc, StationError) else type(exc).__name__)

    def _show(self, data: dict[str, Any]) -> None:
        rec = data["record"]
        person = rec.get("person") or {}
        self.heading.setText(f"{person.get('name', '')}  ·  {rec['number']}")
        state = state_label(rec.get("state") or "saved")
        sync = data["sync"] or {}
        if sync.get("service_state"):
            state = state_label(sync["service_state"])
        elif sync.get("state"):
            state = state_label(sync["state"])
        self.state.setText(
            self.tr("%1 · version %2 · %3 · taken in %4 by %5")
            .replace("%1", kind_label(rec["kind"]))
            .replace("%2", str(rec["version"]))
            .replace("%3", state)
            .replace("%4", str(rec["captured_at"])[:16].replace("T", " "))
            .replace("%5", str(rec["operator"]))
        )
        self.waits_for_photo = not rec.get("photo") and (
            rec.get("state") == "photo_needed" or sync.get("code") == "photo_required"
        )
        self.photo_button.setVisible(self.waits_for_photo and self.bridge.can("app.create"))
        if self.waits_for_photo:
            self.state.setText(
                self.state.text()
                + "\n"
                + self.tr(
                    "No photo: a card is produced from this application, so it is not sent "
                    "until the photo is added (F3)"
                )
            )
        if sync.get("state") in ("rejected", "conflict") and sync.get("message"):
            self.state.setText(
                self.state.text()
                + "\n"
                + self.tr("The service says: %1").replace("%1", str(sync["message"]))
            )
        pixmap = QPixmap()
        if data["photo"] and pixmap.loadFromData(data["photo"]):
            self.photo.setPixmap(
                pixmap.scaled(
                    self.photo.size(),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        else:
            self.photo.setText(self.tr("No photo"))
        self.details.setText(record_html(rec))
        fill_table(
            self.history,
            [
                [
                    h["ts"][:19].replace("T", " "),
                    h["operator"],
                    self.action_label(h["action"], h.get("detail")),
                ]
                for h in data["history"]
            ],
        )
        saved_at = next(
            (
                h["ts"]
                for h in reversed(data["history"])
                if h["action"] == "app.correct"
                and isinstance(h.get("detail"), dict)
                and h["detail"].get("version") == rec["version"]
            ),
            rec.get("captured_at", ""),
        )
        versions = data["versions"] + [
            {
                "version": rec["version"],
                "record": rec,
                "operator": rec["operator"],
                "saved_at": saved_at,
            }
        ]
        rows = []
        for i, v in enumerate(versions):
            before = versions[i - 1]["record"] if i else None
            rows.append(
                [
                    str(v["version"]),
                    str(v["saved_at"])[:19].replace("T", " "),
                    str(v["operator"]),
                    self.tr("first version")
                    if before is None
                    else "、".join(
                        dict.fromkeys(field_label(f) for f in changed_fields(before, v["record"]))
                    )
                    or "—",
                ]
            )
        fill_table(self.versions, rows)
        events = [
            [str(e["at"])[:19].replace("T", " "), state_label(e["type"])]
            for e in sync.get("events", [])
        ]
        if sync.get("state"):
            events.insert(0, ["", self.tr("Upload: %1").replace("%1", state_label(sync["state"]))])
        fill_table(self.sync, events)
        self.record = rec
        open_ = bool(rec.get("person")) and rec["kind"] != "deregistration"
        self.correct_button.setEnabled(bool(rec.get("person")))  # purged records stay closed
        for button in self.action_buttons.values():
            button.setEnabled(open_)

    def action_label(self, action: str, detail: Any) -> str:
        labels = {
            "app.create": self.tr("Taken in"),
            "app.correct": self.tr("Corrected"),
            "app.view": self.tr("Viewed"),
            "app.import": self.tr("Imported"),
            "card.endorse": self.tr("Endorsed"),
            "sync.sent": self.tr("Sent"),
            "app.purge": self.tr("Personal data removed"),
            "app.photo": self.tr("Photo added"),
            "referral.outcome": self.tr("Referral outcome"),
        }
        text = labels.get(action, action)
        if isinstance(detail, dict) and detail.get("version"):
            text += " " + self.tr("(version %1)").replace("%1", str(detail["version"]))
        return text

    # -- the photo a card needs ------------------------------------------------------------------
    def add_photo(self) -> None:
        """The camera's live preview (or a file) for an application that waits for its photo."""
        if self.photo_button.isHidden():
            return
        self.bridge.op(lambda s: s.settings_map()).success(self._open_photo).run_in_background()

    def _open_photo(self, settings: dict[str, str]) -> None:
        self.photo_dialog = PhotoAdder(self.bridge, self.ref, settings, self)
        self.photo_dialog.added.connect(self._photo_added)
        self.photo_dialog.show()
        self.photo_dialog.start()

    def _photo_added(self, _result: dict[str, Any]) -> None:
        self.changed.emit()
        self.load()

    # -- correction --------------------------------------------------------------------------
    def open_correction(self, kind: str | None = None) -> None:
        """A correction (same kind), or a change / replacement / move-out: each a new version
        of the record, uploaded as its kind. The main window opens the wizard."""
        if (
            self.record is None
            or not self.correct_button.isEnabled()
            or not self.bridge.can("app.correct_own")
        ):
            return
        self.correction_requested.emit(self.record, kind or "")

    def correction_closed(self, saved: dict[str, Any] | None) -> None:
        """The wizard opened for this record closed; ``saved`` is what it saved, if anything."""
        if saved and saved.get("changed"):
            self.changed.emit()
            self.load()


def changed_fields(before: dict[str, Any], after: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted paths whose values differ (station keys such as the photo hash included)."""
    out: list[str] = []
    for key in sorted(set(before) | set(after)):
        if key in ("version", "state") and not prefix:
            continue
        a, b = before.get(key), after.get(key)
        path = f"{prefix}{key}"
        if isinstance(a, dict) and isinstance(b, dict):
            out += changed_fields(a, b, path + ".")
        elif a != b:
            out.append(path)
    return out


__all__ = ["RecordView", "changed_fields"]
