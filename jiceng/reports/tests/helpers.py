from datetime import date

from jiceng.members import services as member_services
from jiceng.reports import services
from jiceng.reports.models import Snapshot


def take(city, year: int, org=None, actor=None) -> Snapshot:
    return services.snapshot_take(actor=actor or city.city_admin, org=org or city.city, year=year)


def leave(member, route: str, on: date):
    member_services.member_change_status(
        actor=None, member=member, field="leave_status", value=route, effective_on=on
    )


def recruit(org, joined: date, **fields):
    """A member who joined on `joined` (born 25 years before, full member a year after)."""
    from jiceng.core.testing import make_member

    fields.setdefault("born", date(joined.year - 25, 3, 1))
    fields.setdefault("full_member_date", date(joined.year + 1, joined.month, joined.day))
    if fields["full_member_date"] > date.today():
        fields["membership"] = "probationary"
        fields["full_member_date"] = None
    return make_member(org, join_date=joined, **fields)
