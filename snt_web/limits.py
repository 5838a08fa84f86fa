"""Resource limits: how much memory and time one request, upload or job may take.

Every bound a server puts on what its users send lives here, each read from an
environment variable when it is needed (so a test, a ``Procfile`` or a systemd
unit sets it without code) and with a default that suits a workstation. See
``docs/deployment.md`` for the table and ``docs/security.md`` for what each
one defends against.

Examples
--------
>>> import os
>>> os.environ["SNT_WEB_MAX_TEXT"] = "200"
>>> max_text()
200
>>> del os.environ["SNT_WEB_MAX_TEXT"]
>>> max_text()
1000
"""

from __future__ import annotations

import os
from pathlib import Path

MiB = 2**20

#: Fraction of the machine's memory the voxels of one decoded image may take
#: as float32 (the filters and the classifier work on float32 copies).
_IMAGE_MEMORY_SHARE = 4


class LimitConfigError(ValueError):
    """An environment variable sets a limit to something that is not a positive number."""


def machine_memory() -> int:
    """Bytes of memory this process may use: the machine's, or its container's (cgroup) limit if lower."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        total = 8 * 2**30
    for cgroup in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(cgroup).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text))
    return total


def _positive(name: str, default, cast=int):
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = cast(text)
    except ValueError:
        value = None
    if value is None or not value > 0 or value != value or value == float("inf"):
        raise LimitConfigError(f"{name}={text!r}: expected a positive number")
    return value


def max_voxels() -> int:
    """Voxels (all channels and frames) of an image or map decoded into memory: ``SNT_WEB_MAX_VOXELS``.

    By default as many as fill a quarter of the machine's memory as float32.
    Checked against the file's declared shape before anything is decoded; a
    wider pixel type than float32 counts its bytes (see :func:`max_image_bytes`).
    """
    return _positive("SNT_WEB_MAX_VOXELS", machine_memory() // (4 * _IMAGE_MEMORY_SHARE))


def max_image_bytes() -> int:
    """Bytes of decoded pixel data an image may take: 4 per voxel of :func:`max_voxels`."""
    return 4 * max_voxels()


def max_upload_bytes() -> int:
    """Largest file accepted by an upload (the Files, Maps and Seeds panels, the API): ``SNT_WEB_MAX_UPLOAD_BYTES``."""
    return _positive("SNT_WEB_MAX_UPLOAD_BYTES", 256 * MiB)


def max_json_bytes() -> int:
    """Largest JSON body of an API request, and of a page request by someone who may not write: ``SNT_WEB_MAX_JSON_BYTES``."""
    return _positive("SNT_WEB_MAX_JSON_BYTES", 2 * MiB)


def max_text() -> int:
    """Characters of a name, tag, message or any other text field a user sets: ``SNT_WEB_MAX_TEXT``."""
    return _positive("SNT_WEB_MAX_TEXT", 1000)


def trace_max_voxels() -> int:
    """Voxels one click-to-trace search may explore: ``SNT_WEB_TRACE_MAX_VOXELS``.

    The search's memory grows with what it explores (about 19 bytes a voxel
    in its pages, plus its queues), so this bounds memory as well as time.
    """
    return _positive("SNT_WEB_TRACE_MAX_VOXELS", 4_000_000)


def trace_max_seconds() -> float:
    """Seconds one click-to-trace search may take: ``SNT_WEB_TRACE_MAX_SECONDS``."""
    return _positive("SNT_WEB_TRACE_MAX_SECONDS", 5.0, float)


def trace_concurrency() -> int:
    """Click-to-trace searches one web process runs at once: ``SNT_WEB_TRACE_CONCURRENCY``.

    Fewer than the server's threads, so that a burst of long clicks always
    leaves threads for everybody else's requests.
    """
    return _positive("SNT_WEB_TRACE_CONCURRENCY", 2)


def max_queued_jobs() -> int:
    """Jobs one user may have waiting in the queue at once: ``SNT_WEB_MAX_QUEUED_JOBS``."""
    return _positive("SNT_WEB_MAX_QUEUED_JOBS", 20)


def current_limits() -> dict[str, float]:
    """Every limit as the environment sets it now, by variable; a server calls it at start to fail early.

    Raises
    ------
    LimitConfigError
        A variable that is not a positive number.
    """
    return {variable: read() for variable, _, _, read in SERVE_OPTIONS.values()}


#: ``snt-web serve`` options that set these limits for the server and its workers:
#: option -> (environment variable, type, help, the function that reads it).
SERVE_OPTIONS = {
    "--max-voxels": ("SNT_WEB_MAX_VOXELS", int, "voxels of an image decoded into memory", max_voxels),
    "--max-upload-bytes": ("SNT_WEB_MAX_UPLOAD_BYTES", int, "largest uploaded file", max_upload_bytes),
    "--max-json-bytes": ("SNT_WEB_MAX_JSON_BYTES", int, "largest JSON body", max_json_bytes),
    "--max-text": ("SNT_WEB_MAX_TEXT", int, "characters of a name, tag or message", max_text),
    "--trace-max-voxels": ("SNT_WEB_TRACE_MAX_VOXELS", int, "voxels one trace click may explore", trace_max_voxels),
    "--trace-max-seconds": ("SNT_WEB_TRACE_MAX_SECONDS", float, "seconds one trace click may take",
                            trace_max_seconds),
    "--trace-concurrency": ("SNT_WEB_TRACE_CONCURRENCY", int, "trace searches at once per web process",
                            trace_concurrency),
    "--max-queued-jobs": ("SNT_WEB_MAX_QUEUED_JOBS", int, "jobs one user may have waiting", max_queued_jobs),
}
