"""The seeds API: a pipeline adds detections to the seed table the Seeds panel shows, and reads them back."""

from __future__ import annotations

import numpy as np

from .test_api import As, _version, client, tokens  # noqa: F401 - fixtures

CSV = b"X,Y,Z,Confidence,Radius,Type\n1,2,3,0.5,1,soma\n4,five,6,0.7,2,tip\n7,8,9,1.5,-1,tip\n"


def test_a_pipeline_imports_seeds_and_reads_them_back(client, tokens, store):  # noqa: F811
    ann = As(client, tokens["annotator"])
    response = ann.post(f"/projects/demo/seeds/import?base_version={_version(store)}&source=cellpose", data=CSV)
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["added"], body["skipped"], body["clamped"]) == (2, 1, 1)
    assert body["problems"] == [{"line": 3, "reason": "y 'five' is not a number"}]
    assert store.history("demo", 1)[0].summary == "added 2 seeds from cellpose"
    seeds = ann.get("/projects/demo/seeds").json
    assert seeds["count"] == 2 and [s["type"] for s in seeds["seeds"]] == ["soma", "tip"]
    assert seeds["seeds"][1]["confidence"] == 1.0 and seeds["seeds"][1]["radius"] == 0.0
    text = ann.get("/projects/demo/seeds?format=csv").get_data(as_text=True)
    assert text.splitlines()[0] == "x,y,z,confidence,radius,type"
    # Voxel units are calibrated by the project's image; replace drops what was there.
    spacing = store.image("demo").spacing
    ann.post("/projects/demo/seeds/import?units=voxel&replace=1", data=b"x,y,z,confidence,radius\n10,20,3,1,0\n")
    (seed,) = ann.get("/projects/demo/seeds").json["seeds"]
    np.testing.assert_allclose([seed["x"], seed["y"], seed["z"]], np.array([10, 20, 3]) * spacing[::-1])


def test_roles_and_bad_files(client, tokens, store):  # noqa: F811
    viewer = As(client, tokens["viewer"])
    assert viewer.get("/projects/demo/seeds").status_code == 200
    assert viewer.post("/projects/demo/seeds/import", data=CSV).status_code == 403
    bad = As(client, tokens["annotator"]).post("/projects/demo/seeds/import", data=b"x,y,z\n1,2,3\n")
    assert bad.status_code == 400 and "missing column(s) confidence, radius" in bad.json["error"]
    assert viewer.get("/projects/nope/seeds").status_code == 404
