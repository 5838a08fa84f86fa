"""Parametrization for the I/O tests: every reconstruction file in the shared data.

The data lives in ``../shared/data`` beside the repository (the ``shared_data``
fixture in ``tests/conftest.py``); it is never copied into the project, and
tests over it skip when it is absent.

There is deliberately no ``__init__.py`` here: with pytest's default import
mode it would make this folder a package named ``io`` and shadow the
standard library.
"""

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def pytest_generate_tests(metafunc):
    """Parametrize ``swc_file`` / ``traces_file`` over every such file in the shared data."""
    for argname, patterns in (
        ("swc_file", ("real/**/*.swc", "snt/*.swc")),
        ("traces_file", ("real/**/*.traces", "snt/*.traces")),
    ):
        if argname not in metafunc.fixturenames:
            continue
        files = sorted(f for pattern in patterns for f in SHARED_DATA.glob(pattern))
        if files:
            ids = [f.relative_to(SHARED_DATA).as_posix() for f in files]
            metafunc.parametrize(argname, files, ids=ids)
        else:
            skip = pytest.mark.skip(reason=f"shared test data not found at {SHARED_DATA}")
            metafunc.parametrize(argname, [pytest.param(None, marks=skip)])
