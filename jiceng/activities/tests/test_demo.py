"""The demo year of organisational life at a tiny scale: deterministic, the same whether made
in a forked process or not, consistent with the records, with gaps that compliance shows."""

from datetime import date

import pytest
from django.db.models import Max

from jiceng.activities import compliance
from jiceng.activities import life as kept
from jiceng.activities.demo import _load, generate
from jiceng.activities.models import Attendance, Meeting, MemberLife, OrgLife, Training
from jiceng.core.findings import Level
from jiceng.demo import build
from jiceng.members.models import Member
from jiceng.orgs.models import Organization

AS_OF = date(2026, 11, 15)


@pytest.mark.django_db
def test_demo_builds_a_year_of_meetings_with_gaps():
    result = build.build(seed=5, scale=0.003, as_of=AS_OF, parallel=False)
    made = result.extensions["activities"]
    assert made["meetings"] == Meeting.objects.count() > 20 * 30
    assert made["attendance"] == Attendance.objects.count() > 10 * made["meetings"]
    assert Meeting.objects.aggregate(m=Max("held_on"))["m"] <= AS_OF
    # each member's last organisational life agrees with the attendance records
    life = dict(MemberLife.objects.values_list("member_id", "last_present_on"))
    records = dict(
        Attendance.objects.filter(presence="present")
        .values("member_id")
        .annotate(last=Max("meeting__held_on"))
        .values_list("member_id", "last")
    )
    assert {k: v for k, v in life.items() if v is not None} == records
    # every member has a row (never attended: NULL), and the kept state compliance reads
    # agrees with a recomputation from the records
    assert set(life) == set(Member.objects.values_list("pk", flat=True))
    assert made["org_life"] == OrgLife.objects.count() > 20
    assert kept.check() == [] and kept.check_members() == []
    # counts on the meeting agree with its attendance rows
    m = Meeting.objects.order_by("id")[5]
    assert m.expected == Attendance.objects.filter(meeting=m).count()
    assert m.present == Attendance.objects.filter(meeting=m, presence="present").count()
    root = Organization.objects.get(depth=1)
    found = list(compliance.provide(root.path, AS_OF))
    rules = {f.rule for f in found}
    assert {"LIFE-05", "ST-03"} <= rules
    assert {f.level for f in found} >= {Level.OVERDUE}
    # training from the city's catalogue (the source: "20+ topics"): every secretary two
    # courses, within the year
    assert made["training"] == Training.objects.count()
    secretaries = set(
        Organization.objects.filter(secretary__isnull=False).values_list("secretary_id", flat=True)
    )
    trained = set(Training.objects.values_list("member_id", flat=True))
    assert secretaries & trained
    assert Training.objects.values("title").distinct().count() >= 20
    assert Training.objects.aggregate(m=Max("held_on"))["m"] <= AS_OF


@pytest.mark.django_db
def test_generation_is_deterministic():
    build.build(seed=5, scale=0.002, as_of=AS_OF, parallel=False)
    branches, members = _load(AS_OF)
    first = list(generate(5, AS_OF, 1, "now", branches, members))
    again = list(generate(5, AS_OF, 1, "now", branches, members))
    assert first == again
