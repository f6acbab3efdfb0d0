"""Date arithmetic shared by the rules (RULES.md: add_months clamps to the month's last day)."""

import calendar
from datetime import date


def add_months(d: date, n: int) -> date:
    month_index = d.year * 12 + (d.month - 1) + n
    year, month = divmod(month_index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(d.day, last))


def full_years(born: date, on: date) -> int:
    """Age in full years (周岁) on a date."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
