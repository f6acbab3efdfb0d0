"""Party dues (党费, RULES.md §2): monthly standards with their history, hardship reductions,
and payments. Money is kept exactly: `Decimal` with two places (yuan and fen)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiceng.core.models import TimeStampedModel

MONEY = {"max_digits": 12, "decimal_places": 2}


class Category(models.TextChoices):
    """How a member's standard is set (FEE-01…06)."""

    EMPLOYED = "employed", _("employed (after-tax pay)")  # FEE-01, FEE-03
    ANNUAL_SALARY = "annual_salary", _("annual salary")  # FEE-04
    SELF_EMPLOYED = "self_employed", _("self-employed")  # FEE-04
    RETIREE = "retiree", _("retired (pension)")  # FEE-05
    FARMER = "farmer", _("farmer")  # FEE-06, set by the branch
    STUDENT = "student", _("student")  # FEE-06
    LAID_OFF = "laid_off", _("laid off / unemployed")  # FEE-06
    RELIEF = "relief", _("relief or subsistence allowance")  # FEE-06


#: Categories whose standard is a percentage of an income base.
INCOME_CATEGORIES = {
    Category.EMPLOYED,
    Category.ANNUAL_SALARY,
    Category.SELF_EMPLOYED,
    Category.RETIREE,
}


class Standard(TimeStampedModel):
    """A member's monthly standard from a month on (FEE-07): rows are only ever added; the
    standard in force in a month is the latest row whose `effective_from` is not after it."""

    scope_path = "member__org__path"

    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="dues_standards", db_index=False
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    income_base = models.DecimalField(
        _("income base (yuan a month)"), null=True, blank=True, **MONEY
    )
    effective_from = models.DateField(_("from month"))
    amount = models.DecimalField(_("monthly standard (yuan)"), **MONEY)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("dues standard")
        verbose_name_plural = _("dues standards")
        ordering = ["member_id", "effective_from", "id"]
        indexes = [models.Index(fields=["member", "effective_from"], name="dues_std_member_from")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.effective_from:%Y-%m} {self.amount}"

    @classmethod
    def scope_self(cls, user):
        return models.Q(member__user=user)


class ReductionStatus(models.TextChoices):
    PENDING = "pending", _("pending approval")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class Reduction(TimeStampedModel):
    """A hardship reduction (FEE-11): pay `amount` (possibly nothing) a month instead of the
    standard, from `from_month` to `to_month` (open-ended if empty), once approved."""

    scope_path = "member__org__path"

    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="dues_reductions", db_index=False
    )
    from_month = models.DateField(_("from month"))
    to_month = models.DateField(_("to month"), null=True, blank=True)
    amount = models.DecimalField(_("reduced monthly amount (yuan)"), **MONEY)
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=ReductionStatus.choices, default=ReductionStatus.PENDING
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("hardship reduction")
        verbose_name_plural = _("hardship reductions")
        ordering = ["member_id", "from_month", "id"]
        indexes = [models.Index(fields=["member", "status"], name="dues_red_member_status")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.from_month:%Y-%m} {self.amount} {self.status}"

    @classmethod
    def scope_self(cls, user):
        return models.Q(member__user=user)


class Payment(TimeStampedModel):
    """One month's dues of one member (FEE-09): a month is paid once. Millions of rows (a year
    of the city is ~3.9 million): the one index besides the key is the unique (member, month),
    which serves every read (by member, by branch or subtree through the member) and keeps bulk
    writes in member order sequential; the foreign keys carry no index of their own. `org` is
    the branch that collected the payment."""

    scope_path = "member__org__path"

    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="dues_payments", db_index=False
    )
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("collected by"),
        db_index=False,
    )
    month = models.DateField(_("month"))
    amount = models.DecimalField(_("amount paid (yuan)"), **MONEY)
    due = models.DecimalField(_("standard that month (yuan)"), **MONEY)
    paid_on = models.DateField(_("paid on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("dues payment")
        verbose_name_plural = _("dues payments")
        ordering = ["member_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="dues_payment_member_month")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.month:%Y-%m} {self.amount}"

    @property
    def extra(self):
        """The voluntary part above the standard (FEE-08)."""
        return max(self.amount - self.due, 0)

    @classmethod
    def scope_self(cls, user):
        return models.Q(member__user=user)


class Account(models.Model):
    """Each member's dues account as kept state (like activities.MemberLife): the first month
    of a standard, the paid-to month and the number of months paid. Kept by the dues services
    in the transaction that writes a payment or a standard (`accounts.refresh`), by the demo
    build and the migration set-based (`accounts.rebuild`); `accounts.check()` compares it with
    a recomputation from the payments. Arrears and FEE-12 over a whole city are then one read
    of this table joined to the members, never a GROUP BY over millions of payments."""

    member = models.OneToOneField(
        "members.Member", primary_key=True, on_delete=models.CASCADE, related_name="dues_account"
    )
    first_standard = models.DateField(null=True, blank=True)  # FEE-07/10: dues kept from
    last_paid = models.DateField(null=True, blank=True)  # the paid-to month
    paid_months = models.PositiveIntegerField(default=0)  # months paid, all of them

    class Meta:
        verbose_name = _("dues account")
        indexes = [models.Index(fields=["last_paid"], name="dues_account_last_paid")]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.last_paid} ({self.paid_months})"
