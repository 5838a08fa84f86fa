"""Fixtures shared by the whole suite: real data beside the repository, demo data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from dash.testing.application_runners import BaseDashRunner
from selenium.webdriver.chrome.options import Options

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def pytest_configure(config):
    """dash_duo's servers on ports of this process's own, so that suites run side by side do not collide.

    dash counts up from one fixed port in every process; two test runs on one
    machine (two checkouts, CI beside a developer) would bind the same ports.
    """
    BaseDashRunner._next_port = 20000 + (os.getpid() * 97) % 40000


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
