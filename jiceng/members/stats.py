"""What a member contributes to the subtree rollups (see jiceng.orgs.rollups).

One table says what is counted: a key per value of each dimension (`sex:1`,
`birth_year:1975`, …) and a key per true flag (`lost_contact`), for members on the rolls.
`keys_of` applies it to one member (the services' deltas); `member_contributions` applies it
to all members with one GROUP BY per dimension (the rebuild and the check).
"""

from collections import Counter

from django.db import connection
from django.db.models import CharField, F
from django.db.models.functions import ExtractYear, Substr

from .models import LeaveStatus, Member

DIMENSIONS = (
    "membership",
    "standing",
    "sex",
    "ethnicity",
    "education",
    "occupation",
    "birth_year",
    "join_year",
)
FLAGS = {"lost_contact": "is_lost_contact", "mobile": "is_mobile"}
YEAR_OF = {"birth_year": "birth_date", "join_year": "join_date"}


def member_keys(values: dict) -> Counter:
    """The rollup keys one member adds to each ancestor organisation. Pure."""
    if values["leave_status"] != LeaveStatus.ON_ROLLS:
        return Counter()
    keys = Counter({"members": 1})
    keys.update(f"{dim}:{values[dim]}" for dim in DIMENSIONS)
    keys.update(key for key, field in FLAGS.items() if values[field])
    return keys


def keys_of(member: Member) -> Counter:
    values = {
        f: getattr(member, f)
        for f in ("leave_status", *DIMENSIONS, *FLAGS.values())
        if f not in YEAR_OF
    }
    values.update({dim: getattr(member, field).year for dim, field in YEAR_OF.items()})
    return member_keys(values)


def _year(field: str):
    if connection.vendor == "sqlite":  # dates are ISO text there; ExtractYear is a Python UDF
        return Substr(F(field), 1, 4, output_field=CharField())
    return ExtractYear(field)


def member_contributions() -> dict[int, Counter]:
    """Direct counts per branch, from the records, in one pass over the members: each
    dimension is tallied by Counter over (org, value) pairs, which runs in C."""
    fields = {dim: _year(YEAR_OF[dim]) if dim in YEAR_OF else F(dim) for dim in DIMENSIONS}
    flags = {key: F(field) for key, field in FLAGS.items()}
    rows = (
        Member.objects.on_rolls()
        .order_by()
        .annotate(**{f"_{k}": v for k, v in {**fields, **flags}.items()})
        .values_list("org_id", *(f"_{k}" for k in (*fields, *flags)))
    )
    columns = list(zip(*rows.iterator(50_000), strict=True)) or [()] * (
        1 + len(fields) + len(flags)
    )
    org_ids, values = columns[0], columns[1:]
    out: dict[int, Counter] = {}

    def add(pairs: Counter, name) -> None:
        for (org_id, value), n in pairs.items():
            counts = out.get(org_id)
            if counts is None:
                counts = out[org_id] = Counter()
            counts[name(value)] += n

    add(Counter(zip(org_ids, org_ids, strict=True)), lambda _: "members")
    for dim, column in zip(fields, values, strict=False):
        as_int = dim in YEAR_OF
        add(
            Counter(zip(org_ids, column, strict=True)),
            lambda v, d=dim, i=as_int: f"{d}:{int(v) if i else v}",
        )
    for key, column in zip(flags, values[len(fields) :], strict=True):
        add(
            Counter(pair for pair in zip(org_ids, column, strict=True) if pair[1]),
            lambda _, k=key: k,
        )
    return out
