"""Tasks for the job tests, registered through ``SNT_WEB_TASK_MODULES`` in the tests and their workers."""

from __future__ import annotations

import time

from snt_web.jobs import task
from snt_web.jobs.params import integer, number, text
from snt_web.store.commands import PutAttachment, apply


@task("sleep", seconds=number(0, 3600), steps=integer(1, 10_000))
def sleep(context, seconds: float = 1.0, steps: int = 10) -> dict:
    """Report progress ``steps`` times over ``seconds``, then attach a file to the project."""
    for step in range(steps):
        context.progress(100 * step / steps, f"step {step + 1} of {steps}")
        time.sleep(seconds / steps)
    apply(context.store, context.project_id, context.user,
          PutAttachment(kind="seeds", name="slept.csv", data=b"x,y,z\n"), None)
    return {"slept": seconds}


@task("fail", message=text())
def fail(context, message: str = "it went wrong") -> dict:
    """Report some progress, then raise ``RuntimeError(message)``."""
    context.progress(10, "about to fail")
    raise RuntimeError(message)
