"""The Curation Assistant's full scan as a job: image checks over a large stack take more than a second."""

from __future__ import annotations

from ..curation import CurationSettings
from ..curation.warnings import severity_counts
from ..store.curation import scan_project
from .params import accepted_by, optional
from .tasks import task


@task("curation-scan", settings=optional(accepted_by(CurationSettings.from_dict)))
def curation_scan(context, settings: dict | None = None) -> dict:
    """Run every enabled plausibility check over the project and store the warnings.

    Parameters
    ----------
    context : JobContext
    settings : dict, optional
        :meth:`CurationSettings.to_dict` output; the project's thresholds if omitted.

    Returns
    -------
    dict
        ``warnings`` (how many) and ``by_severity`` (counts per severity name).
    """
    chosen = CurationSettings.from_dict(settings) if settings else None
    result = scan_project(context.store, context.project_id, context.user, chosen,
                          progress=lambda fraction, message: context.progress(100 * fraction, message))
    return {"warnings": len(result.warnings), "by_severity": severity_counts(result.warnings)}
