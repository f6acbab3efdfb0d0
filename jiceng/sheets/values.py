"""Reading cell values the way people and Excel write them.

`converter(column)` returns a function for one column that turns a cell into the stored value
or raises `CellError` with a message for the user. Converters memoise by cell value: a city's
file repeats the same dates, codes and branch names hundreds of thousands of times.
"""

import functools
import re
import unicodedata
from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _

EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01, counting Excel's phantom 1900-02-29
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓", "有"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "×", "无", ""}

# Common ways of writing a code's name that are not the name itself.
CODE_SYNONYMS = {
    "education": {
        "博士": "10",
        "硕士": "10",
        "博士研究生": "10",
        "硕士研究生": "10",
        "本科": "20",
        "大学": "20",
        "大专": "30",
        "专科": "30",
        "中专": "40",
        "中技": "40",
        "高中": "60",
        "职高": "60",
        "技校": "60",
    },
    "sex": {"男性": "1", "女性": "2"},
    "standing": {"停止": "suspended", "停止党籍党员": "suspended"},
}


class CellError(ValueError):
    pass


def text(value) -> str:
    """A cell as text: numbers without a spurious '.0', NFKC, stripped."""
    if type(value) is str and value.isascii():
        return value.strip()  # NFKC leaves ASCII as it is
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    return unicodedata.normalize("NFKC", str(value)).strip()


def parse_date(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 10_000_000 <= value <= 99_991_231 and float(value).is_integer():
            return parse_date(str(int(value)))  # 20170625 typed as a number
        if 1 <= value < 2958466:  # an Excel serial day number; a time fraction is dropped
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError(_("Not a date"))
    raw = text(value)
    if not raw:
        return None
    for pattern in _DATE_PATTERNS:
        m = pattern.match(raw)
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                raise CellError(_("Not a real date")) from None
    raise CellError(_("Not a date: write it as 2017-06-25"))


def parse_bool(value) -> bool:
    raw = text(value).lower()
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    raise CellError(_("Write 是 or 否"))


def code_lookup(column) -> dict[str, str]:
    """Every accepted spelling of the column's codes → the stored code."""
    table: dict[str, str] = {}
    width = max((len(code) for code, _name in column.codes), default=0)
    for code, name in column.codes:
        table[code] = code
        table[code.lstrip("0") or "0"] = code
        table[name] = code
        table[unicodedata.normalize("NFKC", name)] = code
        if name.endswith("族") and len(name) > 2:
            table[name[:-1]] = code  # 汉 for 汉族, 蒙古 for 蒙古族
    for name, code in CODE_SYNONYMS.get(column.field, {}).items():
        table.setdefault(name, code)
    if width:
        for code, _name in column.codes:
            if code.isdigit():
                table[str(int(code))] = code
    return table


def converter(column):
    """A memoising cell → value function for one layout column."""
    parse = parser(column)
    memo: dict = {}

    def convert(value):
        try:
            key = (type(value), value)
            hit = memo.get(key, memo)
        except TypeError:
            return parse(value)
        if hit is memo:
            try:
                hit = parse(value)
            except CellError as exc:
                hit = exc
            if len(memo) < 200_000:
                memo[key] = hit
        if isinstance(hit, CellError):
            raise hit
        return hit

    return convert


def parser(column):
    """The cell → value function for one layout column, raising CellError; not memoised."""
    if column.kind == "date":
        parse = parse_date
    elif column.kind == "bool":
        parse = parse_bool
    elif column.kind == "int":

        def parse(value):
            raw = text(value)
            if not raw:
                return None
            if not raw.isdigit():
                raise CellError(_("Enter a whole number"))
            return int(raw)

    elif column.kind == "code":
        table = code_lookup(column)
        names = "、".join(name for _code, name in column.codes[:8])

        def parse(value):
            raw = text(value)
            if not raw:
                return ""
            found = table.get(raw) or table.get(raw.replace(" ", ""))
            if found is None:
                raise CellError(_("Not a known value; use one of: %(names)s") % {"names": names})
            return found

    else:
        limit = column.max_length

        def parse(value):
            raw = text(value)
            if limit and len(raw) > limit:
                raise CellError(_("Too long (at most %(n)d characters)") % {"n": limit})
            return raw

    return parse


# Column kinds whose cells are not plain text (see `parser`).
_NOT_TEXT = frozenset({"date", "bool", "int", "code"})
_nfkc = functools.partial(unicodedata.normalize, "NFKC")


def convert_column(column, cells: list, failed_rows: set | None = None) -> list:
    """Every cell of one column converted, each distinct value once: the stored value, or the
    CellError saying why not. A city's file repeats a few hundred dates, codes and branch names
    across 322,000 rows, so this is two comprehensions and a few thousand conversions. With
    `failed_rows`, the indexes of the cells that do not convert are added to it."""
    parse = parser(column)
    results = {}
    failed = set()
    distinct = dict.fromkeys(cells)
    if column.kind not in _NOT_TEXT:
        # Text cells that are strings: `text` of each in one C-level pass (NFKC leaves ASCII
        # as it is, so normalising every string is what `text` does), then the length limit.
        strings = [v for v in distinct if type(v) is str]
        texts = list(map(str.strip, map(_nfkc, strings)))
        limit = column.max_length
        if limit and max(map(len, texts), default=0) > limit:
            results = {v: t for v, t in zip(strings, texts, strict=True) if len(t) <= limit}
        else:
            results = dict(zip(strings, texts, strict=True))
    if results:  # what the text pass left: other types, strings over the limit
        distinct = [v for v in distinct if type(v) is not str or v not in results]
    for value in distinct:
        try:
            results[value] = parse(value)
        except CellError as exc:
            results[value] = exc
            failed.add(value)
    if failed and failed_rows is not None:
        failed_rows.update(i for i, cell in enumerate(cells) if cell in failed)
    return list(map(results.__getitem__, cells))
