"""How large a request body may be, decided per route before a byte of it is read.

Routes that take files (marked :func:`upload_route`) take bodies up to the
upload limit; every other route, JSON or form, takes up to
:func:`~snt_web.limits.max_json_bytes`. The page's own requests
(``/_dash-update-component``) carry uploads as base64 JSON, so they get the
upload limit only from a user who may write to some project: a viewer or a
demo visitor cannot make the server read and parse hundreds of megabytes just
to be refused. A body declared larger than its route's limit is answered 413
at once; one sent without a length (chunked) is cut off at the limit while it
is read.
"""

from __future__ import annotations

from flask import current_app, g, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from ..auth.roles import allows
from ..limits import max_json_bytes, max_upload_bytes
from .auth import project_role

#: Base64 in JSON inflates an upload by 4/3; leave room for the rest of the callback's request.
_BASE64_ENVELOPE = 1.4
_ENVELOPE_BYTES = 2**20
_DASH_CALLBACKS = "/_dash-update-component"


def upload_route(view):
    """Mark a view as taking a file body: its limit is the upload limit, not the JSON one."""
    view.snt_upload_route = True
    return view


def upload_request_bytes(upload_bytes: int) -> int:
    """The largest page request that carries an upload of ``upload_bytes`` (base64 in JSON)."""
    return int(upload_bytes * _BASE64_ENVELOPE) + _ENVELOPE_BYTES


def may_write_somewhere() -> bool:
    """Whether this request's user may change any project at all (review, edit or manage)."""
    store = current_app.config["SNT_WEB_STORE"]
    return any(allows(project_role(record.id), "review") for record in store.list())


def _limit() -> int:
    view = current_app.view_functions.get(request.endpoint)
    upload = current_app.config.get("SNT_WEB_UPLOAD_LIMIT") or max_upload_bytes()
    if getattr(view, "snt_upload_route", False):
        return upload
    if request.path == _DASH_CALLBACKS:
        small = request.content_length is not None and request.content_length <= max_json_bytes()
        if not small and may_write_somewhere():
            return upload_request_bytes(upload)
    return max_json_bytes()


def read_body() -> bytes:
    """The request's body, at most its route's limit; RequestEntityTooLarge (413) beyond it."""
    data = request.get_data(cache=False)
    if len(data) > g.snt_body_limit:
        raise RequestEntityTooLarge()
    return data


def _before_request():
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    g.snt_body_limit = limit = _limit()
    if request.content_length is not None and request.content_length > limit:
        return jsonify(error=f"the request body ({request.content_length} bytes) is larger than this "
                             f"route's limit of {limit} bytes"), 413
    # A body without a declared length is cut off one byte past the limit, so that read_body can tell
    # a body of exactly the limit from a longer one.
    request.max_content_length = limit if request.content_length is not None else limit + 1
    return None


def install_body_limits(server, upload_limit_bytes: int) -> None:
    """Limit every request body of ``server``; runs after authentication (which it asks who is writing)."""
    server.config["SNT_WEB_UPLOAD_LIMIT"] = upload_limit_bytes
    server.config["MAX_CONTENT_LENGTH"] = upload_request_bytes(upload_limit_bytes)
    server.before_request(_before_request)
