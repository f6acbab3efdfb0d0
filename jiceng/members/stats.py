"""What a member contributes to the subtree rollups (see jiceng.orgs.rollups)."""

from collections import Counter
from datetime import date

from .models import LeaveStatus, Member

COUNTED_FIELDS = (
    "leave_status",
    "membership",
    "standing",
    "sex",
    "ethnicity",
    "education",
    "occupation",
    "birth_date",
    "join_date",
    "is_lost_contact",
    "is_mobile",
)


def member_keys(
    *,
    leave_status: str,
    membership: str,
    standing: str,
    sex: str,
    ethnicity: str,
    education: str,
    occupation: str,
    birth_date: date,
    join_date: date,
    is_lost_contact: bool,
    is_mobile: bool,
) -> Counter:
    """The rollup keys one member adds to each ancestor organisation. Pure."""
    if leave_status != LeaveStatus.ON_ROLLS:
        return Counter()
    keys = Counter(
        {
            "members": 1,
            f"membership:{membership}": 1,
            f"standing:{standing}": 1,
            f"sex:{sex}": 1,
            f"ethnicity:{ethnicity}": 1,
            f"education:{education}": 1,
            f"occupation:{occupation}": 1,
            f"birth_year:{birth_date.year}": 1,
            f"join_year:{join_date.year}": 1,
        }
    )
    if is_lost_contact:
        keys["lost_contact"] = 1
    if is_mobile:
        keys["mobile"] = 1
    return keys


def keys_of(member: Member) -> Counter:
    return member_keys(**{f: getattr(member, f) for f in COUNTED_FIELDS})


def member_contributions() -> dict[int, Counter]:
    out: dict[int, Counter] = {}
    rows = Member.objects.on_rolls().values_list("org_id", *COUNTED_FIELDS)
    for org_id, *values in rows.iterator(20_000):
        counts = out.get(org_id)
        if counts is None:
            counts = out[org_id] = Counter()
        counts.update(member_keys(**dict(zip(COUNTED_FIELDS, values, strict=True))))
    return out
