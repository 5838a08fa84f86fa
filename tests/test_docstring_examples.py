"""The examples in the core's docstrings run and print what they say."""

import doctest
import importlib
import pkgutil

import pytest

import snt_web

# The web layer's examples need a running app, and __main__ runs the CLI; the core's are pure.
CORE = sorted(name for _, name, _ in pkgutil.walk_packages(snt_web.__path__, "snt_web.")
              if not name.startswith("snt_web.web") and not name.endswith("__main__"))


@pytest.mark.parametrize("name", CORE)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert failed == 0, f"{failed} docstring example(s) of {name} failed (run it with -s to see them)"
