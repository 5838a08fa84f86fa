"""What a task's parameters may be: checks declared with ``@task(name, param=check, ...)``.

A check is ``check(value, image) -> value``: it returns the value (normalised,
e.g. an integer for ``3.0``) or raises :class:`ParameterError` naming what is
wrong. ``image`` describes the project's image (:func:`image_facts`), or is
None where none is known, and bounds channels, frames and scales. Jobs are
checked when they are submitted, so a blur of scale 1e6, 10,000 scales or
``channel: 10**9`` is answered 400 at once instead of holding a worker.

Examples
--------
>>> scales()([0.5, 1], {"spacing": [1.0, 0.25, 0.25], "n_channels": 1, "n_frames": 1})
[0.5, 1.0]
>>> channel()(3, {"n_channels": 2, "n_frames": 1})
Traceback (most recent call last):
...
ValueError: 3 is not a channel of the image (0-based: 0 to 1)
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ..limits import max_text

#: Scales one job may filter at: a bank of filters, not a sweep.
MAX_SCALES = 8
#: A filter scale, at most this many of the image's finest voxels: its cost grows with it.
MAX_SCALE_VOXELS = 32
#: Ids or points one job may list.
MAX_ITEMS = 100_000

Check = Callable[[object, dict | None], object]


class ParameterError(ValueError):
    """A job parameter that its task does not take: the message names the parameter and the problem."""

    def __init__(self, name: str, reason: str):
        self.name = name
        super().__init__(f"parameter {name}: {reason}")


def image_facts(image) -> dict | None:
    """What the checks need to know of a project's image (:class:`~snt_web.io.image.Image`, or None)."""
    if image is None:
        return None
    return {"n_channels": image.n_channels, "n_frames": image.n_frames, "shape": list(image.shape_zyx),
            "spacing": list(image.spacing)}


# --- checks --------------------------------------------------------------------------------------
def choice(*values) -> Check:
    """One of ``values``."""
    def check(value, image):
        if isinstance(value, bool) or value not in values:
            raise ValueError(f"must be one of {', '.join(map(repr, values))}, got {_shown(value)}")
        return value
    return check


def boolean() -> Check:
    def check(value, image):
        if not isinstance(value, bool):
            raise ValueError(f"must be true or false, got {value!r}")
        return value
    return check


def integer(low: int, high: int) -> Check:
    """An integer from ``low`` to ``high`` (a float with no fraction is taken)."""
    def check(value, image):
        number = _number(value)
        if number != int(number) or not low <= number <= high:
            raise ValueError(f"must be an integer from {low} to {high}, got {value!r}")
        return int(number)
    return check


def number(low: float, high: float, *, low_open: bool = False) -> Check:
    """A finite number from ``low`` (excluded with ``low_open``) to ``high``."""
    def check(value, image):
        x = _number(value)
        if not (low < x if low_open else low <= x) or x > high:
            raise ValueError(f"must be a number {'above' if low_open else 'from'} {low:g} "
                             f"{'and at most' if low_open else 'to'} {high:g}, got {value!r}")
        return float(x)
    return check


def text(max_length: int | None = None) -> Check:
    """A string of 1 to ``max_length`` characters (:func:`~snt_web.limits.max_text` by default)."""
    def check(value, image):
        limit = max_length or max_text()
        if not isinstance(value, str) or not 0 < len(value) <= limit:
            shown = f"{len(value)} characters" if isinstance(value, str) else repr(value)[:40]
            raise ValueError(f"must be text of 1 to {limit} characters, got {shown}")
        return value
    return check


def optional(inner: Check) -> Check:
    """None, or what ``inner`` accepts."""
    def check(value, image):
        return None if value is None else inner(value, image)
    return check


def channel() -> Check:
    """A 0-based channel of the image."""
    return _index("n_channels", "channel")


def frame() -> Check:
    """A 0-based time frame of the image."""
    return _index("n_frames", "time frame")


def length(max_voxels: int) -> Check:
    """A physical length above 0 and at most ``max_voxels`` of the image's finest voxels."""
    def check(value, image):
        high = max_voxels * min(image["spacing"]) if image else 1e4
        if not 0 < _number(value) <= high:
            of = f" ({max_voxels} of the image's finest voxels)" if image else ""
            raise ValueError(f"must be a length above 0 and at most {high:g}{of}, got {value!r}")
        return float(value)
    return check


def scales() -> Check:
    """None, or 1 to :data:`MAX_SCALES` physical scales, each a :func:`length` of :data:`MAX_SCALE_VOXELS`."""
    def check(value, image):
        if value is None:
            return None
        if not isinstance(value, (list, tuple)) or not 0 < len(value) <= MAX_SCALES:
            raise ValueError(f"must be a list of 1 to {MAX_SCALES} numbers, got {_shown(value)}")
        return [length(MAX_SCALE_VOXELS)(s, image) for s in value]
    return check


def weights(max_items: int = 64) -> Check:
    """Up to ``max_items`` positive numbers by name (class weights)."""
    def check(value, image):
        if not isinstance(value, dict) or len(value) > max_items:
            raise ValueError(f"must be a mapping of at most {max_items} names to numbers, got {_shown(value)}")
        return {text(200)(k, image): number(0, 1e6, low_open=True)(v, image) for k, v in value.items()}
    return check


def either(*checks: Check) -> Check:
    """What the first of ``checks`` that accepts the value makes of it."""
    def check(value, image):
        problems = []
        for inner in checks:
            try:
                return inner(value, image)
            except (ValueError, TypeError) as err:
                problems.append(str(err))
        raise ValueError("; or ".join(problems))
    return check


def number_list(width: tuple[int, ...], max_items: int = MAX_ITEMS) -> Check:
    """A list of up to ``max_items`` rows of finite numbers, each row as long as one of ``width``."""
    def check(value, image):
        if not isinstance(value, (list, tuple)) or len(value) > max_items:
            raise ValueError(f"must be a list of at most {max_items} rows, got {_shown(value)}")
        for row in value:
            if not isinstance(row, (list, tuple)) or len(row) not in width:
                raise ValueError(f"each row must be {' or '.join(map(str, width))} numbers, got {_shown(row)}")
            for x in row:
                _number(x)
        return [list(row) for row in value]
    return check


def id_list(max_items: int = MAX_ITEMS) -> Check:
    """A list of up to ``max_items`` non-negative integer ids."""
    def check(value, image):
        if not isinstance(value, (list, tuple)) or len(value) > max_items:
            raise ValueError(f"must be a list of at most {max_items} ids, got {_shown(value)}")
        return [integer(0, 2**62)(i, image) for i in value]
    return check


def accepted_by(parse: Callable[[object], object]) -> Check:
    """What ``parse(value)`` accepts without a ValueError or TypeError (the value is kept as given)."""
    def check(value, image):
        try:
            parse(value)
        except (ValueError, TypeError, KeyError) as err:
            raise ValueError(str(err) or type(err).__name__) from None
        return value
    return check


def check_all(checks: dict[str, Check], params: dict, image: dict | None) -> dict:
    """``params`` checked by ``checks`` (and normalised); the first problem as a :class:`ParameterError`."""
    out = {}
    for name, value in params.items():
        try:
            out[name] = checks[name](value, image)
        except ParameterError:
            raise
        except (ValueError, TypeError) as err:
            raise ParameterError(name, str(err)) from None
    return out


# --- helpers -------------------------------------------------------------------------------------
def _number(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"must be a finite number, got {_shown(value)}")
    return value


def _shown(value) -> str:
    if isinstance(value, (list, tuple)) and len(value) > 3:
        return f"a list of {len(value)}"
    text_ = repr(value)
    return text_ if len(text_) <= 40 else text_[:37] + "..."


def _index(count: str, what: str) -> Check:
    def check(value, image):
        n = image[count] if image else 2**31
        index = integer(0, 2**31)(value, image)
        if index >= n:
            raise ValueError(f"{index} is not a {what} of the image (0-based: 0 to {n - 1})")
        return index
    return _negative_refused(check, what)


def _negative_refused(check: Check, what: str) -> Check:
    def guarded(value, image):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
            raise ValueError(f"{value!r} is not a {what} of the image: they count from 0")
        return check(value, image)
    return guarded
