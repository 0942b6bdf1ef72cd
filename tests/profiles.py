"""Station profiles for the tests: the Xi'an example (another city, names none of which are in
the demo table) and helpers to write profiles as files."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from station.resources import resource_path

XIAN_FILE = resource_path("profiles", "example-xian-6101.json")
XIAN_STATION_CODE = "610113001001"  # an intake point in 雁塔区 小寨路街道


def xian_document(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(XIAN_FILE.read_text(encoding="utf-8"))
    doc.update(copy.deepcopy(changes))
    return doc


def write_json(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def write_xlsx(path: Path, doc: dict[str, Any]) -> Path:
    """The document as the XLSX template holds it (checked first: it must be valid)."""
    from station.profile.check import parse_document
    from station.profile.files import write_template

    write_template(path, parse_document(doc))
    return path


def xian_record(community: str = "八里村社区", division: str = "610113") -> dict[str, Any]:
    """A valid application living in Xi'an (the sample person, a Xi'an residence)."""
    from station.samples import sample_record

    rec = sample_record()
    rec["residence"].update(
        division_code=division, community=community, address="小寨东路126号5栋302"
    )
    rec["employer"]["address"] = "西安市雁塔区示例路8号"
    return rec
