"""SNT's ``.curation`` presets: check thresholds as Java properties files.

A preset is ``key=value`` lines (``key: value`` and ``key value`` too) with
``#`` or ``!`` comments, as ``java.util.Properties`` reads them; keys are
listed in :data:`.settings.PROPERTY_KEYS`. Keys this version does not know are
kept and written back, so a round trip loses nothing.
"""

from __future__ import annotations

import re
from dataclasses import fields

from ..io.atomic import atomic_write
from ..io.errors import SNTWebIOError
from .settings import LEGACY_KEYS, PROPERTY_KEYS, CurationSettings


class InvalidPresetError(SNTWebIOError):
    """A ``.curation`` file is malformed."""


_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}
_SEPARATOR = re.compile(r"(?<!\\)[=:]|(?<!\\)\s")


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2:i + 6]):
                out.append(chr(int(text[i + 2:i + 6], 16)))
                i += 6
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _logical_lines(text: str):
    """``(first line number, line)`` with backslash continuations joined and comments dropped."""
    pending, start = "", None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.lstrip() if pending else raw.strip()
        if not pending and (not line or line[0] in "#!"):
            continue
        start = start or number
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2:  # an odd number of backslashes: the line continues
            pending += line[:-1]
            continue
        yield start, pending + line
        pending, start = "", None
    if pending:
        yield start, pending


def parse_properties(text: str, source="<preset>") -> tuple[dict[str, str], dict[str, int]]:
    """Java properties text to ``({key: value}, {key: line number})``."""
    values, lines = {}, {}
    for number, line in _logical_lines(text):
        match = _SEPARATOR.search(line)
        if match is None:
            key, value = line, ""
        else:
            key = line[:match.start()]
            rest = line[match.end():].lstrip()
            if match.group().isspace() and rest[:1] in ("=", ":"):
                rest = rest[1:].lstrip()
            value = rest
        key = _unescape(key.strip())
        if not key:
            raise InvalidPresetError(source, "a property with no key", number)
        values[key], lines[key] = _unescape(value), number
    return values, lines


def _field_types() -> dict[str, type]:
    return {f.name: type(getattr(CurationSettings(), f.name)) for f in fields(CurationSettings) if f.name != "extra"}


def _convert(value: str, kind: type, source, key: str, line: int):
    if kind is bool:
        if value.strip().lower() not in ("true", "false"):
            raise InvalidPresetError(source, f"{key} must be true or false, not {value!r}", line)
        return value.strip().lower() == "true"
    try:
        number = float(value)
    except ValueError:
        raise InvalidPresetError(source, f"{key} must be a number, not {value!r}", line) from None
    if kind is int:
        if number != int(number):
            raise InvalidPresetError(source, f"{key} must be a whole number, not {value!r}", line)
        return int(number)
    return number


def settings_from_properties(text: str, source="<preset>") -> tuple[CurationSettings, list[str]]:
    """Parse a preset's text.

    Returns
    -------
    settings : CurationSettings
        SNT's defaults where the preset is silent.
    comments : list of str
        The leading comment lines (without ``#``), e.g. how the preset was made.
    """
    values, lines = parse_properties(text, source)
    types = _field_types()
    settings = CurationSettings()
    for key, value in values.items():
        name = PROPERTY_KEYS.get(LEGACY_KEYS.get(key, key))
        if name is None:
            settings.extra[key] = value
            continue
        setattr(settings, name, _convert(value, types[name], source, key, lines[key]))
    comments = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        if raw.lstrip()[:1] not in "#!":
            break
        comments.append(raw.lstrip()[1:].strip())
    return settings, comments


def read_preset(path) -> tuple[CurationSettings, list[str]]:
    """Read a ``.curation`` file: ``(settings, leading comments)``.

    Raises
    ------
    InvalidPresetError
        Naming the file and line of a value that is not a number or boolean.
    """
    try:
        text = open(path, encoding="latin-1").read()  # java.util.Properties' encoding
    except OSError as error:
        raise InvalidPresetError(path, f"cannot read: {error.strerror or error}") from None
    return settings_from_properties(text, path)


def _format(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def _escape(text: str) -> str:
    out = text.replace("\\", "\\\\").replace("\n", "\\n")
    return "".join(c if ord(c) < 256 else f"\\u{ord(c):04x}" for c in out)


def properties_text(settings: CurationSettings, comments=()) -> str:
    """A preset's text: comments, every known key, then the unknown keys read with it."""
    lines = [f"# {c}" if c else "#" for c in comments]
    lines += [f"{key}={_format(getattr(settings, name))}" for key, name in PROPERTY_KEYS.items()]
    lines += [f"{_escape(key)}={_escape(value)}" for key, value in settings.extra.items()]
    return "\n".join(lines) + "\n"


def write_preset(settings: CurationSettings, path, comments=()) -> None:
    """Write a ``.curation`` file atomically (Latin-1 with ``\\u`` escapes, as Java writes properties)."""
    with atomic_write(path, "wb") as fh:
        fh.write(properties_text(settings, comments).encode("latin-1"))
