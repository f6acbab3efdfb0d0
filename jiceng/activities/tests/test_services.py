"""The meeting services: attendance by exception, quorum, bad input refused with nothing
written, scope, attachments checked by content."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from jiceng.activities import services
from jiceng.activities.models import (
    Attachment,
    Attendance,
    Kind,
    LostContactSearch,
    Meeting,
    MemberLife,
    PlanItem,
    Presence,
    Training,
)
from jiceng.audit.models import AuditEvent
from jiceng.core.testing import make_member
from jiceng.members.models import Member

from .helpers import fill_branch

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def today():
    return timezone.localdate()


def nothing_written():
    return (
        Meeting.objects.count(),
        Attendance.objects.count(),
        MemberLife.objects.count(),
        Attachment.objects.count(),
        AuditEvent.objects.filter(event="meeting_create").count(),
    ) == (0, 0, 0, 0, 0)


def record(city, **kw):
    values = {
        "actor": city.secretary,
        "org": city.branch_a1,
        "kind": Kind.PARTY_DAY,
        "held_on": today(),
        "topic": "学习党章",
    }
    values.update(kw)
    return services.meeting_record(**values)


def test_attendance_by_exception(city):
    others = fill_branch(city.branch_a1, 6)
    m = record(
        city,
        on_leave={others[0].pk: "出差"},
        absent=[others[1].pk],
        attachments=[("现场.png", PNG), ("纪要.pdf", PDF)],
    )
    assert (m.expected, m.present, m.on_leave, m.absent) == (7, 5, 1, 1)
    rows = dict(Attendance.objects.filter(meeting=m).values_list("member_id", "presence"))
    assert rows[city.member_a1.pk] == Presence.PRESENT
    assert rows[others[0].pk] == Presence.LEAVE
    assert MemberLife.objects.get(member=city.member_a1).last_present_on == today()
    assert not MemberLife.objects.filter(member=others[1]).exists()
    assert sorted(m.attachments.values_list("content_type", flat=True)) == [
        "application/pdf",
        "image/png",
    ]
    assert AuditEvent.objects.filter(event="meeting_create").count() == 1
    # an older meeting does not move anyone's last organisational life back
    record(city, held_on=today() - timedelta(days=40))
    assert MemberLife.objects.get(member=city.member_a1).last_present_on == today()


def test_general_meeting_quorum(city):
    fill_branch(city.branch_a1, 5)
    probationary = fill_branch(city.branch_a1, 2, membership="probationary", full_member_date=None)
    everyone = list(Member.objects.filter(org=city.branch_a1).values_list("pk", flat=True))
    full = [pk for pk in everyone if pk not in {p.pk for p in probationary}]
    # 6 voting members; 3 absent → 3 of 6 present is not more than half
    m = record(city, kind=Kind.GENERAL, absent=full[:3])
    assert (m.voting, m.voting_present, m.quorum_met) == (6, 3, False)
    m = record(city, kind=Kind.GENERAL, absent=full[:2], has_vote=True)
    assert m.quorum_met and m.has_vote


def test_a_vote_without_quorum_is_refused_and_nothing_written(city):
    others = fill_branch(city.branch_a1, 3)
    with pytest.raises(ValidationError) as exc:
        record(city, kind=Kind.GENERAL, has_vote=True, absent=[o.pk for o in others[:2]])
    assert "LIFE-01" in exc.value.message_dict["has_vote"][0]
    assert nothing_written()


def test_attendance_of_a_non_member_is_refused(city):
    with pytest.raises(ValidationError) as exc:
        record(city, absent=[city.member_b1.pk])
    message = exc.value.message_dict["attendance"][0]
    assert "李四" in message and "寸金社区党支部" in message
    assert nothing_written()
    with pytest.raises(ValidationError):
        record(city, kind=Kind.COMMITTEE, roster=[city.member_a1.pk, city.member_b1.pk])
    assert nothing_written()


def test_a_meeting_in_the_future_is_refused(city):
    with pytest.raises(ValidationError) as exc:
        record(city, held_on=today() + timedelta(days=1))
    assert "future" in exc.value.message_dict["held_on"][0]
    assert nothing_written()


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("photo.jpg", PDF, "not what its extension says"),
        ("minutes.pdf", b"MZ\x90\x00 an executable", "neither a photo"),
        ("empty.png", b"", "empty"),
    ],
)
def test_an_attachment_that_is_not_what_it_says_is_refused(city, name, data, says):
    with pytest.raises(ValidationError) as exc:
        record(city, attachments=[(name, data)])
    assert says in exc.value.message_dict["attachments"][0]
    assert nothing_written()


def test_an_oversized_attachment_is_refused(city, settings):
    settings.JICENG_MAX_ATTACHMENT_BYTES = 100
    with pytest.raises(ValidationError) as exc:
        record(city, attachments=[("big.pdf", PDF + b"x" * 200)])
    assert "larger than" in exc.value.message_dict["attachments"][0]
    assert nothing_written()


def test_attachments_are_stored_under_the_data_dir_after_commit(city, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        m = record(city, attachments=[("纪要.pdf", PDF)])
    a = m.attachments.get()
    assert (tmp_path / "attachments" / a.sha256[:2] / a.sha256).read_bytes() == PDF


def test_committee_meeting_names_its_participants(city):
    with pytest.raises(ValidationError) as exc:
        record(city, kind=Kind.COMMITTEE)
    assert exc.value.message_dict["attendance"]
    others = fill_branch(city.branch_a1, 4)
    m = record(city, kind=Kind.COMMITTEE, roster=[o.pk for o in others[:3]], absent=[others[0].pk])
    assert (m.expected, m.present, m.quorum_met) == (3, 2, True)


def test_scope_outsiders_and_other_branches(city):
    with pytest.raises(ValidationError) as exc:
        record(city, actor=city.secretary, org=city.branch_b1)
    assert exc.value.message_dict["org"]
    for user in (city.outsider, city.viewer, city.member_user):
        with pytest.raises(ValidationError):
            record(city, actor=user)
    assert nothing_written()
    record(city, actor=city.county_admin)
    assert Meeting.objects.count() == 1


def test_appraisal_grades(city):
    others = fill_branch(city.branch_a1, 5)
    m = record(
        city, kind=Kind.APPRAISAL, grades={others[0].pk: "excellent", others[1].pk: "excellent"}
    )
    assert m.grades.count() == 2
    with pytest.raises(ValidationError) as exc:
        services.meeting_grades(
            actor=city.secretary,
            meeting=m,
            grades={o.pk: "excellent" for o in others[:3]},
        )
    assert "LIFE-07" in exc.value.message_dict["grades"][0]
    assert m.grades.count() == 2
    with pytest.raises(PermissionDenied):
        services.meeting_grades(actor=city.viewer, meeting=m, grades={})


def test_plan_generated_from_the_rules_and_editable(city):
    fill_branch(city.branch_a1, 7)
    year = today().year
    items = services.plan_generate(actor=city.secretary, org=city.branch_a1, year=year)
    kinds = [i.kind for i in items]
    assert kinds.count(Kind.PARTY_DAY) == 12 and kinds.count(Kind.GENERAL) == 4
    assert kinds.count(Kind.LIFE_MEETING) == 1
    # again: nothing doubled
    assert len(services.plan_generate(actor=city.secretary, org=city.branch_a1, year=year)) == len(
        items
    )
    item = items[0]
    services.plan_item_update(
        actor=city.secretary, item=item, planned_on=date(year, 1, 20), topic="新年"
    )
    with pytest.raises(ValidationError):
        services.plan_item_update(actor=city.secretary, item=item, planned_on=date(year + 1, 1, 1))
    with pytest.raises(ValidationError):
        services.plan_generate(actor=city.secretary, org=city.branch_b1, year=year)
    assert PlanItem.objects.filter(org=city.branch_b1).count() == 0


def test_lost_contact_search_marks_the_member_and_never_suspends(city):
    member = make_member(city.branch_a1)
    with pytest.raises(ValidationError) as exc:
        services.lost_contact_search(
            actor=city.secretary, member=member, searched_on=today(), how="", reason="nope"
        )
    assert set(exc.value.message_dict) == {"how", "reason"}
    assert LostContactSearch.objects.count() == 0
    services.lost_contact_search(
        actor=city.secretary,
        member=member,
        searched_on=today(),
        how="电话、走访家属",
        reason="work_away",
    )
    member.refresh_from_db()
    assert member.is_lost_contact and member.lost_contact_since == member.join_date
    assert member.standing == "normal"  # LOST-01's suspension is offered, not done
    with pytest.raises(PermissionDenied):
        services.lost_contact_search(
            actor=city.secretary,
            member=city.member_b1,
            searched_on=today(),
            how="电话",
            reason="other",
        )


def test_training_hours(city):
    services.training_record(
        actor=city.secretary, members=[city.member_a1], held_on=today(), title="党课", hours="4"
    )
    assert Training.objects.get().hours == 4
    with pytest.raises(ValidationError) as exc:
        services.training_record(
            actor=city.secretary, members=[city.member_b1], held_on=today(), title="x", hours=500
        )
    assert set(exc.value.message_dict) == {"hours", "members"}
    assert Training.objects.count() == 1
