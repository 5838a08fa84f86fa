"""The HTTP API, ``/api/v1/``: projects, reconstructions, edits, history, members, pipeline inputs, jobs.

JSON in and out (reconstructions and uploads travel as files). Authentication
is :mod:`snt_web.web.auth`'s (``Authorization: Bearer <token>``, or the browser
session with its CSRF token). Every write goes through
:func:`snt_web.store.commands.apply`, which checks the role and the base
version and records the history; reads check the role with
:func:`snt_web.auth.roles.allows`. A writing route checks the caller's role
before it reads the body, and each body is limited by its route
(:mod:`.bodies`). Errors are ``{"error": "..."}`` with 400, 401, 403, 404,
409 (plus ``current_version``), 413 or 429. See ``docs/api.md``.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from .. import ids
from ..auth.roles import ROLES, PermissionDenied, allows
from ..curation.dlqc import parse_points
from ..io.errors import ImageTooLargeError, SNTWebIOError
from ..io.reconstruction import read_reconstruction_bytes, reconstruction_bytes
from ..io.tiff import read_image_bytes
from ..jobs import JobNotFoundError, UnknownTaskError
from ..jobs.params import image_facts
from ..jobs.records import QueueFullError
from ..seeds import read_seeds_csv, seeds_csv_text
from ..store import Accounts, ProjectNotFoundError, StaleVersionError, StoreError
from ..store import commands, maps
from ..store.curation import add_warnings, list_warnings, set_decision
from ..store.seeds import SeedConflictError, add_seeds, load_seeds
from ..store.text import check_text
from .auth import current_user, project_role
from .bodies import read_body, upload_route

blueprint = Blueprint("snt_web_api", __name__, url_prefix="/api/v1")

FORMATS = {"swc": ("text/plain; charset=utf-8", ".swc"), "traces": ("application/xml; charset=utf-8", ".traces")}


class APIError(Exception):
    """An answer other than success: ``status`` and one sentence."""

    def __init__(self, status: int, message: str, **extra):
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra


# --- errors ------------------------------------------------------------------------------
@blueprint.errorhandler(APIError)
def _api_error(err: APIError):
    return jsonify(error=err.message, **err.extra), err.status


@blueprint.errorhandler(PermissionDenied)
def _denied(err: PermissionDenied):
    if err.user is None and current_app.config["SNT_WEB_AUTH"].mode == "login":
        return jsonify(error="log in first (or send 'Authorization: Bearer <token>')"), 401
    return jsonify(error=str(err)), 403


@blueprint.errorhandler(StaleVersionError)
def _stale(err: StaleVersionError):
    return jsonify(error=str(err), current_version=err.current_version), 409


@blueprint.errorhandler(SeedConflictError)
def _seed_conflict(err: SeedConflictError):
    """Someone changed the seeds a change was based on: a conflict, like a stale version (409)."""
    project_id = (request.view_args or {}).get("project_id")
    current = None if project_id is None else _store().get(project_id).version
    return jsonify(error=str(err), current_version=current), 409


@blueprint.errorhandler(ProjectNotFoundError)
def _not_found(err: ProjectNotFoundError):
    return jsonify(error=str(err)), 404


@blueprint.errorhandler(StoreError)
@blueprint.errorhandler(SNTWebIOError)
@blueprint.errorhandler(ValueError)
def _bad_request(err: Exception):
    return jsonify(error=str(err)), 400


@blueprint.errorhandler(RequestEntityTooLarge)
def _too_large(err):
    return jsonify(error=f"the request body is larger than this route's limit of {g.snt_body_limit} bytes"), 413


@blueprint.errorhandler(QueueFullError)
def _queue_full(err: QueueFullError):
    return jsonify(error=str(err)), 429


@blueprint.errorhandler(ImageTooLargeError)
def _image_too_large(err: ImageTooLargeError):
    return jsonify(error=str(err)), 413


@blueprint.errorhandler(HTTPException)
def _http(err: HTTPException):
    return jsonify(error=err.description or err.name), err.code


_ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@blueprint.route("/", defaults={"rest": ""}, methods=_ALL_METHODS, endpoint="no_endpoint_root")
@blueprint.route("/<path:rest>", methods=_ALL_METHODS, endpoint="no_endpoint")
def _no_endpoint(rest: str):
    """Anything else under /api/v1/: a JSON 404 (Dash's catch-all page route would answer 200 with HTML)."""
    raise APIError(404, f"no endpoint {request.method} /api/v1/{rest}; see docs/api.md")


@blueprint.before_request
def _check_ids():
    """Ids in the URL have their shapes before they name anything (400 naming the id; after authentication)."""
    ids.check_url_ids(request.view_args)


# --- helpers ----------------------------------------------------------------------------------
def _store():
    return current_app.config["SNT_WEB_STORE"]


def _visible(project_id: str) -> str:
    """The user's role on an existing project they may view; 404 otherwise (existence stays private)."""
    _store().get(project_id)
    role = project_role(project_id)
    if not allows(role, "view"):
        raise ProjectNotFoundError(project_id)
    return role


def _may(project_id: str, action: str) -> str:
    """The user's role on the project if it allows ``action``; checked before a writing route reads its body."""
    role = _visible(project_id)
    if not allows(role, action):
        raise PermissionDenied(current_user(), action, project_id, role)
    return role


def _json() -> dict:
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # thousands of nested brackets
        raise APIError(400, "the JSON body is nested too deeply") from None
    if not isinstance(body, dict):
        raise APIError(400, "expected a JSON object body with Content-Type: application/json")
    return body


#: Versions, limits and ids are stored as 64-bit integers.
MAX_INT = 2**63 - 1


def _int(value, name: str, *, required: bool = True) -> int | None:
    """``value`` (a query argument or a JSON number) as a non-negative integer the database can hold, else 400."""
    if value is None or value == "":
        if required:
            raise APIError(400, f"{name} is required")
        return None
    if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
        raise APIError(400, f"{name} must be an integer, got {value!r}")
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise APIError(400, f"{name} must be an integer, got {str(value)[:40]!r}") from None
    if not 0 <= number <= MAX_INT:
        raise APIError(400, f"{name} must be between 0 and {MAX_INT}, got {str(value)[:40]}")
    return number


def _apply(project_id: str, command, base_version: int):
    _visible(project_id)
    return commands.apply(_store(), project_id, current_user(), command, base_version)


def _body() -> bytes:
    data = read_body()
    if not data:
        raise APIError(400, "the request body is empty")
    return data


def _format() -> str:
    fmt = request.args.get("format", "traces").lower()
    if fmt not in FORMATS:
        raise APIError(400, f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    return fmt


# --- projects ------------------------------------------------------------------------------------
def _record_json(record, role: str) -> dict:
    data = asdict(record)
    data.pop("image_path", None)  # a server path is nobody's business
    data["role"] = role
    return data


@blueprint.get("/projects")
def list_projects():
    out = []
    for record in _store().list():
        role = project_role(record.id)
        if allows(role, "view"):
            out.append({"id": record.id, "name": record.name, "version": record.version, "role": role})
    return {"projects": out}


@blueprint.get("/projects/<project_id>")
def get_project(project_id: str):
    role = _visible(project_id)
    return _record_json(_store().get(project_id), role)


@blueprint.get("/projects/<project_id>/reconstruction")
def get_reconstruction(project_id: str):
    _visible(project_id)
    fmt = _format()
    version = _int(request.args.get("version"), "version", required=False)
    store = _store()
    current = store.get(project_id).version
    if version is not None and not 0 <= version <= current:
        raise APIError(404, f"project {project_id!r} has no version {version}")
    tree = store.reconstruction(project_id, version)
    data = reconstruction_bytes(tree, fmt, compresslevel=None)  # plain text: readable with curl
    mimetype, ext = FORMATS[fmt]
    filename = f"{project_id}-v{version if version is not None else current}{ext}"
    return data, 200, {"Content-Type": mimetype, "Content-Disposition": f'attachment; filename="{filename}"'}


@blueprint.put("/projects/<project_id>/reconstruction")
@upload_route
def put_reconstruction(project_id: str):
    _may(project_id, "edit")
    base = _int(request.args.get("base_version"), "base_version")
    fmt = request.args.get("format")
    if fmt is not None:
        fmt = _format()
    data = _body()
    tree = read_reconstruction_bytes(data, f"upload.{fmt}" if fmt else "upload")
    summary = f"uploaded {len(tree)} paths, {tree.n_nodes} nodes through the API"
    record = _apply(project_id, commands.SetReconstruction(tree, summary), base)
    return {"version": record.version}


@blueprint.patch("/projects/<project_id>/paths/<int:path_id>")
def patch_path(project_id: str, path_id: int):
    role = _may(project_id, "review")  # the least a change of a path needs; each change's own below
    body = _json()
    base = _int(body.get("base_version"), "base_version")
    unknown = set(body) - {"base_version", "name", "swc_type", "tag"}
    if unknown:
        raise APIError(400, f"unknown fields: {', '.join(sorted(unknown))}; use name, swc_type or tag")
    check_text({k: body[k] for k in ("name", "tag") if k in body}, "body")  # early; the command layer checks too
    edits = []
    if "name" in body:
        if not isinstance(body["name"], str):
            raise APIError(400, "name must be a string")
        edits.append(commands.RenamePath(path_id, body["name"]))
    if "swc_type" in body:
        edits.append(commands.SetPathType(path_id, _int(body["swc_type"], "swc_type")))
    if "tag" in body:
        if not isinstance(body["tag"], str):
            raise APIError(400, "tag must be a string")
        edits.append(commands.TagPath(path_id, body["tag"]))
    if not edits:
        raise APIError(400, "nothing to change: give name, swc_type or tag")
    for edit in edits:  # all or nothing as far as permissions go
        if not allows(role, edit.action):
            raise PermissionDenied(current_user(), edit.action, project_id, role)
    version = base
    for edit in edits:
        version = commands.apply(_store(), project_id, current_user(), edit, version).version
    return {"version": version}


# --- history ---------------------------------------------------------------------------------------
@blueprint.get("/projects/<project_id>/history")
def history(project_id: str):
    _visible(project_id)
    limit = _int(request.args.get("limit"), "limit", required=False)
    return {"history": [asdict(h) for h in _store().history(project_id, limit)]}


@blueprint.post("/projects/<project_id>/restore")
def restore(project_id: str):
    _may(project_id, "edit")
    body = _json()
    command = commands.Restore(_int(body.get("version"), "version"))
    return {"version": _apply(project_id, command, _int(body.get("base_version"), "base_version")).version}


@blueprint.post("/projects/<project_id>/undo")
def undo(project_id: str):
    _may(project_id, "edit")
    body = _json()
    return {"version": _apply(project_id, commands.Undo(), _int(body.get("base_version"), "base_version")).version}


@blueprint.post("/projects/<project_id>/redo")
def redo(project_id: str):
    _may(project_id, "edit")
    body = _json()
    return {"version": _apply(project_id, commands.Redo(), _int(body.get("base_version"), "base_version")).version}


@blueprint.post("/projects/<project_id>/edits")
def edit(project_id: str):
    """One tree edit of :mod:`snt_web.model.edit` by name, with its keyword arguments (physical units)."""
    _may(project_id, "edit")
    body = _json()
    op, params = body.get("op"), body.get("params", {})
    if not isinstance(op, str) or not isinstance(params, dict):
        raise APIError(400, "an edit is {\"op\": name, \"params\": {...}, \"base_version\": N}")
    _visible(project_id)
    record, new_path_id = commands.edit_tree(_store(), project_id, current_user(), op, params,
                                             _int(body.get("base_version"), "base_version"))
    return {"version": record.version, "new_path_id": new_path_id}


# --- members -----------------------------------------------------------------------------------------
@blueprint.get("/projects/<project_id>/members")
def members(project_id: str):
    role = _visible(project_id)
    if not allows(role, "manage"):  # who works on a project is the owner's business
        raise PermissionDenied(current_user(), "manage", project_id, role)
    return {"members": Accounts(_store()).members(project_id)}


@blueprint.put("/projects/<project_id>/members")
def set_member(project_id: str):
    _may(project_id, "manage")
    body = _json()
    name, role = body.get("name"), body.get("role")
    if not isinstance(name, str) or not name:
        raise APIError(400, "name is required")
    ids.check_id("user", name)
    if role is not None and role not in ROLES:
        raise APIError(400, f"role must be one of {', '.join(ROLES)} or null, got {role!r}")
    record = _apply(project_id, commands.SetMember(name, role), _int(body.get("base_version"), "base_version"))
    return {"version": record.version, "members": Accounts(_store()).members(project_id)}


# --- pipeline inputs -----------------------------------------------------------------------------------
@blueprint.post("/projects/<project_id>/probability-map")
@upload_route
def post_probability_map(project_id: str):
    """A TIFF matching the project image (one channel per class) becomes a secondary layer.

    The answer says what its values are (``values``: probability, labels or
    scores, :func:`snt_web.store.maps.save_map`).
    """
    _may(project_id, "edit")
    data = _body()
    filename = request.args.get("name") or "probability-map.tif"
    base = _int(request.args.get("base_version"), "base_version")
    try:
        record = maps.import_map(_store(), project_id, current_user(), data, filename, base)
    except StoreError as err:
        if isinstance(err, (StaleVersionError, ProjectNotFoundError)):
            raise
        raise APIError(400, str(err)) from None
    meta = next(m for m in maps.list_maps(_store(), project_id) if m["name"] == maps.map_name(filename))
    return {"version": record.version, "kind": maps.KIND, "name": meta["name"], "classes": meta["classes"],
            "values": meta["values"], "bytes": len(data)}


# --- jobs --------------------------------------------------------------------------------------------
def _queue():
    return current_app.config["SNT_WEB_JOBS"]


@blueprint.post("/projects/<project_id>/jobs")
def post_job(project_id: str):
    """Queue a task (``{"kind": name, "params": {...}}``) for a worker; answers the job record (202).

    The queue checks the role (``edit``); here only that the project exists for this user (404 otherwise).
    """
    _visible(project_id)
    body = _json()
    kind, params = body.get("kind"), body.get("params", {})
    if not isinstance(kind, str) or not isinstance(params, dict):
        raise APIError(400, "a job is {\"kind\": name, \"params\": {...}}")
    try:
        job = _queue().submit(kind, project_id, current_user(), params, image=image_facts(_store().image(project_id)))
    except (UnknownTaskError, TypeError) as err:
        raise APIError(400, str(err)) from None
    return job.to_dict(), 202


@blueprint.get("/projects/<project_id>/jobs")
def list_jobs(project_id: str):
    _visible(project_id)
    limit = _int(request.args.get("limit", 100), "limit")
    return {"jobs": [job.to_dict() for job in _queue().list(project_id, limit)]}


def _job(job_id: str):
    try:
        job = _queue().get(job_id)
    except JobNotFoundError:
        raise APIError(404, f"no job {job_id!r}") from None
    try:
        return job, _visible(job.project_id)
    except ProjectNotFoundError:
        # A job of a project the caller may not see is no job of theirs.
        raise APIError(404, f"no job {job_id!r}") from None


@blueprint.get("/jobs/<job_id>")
def get_job(job_id: str):
    return _job(job_id)[0].to_dict()


@blueprint.post("/jobs/<job_id>/cancel")
def cancel_job(job_id: str):
    """Cancel your own job (an owner may cancel anyone's): queued at once, running at its next report."""
    job, role = _job(job_id)
    user = current_user()
    if not (user == job.user and allows(role, "edit") or allows(role, "manage")):
        raise PermissionDenied(user, "cancel this job", job.project_id, role)
    return _queue().cancel(job_id, user).to_dict()


# --- curation: warnings and their reviews ------------------------------------------------------
@blueprint.get("/projects/<project_id>/curation/warnings")
def get_curation_warnings(project_id: str):
    """Every warning with its review (decision, reviewer, decided); x, y, z physical."""
    _visible(project_id)  # the role as the web layer knows it: a read-only demo's visitors are viewers
    return {"warnings": list_warnings(_store(), project_id, check_role=False)}


# Two addresses, one action: ``POST .../warnings`` once stored the CSV as an
# attachment the Curation Assistant never saw.
@blueprint.post("/projects/<project_id>/warnings")
@blueprint.post("/projects/<project_id>/curation/warnings")
@upload_route
def post_curation_warnings(project_id: str):
    """Add DL-QC points (CSV or JSON body: x, y, z, score...; see docs/api.md); bad rows are listed, not fatal."""
    _may(project_id, "review")
    try:
        text = _body().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise APIError(400, "the warnings body is not UTF-8 text") from None
    source = request.args.get("source", "dlqc")
    warnings, errors = parse_points(text, _store().reconstruction(project_id), source="request body")
    added = add_warnings(_store(), project_id, current_user(), warnings, source=source)
    return {"added": added, "errors": [{"row": e.row, "reason": e.reason} for e in errors]}


@blueprint.post("/projects/<project_id>/curation/decisions")
def post_curation_decisions(project_id: str):
    """``{"keys": [...], "decision": "accept|reject|unsure|null", "base_version": N}``: review warnings, tag paths."""
    _may(project_id, "review")
    body = _json()
    keys = body.get("keys")
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        raise APIError(400, "keys must be a non-empty list of warning keys")
    base = _int(body.get("base_version"), "base_version", required=False)
    record = set_decision(_store(), project_id, current_user(), keys, body.get("decision"), base_version=base)
    return {"decided": len(keys), "version": (record or _store().get(project_id)).version}


# --- seeds: the project's seed table (the Seeds panel's) ---------------------------------------
@blueprint.get("/projects/<project_id>/seeds")
def get_seeds(project_id: str):
    """The project's seeds: JSON records (x, y, z physical), or SNT's CSV with ``?format=csv``."""
    _visible(project_id)
    seeds = load_seeds(_store(), project_id)
    if request.args.get("format", "json").lower() == "csv":
        return current_app.response_class(seeds_csv_text(seeds), mimetype="text/csv")
    return {"count": len(seeds), "seeds": seeds.to_records()}


# Two addresses, one action: ``POST .../seeds`` once stored the CSV as an
# attachment the Seeds panel never saw; ``.../seeds/import`` stays for the
# clients written against it.
@blueprint.post("/projects/<project_id>/seeds")
@blueprint.post("/projects/<project_id>/seeds/import")
@upload_route
def import_seeds(project_id: str):
    """Add a seeds CSV to the seed table (``?replace=1`` replaces it, ``?units=voxel``); bad rows are listed."""
    _may(project_id, "edit")
    image = _store().image(project_id)
    read = read_seeds_csv(_body(), name="request body", units=request.args.get("units", "physical"),
                          spacing_xyz=(1.0, 1.0, 1.0) if image is None else tuple(image.spacing[::-1]),
                          shape_zyx=None if image is None else image.shape_zyx)
    replace = request.args.get("replace", "").lower() in ("1", "true", "yes")
    record = add_seeds(_store(), project_id, current_user(), read.seeds,
                       _int(request.args.get("base_version"), "base_version", required=False), replace=replace,
                       origin=request.args.get("source", "the API"))
    return {"version": record.version, "added": len(read.seeds), "skipped": read.skipped,
            "problems": [{"line": line, "reason": why} for line, why in read.problems], "clamped": read.clamped,
            "out_of_bounds": read.out_of_bounds}
