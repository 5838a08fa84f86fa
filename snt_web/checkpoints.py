"""Where a long computation may be stopped: between slabs of compiled work.

A compiled kernel cannot be interrupted while it runs, so the long ones run
slab by slab (:func:`slabs`, a few planes at a time, well under a second
each) and pass a :func:`checkpoint` before each slab. A job's runner installs
a check there (:func:`checking`) that raises once the job's cancel is
requested, so a filter at a large scale stops within seconds of a cancel
rather than when the whole volume is done. Anywhere else (the CLI, the web
process) a checkpoint does nothing.

Examples
--------
>>> list(slabs(10, work_per_plane=SLAB_WORK // 4))
[(0, 4), (4, 8), (8, 10)]
>>> def stop():
...     raise RuntimeError("stopped")
>>> with checking(stop):
...     next(slabs(10, 1))
Traceback (most recent call last):
...
RuntimeError: stopped
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

#: Work (voxel operations) of one slab: a fraction of a second of compiled code.
SLAB_WORK = 2**26

_check: ContextVar[Callable[[], None] | None] = ContextVar("snt_web_checkpoint", default=None)


def checkpoint() -> None:
    """Raise if the computation running in this context should stop (see :func:`checking`)."""
    check = _check.get()
    if check is not None:
        check()


@contextmanager
def checking(check: Callable[[], None]):
    """Make ``check()`` (which raises to stop) the checkpoint of the computations run in the block."""
    token = _check.set(check)
    try:
        yield
    finally:
        _check.reset(token)


def slabs(n_planes: int, work_per_plane: int) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` ranges of planes of about :data:`SLAB_WORK` work each, a checkpoint before each."""
    step = max(1, SLAB_WORK // max(1, int(work_per_plane)))
    for start in range(0, n_planes, step):
        checkpoint()
        yield start, min(start + step, n_planes)
