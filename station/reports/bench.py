"""``station bench report``: the daily XLSX in a large database, and spreadsheet import speed
and memory."""

from __future__ import annotations

import datetime as dt
import random
import resource
import tempfile
import time
from pathlib import Path
from typing import Any


def bench_report(
    folder: Path | None = None, records: int = 10_000, import_rows: int = 10_000
) -> dict[str, Any]:
    from openpyxl import Workbook

    from station.bench import populated
    from station.importer import TEMPLATE, import_file
    from station.reports import report_data
    from station.reports.writers import write_xlsx
    from station.samples import synthetic_record

    work = Path(tempfile.mkdtemp(prefix="station-bench-report-"))
    demo = populated(Path(folder) if folder else work / "station", records)
    bench_day = dt.date(2025, 6, 16)  # a day of 150 applications inside the large database
    with demo.login("super") as sup:
        with sup.transaction():
            sup.conn.execute(
                "UPDATE applications SET day = ? WHERE id IN (SELECT id FROM"
                " applications ORDER BY id DESC LIMIT 150)",
                (bench_day.isoformat(),),
            )
        t0 = time.perf_counter()
        data = report_data(sup, bench_day)
        write_xlsx(data, work / "daily.xlsx")
        report_ms = (time.perf_counter() - t0) * 1000
        day_total = data["total"]
    rng = random.Random(77)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append([zh for _p, zh in TEMPLATE])
    for _ in range(import_rows):
        rec = synthetic_record(rng, dt.date.today())
        row = []
        for path, _zh in TEMPLATE:
            cur: Any = rec
            for part in path.split("."):
                cur = cur.get(part) if isinstance(cur, dict) else None
            row.append(",".join(rec["services"]) if path == "services" else cur)
        ws.append(row)
    wb.save(work / "drive.xlsx")
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with demo.login("coord") as coord:
        t0 = time.perf_counter()
        result = import_file(coord, work / "drive.xlsx")
        import_s = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    import shutil

    shutil.rmtree(work, ignore_errors=True)
    return {
        "records_in_database": records,
        "applications_that_day": day_total,
        "daily_xlsx_ms": round(report_ms),
        "import_rows": import_rows,
        "import_seconds": round(import_s, 1),
        "import_saved": result.saved,
        "import_rows_per_second": round(import_rows / import_s),
        "max_rss_mb": round(rss / 1024),
        "rss_before_import_mb": round(rss0 / 1024),
    }
