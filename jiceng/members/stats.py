"""What a member contributes to the subtree rollups (see jiceng.orgs.rollups).

One table says what is counted: a key per value of each dimension (`sex:1`,
`birth_year:1975`, …) and a key per true flag (`lost_contact`), for members on the rolls.
`keys_of` applies it to one member (the services' deltas); `member_contributions` applies it
to all members with one GROUP BY per dimension (the rebuild and the check).

`complete` counts the members whose national 16 items are all present and plausible
(`is_complete` in Python, `complete_q` in SQL: the same test, for the deltas and the member
list's `complete` filter). It is the data-quality page's test (members.items) without the two
checks that depend on the day they are made — born less than 18 years ago, joined in the
future — which entry already refuses (members.rules.check_dates) and which would let a kept
count go stale with the calendar; and without "branch dissolved", which cannot happen to a
member on the rolls (orgs.services.org_dissolve).
"""

from collections import Counter
from datetime import date

from django.db import connection
from django.db.models import BooleanField, CharField, ExpressionWrapper, F, Q
from django.db.models.functions import ExtractYear, Length, Substr
from django.db.models.lookups import GreaterThan

from jiceng.core.codes import ETHNICITIES, Education, Occupation, Sex

from .models import LeaveStatus, Member, Membership, Standing

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
COMPLETE = "complete"
EARLIEST_BIRTH = date(1900, 1, 1)
# The fields `is_complete` reads.
ITEM_FIELDS = (
    "name",
    "sex",
    "ethnicity",
    "id_number",
    "birth_date",
    "education",
    "occupation",
    "join_date",
    "full_member_date",
    "membership",
    "job",
    "phone",
    "address",
    "standing",
    "is_lost_contact",
    "lost_contact_since",
    "is_mobile",
    "mobile_destination",
)
_SEXES = frozenset(Sex.values)
_ETHNICITIES = frozenset(code for code, _label in ETHNICITIES)
_EDUCATIONS = frozenset(Education.values)
_OCCUPATIONS = frozenset(Occupation.values)
_STANDINGS = frozenset(Standing.values)


def is_complete(values: dict) -> bool:
    """Whether a member's 16 items are all present and plausible (see the module's doc).
    Pure; `values` holds ITEM_FIELDS (the phone as entered or its `phone_tail`)."""
    phone = values["phone_tail"] if "phone_tail" in values else values["phone"]
    return _complete(*[phone if f == "phone" else values[f] for f in ITEM_FIELDS])


def complete_column(column) -> list[bool]:
    """`is_complete` of members given column by column (`column(field)` lists their values of
    each of ITEM_FIELDS; the phone may be its tail), without a dict per member: an import
    tests a city's 322,000 new members."""
    return list(map(_complete, *map(column, ITEM_FIELDS)))


def _complete(
    name,
    sex,
    ethnicity,
    id_number,
    birth,
    education,
    occupation,
    joined,
    full,
    membership,
    job,
    phone,
    address,
    standing,
    is_lost_contact,
    lost_contact_since,
    is_mobile,
    mobile_destination,
) -> bool:  # the arguments in ITEM_FIELDS' order
    return bool(
        name
        and sex in _SEXES
        and ethnicity in _ETHNICITIES
        and id_number
        and birth is not None
        and birth >= EARLIEST_BIRTH
        and education in _EDUCATIONS
        and occupation in _OCCUPATIONS
        and joined is not None
        and joined >= birth
        and (membership != Membership.FULL or (full is not None and full >= joined))
        and job
        and phone
        and address
        and standing in _STANDINGS
        and (not is_lost_contact or lost_contact_since is not None)
        and (not is_mobile or mobile_destination)
    )


def complete_q() -> Q:
    """`is_complete` as a condition on members (the rebuild, and the member list's filter)."""
    return (
        ~Q(name="")
        & Q(sex__in=Sex.values)
        & Q(ethnicity__in=list(_ETHNICITIES))
        & Q(GreaterThan(Length("id_number"), 0))
        & Q(birth_date__gte=EARLIEST_BIRTH)
        & Q(education__in=Education.values)
        & Q(occupation__in=Occupation.values)
        & Q(join_date__gte=F("birth_date"))
        & (
            ~Q(membership=Membership.FULL)
            | Q(full_member_date__isnull=False, full_member_date__gte=F("join_date"))
        )
        & ~Q(job="")
        & ~Q(phone_tail="")
        & Q(GreaterThan(Length("address"), 0))
        & Q(standing__in=Standing.values)
        & (Q(is_lost_contact=False) | Q(lost_contact_since__isnull=False))
        & (Q(is_mobile=False) | ~Q(mobile_destination=""))
    )


def member_keys(values: dict) -> Counter:
    """The rollup keys one member adds to each ancestor organisation. Pure."""
    if values["leave_status"] != LeaveStatus.ON_ROLLS:
        return Counter()
    keys = Counter({"members": 1})
    keys.update(f"{dim}:{values[dim]}" for dim in DIMENSIONS)
    keys.update(key for key, field in FLAGS.items() if values[field])
    if values.get(COMPLETE):
        keys[COMPLETE] += 1
    return keys


def keys_of(member: Member) -> Counter:
    values = {
        f: getattr(member, f)
        for f in ("leave_status", *DIMENSIONS, *FLAGS.values())
        if f not in YEAR_OF
    }
    values.update({dim: getattr(member, field).year for dim, field in YEAR_OF.items()})
    values[COMPLETE] = is_complete(
        {"phone_tail": member.phone_tail, **{f: getattr(member, f) for f in ITEM_FIELDS}}
    )
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
    flags[COMPLETE] = ExpressionWrapper(complete_q(), output_field=BooleanField())
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
