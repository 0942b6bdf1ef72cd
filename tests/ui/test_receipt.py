"""The receipt PDF: its text and a readable QR code carrying the number and uuid."""

from __future__ import annotations

import json
import subprocess

import cv2
import numpy as np

from station.receipt import receipt_data
from station.samples import sample_record


def test_receipt_pdf_text_and_qr(qapp, station, tmp_path):
    from ui.app import make_app
    from ui.receipt import save_pdf

    make_app()
    store = station.login("coord")
    out = store.save_application(sample_record())
    data = receipt_data(store, out["number"])
    save_pdf(data, tmp_path / "r.pdf")
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert out["number"] in text and "3604**********0071" in text
    assert "360426199101010071" not in text
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", str(tmp_path / "r.pdf"), str(tmp_path / "page")],
        check=True,
    )
    page = cv2.imread(str(next(tmp_path.glob("page*.png"))))
    decoded, _pts, _ = cv2.QRCodeDetector().detectAndDecode(page)
    assert json.loads(decoded) == {"n": out["number"], "u": out["uuid"]}
    assert np.asarray(page).size
