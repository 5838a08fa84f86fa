import io

import numpy as np
from PIL import Image as PILImage

from snt_web.imaging.overlay import lookup_table
from snt_web.imaging.slices import extract_slice, window_to_uint8
from snt_web.store import LOCAL_USER, maps
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


def test_map_route_colours_a_slice_see_through_or_opaque(app, store):
    """The overlay and the map shown instead of the image: the same colormap, opaque or with the value as alpha."""
    volume = store.image("demo").volume(0, 0).astype(np.float32)
    prob = volume / volume.max()
    maps.save_map(store, "demo", LOCAL_USER, "unet", prob[None], ["neurite"], "test", store.get("demo").version)
    prefix = f"/map/demo/{maps.map_file_id(maps.list_maps(store, 'demo')[0])}/0"
    client = app.server.test_client()
    for plane, index in (("xy", 10), ("xz", 40), ("zy", 70)):
        value = window_to_uint8(extract_slice(prob, plane, index), 0.05, 0.5)
        colours = lookup_table("green")[value]
        response, see_through = _get_png(client, f"{prefix}/{plane}/{index}.png?lo=0.05&hi=0.5&cmap=green")
        assert np.array_equal(see_through[..., :3], colours) and np.array_equal(see_through[..., 3], value)
        assert "immutable" in response.headers["Cache-Control"]
        response, opaque = _get_png(client, f"{prefix}/{plane}/{index}.png?lo=0.05&hi=0.5&cmap=green&opaque=1")
        assert np.array_equal(opaque[..., :3], colours) and np.all(opaque[..., 3] == 255)
        assert "immutable" in response.headers["Cache-Control"]
    assert client.get(f"{prefix}/xy/0.png?cmap=jet").status_code == 404  # not one of ours
    assert client.get(f"{prefix}/ab/0.png").status_code == 404
    assert client.get(f"{prefix}/xy/0.png?lo=abc").status_code == 400
    assert client.get("/map/demo/unet-00000000/0/xy/0.png").status_code == 404  # no such file
    assert client.get(f"{prefix[:-1]}3/xy/0.png").status_code == 404  # no such class


def test_health(app):
    assert app.server.test_client().get("/healthz").json == {"status": "ok"}
