"""What an import reports: every problem with its sheet, row, column, value and reason."""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int  # 1-based, as Excel numbers the rows
    column: int | None  # 0-based column index in the sheet; None = the whole row or sheet
    header: str  # the column's header as written in the file (or the template's)
    value: str
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


class Problems(list):
    """Problems in the order found, with a helper to add one for a sheet."""

    def add(self, sheet: str, row: int, column: int | None, header: str, value, message: str):
        self.append(Problem(sheet, row, column, header, _shown(value), str(message)))


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."
