"""The whole pipeline through the services: admission, 转正, extension, revocation."""

import pytest

from jiceng.audit.models import AuditEvent
from jiceng.core.dates import add_months
from jiceng.members.models import LeaveStatus, Member
from jiceng.recruitment import services
from jiceng.recruitment.models import Stage, Step

from .conftest import drive

pytestmark = pytest.mark.django_db


def test_happy_path_from_application_to_full_membership(pipe):
    record = drive(pipe, 25, actor=pipe.city.secretary)
    assert record.stage == Stage.FULL
    assert record.step == 25
    member = Member.objects.get(pk=record.member_id)
    # DEV-16: probation from the branch resolution; DEV-20: standing from its end
    assert member.join_date == record.resolution_on
    assert record.probation_ends_on == add_months(record.resolution_on, 12)
    assert member.membership == "full"
    assert member.full_member_date == record.probation_ends_on
    assert member.applied_on == record.applied_on
    assert Step.objects.filter(record=record).count() == 26  # step 6 twice
    assert AuditEvent.objects.filter(event="dev_step").count() == 25


def test_admission_creates_the_probationary_member(pipe):
    record = drive(pipe, 17, actor=pipe.city.secretary)
    member = record.member
    assert record.stage == Stage.ADMISSION
    assert member.membership == "probationary"
    assert member.full_member_date is None
    assert member.org_id == pipe.city.branch_a1.pk
    assert member.name == record.name


def _decide(pipe, record, decision, months=None, approve=True):
    decision_on = record.probation_ends_on
    data = {
        "decision": decision,
        "entitled": 9,
        "present": 8,
        "yes": 7,
        "no": 1,
        "abstain": 0,
    }
    if months:
        data["extend_months"] = months
    services.step_record(actor=None, record=record, number=23, on=decision_on, data=data)
    if approve:
        services.step_record(
            actor=None,
            record=record,
            number=24,
            on=decision_on,
            data={"approving_org": pipe.approver},
        )
    record.refresh_from_db()
    return record


def test_extension_once_then_full_membership_from_the_extended_end(pipe, monkeypatch):
    record = drive(pipe, 22)
    # Move the whole record back a year so that the extension has passed by now.
    end = record.probation_ends_on
    record = _decide(pipe, record, "extend", months=6)
    assert record.extended and record.step == 21 and record.stage == Stage.PROBATION
    assert record.probation_ends_on == add_months(end, 6)


def test_revocation_takes_the_member_off_the_rolls(pipe):
    record = drive(pipe, 22)
    record = _decide(pipe, record, "revoke")
    assert record.stage == Stage.REVOKED
    member = Member.objects.get(pk=record.member_id)
    assert member.leave_status == LeaveStatus.PROBATION_REVOKED
    assert services.next_steps(record) == []
