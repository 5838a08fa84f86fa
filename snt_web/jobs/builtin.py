"""The tasks every installation has: filtering a whole volume, exporting a reconstruction."""

from __future__ import annotations

from ..io.reconstruction import reconstruction_bytes
from ..store.commands import PutAttachment, apply
from ..store.layers import project_layer
from ..store.records import StoreError
from ..tracing.layers import FILTERED_LAYERS, default_scales
from .params import channel, choice, frame, scales
from .tasks import task


@task("filter-layer", layer=choice(*FILTERED_LAYERS), scales=scales(), channel=channel(), frame=frame())
def filter_layer(context, layer: str, scales=None, channel: int = 0, frame: int = 0) -> dict:
    """Compute a filtered layer of the project's image and cache it beside the project.

    Parameters
    ----------
    context : JobContext
    layer : {'tubeness', 'frangi', 'gaussian'}
    scales : list of float, optional
        Physical scales; :func:`~snt_web.tracing.layers.default_scales` by default.
    channel, frame : int
        0-based.

    Returns
    -------
    dict
        ``{"layer", "scales", "shape"}``: the scales used and the layer's (z, y, x) shape.
    """
    if layer not in FILTERED_LAYERS:
        raise ValueError(f"layer must be one of {', '.join(FILTERED_LAYERS)}, got {layer!r}")
    image = context.store.image(context.project_id)
    if image is None:
        raise StoreError(f"project {context.project_id!r} has no image to filter")
    scales = [float(s) for s in scales or default_scales(image.spacing)]
    context.progress(0, f"computing {layer} at {len(scales)} scale{'s' * (len(scales) > 1)}")
    # Progress (and a chance to cancel) after each scale; the .npy file is
    # written atomically at the end, so a cancelled job leaves nothing behind.
    data = project_layer(context.store, context.project_id, layer, channel=channel, frame=frame, scales=scales,
                         progress=context.progress)
    context.progress(100, f"{layer} ready")
    return {"layer": layer, "scales": scales, "shape": list(data.shape)}


@task("export-reconstruction", format=choice("swc", "traces"))
def export_reconstruction(context, format: str = "swc") -> dict:
    """Write the project's reconstruction as a file attached to the project (kind ``export``).

    Parameters
    ----------
    context : JobContext
    format : {'swc', 'traces'}

    Returns
    -------
    dict
        ``{"attachment", "bytes"}``: the attachment's name and size.
    """
    context.progress(0, "reading the reconstruction")
    tree = context.store.reconstruction(context.project_id)
    context.progress(40, f"writing {format}")
    data = reconstruction_bytes(tree, format)
    name = f"reconstruction.{format}"
    # The last chance to cancel: after this the project has changed.
    context.progress(80, f"saving {name}")
    apply(context.store, context.project_id, context.user, PutAttachment(kind="export", name=name, data=data), None)
    context.progress(100, f"saved {name}")
    return {"attachment": name, "bytes": len(data)}
