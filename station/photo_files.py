"""Photos from picture files: ``station photo add NUMBER FILE`` and the photo folder of an import
(``station import FILE --photos DIR``, one ``<18-digit ID number>.jpg`` per applicant).

A file goes through the same checks as the camera's picture-file source: its size and header
before anything is decoded (``photo_input.read_still``), then the face and quality checks of a
still picture (``photo.analyse(still=True)``: one face, large enough, lit, sharp, the ID-photo
crop inside the picture). A file that passes becomes the ID photo: kept as it is when it already
is one (a JPEG of 358 × 441 that ``check_photo_jpeg`` accepts, as ``station photo capture``
writes), otherwise cropped and encoded like a camera capture. A file that fails is refused with
a ``ValidationError`` on the field ``photo`` naming every failed check — unless the operator
keeps it anyway (``force``): then the reasons come back, for the supervisor's review flag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from station.errors import DeviceError, FieldError, ValidationError
from station.i18n import _

ID_FILE = re.compile(r"^(\d{17}[\dXx])\.(jpe?g)$", re.IGNORECASE)


@dataclass(frozen=True)
class PhotoFromFile:
    jpeg: bytes
    override: list[str] | None = field(default=None)  # the failed checks, when kept anyway


def _refused(code: str, message: str) -> ValidationError:
    return ValidationError([FieldError("photo", code, message)])


def photo_from_file(path: Path | str, *, force: bool = False) -> PhotoFromFile:
    """The ID photo made from a picture file (module docstring); ``ValidationError`` on the
    field ``photo`` when the file is no usable picture or fails the checks."""
    import cv2
    import numpy as np

    from station import photo
    from station.photo_input import check_photo_jpeg, read_still

    path = Path(path)
    try:
        frame = read_still(path)
    except DeviceError as exc:  # unreadable, not a picture, too large, damaged: input refused
        raise _refused(exc.code, exc.message) from None
    analysis = photo.analyse(frame, still=True)
    if not analysis.ok and not force:
        raise _refused(
            "photo_rejected",
            _("The photo does not pass the checks: {reasons}", reasons="; ".join(analysis.reasons)),
        )
    jpeg: bytes | None = None
    if frame.shape[1] == photo.OUT_W and frame.shape[0] == photo.OUT_H:
        try:
            data = path.read_bytes()
            check_photo_jpeg(data)
            same = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
            # already the ID photo (photo capture's output), and the very picture checked
            jpeg = data if same is not None and np.array_equal(same, frame) else None
        except (OSError, ValidationError):
            jpeg = None
    if jpeg is None:
        jpeg = photo.capture(frame, analysis).jpeg
    return PhotoFromFile(jpeg, None if analysis.ok else list(analysis.reasons))


def photo_folder(folder: Path | str) -> dict[str, Path]:
    """The photos of a folder by ID number (``<ID number>.jpg``, ``.jpeg``; a lower-case x is
    the check character X). Other files are not looked at. ``UsageError`` when the folder is
    not there."""
    from station.errors import UsageError

    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(
            "no_photo_folder",
            _("The photo folder {folder} is not there", folder=folder.name or str(folder)),
        )
    found: dict[str, Path] = {}
    for entry in sorted(folder.iterdir()):
        m = ID_FILE.match(entry.name)
        if m and entry.is_file():
            found.setdefault(m.group(1).upper(), entry)
    return found


__all__ = ["ID_FILE", "PhotoFromFile", "photo_folder", "photo_from_file"]
