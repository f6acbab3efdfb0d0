"""`jiceng rollups --check | --rebuild` over every kept state (core.kept): a difference in any
of them is reported by name and fails the check; a rebuild brings all of them back in step."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from jiceng.activities.models import MemberLife, OrgLife
from jiceng.dues.models import Account
from jiceng.orgs.models import OrgStats

pytestmark = pytest.mark.django_db

KINDS = ("subtree counts", "dues accounts", "meetings held", "last organisational life")


def check() -> str:
    out = StringIO()
    call_command("rollups", "--check", stdout=out)
    return out.getvalue()


def test_every_kept_state_is_checked_and_rebuilt(city):
    assert all(f"{kind} agree with the records" in check() for kind in KINDS)
    # one wrong row in each kind of kept state
    OrgStats.objects.filter(org=city.county_a).update(counts={"members": 999})
    Account.objects.create(member=city.member_a1, last_paid=date(2026, 1, 1), paid_months=3)
    OrgLife.objects.create(org=city.branch_a1, general_last=24300)
    MemberLife.objects.update_or_create(
        member=city.member_b1, defaults={"last_present_on": date(2026, 2, 1)}
    )
    with pytest.raises(CommandError) as refused:
        check()
    assert all(kind in str(refused.value) for kind in KINDS)
    out = StringIO()
    call_command("rollups", "--rebuild", stdout=out)
    assert all(f"{kind}: rebuilt" in out.getvalue() for kind in KINDS)
    assert all(f"{kind} agree with the records" in check() for kind in KINDS)
    assert not Account.objects.filter(member=city.member_a1).exists()
    assert MemberLife.objects.get(member=city.member_b1).last_present_on is None
