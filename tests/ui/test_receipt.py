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
    assert json.loads(read_qr(tmp_path / "r.pdf", tmp_path)) == {
        "n": out["number"],
        "u": out["uuid"],
    }


def read_qr(pdf, folder) -> str:  # type: ignore[no-untyped-def]
    """The QR code's text, as a scanner at the counter reads it: OpenCV's detector misses some
    codes at one resolution and finds them at another, so the page is rendered at several."""
    for dpi in (150, 200, 300, 120):
        stem = folder / f"page{dpi}"
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(stem)], check=True)
        page = cv2.imread(str(next(folder.glob(f"page{dpi}*.png"))))
        assert np.asarray(page).size
        for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
            decoded, _pts, _ = detector.detectAndDecode(page)
            if decoded:
                return str(decoded)
    raise AssertionError("no QR code found on the receipt at 120-300 dpi")
