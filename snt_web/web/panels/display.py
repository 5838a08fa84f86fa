"""Display panel: channel, time frame, contrast window, paths shown or hidden on the slices.

Writes the ``display`` store ``{c, t, lo, hi, paths}`` (0-based channel and
frame, window in raw intensity units, whether the slice views draw the paths)
that the slice views read.
"""

from __future__ import annotations

from dash import Input, Output, State, ctx, dcc, html, no_update

from ...imaging.slices import auto_contrast
from ..state import readable_store

#: Auto-contrast percentiles. Neurites fill well under 1% of a stack, so the
#: top of the window must sit far out in the tail (ImageJ's 0.35% saturation
#: would clip at background noise and hide the signal).
AUTO_PERCENTILES = (1.0, 99.95)


def layout():
    return html.Details(
        [
            html.Summary("Display"),
            html.Label(["Channel ", dcc.Dropdown(id="display-channel", clearable=False, options=[], value=0)]),
            html.Label(
                ["Frame ", dcc.Slider(id="display-frame", min=0, max=0, step=1, value=0, marks=None)],
                id="display-frame-row",
            ),
            html.Div(
                [
                    html.Label(["min ", dcc.Input(id="display-lo", type="number", debounce=True, size="7")]),
                    html.Label(["max ", dcc.Input(id="display-hi", type="number", debounce=True, size="7")]),
                    html.Button("Auto", id="display-auto", title=f"Window from the {AUTO_PERCENTILES[0]}-{AUTO_PERCENTILES[1]} percentiles"),
                ],
                className="snt-row",
            ),
            dcc.Checklist(id="display-paths", options=[{"label": "paths on the slices", "value": "on"}],
                          value=["on"], inline=True),
            dcc.Store(id="display-window-key"),
        ],
        open=True,
        className="snt-panel",
    )


def register(app) -> None:
    @app.callback(
        Output("display-channel", "options"),
        Output("display-channel", "value"),
        Output("display-frame", "max"),
        Output("display-frame", "value"),
        Output("display-frame-row", "hidden"),
        Input("project", "data"),
        State("display-channel", "value"),
        State("display-frame", "value"),
    )
    def _channels(meta, channel, frame):
        if not meta or not meta.get("shape"):
            return [], 0, 0, 0, True
        n_c, n_t = meta["n_channels"], meta["n_frames"]
        options = [{"label": f"channel {c + 1}", "value": c} for c in range(n_c)]
        return options, min(channel or 0, n_c - 1), n_t - 1, min(frame or 0, n_t - 1), n_t == 1

    @app.callback(
        Output("display-lo", "value"),
        Output("display-hi", "value"),
        Output("display-window-key", "data"),
        Input("display-auto", "n_clicks"),
        Input("display-channel", "value"),
        Input("display-frame", "value"),
        Input("project", "data"),
        State("display-window-key", "data"),
    )
    def _auto(_clicks, channel, frame, meta, window_key):
        """Auto window on request and whenever the shown volume changes.

        A project update that leaves the image alone (a new reconstruction)
        keeps the user's window.
        """
        if not meta or not meta.get("shape"):
            return no_update, no_update, None
        key = f"{meta['id']}-{meta['image_revision']}"
        if ctx.triggered_id == "project" and key == window_key:
            return no_update, no_update, no_update
        if not (0 <= (channel or 0) < meta["n_channels"] and 0 <= (frame or 0) < meta["n_frames"]):
            return no_update, no_update, no_update  # a page of another image: its next update sets them
        image = readable_store(meta["id"]).image(meta["id"])
        lo, hi = auto_contrast(image.volume(channel or 0, frame or 0), AUTO_PERCENTILES)
        return round(lo, 4), round(hi, 4), key

    @app.callback(
        Output("display", "data"),
        Input("display-channel", "value"),
        Input("display-frame", "value"),
        Input("display-lo", "value"),
        Input("display-hi", "value"),
        Input("display-paths", "value"),
    )
    def _display(channel, frame, lo, hi, paths):
        if lo is None or hi is None:
            return no_update
        # Hiding the paths shows what is under them: a probability map, a faint branch.
        return {"c": channel or 0, "t": frame or 0, "lo": lo, "hi": hi, "paths": "on" in (paths or [])}
