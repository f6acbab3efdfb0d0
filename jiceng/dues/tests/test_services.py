"""Services: standards (FEE-01…07), hardship reductions (FEE-11), payments (FEE-08…10): what
is written, what is refused (and that nothing is written then), scope and audit."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jiceng.audit.models import AuditEvent
from jiceng.core.testing import make_member
from jiceng.dues import services
from jiceng.dues.models import Payment, Reduction, Standard

from .helpers import give_standard, months_ago, this_month

pytestmark = pytest.mark.django_db


def test_standard_from_income_with_the_worked_boundary(city):
    low = give_standard(city.member_a1, "5000.00", actor=city.secretary)
    high = services.standard_set(
        actor=city.secretary,
        member=city.member_a1,
        category="employed",
        effective_from=months_ago(2),
        income_base="5000.01",
    )
    assert (low.amount, high.amount) == (D("50.00"), D("75.00"))
    assert AuditEvent.objects.filter(event="dues_standard").count() == 2


def test_fee_07_history_is_kept_never_overwritten(city):
    first = give_standard(city.member_a1, "4000", actor=city.secretary)
    services.standard_set(
        actor=city.secretary,
        member=city.member_a1,
        category="employed",
        effective_from=months_ago(3),
        income_base="8000",
    )
    first.refresh_from_db()
    assert first.amount == D("40.00")
    assert list(
        Standard.objects.filter(member=city.member_a1)
        .order_by("effective_from")
        .values_list("amount", flat=True)
    ) == [D("40.00"), D("120.00")]
    standards, reductions = services.standards_of([city.member_a1.pk])
    assert services.due_in(standards, reductions, city.member_a1.pk, months_ago(4)) == D("40.00")
    assert services.due_in(standards, reductions, city.member_a1.pk, months_ago(3)) == D("120.00")


@pytest.mark.parametrize(
    ("kwargs", "field", "text"),
    [
        ({"category": "employed", "income_base": "-1"}, "income_base", "negative"),
        ({"category": "employed", "income_base": "99999999"}, "income_base", "not believable"),
        ({"category": "employed"}, "income_base", "needs an income base"),
        ({"category": "farmer", "amount": "5"}, "amount", "between 0.20 and 1.00"),
        ({"category": "astronaut"}, "category", "Choose"),
    ],
)
def test_bad_standards_refused_and_nothing_written(city, kwargs, field, text):
    with pytest.raises(ValidationError) as e:
        services.standard_set(
            actor=city.secretary, member=city.member_a1, effective_from=this_month(), **kwargs
        )
    assert text in " ".join(e.value.message_dict[field])
    assert not Standard.objects.exists()
    assert not AuditEvent.objects.filter(event="dues_standard").exists()


def test_outsider_and_viewer_cannot_set_standards(city):
    for user in (city.outsider, city.viewer):
        with pytest.raises(ValidationError):
            give_standard(city.member_a1, actor=user)
    # The secretary of branch a1 does not reach branch b1.
    with pytest.raises(ValidationError):
        give_standard(city.member_b1, actor=city.secretary)
    assert not Standard.objects.exists()


def test_branch_grid_records_everyone_at_once(city):
    other = make_member(city.branch_a1, name="李四")
    give_standard(city.member_a1, "5000.01")
    give_standard(other, "2000")
    month = months_ago(1)
    rows = services.payments_record(
        actor=city.secretary,
        org=city.branch_a1,
        month=month,
        entries={city.member_a1.pk: "", other.pk: "30"},
    )
    paid = {p.member_id: (p.amount, p.due) for p in rows}
    assert paid == {city.member_a1.pk: (D("75.00"), D("75.00")), other.pk: (D("30.00"), D("10.00"))}
    event = AuditEvent.objects.get(event="dues_payments")
    assert event.data["count"] == 2 and event.data["total"] == "105.00"


def test_one_bad_entry_writes_nothing_and_names_the_member(city):
    other = make_member(city.branch_a1, name="李四")
    give_standard(city.member_a1)
    give_standard(other)
    with pytest.raises(ValidationError) as e:
        services.payments_record(
            actor=city.secretary,
            org=city.branch_a1,
            month=months_ago(1),
            entries={city.member_a1.pk: "", other.pk: "-5"},
        )
    errors = e.value.message_dict
    assert list(errors) == [str(other.pk)]
    assert "李四" in errors[str(other.pk)][0] and "negative" in errors[str(other.pk)][0]
    assert not Payment.objects.exists()
    assert not AuditEvent.objects.filter(event="dues_payments").exists()


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("-1", "negative"),
        ("100000.01", "not believable"),
        ("49.99", "hardship reduction"),
        ("abc", "not an amount"),
    ],
)
def test_bad_amounts_refused(city, amount, text):
    give_standard(city.member_a1)
    with pytest.raises(ValidationError) as e:
        services.payments_record(
            actor=city.secretary,
            org=city.branch_a1,
            month=months_ago(1),
            entries={city.member_a1.pk: amount},
        )
    assert text in e.value.message_dict[str(city.member_a1.pk)][0]
    assert not Payment.objects.exists()


def test_a_month_already_paid_is_refused(city):
    give_standard(city.member_a1)
    month = months_ago(1)
    services.payments_record(
        actor=city.secretary, org=city.branch_a1, month=month, entries={city.member_a1.pk: ""}
    )
    with pytest.raises(ValidationError) as e:
        services.payments_record(
            actor=city.secretary,
            org=city.branch_a1,
            month=month.replace(day=15),
            entries={city.member_a1.pk: "50"},
        )
    assert "already paid" in e.value.message_dict[str(city.member_a1.pk)][0]
    assert Payment.objects.count() == 1


def test_months_outside_the_dues_period_refused(city):
    give_standard(city.member_a1, months_back=3)
    for month, text in ((months_ago(4), "owed from"), (months_ago(-4), "months ahead")):
        with pytest.raises(ValidationError) as e:
            services.payments_record(
                actor=city.secretary,
                org=city.branch_a1,
                month=month,
                entries={city.member_a1.pk: ""},
            )
        assert text in e.value.message_dict[str(city.member_a1.pk)][0]
    # FEE-09: a quarter in advance is fine.
    services.payments_record(
        actor=city.secretary,
        org=city.branch_a1,
        month=months_ago(-3),
        entries={city.member_a1.pk: ""},
    )


def test_members_of_other_branches_and_outsiders_refused(city):
    give_standard(city.member_b1)
    with pytest.raises(ValidationError) as e:
        services.payments_record(
            actor=city.county_admin,
            org=city.branch_a1,
            month=months_ago(1),
            entries={city.member_b1.pk: "50"},
        )
    assert "not on the rolls" in e.value.message_dict[str(city.member_b1.pk)][0]
    for user in (city.outsider, city.viewer, city.member_user):
        with pytest.raises(ValidationError):
            services.payments_record(
                actor=user, org=city.branch_a1, month=months_ago(1), entries={city.member_a1.pk: ""}
            )
    with pytest.raises(ValidationError):  # the secretary of a1 does not collect for b1
        services.payments_record(
            actor=city.secretary,
            org=city.branch_b1,
            month=months_ago(1),
            entries={city.member_b1.pk: ""},
        )
    assert not Payment.objects.exists()


def test_fee_08_voluntary_extra_from_1000_is_marked_forwarded(city):
    give_standard(city.member_a1)
    services.payments_record(
        actor=city.secretary,
        org=city.branch_a1,
        month=months_ago(1),
        entries={city.member_a1.pk: "1050"},
    )
    event = AuditEvent.objects.get(event="dues_payments")
    assert event.data["forwarded"] == [city.member_a1.pk]


def test_fee_11_reduction_needs_approval_by_someone_else(city):
    give_standard(city.member_a1)
    red = services.reduction_apply(
        actor=city.secretary,
        member=city.member_a1,
        from_month=months_ago(2),
        amount="0",
        reason="重病住院",
    )
    # Pending: the standard still applies.
    with pytest.raises(ValidationError):
        services.payments_record(
            actor=city.secretary,
            org=city.branch_a1,
            month=months_ago(1),
            entries={city.member_a1.pk: "0"},
        )
    with pytest.raises(PermissionDenied):
        services.reduction_decide(actor=city.secretary, reduction=red, approve=True)
    with pytest.raises(ValidationError):
        services.reduction_decide(actor=city.outsider, reduction=red, approve=True)
    services.reduction_decide(actor=city.county_admin, reduction=red, approve=True, note="属实")
    red.refresh_from_db()
    assert red.status == "approved" and red.decided_by == city.county_admin
    rows = services.payments_record(
        actor=city.secretary,
        org=city.branch_a1,
        month=months_ago(1),
        entries={city.member_a1.pk: ""},
    )
    assert rows[0].amount == D("0.00") and rows[0].due == D("0.00")
    with pytest.raises(ValidationError, match="already been decided"):
        services.reduction_decide(actor=city.county_admin, reduction=red, approve=False)
    assert AuditEvent.objects.filter(event="dues_reduction_decision").count() == 1


def test_reduction_refuses_bad_input_and_writes_nothing(city):
    with pytest.raises(ValidationError) as e:
        services.reduction_apply(
            actor=city.secretary,
            member=city.member_a1,
            from_month=months_ago(1),
            to_month=months_ago(3),
            amount="-1",
            reason=" ",
        )
    assert set(e.value.message_dict) == {"to_month", "amount", "reason"}
    assert not Reduction.objects.exists()
