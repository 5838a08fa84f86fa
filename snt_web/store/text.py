"""How long the text users write into a project may be: names, tags, colours, messages, sources.

Every change goes through :func:`snt_web.store.commands.apply`, which hands
each command's fields to :func:`check_text` before running it, so no panel,
API route or script can store a 100 MB path name (and with it a 100 MB
history summary and ``GET /history`` answer). The limit is
:func:`snt_web.limits.max_text` characters per field.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..limits import max_text
from ..model import Tree
from ..seeds import Seeds
from .records import StoreError


class TextTooLongError(StoreError):
    """A text field is longer than :func:`snt_web.limits.max_text` characters."""


def check_text(value, field: str) -> None:
    """Refuse ``value`` if it holds a string longer than the limit; the error names the field.

    Walks strings, mappings, sequences, reconstructions (path names, colours
    and extras) and seed tables (their text columns); numbers and bytes pass.

    Raises
    ------
    TextTooLongError

    Examples
    --------
    >>> check_text({"name": "axon", "points": [[0, 0, 0]]}, "params")
    >>> check_text({"paths": [{"name": "x" * 5000}]}, "params")
    Traceback (most recent call last):
    ...
    snt_web.store.text.TextTooLongError: params.paths[0].name: 5000 characters; at most 1000 (SNT_WEB_MAX_TEXT)
    """
    limit = max_text()
    for where, text in _strings(value, field):
        if len(text) > limit:
            raise TextTooLongError(f"{where}: {len(text)} characters; at most {limit} (SNT_WEB_MAX_TEXT)")


def _strings(value, field: str):
    """``(field, string)`` for every string inside ``value``."""
    if isinstance(value, str):
        yield field, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(key, f"{field} key")
            yield from _strings(item, f"{field}.{key}")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            if isinstance(item, (str, Mapping, list, tuple)):
                yield from _strings(item, f"{field}[{i}]")
    elif isinstance(value, Tree):
        for path in value.paths:
            yield from _strings({"name": path.name, "color": path.color or "", "extra": path.extra},
                                f"path {path.id}")
    elif isinstance(value, Seeds):
        for column in ("type", "source", "mark"):
            texts = getattr(value, column)
            if len(texts):
                longest = int(np.argmax([len(str(t)) for t in texts]))
                yield f"seed {int(value.id[longest])}'s {column}", str(texts[longest])
