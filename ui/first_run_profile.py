"""The first-run wizard's station-profile step: choose the profile file the district gave
(JSON or XLSX), see what it holds and every problem, and load it — what `station profile
import` does. Reading and checking the file runs off the main thread."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from station.errors import StationError, ValidationError
from ui.dispatch import run_in_thread
from ui.qt import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWizardPage,
)

if TYPE_CHECKING:
    from station.profile import Profile
    from ui.first_run import FirstRunWizard


def _error_text(exc: BaseException) -> str:
    return exc.message if isinstance(exc, StationError) else type(exc).__name__


class ProfilePage(QWizardPage):
    """Choose → check (summary and problems) → load. The page may be left without a profile
    (it can be imported later); the wizard then says what intake will refuse."""

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.profile: Profile | None = None
        self.loaded = ""
        self.setTitle(self.tr("Station profile"))
        self.setSubTitle(
            self.tr(
                "The city's streets and communities and the station's details, from the "
                "profile file the district gave (.json or .xlsx)."
            )
        )
        self.path = QLineEdit()
        self.path.setPlaceholderText(self.tr("profile.xlsx or profile.json"))
        self.choose_button = QPushButton(self.tr("Choose…"))
        self.check_button = QPushButton(self.tr("Check"))
        self.load_button = QPushButton(self.tr("Load this profile"))
        self.load_button.setObjectName("primary")
        self.load_button.setEnabled(False)
        self.summary = QLabel("")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        self.problems = QListWidget()
        self.problems.hide()
        self.result = QLabel(
            self.tr(
                "Without a profile, intake refuses every community: load it now, or later with "
                "'station profile import FILE'."
            )
        )
        self.result.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.choose_button)
        row.addWidget(self.check_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.problems, 1)
        layout.addWidget(self.load_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.result)
        self.choose_button.clicked.connect(self.choose)
        self.check_button.clicked.connect(self.check)
        self.path.returnPressed.connect(self.check)
        self.path.textChanged.connect(self._path_changed)
        self.load_button.clicked.connect(self.load)

    def choose(self) -> None:
        path, _f = QFileDialog.getOpenFileName(
            self, self.tr("Choose the station profile"), "", "*.xlsx *.json"
        )
        if path:
            self.path.setText(path)
            self.check()

    def _path_changed(self) -> None:
        self.profile = None
        self.load_button.setEnabled(False)

    def check(self) -> None:
        text = self.path.text().strip()
        if not text:
            return
        self.summary.setText(self.tr("Checking…"))
        self.problems.clear()
        self.problems.hide()
        self.load_button.setEnabled(False)

        def work() -> Profile:
            from station.profile.files import read_profile

            return read_profile(Path(text))

        run_in_thread(work, self.wiz.dispatch, self._checked, self._refused)

    def _checked(self, profile: Profile) -> None:
        self.profile = profile
        info = profile.summary()
        station = info["station"]
        lines = [
            self.tr("Version %1 · %2 (%3) · %4 streets, %5 communities")
            .replace("%1", escape(info["version"]))
            .replace("%2", escape(info["city_name"]))
            .replace("%3", info["city"])
            .replace("%4", str(info["streets"]))
            .replace("%5", str(info["communities"]))
        ]
        if station["name"]:
            lines.append(
                escape(
                    " · ".join(
                        v for v in (station["name"], station["address"], station["phone"]) if v
                    )
                )
            )
        for d in info["districts"]:
            lines.append(
                self.tr("%1: %2 streets, %3 communities")
                .replace("%1", escape(f"{d['name']} ({d['district']})"))
                .replace("%2", str(d["streets"]))
                .replace("%3", str(d["communities"]))
            )
        self.summary.setText("<br>".join(lines))
        self.load_button.setEnabled(True)

    def _refused(self, exc: BaseException) -> None:
        self.profile = None
        if isinstance(exc, ValidationError):
            self.summary.setText(
                self.tr(
                    "%1 problem(s): nothing of this file can be loaded until they are fixed."
                ).replace("%1", str(len(exc.errors)))
            )
            for e in exc.errors:
                where = self.where(e.field) if e.field and not getattr(e, "sheet", "") else ""
                self.problems.addItem(f"{where}: {e.message}" if where else e.message)
            self.problems.show()
        else:
            self.summary.setText(_error_text(exc))

    def where(self, field: str) -> str:
        """A problem's place as people name it: "Community 4, code" for ``communities.3.code``
        (a spreadsheet's problems say their sheet and row themselves)."""
        m = re.match(r"^(streets|communities)\.(\d+)(?:\.(\w+))?$", field)
        if m:
            row = self.tr("Street %1") if m.group(1) == "streets" else self.tr("Community %1")
            part = {"code": self.tr("code"), "name": self.tr("name")}.get(m.group(3) or "", "")
            text = row.replace("%1", str(int(m.group(2)) + 1))
            return f"{text} · {part}" if part else text
        return {
            "version": self.tr("Version"),
            "city": self.tr("City"),
            "format": self.tr("Format"),
            "streets": self.tr("Streets"),
            "communities": self.tr("Communities"),
            "station.name": self.tr("Station name"),
            "station.address": self.tr("Station address"),
            "station.phone": self.tr("Station phone"),
        }.get(field, field)

    def load(self) -> None:
        profile, source = self.profile, self.path.text().strip()
        if profile is None:
            return
        self.load_button.setEnabled(False)
        self.result.setText(self.tr("Loading…"))

        def install(store: Any) -> dict[str, Any]:
            result: dict[str, Any] = store.profiles.install(profile, source=source)
            return result

        self.wiz.run_with_store(install, self._loaded, self._load_failed)

    def _loaded(self, detail: dict[str, Any]) -> None:
        self.loaded = str(detail["version"])
        self.result.setText(
            "✔ " + self.tr("Profile version %1 loaded").replace("%1", escape(self.loaded))
        )

    def _load_failed(self, exc: BaseException) -> None:
        self.result.setText("✘ " + _error_text(exc))
        self.load_button.setEnabled(self.profile is not None)


__all__ = ["ProfilePage"]
