"""Classifier panel: train a pixel classifier from the traced paths, preview it on a slice, apply it as a job.

The loop of SNT's machine-learning page in one place: trace → train (a job,
its progress in the Jobs panel) → look at the out-of-bag accuracy and the
samples per class → preview the XY slice → apply to the whole image (a job) →
the probability map appears in the Probability maps panel and as a tracing
layer. Background is what the user paints on the slices
(:mod:`.background_paint`) or traces and tags ``{background}``; without
such marks it is sampled away from the paths.
"""

from __future__ import annotations

import base64

from dash import Input, Output, State, ctx, dcc, html, no_update

from ...auth.roles import PermissionDenied
from ...classify import parse_class_weights, predict_slice
from ...imaging.overlay import render_overlay_png
from ...store import StoreError
from ...store.models import list_models, load_model
from ...tracing.layers import parse_scales
from ..state import readable_store
from . import background_paint
from .jobs import submit_job
from .messages import error, not_allowed, ok

MODEL = "classifier"


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
            dcc.Graph(id="classifier-counts", config={"displayModeBar": False}, style={"height": "90px"},
                      figure={"data": [], "layout": {"height": 90}}),
            html.Img(id="classifier-preview-img", className="snt-preview", alt="classifier preview"),
            html.Div(id="classifier-message", className="snt-message", role="status"),
        ],
        open=False,
        className="snt-panel",
    )


def counts_figure(model: dict | None) -> dict:
    """Training samples per class as horizontal bars: the balance is seen at a glance."""
    layout = {"height": 90, "margin": {"l": 100, "r": 8, "t": 4, "b": 20}, "paper_bgcolor": "#1b1b1b",
              "plot_bgcolor": "#1b1b1b", "font": {"color": "#ccc", "size": 10}}
    if not model:
        return {"data": [], "layout": {**layout, "xaxis": {"visible": False}, "yaxis": {"visible": False}}}
    names, counts = zip(*model["class_counts"].items())
    return {"data": [{"type": "bar", "orientation": "h", "x": list(counts), "y": list(names),
                      "marker": {"color": "#7c9cff"}, "hovertemplate": "%{y}: %{x} samples<extra></extra>"}],
            "layout": layout}


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
        Input("project", "data"),
        Input("jobs-finished", "data"),
    )
    def _info(meta, _finished):
        models = list_models(readable_store(meta["id"]), meta["id"]) if meta else []
        model = next((m for m in models if m["name"] == MODEL), None)
        if model is None:
            return "No classifier yet: trace paths, then Train.", counts_figure(None)
        info = (f"Model '{model['name']}': out-of-bag accuracy {model['oob_accuracy']:.3f}; "
                f"{len(model['feature_settings']['scales'])} scales, classes {', '.join(model['classes'])}.")
        return info, counts_figure(model)

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
        probabilities = predict_slice(classifier, image.data[:, int((display or {}).get("t") or 0)], image.spacing,
                                      "xy", z, classes=[0])
        png = render_overlay_png(probabilities, "xy", 0, 0.0, 1.0, "magma")
        return ("data:image/png;base64," + base64.b64encode(png).decode(),
                *ok(f"Preview of z = {z}: probability of {classifier.class_names[0]}."))
