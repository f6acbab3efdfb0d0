"""Citizen identity numbers (GB 11643-1999), RULES.md §9.

Pure functions: normalise, validate (raising a ValueError whose message says what is wrong),
read the birth date and sex out of a valid number, and mask one way everywhere.
"""

import operator
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_noop

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")


class IDNumberError(ValueError):
    """A human-readable reason why an ID number is not valid. `template % params` is the
    message; callers translate `template` (a catalogue entry) and then fill in `params`."""

    def __init__(self, template: str, **params):
        self.template, self.params = template, params
        super().__init__(template % params if params else template)


@dataclass(frozen=True)
class IDInfo:
    number: str
    address_code: str
    birth_date: date
    sex: str  # GB/T 2261.1: "1" male, "2" female


def normalise(raw: str) -> str:
    """NFKC (full-width digits are common in spreadsheets), strip spaces, upper-case x."""
    text = unicodedata.normalize("NFKC", raw or "")
    return re.sub(r"\s+", "", text).upper()


def check_char(first17: str) -> str:
    total = sum(map(operator.mul, map(int, first17), WEIGHTS))
    return CHECK_CHARS[total % 11]


def parse(raw: str, *, today: date | None = None) -> IDInfo:
    """Normalise and validate; return what the number says. Raises IDNumberError."""
    number = raw if SHAPE.match(raw) else normalise(raw)
    if not SHAPE.match(number):
        raise IDNumberError(
            gettext_noop("must be 17 digits followed by a digit or X (18 characters)")
        )
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IDNumberError(
            gettext_noop("the birth date inside the number is not a real date")
        ) from None
    if born > (today or date.today()) or born.year < 1880:
        raise IDNumberError(
            gettext_noop("the birth date inside the number is in the future or implausible")
        )
    expected = check_char(number[:17])
    if number[17] != expected:
        raise IDNumberError(
            gettext_noop("wrong check character (expected %(expected)s)"), expected=expected
        )
    sex = "1" if int(number[16]) % 2 == 1 else "2"
    return IDInfo(number=number, address_code=number[:6], birth_date=born, sex=sex)


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except IDNumberError:
        return False
    return True


def make(address_code: str, born: date, sequence: int) -> str:
    """Build a valid number (used by the demo and tests). sequence odd = male."""
    first17 = f"{address_code}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)
