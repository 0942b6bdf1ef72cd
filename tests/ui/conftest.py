"""Fixtures of the widget tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def app(qapp):  # type: ignore[no-untyped-def]
    """The station's QApplication set-up (style, font, Chinese); Chinese again afterwards."""
    from ui.app import install_language, make_app

    make_app()
    yield qapp
    install_language(qapp, "zh_CN")
