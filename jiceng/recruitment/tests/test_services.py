"""Service refusals: each names the rule (or what is wrong) and writes nothing; exceptions."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from jiceng.audit.models import AuditEvent
from jiceng.core import ruleset
from jiceng.core.dates import add_months
from jiceng.core.testing import make_member, make_org
from jiceng.members.models import Member
from jiceng.recruitment import services, testing
from jiceng.recruitment.models import DevelopmentRecord, RuleException, Sponsor, Step

from .conftest import drive

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def snapshot(record):
    record = DevelopmentRecord.objects.get(pk=record.pk)
    return (
        record.step,
        record.stage,
        Step.objects.count(),
        Sponsor.objects.count(),
        RuleException.objects.count(),
        Member.objects.count(),
        AuditEvent.objects.count(),
    )


def refused(record, number, on, data=None, *, actor=None, reason="", field=None):
    """Assert the step is refused and nothing changed; return the messages."""
    before = snapshot(record)
    with pytest.raises(ValidationError) as exc:
        services.step_record(
            actor=actor,
            record=record,
            number=number,
            on=on,
            data=data or {},
            exception_reason=reason,
        )
    assert snapshot(record) == before
    errors = exc.value.message_dict
    if field:
        assert field in errors, errors
    return " ".join(m for ms in errors.values() for m in ms)


def plan_of(pipe):
    return {
        (n, i): (on, data)
        for i, (n, on, data) in enumerate(
            testing.plan(
                pipe.record.applied_on,
                contacts=[pipe.full1.pk],
                introducers=[pipe.full1.pk, pipe.full2.pk],
                approver=pipe.approver,
            )
        )
    }


def step_of(pipe, number):
    for (n, _i), value in plan_of(pipe).items():
        if n == number:
            return value
    raise KeyError(number)


# ---- opening a record --------------------------------------------------------------------------


def test_open_refuses_an_applicant_under_18(city):
    today = timezone.localdate()
    born = (
        today.replace(year=today.year - 18) + DAY if today.month != 2 or today.day != 29 else today
    )
    with pytest.raises(ValidationError) as exc:
        testing.open_record(
            city.branch_a1, id_number=testing.applicant_id(born=born), applied_on=today
        )
    assert "DEV-01" in exc.value.message_dict["applied_on"][0]
    assert not DevelopmentRecord.objects.exists()


def test_open_refuses_a_member_and_a_second_open_record(pipe):
    with pytest.raises(ValidationError) as exc:
        testing.open_record(pipe.city.branch_a1, id_number=pipe.full1.id_number)
    assert "already a Party member" in exc.value.message_dict["id_number"][0]
    with pytest.raises(ValidationError) as exc:
        testing.open_record(pipe.city.branch_a1, id_number=pipe.record.id_number)
    assert "open development record" in exc.value.message_dict["id_number"][0]


def test_open_outside_scope_or_not_a_branch(pipe):
    with pytest.raises(ValidationError) as exc:
        testing.open_record(pipe.city.branch_b1, actor=pipe.city.secretary)
    assert "org" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        testing.open_record(pipe.city.town_a, actor=pipe.city.county_admin)
    assert "branch" in exc.value.message_dict["org"][0]


def test_id_number_encrypted_and_found_by_hash(pipe):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM recruitment_developmentrecord")
        stored = cursor.fetchone()[0]
    assert pipe.record.id_number not in stored


# ---- order --------------------------------------------------------------------------------------


def test_a_skipped_step_is_refused(pipe):
    on, data = step_of(pipe, 3)
    message = refused(pipe.record, 3, on, data, field="number")
    assert "step 2 comes first" in message


def test_a_step_already_done_is_refused(pipe):
    drive(pipe, 3)
    on, data = step_of(pipe, 2)
    assert "already been recorded" in refused(pipe.record, 2, on, data, field="number")


def test_dates_out_of_order_and_in_the_future(pipe):
    drive(pipe, 2)
    talk_on, _ = step_of(pipe, 2)
    on, data = step_of(pipe, 3)
    assert "previous step" in refused(pipe.record, 3, talk_on - DAY, data, field="on")
    future = timezone.localdate() + DAY
    assert "future" in refused(pipe.record, 3, future, data, field="on")


def test_unknown_and_missing_data_are_refused(pipe):
    on, _data = step_of(pipe, 2)
    refused(pipe.record, 2, on, {"talker": "陈", "bogus": 1}, field="bogus")
    refused(pipe.record, 2, on, {}, field="talker")


# ---- one test per rule at the service: the boundary accepted, a day past refused ----------------


def test_dev03_talk_at_the_deadline_and_a_day_late(pipe):
    due = add_months(pipe.record.applied_on, 1)
    assert "DEV-03" in refused(pipe.record, 2, due + DAY, {"talker": "陈"}, field="on")
    services.step_record(actor=None, record=pipe.record, number=2, on=due, data={"talker": "陈"})


def test_devp2_activist_six_months_after_applying(pipe):
    drive(pipe, 2)
    earliest = add_months(pipe.record.applied_on, 6)
    data = {"method": "mass", "decided_by": "meeting"}
    assert "DEV-P2" in refused(pipe.record, 3, earliest - DAY, data)
    services.step_record(actor=None, record=pipe.record, number=3, on=earliest, data=data)


def test_dev05_contacts_full_members_only(pipe):
    drive(pipe, 4)
    on, _ = step_of(pipe, 5)
    assert "DEV-05" in refused(pipe.record, 5, on, {"members": [pipe.probationary.pk]})
    assert "DEV-05" in refused(
        pipe.record, 5, on, {"members": [pipe.full1.pk, pipe.full2.pk, pipe.city.member_a1.pk]}
    )
    services.step_record(
        actor=None, record=pipe.record, number=5, on=on, data={"members": [pipe.full1.pk]}
    )


def test_dev06_assessment_six_months_after_activist(pipe):
    record = drive(pipe, 5)
    due = add_months(record.activist_on, 6)
    data = {"assessment": "好"}
    assert "DEV-06" in refused(record, 6, due + DAY, data)
    services.step_record(actor=None, record=record, number=6, on=due, data=data)


def test_dev07_target_a_year_after_activist(pipe):
    record = drive(pipe, 6)
    earliest = add_months(record.activist_on, 12)
    services.step_record(
        actor=None,
        record=record,
        number=6,
        on=earliest - timedelta(days=40),
        data={"assessment": "好"},
    )
    data = {"decided_by": "committee"}
    assert "DEV-07" in refused(record, 7, earliest - DAY, data)
    services.step_record(actor=None, record=record, number=7, on=earliest, data=data)


def test_dev08_introducers(pipe):
    record = drive(pipe, 8)
    on, _ = step_of(pipe, 9)
    assert "DEV-08" in refused(record, 9, on, {"members": [pipe.full1.pk]})
    assert "probationary" in refused(
        record, 9, on, {"members": [pipe.full1.pk, pipe.probationary.pk]}
    )
    # The applicant themselves (registered as a member meanwhile, e.g. by a mistaken import)
    himself = make_member(
        pipe.city.branch_a1,
        name=record.name,
        born=record.birth_date,
        sex=record.sex,
        id_number=record.id_number,
    )
    assert "is the applicant" in refused(record, 9, on, {"members": [pipe.full1.pk, himself.pk]})
    # Not in the actor's scope
    other = make_member(pipe.city.branch_b1)
    message = refused(
        record, 9, on, {"members": [pipe.full1.pk, other.pk]}, actor=pipe.city.secretary
    )
    assert "within your scope" in message
    services.step_record(
        actor=None, record=record, number=9, on=on, data={"members": [pipe.full1.pk, pipe.full2.pk]}
    )
    assert Sponsor.objects.filter(record=record, role="introducer").count() == 2


def test_dev09_political_review_must_pass(pipe):
    record = drive(pipe, 9)
    on, _ = step_of(pipe, 10)
    assert "DEV-09" in refused(record, 10, on, {"passed": False, "conclusion": "不合格"})


def test_dev10_training(pipe):
    record = drive(pipe, 10)
    on, _ = step_of(pipe, 11)
    assert "DEV-10" in refused(record, 11, on, {"days": 2, "hours": 23})
    services.step_record(actor=None, record=record, number=11, on=on, data={"hours": 24})


def test_devp1_notice_and_dev11_prereview(pipe):
    record = drive(pipe, 11)
    on, _ = step_of(pipe, 12)
    monday = on + timedelta(days=(7 - on.weekday()) % 7)
    short = {"passed": True, "notice_from": monday, "notice_to": monday + 3 * DAY}
    assert "DEV-P1" in refused(record, 12, monday, short)
    ok = {"passed": True, "notice_from": monday, "notice_to": monday + 4 * DAY}
    services.step_record(actor=None, record=record, number=12, on=monday, data=ok)
    end = monday + 4 * DAY
    assert "DEV-P1" in refused(record, 13, end, {"passed": True, "committee": "党工委"})
    assert "DEV-11" in refused(record, 13, end + DAY, {"passed": False, "committee": "党工委"})
    services.step_record(
        actor=None, record=record, number=13, on=end + DAY, data={"passed": True, "committee": "x"}
    )


def test_votes_that_do_not_add_up_and_dev12_dev13(pipe):
    record = drive(pipe, 14)
    on, votes = step_of(pipe, 15)
    assert "More members present" in refused(record, 15, on, {**votes, "present": 10})
    message = refused(record, 15, on, {**votes, "yes": 8, "no": 1})
    assert "more than the members present" in message
    assert "DEV-12" in refused(
        record, 15, on, {"entitled": 9, "present": 4, "yes": 4, "no": 0, "abstain": 0}
    )
    assert "DEV-13" in refused(
        record, 15, on, {"entitled": 9, "present": 8, "yes": 4, "no": 4, "abstain": 0}
    )


def test_dev14_no_approval_by_a_general_branch(pipe):
    general = make_org(pipe.city.town_a, "某公司党总支", "general_branch", unit_type="private")
    branch = make_org(general, "某公司第一党支部", "branch", unit_type="private")
    record = testing.open_record(branch, name="周八")
    testing.advance(
        record,
        upto=16,
        contacts=[pipe.full1.pk],
        introducers=[pipe.full1.pk, pipe.full2.pk],
        approver=pipe.approver,
    )
    on, _ = step_of(pipe, 17)
    on = record.resolution_on + 30 * DAY
    assert "DEV-14" in refused(record, 17, on, {"approving_org": general.pk}, field="approving_org")
    assert "DEV-14" in refused(record, 17, on, {"approving_org": branch.pk})
    services.step_record(
        actor=None, record=record, number=17, on=on, data={"approving_org": pipe.city.town_a.pk}
    )


def test_dev15_approval_deadline_and_dev16_probation(pipe):
    record = drive(pipe, 16)
    due = add_months(record.resolution_on, 3)
    data = {"approving_org": pipe.approver}
    assert "DEV-15" in refused(record, 17, due + DAY, data)
    services.step_record(actor=None, record=record, number=17, on=due, data=data)
    record.refresh_from_db()
    assert record.probation_ends_on == add_months(record.resolution_on, 12)
    assert record.member.join_date == record.resolution_on


def test_dev17_dev19_full_membership(pipe):
    record = drive(pipe, 22)
    end = record.probation_ends_on
    votes = {"entitled": 9, "present": 8, "yes": 7, "no": 1, "abstain": 0}
    assert "DEV-17" in refused(record, 23, end - DAY, {"decision": "full", **votes})
    assert "DEV-17" in refused(record, 23, end, {"decision": "extend", "extend_months": 5, **votes})
    services.step_record(
        actor=None, record=record, number=23, on=end, data={"decision": "full", **votes}
    )
    due = add_months(end, 3)
    if due <= timezone.localdate():
        assert "DEV-19" in refused(record, 24, due + DAY, {"approving_org": pipe.approver})
    services.step_record(
        actor=None, record=record, number=24, on=end, data={"approving_org": pipe.approver}
    )
    record.refresh_from_db()
    assert record.member.full_member_date == end  # DEV-20
    assert services.next_steps(record) == [25]


def test_dev17_extension_only_once(pipe):
    record = drive(pipe, 22)
    end = record.probation_ends_on
    votes = {"entitled": 9, "present": 8, "yes": 7, "no": 1, "abstain": 0}
    ext = {"decision": "extend", "extend_months": 6, **votes}
    services.step_record(actor=None, record=record, number=23, on=end, data=ext)
    services.step_record(
        actor=None, record=record, number=24, on=end, data={"approving_org": pipe.approver}
    )
    record.refresh_from_db()
    assert record.extended and record.probation_ends_on == add_months(end, 6)
    services.step_record(actor=None, record=record, number=22, on=end, data={})
    assert "once only" in refused(record, 23, end, ext)


def test_dev21_archive_only_after_full_membership(pipe):
    record = drive(pipe, 22)
    end = record.probation_ends_on
    assert "comes first" in refused(record, 25, end, {"archive": "x"})


# ---- documented exceptions ----------------------------------------------------------------------


def test_exception_needs_an_administrator_and_a_reason(pipe):
    record = drive(pipe, 6)
    early = add_months(record.activist_on, 12) - 10 * DAY
    services.step_record(
        actor=None, record=record, number=6, on=early - 20 * DAY, data={"assessment": "好"}
    )
    data = {"decided_by": "committee"}
    message = refused(
        record, 7, early, data, actor=pipe.city.county_admin, field="exception_reason"
    )
    assert "DEV-07" in message
    before = snapshot(record)
    with pytest.raises(PermissionDenied):
        services.step_record(
            actor=pipe.city.secretary,
            record=record,
            number=7,
            on=early,
            data=data,
            exception_reason="上级批准提前",
        )
    assert snapshot(record) == before
    step = services.step_record(
        actor=pipe.city.county_admin,
        record=record,
        number=7,
        on=early,
        data=data,
        exception_reason="经县委组织部批准提前确定",
    )
    (exc,) = RuleException.objects.filter(step=step)
    assert exc.rule == "DEV-07" and exc.actor == pipe.city.county_admin
    event = AuditEvent.objects.filter(event="dev_step").latest("seq")
    assert event.data["exceptions"] == [{"rule": "DEV-07", "reason": "经县委组织部批准提前确定"}]


def test_hard_rules_cannot_be_excepted(pipe):
    record = drive(pipe, 16)
    cap = add_months(record.resolution_on, 6)
    if cap + DAY > timezone.localdate():
        pytest.skip("needs a resolution more than 6 months ago")
    refused(
        record,
        17,
        cap + DAY,
        {"approving_org": pipe.approver},
        actor=pipe.city.county_admin,
        reason="特殊情况",
    )


def test_rule_parameters_come_from_the_ruleset(pipe):
    ruleset.param_set(
        actor=None,
        name="DEV-03.talk_months",
        value=2,
        effective_from=pipe.record.applied_on,
        reason="local rule",
    )
    due = add_months(pipe.record.applied_on, 2)
    services.step_record(actor=None, record=pipe.record, number=2, on=due, data={"talker": "陈"})


def test_scope_outsider_and_viewer_may_not_record(pipe):
    on, data = step_of(pipe, 2)
    for user in (pipe.city.outsider, pipe.city.viewer, pipe.city.member_user):
        before = snapshot(pipe.record)
        with pytest.raises(PermissionDenied):
            services.step_record(actor=user, record=pipe.record, number=2, on=on, data=data)
        assert snapshot(pipe.record) == before
