"""Finding the header row of a sheet and what each column holds, tolerantly.

Spreadsheets from the field put title rows (often merged cells) above the header, write
headers in full-width characters, with stray spaces, required-field stars or hints in
brackets ("出生日期（yyyy-mm-dd）"), and use several names for one item (公民身份号码 /
身份证号 / 身份证号码). A header is matched after normalising all of that away.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

# The column our annotated error file adds; ignored when the fixed file comes back.
ERROR_COLUMN = "错误说明"
SCAN_ROWS = 20  # the header is looked for in the first rows only

_BRACKETED = re.compile(r"[(\[（【<《].*?[)\]）】>》]")
_NOISE = re.compile(r"[\s*※:：#№.、]+")


def normalise_header(text) -> str:
    """NFKC (full-width → half-width), drop bracketed hints, stars, colons and all spaces."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    text = _BRACKETED.sub("", text)
    return _NOISE.sub("", text).lower()


@dataclass
class HeaderMatch:
    row_index: int  # 0-based index of the header row in the sheet's rows
    columns: dict[int, object]  # 0-based column index → layout Column
    ignored: list[str] = field(default_factory=list)  # headers not recognised
    problems: list[tuple[int, str]] = field(default_factory=list)  # (column index, message)


def _lookup(layout) -> dict[str, object]:
    names = {}
    for column in layout.columns:
        for header in column.headers:
            names.setdefault(normalise_header(header), column)
    return names


def match_header(rows: list[list], layout) -> HeaderMatch | None:
    """The first of the top rows that names every identifying column of `layout`, with the
    column each header maps to; None when no row does."""
    names = _lookup(layout)
    identifying = set(layout.identifying)
    for index, row in enumerate(rows[:SCAN_ROWS]):
        found: dict[int, object] = {}
        for col, cell in enumerate(row):
            column = names.get(normalise_header(cell))
            if column is not None:
                found[col] = column
        if not identifying <= {c.field for c in found.values()}:
            continue
        match = HeaderMatch(row_index=index, columns={})
        seen: dict[str, int] = {}
        for col, cell in enumerate(row):
            column = found.get(col)
            if column is None:
                text = str(cell).strip() if cell is not None else ""
                if text and normalise_header(text) != normalise_header(ERROR_COLUMN):
                    match.ignored.append(text)
                continue
            if column.field in seen:
                match.problems.append(
                    (col, _("Column %(header)s appears twice") % {"header": column.header})
                )
                continue
            seen[column.field] = col
            match.columns[col] = column
        return match
    return None
