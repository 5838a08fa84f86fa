"""Hostile inputs built on the spot, and a watch on a process's memory.

Nothing here is a committed file: each test makes the few bytes it needs.
"""

from __future__ import annotations

import base64
import re
import struct
import threading
import time
import zlib
from contextlib import contextmanager
from pathlib import Path

MB = 2**20

# TIFF tags and field types (TIFF 6.0).
_SHORT, _LONG = 3, 4
_DEFLATE = 8


def declared_tiff(width: int, height: int, *, pages: int = 1, strip: bytes = b"", compression: int = _DEFLATE) -> bytes:
    """A little-endian baseline TIFF of ``pages`` uint8 pages declaring ``height`` x ``width`` each.

    Each page has one strip holding ``strip`` (by default none at all: a zero
    byte count, which tifffile reads as a page of zeros). With one empty
    page the file is 122 bytes, whatever it declares.
    """
    entries = lambda offset, count: [  # noqa: E731 - tag, type, value, sorted by tag as TIFF requires
        (256, _LONG, width), (257, _LONG, height), (258, _SHORT, 8), (259, _SHORT, compression),
        (262, _SHORT, 1), (273, _LONG, offset), (277, _SHORT, 1), (278, _LONG, height), (279, _LONG, count),
    ]
    ifd_size = 2 + 12 * 9 + 4
    data_at = 8 + pages * ifd_size
    out = bytearray(b"II" + struct.pack("<HI", 42, 8))
    for page in range(pages):
        last = page == pages - 1
        out += struct.pack("<H", 9)
        for tag, kind, value in entries(data_at if strip else 0, len(strip)):
            out += struct.pack("<HHII", tag, kind, 1, value)
        out += struct.pack("<I", 0 if last else len(out) + 4)
    return bytes(out + strip)


def deflate_bomb(inflated_bytes: int) -> bytes:
    """A deflate stream of ``inflated_bytes`` zeros (about a thousandth of that, compressed)."""
    compressor = zlib.compressobj(1)  # fast; still about 1:230 on zeros
    chunk = bytes(16 * MB)
    parts = [compressor.compress(chunk) for _ in range(inflated_bytes // len(chunk))]
    parts.append(compressor.compress(bytes(inflated_bytes % len(chunk))))
    parts.append(compressor.flush())
    return b"".join(parts)


def data_url(data: bytes) -> str:
    """What a dcc.Upload hands its callback."""
    return "data:application/octet-stream;base64," + base64.b64encode(data).decode()


def rss(pid="self") -> int:
    """Resident memory of a process, in bytes."""
    return _status(pid, "VmRSS")


def _status(pid, field: str) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1)) * 1024


class MemoryWatch:
    """How far a process's resident memory rose above where it started, at its peak.

    The kernel's high-water mark (``VmHWM``) is reset when the watch starts, so
    a transient allocation freed before the end counts; where that reset is
    not allowed, a thread samples ``VmRSS`` every 2 ms instead.
    """

    def __init__(self, pid="self"):
        self.pid = pid
        self.growth = 0
        self._samples: list[int] = []

    @contextmanager
    def watching(self):
        before = rss(self.pid)
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
            reset = True
        except OSError:
            reset = False
        stop = threading.Event()
        sampler = None
        if not reset:
            def sample():
                while not stop.wait(0.002):
                    self._samples.append(rss(self.pid))

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
        try:
            yield self
        finally:
            if sampler is not None:
                stop.set()
                sampler.join()
            peak = _status(self.pid, "VmHWM") if reset else max(self._samples + [rss(self.pid)])
            self.growth = max(0, peak - before)


@contextmanager
def timed():
    """``with timed() as t: ...``; then ``t.seconds``."""
    class Clock:
        seconds = 0.0

    clock = Clock()
    began = time.perf_counter()
    try:
        yield clock
    finally:
        clock.seconds = time.perf_counter() - began


def cheaply(call, *, seconds: float, growth: int):
    """``call()``, asserting it took under ``seconds`` and the process grew under ``growth`` bytes at its peak."""
    watch = MemoryWatch()
    with watch.watching(), timed() as clock:
        result = call()
    print(f"\n{clock.seconds * 1000:.1f} ms, peak growth {watch.growth / MB:.1f} MB", end="")
    assert clock.seconds < seconds, f"took {clock.seconds:.2f} s"
    assert watch.growth < growth, f"grew {watch.growth / MB:.0f} MB"
    return result
