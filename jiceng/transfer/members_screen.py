"""The import's fast path for new members, column by column.

`screen` runs the same checks as members_import's per-row path (`_check_row`) over whole
columns of new members and keeps only the rows it can prove pass every one of them, with
what the checks derive (birth date and sex from the ID number, the branch). Every other row —
one with a problem, an existing member, anything unusual such as a phone written with dashes
— goes through the per-row path, which finds the problems and words them; so the screen
decides nothing a user sees, it only spares the common row the per-row work. Its verdicts are
conservative by construction: a row passes only if each condition of the rules holds.

Dates are compared as integers yyyymmdd (one per distinct date): "at least 18 full years old
on d" (core.dates.full_years) is d >= birth + 18 years, i.e. ymd(d) >= ymd(birth) + 180000.
"""

from __future__ import annotations

from datetime import date
from itertools import repeat

from jiceng.core import idnumber

ADULT = 18 * 10_000


def _ymd(column: list) -> list:
    """The dates of `column` as yyyymmdd integers (None stays None), each distinct date once."""
    table = {d: d.year * 10_000 + d.month * 100 + d.day for d in set(column) if d is not None}
    table[None] = None
    return list(map(table.__getitem__, column))


def screen(
    offsets: list[int],
    column,
    numbers: list,
    orgs,
    today: date,
) -> tuple[list[int], list[int], dict]:
    """Split the new members' rows `offsets` into (rows that pass every check, the others).

    `column(field)` is the converted column of `field` at `offsets` (None if the sheet lacks
    it: the default applies), `numbers` the normalised ID numbers at `offsets`. Returns the
    passing positions (indexes into `offsets`), the other offsets, and for the passing rows
    what the checks derive: {"born": [(birth date, sex)], "refs": {org name: OrgRef}} with
    `born` aligned to the passing positions."""
    n = len(offsets)

    def col(name: str, default):
        values = column(name)
        return repeat(default, n) if values is None else values

    def dates(name: str):
        values = column(name)
        return repeat(None, n) if values is None else _ymd(values)

    born = idnumber.birth_and_sex_many(numbers, today=today)
    refs = {}
    for name in set(column("org")):
        if isinstance(name, str) and name:
            ref, _message = orgs.resolve(name, branch=True)
            if ref is not None:
                refs[name] = ref
    birth_given = column("birth_date")
    birth_given = repeat(None, n) if birth_given is None else birth_given
    today_ymd = today.year * 10_000 + today.month * 100 + today.day
    passed: list[int] = []
    passed_born: list = []
    others: list[int] = []
    rows = zip(
        range(n),
        col("name", ""),
        col("education", ""),
        col("occupation", ""),
        column("org"),
        dates("join_date"),
        dates("full_member_date"),
        dates("applied_on"),
        born,
        birth_given,
        col("sex", ""),
        col("phone", ""),
        col("is_lost_contact", False),
        dates("lost_contact_since"),
        strict=False,
    )
    for (
        i,
        name,
        education,
        occupation,
        org,
        join,
        full,
        applied,
        b,
        given,
        sex,
        phone,
        lost,
        since,
    ) in rows:
        if (
            b is None
            or not (name and education and occupation and join)
            or org not in refs
            or (given is not None and given != b[0])
            or (sex and sex != b[1])
            or (phone and not (phone.isdigit() and 7 <= len(phone) <= 15))
        ):
            others.append(offsets[i])
            continue
        d = b[0]
        adult = d.year * 10_000 + d.month * 100 + d.day + ADULT
        if (
            join > today_ymd
            or join < adult
            or (full is not None and (full > today_ymd or full < join))
            or (applied is not None and (applied > today_ymd or applied < adult or applied > join))
            or ((since is None or since > today_ymd) if lost else since is not None)
        ):
            others.append(offsets[i])
            continue
        passed.append(i)
        passed_born.append(b)
    return passed, others, {"born": passed_born, "refs": refs}
