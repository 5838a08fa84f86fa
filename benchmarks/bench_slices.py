"""Slice update: our PNG route against a float32 ``go.Heatmap`` figure.

What a browser receives when the user moves to another slice, and how long
the server works on it, for a 512 x 512 and a 1024 x 1024 slice of the demo
neuron (realistic noise, so PNG compression is not flattered):

- ours: ``GET /slice/...png`` through the Flask app (extract, window to 8 bits,
  encode PNG; the Dash callback JSON is zero bytes, the URL is built in the
  browser);
- peer: what a naive Dash app sends, a ``go.Heatmap`` figure of the float32
  slice serialised to JSON (plotly.py's binary-array encoding included).

Targets (foundation issue): a 512 x 512 update under 250 kB and 30 ms.
"""

from __future__ import annotations

import statistics
import tempfile
import time

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from snt_web.imaging.slices import auto_contrast, extract_slice
from snt_web.store import ProjectStore
from snt_web.synth.demo_files import write_demo
from snt_web.web.app import create_app
from snt_web.web.routes import slice_url

REPEATS = 15


def _median_ms(fn) -> float:
    fn()  # warm caches (image open, imports)
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(size: int, workdir) -> dict:
    """Bytes and median server milliseconds for one slice update of a size x size plane."""
    depth = 16
    image_path, _ = write_demo(workdir / f"demo{size}", seed=0, shape_zyx=(depth, size, size))
    store = ProjectStore(workdir / f"store{size}")
    store.create("bench", project_id="bench", image_path=image_path)
    client = create_app(store, "bench").server.test_client()
    volume = store.image("bench").volume(0, 0)
    lo, hi = auto_contrast(volume)
    z = depth // 2
    url = slice_url("bench", 1, "xy", z, lo=lo, hi=hi)

    def ours():
        response = client.get(url)
        assert response.status_code == 200
        return response.data

    def heatmap():
        plane = extract_slice(volume, "xy", z).astype(np.float32)
        return pio.to_json(go.Figure(go.Heatmap(z=plane)), validate=False)

    return {
        "size": size,
        "ours_bytes": len(ours()),
        "ours_ms": _median_ms(ours),
        "peer_bytes": len(heatmap().encode()),
        "peer_ms": _median_ms(heatmap),
    }


def main() -> None:
    import pathlib

    print(__doc__.split("\n\n")[0])
    print(f"{'slice':>11} | {'PNG route':>20} | {'go.Heatmap float32':>20} | {'bytes ratio':>11} | {'time ratio':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (512, 1024):
            r = measure(size, pathlib.Path(tmp))
            print(
                f"{size:>5}x{size:<5} | {r['ours_bytes'] / 1e3:8.1f} kB {r['ours_ms']:6.1f} ms |"
                f" {r['peer_bytes'] / 1e3:8.1f} kB {r['peer_ms']:6.1f} ms |"
                f" {r['peer_bytes'] / r['ours_bytes']:10.1f}x | {r['peer_ms'] / r['ours_ms']:9.1f}x"
            )
            if size == 512:
                ok = r["ours_bytes"] < 250_000 and r["ours_ms"] < 30
                print(f"{'':>11}   target 512x512 < 250 kB and < 30 ms: {'met' if ok else 'MISSED'}")
    print("ratios: heatmap / ours (higher is better for us)")


if __name__ == "__main__":
    main()
