"""Refresh the Qt translation sources from ui/ and fill untranslated entries.

    python tools/update_translations.py                 # lupdate, then list what is unfinished
    python tools/update_translations.py --fill F.json   # also fill from {"English": "中文"}

lupdate keeps every existing translation, so the .ts file stays the single source of truth;
the JSON is only a convenient way to type many new translations at once.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TS = ROOT / "resources" / "i18n" / "station_zh_CN.ts"


def lupdate() -> None:
    tool = Path(sys.executable).parent / "pyside6-lupdate"
    sources = sorted(str(p) for p in (ROOT / "ui").rglob("*.py"))
    subprocess.run(
        [
            str(tool),
            "-silent",
            "-no-obsolete",
            "-locations",
            "none",
            *sources,
            "-target-language",
            "zh_CN",
            "-ts",
            str(TS),
        ],
        check=True,
    )


def fill(mapping: dict[str, str]) -> list[str]:
    tree = ET.parse(TS)
    missing = []
    for ctx in tree.getroot().iter("context"):
        for msg in ctx.iter("message"):
            source = msg.findtext("source") or ""
            tr = msg.find("translation")
            assert tr is not None
            if tr.get("type") == "unfinished" or not (tr.text or "").strip():
                if source in mapping:
                    tr.text = mapping[source]
                    tr.attrib.pop("type", None)
                else:
                    missing.append(f"{ctx.findtext('name')}: {source}")
    ET.indent(tree)
    tree.write(TS, encoding="utf-8", xml_declaration=True)
    return missing


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fill", type=Path)
    args = parser.parse_args()
    lupdate()
    mapping = json.loads(args.fill.read_text(encoding="utf-8")) if args.fill else {}
    missing = fill(mapping)
    for line in missing:
        print("unfinished:", line)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
