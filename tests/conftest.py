"""Fixtures shared by the whole suite: real data beside the repository, demo data."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.chrome.options import Options

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def pytest_setup_options():
    """Browser options for dash_duo: a window big enough for the 2x2 view grid."""
    options = Options()
    options.add_argument("--window-size=1500,1000")
    return options


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the repository; tests skip where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real test data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory):
    """A small rendered demo dataset: ``(image_path, truth_path)``."""
    from snt_web.synth.demo_files import write_demo

    return write_demo(tmp_path_factory.mktemp("demo"), seed=1, shape_zyx=(24, 96, 128))
