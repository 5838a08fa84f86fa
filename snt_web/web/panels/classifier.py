"""Classifier panel: train a pixel classifier from the traced paths, preview it on a slice, apply it as a job.

The loop of SNT's machine-learning page in one place: trace → train (a job,
its progress in the Jobs panel) → look at the out-of-bag accuracy and the
samples per class → preview the XY slice → apply to the whole image (a job) →
the probability map appears in the Probability maps panel and as a tracing
layer. Background is sampled beside the paths and away from them, and what
the user paints on the slices (:mod:`.background_paint`) or traces and tags
``{background}`` is added to it; the samples chart counts each source.

A high out-of-bag accuracy only says the training samples are told apart:
the preview and the applied map are also checked against the share of the
traced region the paths fill (:func:`snt_web.classify.check_coverage`), and a
map far wider than the neurites is called out in plain words.
"""

from __future__ import annotations

import base64

from dash import Input, Output, State, ctx, dcc, html, no_update

from ...auth.roles import PermissionDenied
from ...classify import BACKGROUND, map_coverage, parse_class_weights, predict_slice
from ...imaging.overlay import render_overlay_png
from ...store import StoreError
from ...store.maps import list_maps
from ...store.classifiers import list_models, load_model
from ...tracing.layers import parse_scales
from ..state import readable_store
from . import background_paint
from .jobs import submit_job
from .messages import error, not_allowed, ok, warning

MODEL = "classifier"
#: Height of the samples chart: room for a path class and the background's three sources.
CHART_HEIGHT = 100


def layout():
    return html.Details(
        [
            html.Summary("Classifier"),
            html.Div(
                [
                    dcc.RadioItems(id="classifier-mode", inline=True, value="volume",
                                   options=[{"label": "centrelines", "value": "skeleton"},
                                            {"label": "path volumes", "value": "volume"}]),
                ],
                className="snt-row",
            ),
            background_paint.controls(),
            html.Div(
                [
                    html.Label(["scales (µm)", dcc.Input(id="classifier-scales", type="text", debounce=True,
                                                        size="10", placeholder="default")], className="snt-field"),
                    html.Label(["trees", dcc.Input(id="classifier-trees", type="number", min=1, max=1000, step=1,
                                                   value=100, debounce=True, size="4")]),
                    html.Label(["depth", dcc.Input(id="classifier-depth", type="number", min=1, max=100, step=1,
                                                   placeholder="any", debounce=True, size="4")]),
                    html.Label(["class weights", dcc.Input(id="classifier-weights", type="text", debounce=True,
                                                           size="12", placeholder="balanced")],
                               title="'balanced' (each class inversely to its samples), 'none', or "
                                     "'class=weight, ...', e.g. 'background=0.5'", className="snt-field"),
                ],
                className="snt-row",
            ),
            html.Div(
                [
                    html.Button("Train", id="classifier-train", title="Train from the traced paths (a job)"),
                    html.Button("Preview slice", id="classifier-preview",
                                title="Classify the XY slice shown, now"),
                    html.Button("Apply to image", id="classifier-apply",
                                title="Classify the whole image (a job); the result is a probability map"),
                ],
                className="snt-row",
            ),
            html.Div(id="classifier-info", className="snt-hint"),
            html.Div(id="classifier-check", className="snt-message", role="status"),
            dcc.Graph(id="classifier-counts", config={"displayModeBar": False}, style={"height": f"{CHART_HEIGHT}px"},
                      figure={"data": [], "layout": {"height": CHART_HEIGHT}}),
            html.Img(id="classifier-preview-img", className="snt-preview", alt="classifier preview"),
            html.Div(id="classifier-message", className="snt-message", role="status"),
        ],
        open=False,
        className="snt-panel",
    )


def counts_figure(model: dict | None) -> dict:
    """Training samples per class as horizontal bars, the background's by source: the balance is seen at a glance.

    The background's bars are those sampled beside the paths, away from
    them, and painted (or one bar, for a model trained before the sources
    were counted).
    """
    layout = {"height": CHART_HEIGHT, "margin": {"l": 130, "r": 8, "t": 4, "b": 20}, "paper_bgcolor": "#1b1b1b",
              "plot_bgcolor": "#1b1b1b", "font": {"color": "#ccc", "size": 10}, "barmode": "stack",
              "showlegend": False}
    if not model:
        return {"data": [], "layout": {**layout, "xaxis": {"visible": False}, "yaxis": {"visible": False}}}
    bars = {name: n for name, n in model["class_counts"].items() if name != BACKGROUND}
    sources = model.get("background_counts") or {}
    bars.update({f"{BACKGROUND}: {source}": n for source, n in sources.items()} if sources
                else {BACKGROUND: model["class_counts"][BACKGROUND]})
    colours = ["#7c9cff" if not name.startswith(BACKGROUND) else "#9e9e9e" for name in bars]
    return {"data": [{"type": "bar", "orientation": "h", "x": list(bars.values()), "y": list(bars),
                      "marker": {"color": colours}, "hovertemplate": "%{y}: %{x} samples<extra></extra>"}],
            "layout": {**layout, "yaxis": {"autorange": "reversed"}}}


def register(app) -> None:
    background_paint.register(app)

    @app.callback(
        Output("classifier-message", "children"),
        Output("classifier-message", "className"),
        Output("jobs-submitted", "data", allow_duplicate=True),
        Input("classifier-train", "n_clicks"),
        Input("classifier-apply", "n_clicks"),
        State("classifier-mode", "value"),
        State("classifier-scales", "value"),
        State("classifier-trees", "value"),
        State("classifier-depth", "value"),
        State("classifier-weights", "value"),
        State("display", "data"),
        State("project", "data"),
        State("jobs-submitted", "data"),
        prevent_initial_call=True,
    )
    def _submit(train_clicks, apply_clicks, mode, scales, trees, depth, weights, display, meta, submitted):
        frame = int((display or {}).get("t") or 0)
        try:
            if ctx.triggered_id == "classifier-train":
                params = {"name": MODEL, "mode": mode, "scales": parse_scales(scales),
                          "n_estimators": int(trees or 100), "max_depth": int(depth) if depth else None,
                          "class_weight": parse_class_weights(weights), "frame": frame}
                submit_job(meta["id"], "train-classifier", params)
                done = "Training from the traced paths: see Jobs."
            else:
                if not list_models(readable_store(meta["id"]), meta["id"]):
                    return *error("Train a classifier first."), no_update
                submit_job(meta["id"], "apply-classifier", {"model": MODEL, "frame": frame})
                done = "Classifying the image: see Jobs. The result appears under Probability maps."
        except PermissionDenied as err:
            return *not_allowed(err), no_update
        except ValueError as err:
            return *error(f"{err}."), no_update
        return *ok(done), (submitted or 0) + 1

    @app.callback(
        Output("classifier-info", "children"),
        Output("classifier-counts", "figure"),
        Output("classifier-check", "children"),
        Output("classifier-check", "className"),
        Input("project", "data"),
        Input("jobs-finished", "data"),
    )
    def _info(meta, _finished):
        store = readable_store(meta["id"]) if meta else None
        models = list_models(store, meta["id"]) if meta else []
        model = next((m for m in models if m["name"] == MODEL), None)
        if model is None:
            return "No classifier yet: trace paths, then Train.", counts_figure(None), "", "snt-message"
        info = (f"Model '{model['name']}': out-of-bag accuracy {model['oob_accuracy']:.3f}; "
                f"{len(model['feature_settings']['scales'])} scales, classes {', '.join(model['classes'])}.")
        pmap = next((m for m in list_maps(store, meta["id"]) if m["name"] == MODEL), None)
        return info, counts_figure(model), *map_check(pmap)

    @app.callback(
        Output("classifier-preview-img", "src"),
        Output("classifier-message", "children", allow_duplicate=True),
        Output("classifier-message", "className", allow_duplicate=True),
        Input("classifier-preview", "n_clicks"),
        State("cursor", "data"),
        State("display", "data"),
        State("project", "data"),
        prevent_initial_call=True,
    )
    def _preview(_n, cursor, display, meta):
        """The neurite probability of the XY slice shown, from the current model, as a small image."""
        store = readable_store(meta["id"])
        try:
            classifier = load_model(store, meta["id"], MODEL)
        except StoreError:
            return no_update, *error("Train a classifier first.")
        image = store.image(meta["id"])
        z = int((cursor or {}).get("z", 0))
        last = len(classifier.class_names) - 1
        probabilities = predict_slice(classifier, image.data[:, int((display or {}).get("t") or 0)], image.spacing,
                                      "xy", z, classes=[0, last])
        png = render_overlay_png(probabilities[:1], "xy", 0, 0.0, 1.0, "magma")
        said = f"Preview of z = {z}: probability of {classifier.class_names[0]}."
        checked = map_coverage(classifier.expected, probabilities)
        return ("data:image/png;base64," + base64.b64encode(png).decode(),
                *(warning(f"{said} {checked.warning}") if checked and checked.warning else ok(said)))


def map_check(pmap: dict | None) -> tuple[str, str]:
    """The line under the model's facts: how the applied map compares with the traced paths, a warning if too wide."""
    coverage = (pmap or {}).get("coverage")
    if not coverage:
        return "", "snt-message"
    if coverage["warning"]:
        return warning(f"Map '{pmap['name']}': {coverage['warning']}")
    return ok(f"Map '{pmap['name']}': at probability 0.5 it covers {coverage['ratio']:.1f}x the share of the traced "
              "region that the paths fill.")
