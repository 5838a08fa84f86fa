import io

import numpy as np
from PIL import Image as PILImage

from snt_web.imaging.slices import extract_slice, window_to_uint8
from snt_web.web.routes import slice_url


def _get_png(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.data[:200]
    assert response.content_type == "image/png"
    return response, np.asarray(PILImage.open(io.BytesIO(response.data)))


def test_slice_route_serves_the_windowed_slice_of_each_plane(app, store):
    client = app.server.test_client()
    volume = store.image("demo").volume(0, 0)
    for plane, index in (("xy", 10), ("xz", 40), ("zy", 70)):
        response, pixels = _get_png(client, slice_url("demo", 1, plane, index, lo=5, hi=120))
        expected = window_to_uint8(extract_slice(volume, plane, index), 5, 120)
        assert np.array_equal(pixels, expected)
        assert "immutable" in response.headers["Cache-Control"]
        assert response.headers["Server-Timing"].startswith("render;dur=")


def test_slice_route_refuses_bad_requests(app):
    client = app.server.test_client()
    assert client.get(slice_url("demo", 2, "xy", 0)).status_code == 404  # stale image revision
    assert client.get(slice_url("nope", 1, "xy", 0)).status_code == 404
    assert client.get("/slice/demo/1/ab/0.png").status_code == 404
    assert client.get(slice_url("demo", 1, "xy", 0, c=3)).status_code == 404
    assert client.get("/slice/demo/1/xy/0.png?lo=abc").status_code == 400
    # Dash answers unknown paths with its page; what matters is that no pixels leak.
    for url in ("/slice/..%2F..%2Fetc/1/xy/0.png", "/slice/demo/1/xy/..%2F..%2Fproject.json"):
        response = client.get(url)
        assert response.content_type != "image/png" and b'reconstruction_file' not in response.data


def test_health(app):
    assert app.server.test_client().get("/healthz").json == {"status": "ok"}
