"""Where the core's validation shows in the wizard: the problem line under each touched field
and under each member's row, a count beside each step, and the line under the steps that
says what still blocks saving (the first problem by its label, as the coordinator knows it)."""

from __future__ import annotations

from collections.abc import Sequence

from station.errors import FieldError
from ui.intake.fields import PHOTO_STEP, REVIEW_STEP, FieldSet, MemberRow, step_of
from ui.qt import QLabel, QListWidget, QObject


class Problems(QObject):
    def __init__(
        self, fields: FieldSet, steps: QListWidget, names: list[str], line: QLabel
    ) -> None:
        super().__init__(fields)
        self.fields, self.steps, self.names, self.line = fields, steps, names, line

    def label_of(self, path: str) -> str:
        """The field's label as the coordinator sees it (for the problem list)."""
        if path in self.fields.labels:
            return self.fields.labels[path]
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

    def show(
        self,
        errors: Sequence[FieldError],
        touched: set[str],
        members: Sequence[MemberRow],
        needs_photo: bool,
    ) -> None:
        by_field: dict[str, str] = {}
        for e in errors:
            by_field.setdefault(e.field, e.message)
        for path, hint in self.fields.hints.items():
            message = by_field.get(path) if path in touched else None
            hint.setText(message or "")
            hint.setVisible(bool(message))
        for i, row in enumerate(members):
            msgs = [
                f"{self.label_of(e.field)} {e.field.split('.')[-1]}: {e.message}"
                for e in errors
                if e.field.startswith(f"members.{i}.")
            ]
            shown = bool(msgs) and f"members.{i}" in touched
            row.hint.setText("；".join(msgs) if shown else "")
            row.hint.setVisible(shown)
        per_step = [0] * len(self.names)
        for e in errors:
            per_step[step_of(e.field)] += 1
        if needs_photo:
            per_step[PHOTO_STEP] += 1
        for i, name in enumerate(self.names):
            item = self.steps.item(i)
            if i == REVIEW_STEP:
                item.setText(name)
            elif per_step[i]:
                item.setText(f"{name}  ·  {per_step[i]}")
            else:
                item.setText(f"{name}  ✔")
        total = len(errors) + int(needs_photo)
        if total:
            first = errors[0] if errors else None
            self.line.setText(
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
            self.line.setText(self.tr("Ready to save (Ctrl+S)"))

    def listed(self, errors: Sequence[FieldError], needs_photo: bool) -> list[tuple[str, str]]:
        """The review page's list: ``(field path, text)`` per problem."""
        problems = [(e.field, f"{self.label_of(e.field)}：{e.message}") for e in errors]
        if needs_photo:
            problems.append(("photo", self.tr("Photo: take the applicant's photo (F3)")))
        return problems


__all__ = ["Problems"]
