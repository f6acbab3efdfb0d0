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


def birth_and_sex_many(numbers: list[str], *, today: date) -> list[tuple[date, str] | None]:
    """For each normalised number, (birth date, sex) as `parse` would read them, or None
    where `parse` would raise: column-wise for bulk checks (an import of a city), each
    distinct birth date and address code worked out once."""
    shaped = SHAPE.match
    mul = operator.mul
    head_weights, mid_weights, tail_weights = WEIGHTS[:6], WEIGHTS[6:14], WEIGHTS[14:]
    heads: dict[str, int] = {}
    # the 8 birth-date digits → (date, their weighted sum), None for a date `parse` refuses
    births: dict[str, tuple[date, int] | None] = {}
    # the 4 last characters → (the sequence's weighted sum, check char's place, sex)
    tails = {}
    out: list[tuple[date, str] | None] = []
    append = out.append
    for number in numbers:
        if not number or not shaped(number):
            append(None)
            continue
        mid = number[6:14]
        born = births.get(mid, births)
        if born is births:
            try:
                day = date(int(mid[:4]), int(mid[4:6]), int(mid[6:]))
            except ValueError:
                born = None
            else:
                ok = not (day > today or day.year < 1880)
                born = (day, sum(map(mul, map(int, mid), mid_weights))) if ok else None
            births[mid] = born
        if born is None:
            append(None)
            continue
        head = number[:6]
        head_sum = heads.get(head)
        if head_sum is None:
            head_sum = heads[head] = sum(map(mul, map(int, head), head_weights))
        tail = number[14:]
        found = tails.get(tail)
        if found is None:
            found = tails[tail] = (
                sum(map(mul, map(int, tail[:3]), tail_weights)),
                tail[3],
                "1" if int(tail[2]) % 2 == 1 else "2",
            )
        if CHECK_CHARS[(head_sum + born[1] + found[0]) % 11] != found[1]:
            append(None)
        else:
            append((born[0], found[2]))
    return out


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
